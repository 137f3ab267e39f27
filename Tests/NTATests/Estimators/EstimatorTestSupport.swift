import Foundation
import NTA

/// Summary of many per-track estimates of the same true D.
struct EstimateSummary: CustomStringConvertible {
    var count: Int
    /// Mean of D̂, µm²/s.
    var mean: Double
    /// Sample variance of D̂.
    var empiricalVariance: Double
    /// Mean of the variances the estimator reported.
    var meanReportedVariance: Double
    /// Sample excess kurtosis of D̂ (for the sampling SD of the variance).
    var excessKurtosis: Double

    init(_ estimates: [DiffusionEstimate]) {
        count = estimates.count
        let d = estimates.map(\.diffusionUm2PerS)
        let n = Double(count)
        mean = d.reduce(0, +) / n
        var m2 = 0.0, m4 = 0.0
        for v in d { let e = (v - mean) * (v - mean); m2 += e; m4 += e * e }
        empiricalVariance = m2 / (n - 1)
        excessKurtosis = (m4 / n) / ((m2 / n) * (m2 / n)) - 3
        meanReportedVariance = estimates.map(\.varianceUm4PerS2).reduce(0, +) / n
    }

    /// Standard error of the mean from the estimator's own reported variance.
    var standardErrorOfMean: Double { (meanReportedVariance / Double(count)).squareRoot() }
    /// (mean − truth) in standard errors.
    func zScore(truth: Double) -> Double { (mean - truth) / standardErrorOfMean }
    /// Empirical / reported variance.
    var varianceRatio: Double { empiricalVariance / meanReportedVariance }
    /// Sampling SD of `varianceRatio` if the reported variance is right:
    /// Var(s²)/σ⁴ = 2/(M − 1) + κ/M (κ the excess kurtosis; the χ² band when κ = 0).
    var varianceRatioSD: Double { (2 / Double(count - 1) + max(excessKurtosis, 0) / Double(count)).squareRoot() }

    var description: String {
        String(format: "M=%d mean=%.5f SE=%.5f varRatio=%.4f±%.4f", count, mean, standardErrorOfMean, varianceRatio,
               varianceRatioSD)
    }
}

enum EstimatorTestSupport {
    /// Runs `estimator` on every track.
    static func estimates(_ estimator: some DiffusionEstimator, _ tracks: TrackSet,
                          _ context: EstimationContext) -> [DiffusionEstimate] {
        (0..<tracks.trackCount).compactMap { t in tracks.withSample(of: t) { estimator.estimate($0, context: context) } }
    }

    /// Concatenates track sets (ids renumbered).
    static func concatenate(_ sets: [TrackSet]) -> TrackSet {
        var ids: [Int64] = [], offs = [0], f: [Int32] = [], xs: [Double] = [], ys: [Double] = []
        for s in sets {
            for t in 0..<s.trackCount {
                let r = s.rows(of: t)
                ids.append(Int64(ids.count))
                f.append(contentsOf: s.frame[r]); xs.append(contentsOf: s.xNanometers[r]); ys.append(contentsOf: s.yNanometers[r])
                offs.append(f.count)
            }
        }
        return TrackSet(particleIDs: ids, offsets: offs, frame: f, xNanometers: xs, yNanometers: ys)
    }

    /// Removes each localisation (except each track's first and last) with
    /// probability `missing`, creating gaps.
    static func withGaps(_ s: TrackSet, missing: Double, seed: UInt64) -> TrackSet {
        var rng = SeededGenerator(seed: seed)
        var offs = [0], f: [Int32] = [], xs: [Double] = [], ys: [Double] = []
        for t in 0..<s.trackCount {
            let r = s.rows(of: t)
            for i in r where i == r.lowerBound || i == r.upperBound - 1 || rng.nextUniform() >= missing {
                f.append(s.frame[i]); xs.append(s.xNanometers[i]); ys.append(s.yNanometers[i])
            }
            offs.append(f.count)
        }
        return TrackSet(particleIDs: s.particleIDs, offsets: offs, frame: f, xNanometers: xs, yNanometers: ys)
    }
}
