import Testing
import NTA

/// Sample moments of per-track estimates, for comparing with theory.
struct EstimateSample {
    var mean: Double
    var variance: Double
    /// Excess kurtosis of the estimates (sets how precisely `variance` is known).
    var excessKurtosis: Double
    var count: Int

    init(_ values: [Double]) {
        count = values.count
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        var m2 = 0.0, m4 = 0.0
        for v in values {
            let d = v - mean
            m2 += d * d
            m4 += d * d * d * d
        }
        variance = m2 / (n - 1)
        excessKurtosis = (m4 / n) / ((m2 / n) * (m2 / n)) - 3
    }

    /// |mean − expected| in units of the theoretical standard error √(var/M).
    func meanDeviation(expected: Double, theoryVariance: Double) -> Double {
        abs(mean - expected) / (theoryVariance / Double(count)).squareRoot()
    }

    /// |s²/σ² − 1| in units of the sampling SD of s²/σ², √((2 + κ)/M).
    func varianceDeviation(theoryVariance: Double) -> Double {
        abs(variance / theoryVariance - 1) / ((2 + max(excessKurtosis, 0)) / Double(count)).squareRoot()
    }
}

@Suite("Per-track estimators against simulated ground truth")
struct EstimatorGroundTruthTests {
    // A 100 nm particle in water at 22 °C, 30 fps (SCIENCE.md §2's regime).
    let dTrue = StokesEinstein.diffusionUm2PerS(diameterNanometers: 100, temperatureCelsius: 22,
                                                 viscosityMillipascalSeconds: ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: 22))
    let dt = 1.0 / 30
    let tracks = 3000
    let positions = 21

    func estimates(_ estimator: some DiffusionEstimator, sigma: Double, exposureFraction: Double, seed: UInt64,
                   gapEvery: Int? = nil) -> (d: [Double], reportedVariance: [Double]) {
        var set = Simulator.fixedLengthTracks(count: tracks, positions: positions, diffusionUm2PerS: dTrue,
                                              frameIntervalSeconds: dt, sigmaNanometers: sigma,
                                              exposureFraction: exposureFraction, seed: seed)
        if let every = gapEvery { set = removingFrames(set, every: every) }
        let context = EstimationContext(frameIntervalSeconds: dt, blurCoefficient: exposureFraction / 6)
        var d: [Double] = [], v: [Double] = []
        for t in 0..<set.trackCount {
            if let e = set.withSample(of: t, { estimator.estimate($0, context: context) }) {
                d.append(e.diffusionUm2PerS)
                v.append(e.varianceUm4PerS2)
            }
        }
        return (d, v)
    }

    /// Per-axis step covariance with blur R and noise σ (SCIENCE.md §1): diagonal a, adjacent b, nm².
    func stepCovariance(sigma: Double, r: Double) -> (a: Double, b: Double) {
        let dNm2 = dTrue * 1e6
        return (2 * dNm2 * dt * (1 - 2 * r) + 2 * sigma * sigma, 2 * r * dNm2 * dt - sigma * sigma)
    }

    /// Removes every `every`-th frame (frames ≡ every−1 mod every) from each track, leaving gaps.
    func removingFrames(_ set: TrackSet, every: Int) -> TrackSet {
        var ids: [Int64] = [], offsets = [0], f: [Int32] = [], x: [Double] = [], y: [Double] = []
        for t in 0..<set.trackCount {
            for r in set.rows(of: t) where Int(set.frame[r]) % every != every - 1 {
                f.append(set.frame[r]); x.append(set.xNanometers[r]); y.append(set.yNanometers[r])
            }
            ids.append(set.particleIDs[t]); offsets.append(f.count)
        }
        return TrackSet(particleIDs: ids, offsets: offsets, frame: f, xNanometers: x, yNanometers: y)
    }

    @Test("one-lag MSD without noise or blur: unbiased, variance D²/K")
    func oneLagNoiseFree() {
        let (d, _) = estimates(OneLagMSDEstimator(), sigma: 0, exposureFraction: 0, seed: 11)
        let s = EstimateSample(d)
        let theory = dTrue * dTrue / Double(positions - 1)
        #expect(s.meanDeviation(expected: dTrue, theoryVariance: theory) < 4)
        #expect(s.varianceDeviation(theoryVariance: theory) < 4)
    }

    @Test("one-lag MSD is biased exactly as theory says: mean D(1 − 2R) + σ²/Δt")
    func oneLagBias() {
        let sigma = 40.0
        let (d, _) = estimates(OneLagMSDEstimator(), sigma: sigma, exposureFraction: 1, seed: 12)
        let s = EstimateSample(d)
        let r = 1.0 / 6
        let expected = dTrue * (1 - 2 * r) + sigma * sigma * 1e-6 / dt
        // Theory variance of the mean squared step with blur and noise, per axis a = 2DΔt(1−2R)+2σ², b = 2RDΔt−σ².
        let (a, b) = stepCovariance(sigma: sigma, r: r)
        let k = Double(positions - 1)
        let varSum = 2 * (2 * a * a * k + 2 * 2 * b * b * (k - 1))  // two axes; Var(Σx²) = 2·tr(C²)
        let theory = varSum / pow(4 * dt * k, 2) * 1e-12
        #expect(s.meanDeviation(expected: expected, theoryVariance: theory) < 4)
        #expect(s.varianceDeviation(theoryVariance: theory) < 4)
        // And that bias is large: a full-frame exposure reads D about a third low.
        #expect(s.mean < 0.75 * dTrue)
    }

    @Test("one-lag MSD stays unbiased across gaps (a gap of g frames counts g intervals)")
    func oneLagGaps() {
        let (d, _) = estimates(OneLagMSDEstimator(), sigma: 0, exposureFraction: 0, seed: 13, gapEvery: 4)
        let s = EstimateSample(d)
        // 21 positions, every 4th removed: frames 0,1,2,4,5,6,… → steps of 1,1,2 frames; Σg = span.
        let set = removingFrames(Simulator.fixedLengthTracks(count: 1, positions: positions, diffusionUm2PerS: 1,
                                                             frameIntervalSeconds: dt, sigmaNanometers: 0, seed: 1), every: 4)
        let m = set.withSample(of: 0) { StepMoments($0) }
        let theory = dTrue * dTrue * Double(m.sumGapsSquared) / Double(m.sumGaps * m.sumGaps)
        #expect(s.meanDeviation(expected: dTrue, theoryVariance: theory) < 4)
        #expect(s.varianceDeviation(theoryVariance: theory) < 4)
    }

    @Test("CVE is unbiased under noise and full-frame blur, with Vestergaard's variance")
    func cveUnderNoiseAndBlur() {
        let sigma = 40.0
        let (d, _) = estimates(CVEEstimator(), sigma: sigma, exposureFraction: 1, seed: 14)
        let s = EstimateSample(d)
        let r = 1.0 / 6
        let k = Double(positions - 1)
        let eps = sigma * sigma * 1e-6 / (dTrue * dt) - 2 * r
        let theory = dTrue * dTrue * ((6 + 4 * eps + 2 * eps * eps) / k + 4 * (1 + eps) * (1 + eps) / (k * k)) / 2
        #expect(s.meanDeviation(expected: dTrue, theoryVariance: theory) < 4)
        #expect(s.varianceDeviation(theoryVariance: theory) < 4)
    }

    @Test("CVE with σ² known: unbiased and tighter than with σ² unknown")
    func cveKnownSigma() {
        let sigma = 40.0
        let set = Simulator.fixedLengthTracks(count: tracks, positions: positions, diffusionUm2PerS: dTrue,
                                              frameIntervalSeconds: dt, sigmaNanometers: sigma, exposureFraction: 1, seed: 15)
        let r = 1.0 / 6
        let context = EstimationContext(frameIntervalSeconds: dt, blurCoefficient: r, localisationVarianceNm2: sigma * sigma)
        let known = CVEEstimator(usesKnownLocalisationVariance: true)
        let d = (0..<set.trackCount).compactMap { t in set.withSample(of: t) { known.estimate($0, context: context)?.diffusionUm2PerS } }
        let s = EstimateSample(d)
        let k = Double(positions - 1)
        let eps = sigma * sigma * 1e-6 / (dTrue * dt) - 2 * r
        // Per axis, the known-σ² form uses the K squared steps, which are correlated through b:
        // Var(⟨Δx²⟩) = 2(K a² + 2(K−1) b²)/K², averaged over two axes.
        let (a, b) = stepCovariance(sigma: sigma, r: r)
        let theory = 2 * (k * a * a + 2 * (k - 1) * b * b) / (k * k) / 2 / pow(2 * (1 - 2 * r) * dt, 2) * 1e-12
        #expect(s.meanDeviation(expected: dTrue, theoryVariance: theory) < 4)
        #expect(s.varianceDeviation(theoryVariance: theory) < 4)
        // Vestergaard's leading-order form agrees with the exact one to O(1/K).
        let vestergaard = dTrue * dTrue * (2 + 4 * eps + 3 * eps * eps) / (k * (1 - 2 * r) * (1 - 2 * r)) / 2
        #expect(abs(vestergaard / theory - 1) < 2 / k)
    }

    @Test("CVE ignores adjacent products across gaps")
    func cveGaps() {
        let (d, _) = estimates(CVEEstimator(), sigma: 30, exposureFraction: 0, seed: 16, gapEvery: 5)
        let s = EstimateSample(d)
        // With a frame removed every 5, each 21-frame track keeps 16 positions in runs of 4:
        // 12 single-frame steps and 8 adjacent pairs. Theory: the CVE variance with K = 12 is a lower bound
        // (fewer pairs than K − 1), so check the mean against the empirical SE.
        #expect(s.meanDeviation(expected: dTrue, theoryVariance: s.variance) < 4)
    }

    @Test("pooled CVE localisation variance recovers σ² within its sampling error")
    func pooledSigma() {
        let sigma = 40.0
        let set = Simulator.fixedLengthTracks(count: tracks, positions: positions, diffusionUm2PerS: dTrue,
                                              frameIntervalSeconds: dt, sigmaNanometers: sigma, seed: 17)
        var pooled = StepMoments()
        var perTrack: [Double] = []
        for t in 0..<set.trackCount {
            let m = set.withSample(of: t) { StepMoments($0) }
            pooled.add(m)
            perTrack.append(CVEEstimator.localisationVarianceNm2(m, blurCoefficient: 0)!)
        }
        let estimate = CVEEstimator.localisationVarianceNm2(pooled, blurCoefficient: 0)!
        // Tracks have equal length, so the pooled estimate is the mean of the per-track ones;
        // its SE follows from their spread.
        let s = EstimateSample(perTrack)
        #expect(abs(estimate - s.mean) < 1e-6 * s.mean)
        #expect(s.meanDeviation(expected: sigma * sigma, theoryVariance: s.variance) < 4)
    }
}

import Foundation
