import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// A deconvolution that piles tracks against an end of its grid where their own sizes are not is warned of.
@Suite struct EdgePileTests {
    /// 66 nm ×/÷ 1.2 polystyrene filmed with photon-limited localisation (σ = 30 nm·√(`reference`/I), floor 10 nm, a
    /// 10 ms exposure at 30 fps), analysed with `exposureMilliseconds` as given (`nil`: unknown): the warning, if any.
    static func edgeWarning(sigmaReferenceIntensity reference: Double, analysedWithExposure exposure: Double?) throws -> String? {
        var p = SimulationParameters(mixture: SizeMixture([SizeComponent(name: "small", medianNanometers: 66, geometricSD: 1.2)]))
        p.seed = 3
        p.frameCount = 1500
        p.exposureMilliseconds = 10
        p.sigmaReferenceIntensity = reference
        p.sigmaFloorNanometers = 10
        let a = try analyzeSimulated(Simulator.run(p), withheldExposureGiven: exposure, name: "dim")
        let found = a.warnings.filter { $0.contains("the deconvolution piles") }
        #expect(found.count <= 1, "\(found)")
        return found.first
    }

    // Mean σ 696 nm (20–4,400 nm across localisations, σ² ≈ 2DΔt of the median particle): the one shared σ² makes
    // bright tracks read as barely moving and dim ones as racing; the deconvolution read D50 ≈ 1,980 nm (truth 64.5 nm)
    // with an interval a few nm wide, silently, where the tracks' own sizes have D50 ≈ 72 nm.
    @Test("localisation error differing many-fold between tracks, exposure unknown or known: warned of, the pile and the tracks' own sizes there named")
    func photonLimitedFailureWarned() throws {
        let unknown = try #require(try Self.edgeWarning(sigmaReferenceIntensity: 100_000, analysedWithExposure: nil))
        #expect(unknown.contains("into its highest cell"), "\(unknown)")
        #expect(unknown.contains("are not measurements"), "\(unknown)")
        let known = try #require(try Self.edgeWarning(sigmaReferenceIntensity: 100_000, analysedWithExposure: 10))
        #expect(known.contains("into its highest cell"), "\(known)")
    }

    // Mean σ 311 nm: the deconvolution reads D50 73 nm (truth 64.5), nothing at the grid's ends.
    @Test("photon-limited localisation the shared σ² still describes: no warning")
    func milderPhotonLimitedNotWarned() throws {
        #expect(try Self.edgeWarning(sigmaReferenceIntensity: 20_000, analysedWithExposure: nil) == nil)
        #expect(try Self.edgeWarning(sigmaReferenceIntensity: 20_000, analysedWithExposure: 10) == nil)
    }

    // The threshold, by hand: N = 1,000 tracks, 10 % piled: N·s/2 = 50 expected at or beyond the inner edge, SD
    // √(1000 · 0.05 · 0.95) = 6.89, so 5 SD below is 15.5.
    @Test("the pile test: more than 1 % piled, and the tracks' own sizes 5 binomial SDs below half of it")
    func threshold() {
        #expect(Analysis.edgePiled(share: 0.10, ownAtEdge: 15, tracks: 1000))
        #expect(!Analysis.edgePiled(share: 0.10, ownAtEdge: 16, tracks: 1000))
        #expect(!Analysis.edgePiled(share: 0.01, ownAtEdge: 0, tracks: 1000), "1 % is the resolution of D10/D90: not a pile")
        #expect(Analysis.edgePiled(share: 0.011, ownAtEdge: 0, tracks: 100_000))
        #expect(!Analysis.edgePiled(share: 0.5, ownAtEdge: 0, tracks: 0))
    }
}
