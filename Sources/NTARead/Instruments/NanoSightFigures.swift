import Foundation
import NTACore

/// NanoSight's own figures recomputed from a summary's bins, the way NTA 3.x
/// computes them (checked against real 3.2 and 3.4 exports, FORMATS.md):
///
/// - per video: Mean, SD, Mode, D10/D50/D90 from the 1-nm bins as
///   ``SizeStatistics`` describes; concentration = the sum of the bins;
/// - percentiles 1 … 99: the cumulative sum interpolated within 1-nm bins
///   (bin i spans centre ± 0.5 nm). NTA 3.2 prints every such percentile, and
///   so D10/D50/D90, exactly 1 nm lower (as if bin i spanned centre − 1.5 …
///   centre − 0.5 nm); 3.3 and later do not. Percentile 0 and 100 are the lower
///   edge of the first and the upper edge of the last non-empty bin (3.3+; 3.2
///   prints the extreme per-track sizes, which the bins cannot reproduce);
/// - `Average` across videos: the mean of the per-video figures;
///   `Standard Error`: their sample standard deviation (n − 1) divided by √n.
///   The bin table's `Concentration average` and `Standard Error` columns are
///   the same two formulas applied bin by bin.
public struct NanoSightFigures: Sendable, Hashable {
    /// Mean, mode, SD, D10, D50, D90 of the video, nm.
    public var statistics: SizeStatistics
    /// Sum of the bins, particles/ml (original sample when NTA recorded a dilution).
    public var concentrationPerMl: Double
    /// Percentiles 0 … 100, nm.
    public var percentilesNanometers: [Double]

    /// The figures of one distribution. `percentileOffsetNanometers` is
    /// ``percentileOffset(version:)`` of the file's NTA version.
    public init(_ distribution: BinnedDistribution, percentileOffsetNanometers: Double = 0) {
        var s = SizeStatistics(distribution)
        s.d10Nm -= percentileOffsetNanometers
        s.d50Nm -= percentileOffsetNanometers
        s.d90Nm -= percentileOffsetNanometers
        statistics = s
        concentrationPerMl = distribution.total
        percentilesNanometers = NanoSightFigures.percentiles(distribution, offsetNanometers: percentileOffsetNanometers)
    }

    /// How much lower than the 1-nm-bin interpolation NTA `major.minor` prints its percentiles:
    /// 1 nm for NTA 3.2 and earlier, 0 from 3.3 on.
    public static func percentileOffset(version: (major: Int, minor: Int)?) -> Double {
        guard let version else { return 0 }
        return (version.major, version.minor) <= (3, 2) ? 1 : 0
    }

    /// Percentiles 0 … 100 of `distribution` as NTA tabulates them.
    public static func percentiles(_ distribution: BinnedDistribution, offsetNanometers: Double = 0) -> [Double] {
        let total = distribution.total
        let v = distribution.values
        guard total > 0, let first = v.firstIndex(where: { $0 > 0 }), let last = v.lastIndex(where: { $0 > 0 }) else {
            return Array(repeating: .nan, count: 101)
        }
        let half = distribution.binWidthNanometers / 2
        var out: [Double] = [distribution.centre(first) - half]
        for p in 1...99 {
            // The shared bin interpolation, less NTA ≤ 3.2's own 1-nm offset, to reproduce the percentiles it prints (FORMATS.md).
            out.append(SizeStatistics.percentile(distribution, Double(p) / 100, total: total) - offsetNanometers)
        }
        out.append(distribution.centre(last) + half)
        return out
    }

    /// NTA's `Average` and `Standard Error` of per-video figures: the mean, and
    /// the sample standard deviation (n − 1) over √n (NaN for fewer than 2 values).
    public static func averageAndStandardError(_ values: [Double]) -> (average: Double, standardError: Double) {
        let n = Double(values.count)
        guard !values.isEmpty else { return (.nan, .nan) }
        let mean = values.reduce(0, +) / n
        guard values.count > 1 else { return (mean, .nan) }
        let ss = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (ss / (n - 1)).squareRoot() / n.squareRoot())
    }
}

extension NanoSightExperimentSummary {
    /// NanoSight's figures of video `index` from the number-weighted size bins,
    /// with the percentile convention of this file's NTA version.
    public func figures(video index: Int) -> NanoSightFigures? {
        guard let d = numberSizeDistribution(video: index) else { return nil }
        return NanoSightFigures(d, percentileOffsetNanometers: NanoSightFigures.percentileOffset(version: version))
    }
}

/// Rounds `x` the way the instrument prints it.
public enum PrintedPrecision {
    /// `x` rounded to `significantFigures` significant figures (e.g. 3 for NanoSight concentrations).
    public static func significant(_ x: Double, _ significantFigures: Int) -> Double {
        guard x != 0, x.isFinite else { return x }
        let magnitude = Foundation.floor(Foundation.log10(Swift.abs(x)))
        let scale = Foundation.pow(10, Double(significantFigures - 1) - magnitude)
        return (x * scale).rounded() / scale
    }

    /// `x` rounded to `decimals` places.
    public static func decimals(_ x: Double, _ decimals: Int) -> Double {
        let scale = Foundation.pow(10, Double(decimals))
        return (x * scale).rounded() / scale
    }
}
