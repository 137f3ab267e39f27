import Foundation
import Testing
import NTA
@testable import NTADistribution
@testable import NTADiffusion

/// Each track's own σ² in the one-lag Gamma likelihood's rows and in the per-track ML fits (photon-limited
/// localisation: a dim track's σ² is larger than a bright one's).
@Suite struct TrackVarianceOffsetTests {
    static let grid = DiameterGrid()
    static let diffusion = grid.diffusionNm2PerS(temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95)

    /// Two tracks of 40 steps, mean squared 2D step 6,000 nm² a frame, R 0.05, σ² `sigma2` (+ `offsets`).
    static func model(sigma2: Double, offsets: [Double]?, logResolution: Double) -> OneLagGammaLikelihood {
        var m = OneLagGammaLikelihood(sumSquared2DNm2: [240_000, 240_000], steps: [40, 40], frameIntervalSeconds: 1.0 / 30,
                                      blurCoefficient: 0.05, localisationVarianceNm2: sigma2, logResolution: logResolution)
        m.localisationVarianceOffsetsNm2 = offsets
        return m
    }

    static func row(_ m: OneLagGammaLikelihood, track t: Int) -> [Double] {
        var out = [Double](repeating: 0, count: diffusion.count)
        m.logLikelihood(m.summary(ofTrack: t), context: m.rowContext([m.summary(ofTrack: t)], diffusionNm2PerS: diffusion),
                        diffusionNm2PerS: diffusion, into: &out)
        return out
    }

    @Test("with exact ties, a track's row with an offset is the row of a likelihood whose σ² is the sum, bit for bit")
    func exactOffsetIsTheSum() {
        let offsets = Self.model(sigma2: 400, offsets: [0, 1_500], logResolution: 0)
        #expect(Self.row(offsets, track: 0).map(\.bitPattern) == Self.row(Self.model(sigma2: 400, offsets: nil, logResolution: 0), track: 0).map(\.bitPattern))
        #expect(Self.row(offsets, track: 1).map(\.bitPattern) == Self.row(Self.model(sigma2: 1_900, offsets: nil, logResolution: 0), track: 1).map(\.bitPattern))
        #expect(offsets.summary(ofTrack: 0) != offsets.summary(ofTrack: 1), "tracks of different σ² do not share a row")
    }

    // Pooled: the offset is rounded to a step of δΔ/4 ≈ 0.2/√40 · 6000/4 = 47.4 nm² (δ = max(0.01, 0.2/√k); Δ is
    // the bin's, within δ/2 of 6,000), so 1,500 nm² is kept to within half of that.
    @Test("pooled, an offset is rounded to a quarter of the ln Δ resolution's effect, and the row follows the rounded σ²")
    func pooledOffsetIsRounded() throws {
        let offsets = Self.model(sigma2: 400, offsets: [0, 1_500], logResolution: 0.01)
        let s = offsets.summary(ofTrack: 1)
        let quantum = offsets.varianceQuantum(s)
        #expect(abs(quantum / (0.2 / 40.0.squareRoot() * 6_000 / 4) - 1) < 0.2 / 40.0.squareRoot())
        let used = offsets.localisationVarianceNm2(s)
        #expect(abs(used - 1_900) <= quantum / 2)
        #expect(Self.row(offsets, track: 1).map(\.bitPattern)
                == Self.row(Self.model(sigma2: used, offsets: nil, logResolution: 0.01), track: 1).map(\.bitPattern))
        #expect(offsets.summary(ofTrack: 0) == Self.model(sigma2: 400, offsets: nil, logResolution: 0.01).summary(ofTrack: 0),
                "a zero offset pools as before")
    }

    @Test("per-track ML with each track's own σ² is the fit with that σ² in the context")
    func perTrackFitsUseTheirOwnVariance() throws {
        let subset = Simulator.fixedLengthTracks(count: 20, positions: 30, diffusionUm2PerS: 4.4, frameIntervalSeconds: 1.0 / 30,
                                                 sigmaNanometers: 40, exposureFraction: 0, seed: 77)
        let count = subset.trackCount
        let context = EstimationContext(frameIntervalSeconds: 1.0 / 30, blurCoefficient: 0, localisationVarianceNm2: 900)
        let own = (0..<count).map { 300 + 100 * Double($0) }
        let ml = MaximumLikelihoodEstimator(usesKnownLocalisationVariance: true)
        let all = ml.estimateAll(subset, context: context, localisationVariancesNm2: own)
        for t in 0..<count {
            var mine = context
            mine.localisationVarianceNm2 = own[t]
            let alone = subset.withSample(of: t) { ml.estimate($0, context: mine) }
            #expect(all[t]?.diffusionUm2PerS.bitPattern == alone?.diffusionUm2PerS.bitPattern, "track \(t)")
        }
    }

    @Test("the exact likelihood with each track's own σ² gives each track the row of its σ², bit for bit; negative ones as 0")
    func exactLikelihoodUsesTheirOwnVariance() {
        let set = Simulator.fixedLengthTracks(count: 3, positions: 25, diffusionUm2PerS: 4.4, frameIntervalSeconds: 1.0 / 30,
                                              sigmaNanometers: 40, exposureFraction: 0.3, seed: 78)
        let context = EstimationContext(frameIntervalSeconds: 1.0 / 30, blurCoefficient: 0.05, localisationVarianceNm2: 900)
        var own = ExactTrackLikelihoods(set, context: context)
        own.localisationVariancesNm2 = [400, 2_500, -30]
        for (t, s2) in [400.0, 2_500, 0].enumerated() {
            var alone = ExactTrackLikelihoods(set, context: context)
            alone.localisationVarianceNm2 = s2
            var a = [Double](), b = [Double]()
            own.logLikelihood(t, diffusionNm2PerS: Self.diffusion, into: &a)
            alone.logLikelihood(t, diffusionNm2PerS: Self.diffusion, into: &b)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "track \(t)")
        }
    }

    /// 200 tracks' halves whose σ² is exactly s₀ + s₁·u (u = mean 1/I from 10⁻³ to 10⁻², the same in both halves; R = 0,
    /// so σ̂²ₕ = −cₕ), their mean squared steps alike: the pooled fit's slope per unit of 1/I.
    static func fittedSlope(s0: Double, s1: Double) -> Double? {
        let halves: [VideoNuisance.HalfStatistics] = (0..<200).map { i in
            let u = 1e-3 * (1 + 9 * Double(i) / 199)
            let half: VideoNuisance.Half = (x: 5e4, c: -(s0 + s1 * u), n: 20, u: u, uSteps: u)
            return (a: half, b: half)
        }
        return VideoNuisance.pooledLocalisationVariance(VideoNuisance.WeightedHalves(halves), blurCoefficient: 0,
                                                        localisationInverseIntensity: 5e-3)?.slopeNm2PerInverseIntensity
    }

    @Test("σ² rising with 1/I, as shot noise makes it, gives each track its own; falling, one σ² for all")
    func onlyAPositiveSlopeCounts() throws {
        let rising = try #require(Self.fittedSlope(s0: 400, s1: 2e6))
        #expect(abs(rising / 2e6 - 1) < 1e-9, "the exact data's slope, \(rising)")
        #expect(Self.fittedSlope(s0: 8_000, s1: -2e5) == 0)
    }
}
