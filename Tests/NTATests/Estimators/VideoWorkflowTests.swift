import Foundation
import Testing
import NTA

/// The whole per-track chain on a simulated NTA video (light sheet, tracks of
/// random length, full-frame blur, noise, drift): drift → pooled σ² → known-σ²
/// ML per track. Reference numbers for wiring ``Analysis``.
@Suite("Video workflow: drift, pooled σ², ML")
struct VideoWorkflowTests {
    @Test("Mean per-track ML D̂ on a simulated video with blur, noise and drift")
    func video() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 2024
        p.frameCount = 1500
        p.concentrationPerMl = 4e9
        p.exposureMilliseconds = 1000 / p.frameRateHz // full-frame exposure: R = 1/6
        p.localisationSigmaNanometers = 40
        p.driftNanometersPerFrame = [20, 10]
        let video = Simulator.run(p)
        let dt = p.frameIntervalSeconds
        let tracks = TrackGrouping.group(video.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 10).tracks
        let drift = DriftEstimate.estimate(tracks, smoothingFrames: 15)
        let corrected = tracks.subtractingDrift(drift)
        let nuisance = try #require(VideoNuisance.estimate(corrected, frameIntervalSeconds: dt,
                                                           exposureMilliseconds: p.exposureMilliseconds, drift: drift))
        let truth = video.tracks[0].diffusionUm2PerS
        let context = nuisance.context
        let ml = EstimatorTestSupport.estimates(MaximumLikelihoodEstimator(), corrected, context)
        let s = EstimateSummary(ml)
        let v = drift.meanVelocityNanometersPerFrame
        print("video: \(tracks.trackCount) tracks; drift \(v.x), \(v.y) ± \(v.standardError) nm/frame; σ² \(nuisance.localisationVarianceNm2) ± \(nuisance.localisationVarianceStandardErrorNm2) nm² (truth 1600)")
        print("video ml: \(s) truth \(truth) bias \(String(format: "%+.2f%%", 100 * (s.mean / truth - 1)))")
        let one = EstimateSummary(EstimatorTestSupport.estimates(OneLagMSDEstimator(), tracks, context))
        print("video msd1 (raw tracks): mean \(one.mean) bias \(String(format: "%+.2f%%", 100 * (one.mean / truth - 1)))")
        let fit = TrackLikelihood(corrected, track: 0).maximumLikelihood(
            localisationVarianceNm2: context.localisationVarianceNm2, blurCoefficient: context.blurCoefficient,
            frameIntervalSeconds: dt)!
        let common = abs(fit.diffusionPerLocalisationVariance) * nuisance.localisationVarianceStandardErrorNm2
        let se = ((s.meanReportedVariance - common * common) / Double(s.count) + common * common).squareRoot()
        #expect(abs(s.mean - truth) < 4 * se, "mean \(s.mean) truth \(truth) SE \(se)")
    }

    @Test("Unknown exposure: σ²-free ML (R-invariant) per population of a polydisperse video")
    func unknownExposure() {
        let dt = 1.0 / 30
        let truths = [1.5, 4.4, 12.0]
        let sets = truths.enumerated().map { i, d in
            Simulator.fixedLengthTracks(count: 500, positions: 30, diffusionUm2PerS: d, frameIntervalSeconds: dt,
                                        sigmaNanometers: 40, exposureFraction: 0.7, seed: 600 + UInt64(i))
        }
        // R is never given: the estimator runs with R = 0 and is exact anyway.
        let context = EstimationContext(frameIntervalSeconds: dt)
        for (d, set) in zip(truths, sets) {
            let s = EstimateSummary(MaximumLikelihoodEstimator(usesKnownLocalisationVariance: false)
                .estimateAll(set, context: context).compactMap { $0 })
            print("ml-free, R unknown, D=\(d): \(s) bias \(String(format: "%+.2f%%", 100 * (s.mean / d - 1)))")
            #expect(s.count == set.trackCount)
            #expect(abs(s.zScore(truth: d)) < 4)
        }
    }
}
