import Foundation
import Testing
import NTA

/// Per-track estimators against simulated ground truth. Tolerances come from
/// theory: the mean must lie within 4 standard errors of the truth (SE from the
/// estimator's own reported variance / √M), and the empirical variance must
/// match the reported one within 4 sampling SDs of a variance ratio
/// (√(2/(M − 1) + κ/M), the χ² band widened for the estimates' kurtosis κ).
@Suite("Per-track diffusion estimators")
struct PerTrackEstimatorTests {
    static let dt = 1.0 / 30
    /// 100 nm at ~25 °C: D ≈ 4.4 µm²/s.
    static let trueD = 4.4
    static let sigma = 40.0
    static let tracks = 1200
    static let positions = 30

    /// Full-frame exposure: R = 1/6.
    static let blurred = Simulator.fixedLengthTracks(
        count: tracks, positions: positions, diffusionUm2PerS: trueD, frameIntervalSeconds: dt,
        sigmaNanometers: sigma, exposureFraction: 1, seed: 101)
    static let blurredContext = EstimationContext(frameIntervalSeconds: dt, blurCoefficient: 1.0 / 6)
    static let blurredKnownContext = EstimationContext(frameIntervalSeconds: dt, blurCoefficient: 1.0 / 6,
                                                       localisationVarianceNm2: sigma * sigma)

    /// Low SNR (small D, large σ: x = σ²/(DΔt) ≈ 1.35), no blur, to exercise the noise terms.
    static let noisyD = 0.5
    static let noisySigma = 150.0
    static let noisy = Simulator.fixedLengthTracks(
        count: tracks, positions: 40, diffusionUm2PerS: noisyD, frameIntervalSeconds: dt,
        sigmaNanometers: noisySigma, exposureFraction: 0, seed: 202)
    static let noisyContext = EstimationContext(frameIntervalSeconds: dt, blurCoefficient: 0)

    static func check(_ name: String, _ estimator: some DiffusionEstimator, _ tracks: TrackSet,
                      _ context: EstimationContext, truth: Double) {
        let s = EstimateSummary(EstimatorTestSupport.estimates(estimator, tracks, context))
        print("\(name): \(s) bias=\(String(format: "%+.2f%%", 100 * (s.mean / truth - 1))) z=\(String(format: "%+.2f", s.zScore(truth: truth)))")
        #expect(s.count == tracks.trackCount, "\(name): every track estimated")
        #expect(abs(s.zScore(truth: truth)) < 4, "\(name): mean \(s.mean) vs truth \(truth), SE \(s.standardErrorOfMean)")
        #expect(abs(s.varianceRatio - 1) < 4 * s.varianceRatioSD,
                "\(name): empirical/reported variance \(s.varianceRatio) ± \(s.varianceRatioSD)")
    }

    @Test("ML, σ² known, full-frame blur")
    func mlKnownBlur() {
        Self.check("ml known blur", MaximumLikelihoodEstimator(usesKnownLocalisationVariance: true), Self.blurred,
                   Self.blurredKnownContext, truth: Self.trueD)
    }

    @Test("ML, σ² unknown, full-frame blur")
    func mlFreeBlur() {
        Self.check("ml free blur", MaximumLikelihoodEstimator(usesKnownLocalisationVariance: false), Self.blurred,
                   Self.blurredContext, truth: Self.trueD)
    }

    @Test("ML, σ² known and unknown, low SNR")
    func mlNoisy() {
        let known = EstimationContext(frameIntervalSeconds: Self.dt, localisationVarianceNm2: Self.noisySigma * Self.noisySigma)
        Self.check("ml known noisy", MaximumLikelihoodEstimator(), Self.noisy, known, truth: Self.noisyD)
        Self.check("ml free noisy", MaximumLikelihoodEstimator(usesKnownLocalisationVariance: false), Self.noisy,
                   Self.noisyContext, truth: Self.noisyD)
    }

    @Test("ML with gaps (runs as independent segments)")
    func mlGaps() {
        let gapped = EstimatorTestSupport.withGaps(Self.blurred, missing: 0.1, seed: 7)
        Self.check("ml known gaps", MaximumLikelihoodEstimator(), gapped, Self.blurredKnownContext, truth: Self.trueD)
    }

    @Test("CVE with blur, σ² unknown and known")
    func cveBlur() {
        Self.check("cve blur", CVEEstimator(), Self.blurred, Self.blurredContext, truth: Self.trueD)
        Self.check("cve known blur", CVEEstimator(usesKnownLocalisationVariance: true), Self.blurred,
                   Self.blurredKnownContext, truth: Self.trueD)
    }

    @Test("Optimal-lag MSD fit, blur and low SNR")
    func optimalLag() {
        Self.check("msd-optimal blur", OptimalLagMSDEstimator(), Self.blurred, Self.blurredContext, truth: Self.trueD)
        Self.check("msd-optimal noisy", OptimalLagMSDEstimator(), Self.noisy, Self.noisyContext, truth: Self.noisyD)
    }

    @Test("ML is more precise than CVE and the optimal-lag MSD (known σ²)")
    func efficiency() {
        let ml = EstimateSummary(EstimatorTestSupport.estimates(MaximumLikelihoodEstimator(), Self.blurred, Self.blurredKnownContext))
        let cve = EstimateSummary(EstimatorTestSupport.estimates(CVEEstimator(), Self.blurred, Self.blurredContext))
        let msd = EstimateSummary(EstimatorTestSupport.estimates(OptimalLagMSDEstimator(), Self.blurred, Self.blurredContext))
        print("variance ml=\(ml.empiricalVariance) cve=\(cve.empiricalVariance) msd-optimal=\(msd.empiricalVariance)")
        #expect(ml.meanReportedVariance < cve.meanReportedVariance)
        #expect(ml.meanReportedVariance < msd.meanReportedVariance)
    }

    @Test("Noise-free, blur-free ML equals the one-lag MSD and reports D²/K")
    func mlReducesToMSD() {
        let clean = Simulator.fixedLengthTracks(count: 5, positions: 20, diffusionUm2PerS: 2, frameIntervalSeconds: Self.dt,
                                                sigmaNanometers: 0, seed: 3)
        let context = EstimationContext(frameIntervalSeconds: Self.dt, localisationVarianceNm2: 0)
        for t in 0..<clean.trackCount {
            clean.withSample(of: t) { s in
                let ml = MaximumLikelihoodEstimator().estimate(s, context: context)!
                let one = OneLagMSDEstimator().estimate(s, context: context)!
                #expect(abs(ml.diffusionUm2PerS / one.diffusionUm2PerS - 1) < 1e-8)
                let k = Double(s.count - 1)
                #expect(abs(ml.varianceUm4PerS2 / (ml.diffusionUm2PerS * ml.diffusionUm2PerS / k) - 1) < 1e-8)
            }
        }
    }

    @Test("Short tracks (10 localisations): ML and CVE with known σ², full-frame blur")
    func shortTracks() {
        let short = Simulator.fixedLengthTracks(count: 3000, positions: 10, diffusionUm2PerS: Self.trueD,
                                                frameIntervalSeconds: Self.dt, sigmaNanometers: Self.sigma,
                                                exposureFraction: 1, seed: 303)
        Self.check("ml known short", MaximumLikelihoodEstimator(), short, Self.blurredKnownContext, truth: Self.trueD)
        Self.check("cve known short", CVEEstimator(usesKnownLocalisationVariance: true), short,
                   Self.blurredKnownContext, truth: Self.trueD)
    }

    @Test("Workflow: pooled σ² from the video, then known-σ² ML per track, polydisperse with blur")
    func pooledThenML() throws {
        let truths = [1.5, 4.4, 12.0]
        let sets = truths.enumerated().map { i, d in
            Simulator.fixedLengthTracks(count: 400, positions: 25, diffusionUm2PerS: d, frameIntervalSeconds: Self.dt,
                                        sigmaNanometers: Self.sigma, exposureFraction: 1, seed: 400 + UInt64(i))
        }
        let all = EstimatorTestSupport.concatenate(sets)
        let nuisance = try #require(VideoNuisance.estimate(all, frameIntervalSeconds: Self.dt,
                                                           exposureMilliseconds: Self.dt * 1000))
        print("pooled σ² \(nuisance.localisationVarianceNm2) ± \(nuisance.localisationVarianceStandardErrorNm2)")
        let context = nuisance.context
        for (d, set) in zip(truths, sets) {
            let estimates = EstimatorTestSupport.estimates(MaximumLikelihoodEstimator(), set, context)
            let s = EstimateSummary(estimates)
            // The σ² error is common to every track: the SE of the mean is the statistical part / √M
            // plus the full propagated σ² part (not divided by √M).
            let fit = TrackLikelihood(set, track: 0).maximumLikelihood(
                localisationVarianceNm2: context.localisationVarianceNm2, blurCoefficient: context.blurCoefficient,
                frameIntervalSeconds: Self.dt)!
            let common = abs(fit.diffusionPerLocalisationVariance) * nuisance.localisationVarianceStandardErrorNm2
            let statistical = (s.meanReportedVariance - common * common) / Double(s.count)
            let se = (statistical + common * common).squareRoot()
            print("pooled→ml D=\(d): mean \(s.mean) SE \(se) (common-mode \(common)) bias \(String(format: "%+.2f%%", 100 * (s.mean / d - 1)))")
            #expect(abs(s.mean - d) < 4 * se)
        }
    }
}
