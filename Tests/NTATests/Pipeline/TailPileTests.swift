import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// A deconvolution that puts more tracks below or above a size than the tracks' own sizes allow is warned of.
@Suite struct TailPileTests {
    /// 400 tracks of 40 steps of a 100 nm particle (D = 4.3 µm²/s at 22 °C, 30 fps: a mean squared 2D step of
    /// 4DΔt ≈ 5.7·10⁵ nm², each track's sum spread ±20 %), deconvolved with the likelihood told `sigma2` (nm²),
    /// and the tail warning against records whose own sizes are their noise-free ML estimates.
    static func warning(likelihoodSigma2 sigma2: Double) -> String? {
        var rng = SeededGenerator(seed: 12)
        let dt = 1.0 / 30, d = 4.3e6, k = 40
        let sums = (0..<400).map { _ in Double(k) * 4 * d * dt * (0.8 + 0.4 * rng.nextUniform()) }
        let model = OneLagGammaLikelihood(sumSquared2DNm2: sums, steps: Array(repeating: k, count: sums.count),
                                          frameIntervalSeconds: dt, localisationVarianceNm2: sigma2)
        let fit = DeconvolvedSizeDistribution(model: model, framesPerTrack: Array(repeating: k + 1, count: sums.count),
                                              frameIntervalSeconds: dt, temperatureCelsius: 22,
                                              viscosityMillipascalSeconds: 0.954, minimumTrackLength: nil)
        // Each track's own size: its ML estimate without noise, D̂ = Σ|Δr|²/(4kΔt).
        let records = sums.indices.map { i in
            var r = TrackRecord(particleID: Int64(i), localisations: k + 1, steps: k)
            r.diameterNanometers = StokesEinstein.diameterNanometers(
                diffusionUm2PerS: sums[i] / (4 * Double(k) * dt) / 1e6, temperatureCelsius: 22, viscosityMillipascalSeconds: 0.954)
            return r
        }
        return Analysis.tailPileWarning(fit.deconvolution, records: records)
    }

    // Told σ² = 10⁶ nm², every track's steps are smaller than any D allows (a = 2DΔt + 2σ² ≥ 2·10⁶ nm² against the
    // ≈ 2.9·10⁵ observed): the likelihood puts every track at D → 0, the grid's top, where no own size lies — the
    // shape of photon-limited tracks sized with one σ² (a 66 nm sample read D50 1,983 nm so before 2026-12-03).
    @Test("a likelihood that does not describe the tracks piles them at the grid's top: warned, with the share and the own sizes there")
    func misspecifiedLikelihoodWarned() throws {
        let text = try #require(Self.warning(likelihoodSigma2: 1e6))
        #expect(text.contains("at or above"), "\(text)")
        #expect(text.contains("where 0 of the 400 tracks' own sizes lie"), "\(text)")
        #expect(text.contains("are not measurements"), "\(text)")
    }

    @Test("the likelihood that made the tracks: no warning")
    func rightLikelihoodNotWarned() {
        #expect(Self.warning(likelihoodSigma2: 0) == nil)
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
