import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// A deconvolution that puts more tracks below or above a size than the tracks' own sizes allow is warned of.
@Suite struct TailPileTests {
    /// 66 nm ×/÷ 1.2 polystyrene filmed with photon-limited localisation (σ = 30 nm·√(`reference`/I), floor 10 nm, a
    /// 10 ms exposure at 30 fps), analysed with `exposureMilliseconds` as given (`nil`: unknown): the warning, if any.
    static func tailWarning(sigmaReferenceIntensity reference: Double, analysedWithExposure exposure: Double?) throws -> String? {
        var p = SimulationParameters(mixture: SizeMixture([SizeComponent(name: "small", medianNanometers: 66, geometricSD: 1.2)]))
        p.seed = 3
        p.frameCount = 1500
        p.exposureMilliseconds = 10
        p.sigmaReferenceIntensity = reference
        p.sigmaFloorNanometers = 10
        let a = try analyzeSimulated(Simulator.run(p), withheldExposureGiven: exposure, name: "dim")
        let found = a.warnings.filter { $0.contains("the deconvolution puts") }
        #expect(found.count <= 1, "\(found)")
        return found.first
    }

    // Mean σ 696 nm (20–4,400 nm across localisations, σ² ≈ 2DΔt of the median particle): the one shared σ² makes
    // bright tracks read as barely moving and dim ones as racing; the deconvolution read D50 ≈ 1,980 nm (truth 64.5 nm)
    // with an interval a few nm wide, silently, where the tracks' own sizes have D50 ≈ 72 nm.
    @Test("localisation error differing many-fold between tracks, exposure unknown or known: warned of, the pile and the tracks' own sizes there named")
    func photonLimitedFailureWarned() throws {
        let unknown = try #require(try Self.tailWarning(sigmaReferenceIntensity: 100_000, analysedWithExposure: nil))
        #expect(unknown.contains("at or above 1"), "\(unknown)")
        #expect(unknown.contains("are not measurements"), "\(unknown)")
        let known = try #require(try Self.tailWarning(sigmaReferenceIntensity: 100_000, analysedWithExposure: 10))
        #expect(known.contains("at or above 1"), "\(known)")
    }

    // Mean σ 311 nm: the deconvolution reads D50 73 nm (truth 64.5), nothing at the grid's ends.
    @Test("photon-limited localisation the shared σ² still describes: no warning")
    func milderPhotonLimitedNotWarned() throws {
        #expect(try Self.tailWarning(sigmaReferenceIntensity: 20_000, analysedWithExposure: nil) == nil)
        #expect(try Self.tailWarning(sigmaReferenceIntensity: 20_000, analysedWithExposure: 10) == nil)
    }

    // The threshold, by hand: N = 1,000 tracks, 10 % in the tail: N·s/2 = 50 expected there at least, SD
    // √(1000 · 0.05 · 0.95) = 6.89, so 5 SD short is below 15.5.
    @Test("the tail test: more than 1 % of the tracks in the tail, and their own sizes there 5 binomial SDs short of half of it")
    func threshold() throws {
        let z = try #require(Analysis.tailPileShortfall(share: 0.10, ownInTail: 15, tracks: 1000))
        #expect(abs(z - 35 / (1000 * 0.05 * 0.95).squareRoot()) < 1e-12)
        #expect(Analysis.tailPileShortfall(share: 0.10, ownInTail: 16, tracks: 1000) == nil)
        #expect(Analysis.tailPileShortfall(share: 0.01, ownInTail: 0, tracks: 1000) == nil, "1 % is the resolution of D10/D90: not a pile")
        #expect(Analysis.tailPileShortfall(share: 0.011, ownInTail: 0, tracks: 100_000) != nil)
        #expect(Analysis.tailPileShortfall(share: 0.5, ownInTail: 0, tracks: 0) == nil)
    }
}
