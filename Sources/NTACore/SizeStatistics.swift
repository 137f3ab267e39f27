import Foundation

/// Summary statistics of a size distribution, computed from its bins exactly
/// as Malvern NanoSight NTA 3.x computes the figures it prints (checked
/// against real exports to their printed 0.1 nm, FORMATS.md):
///
/// - mean and SD: the bin-centre moments weighted by the bin amounts
///   (SD is the population SD, √(Σw(c − mean)²/Σw));
/// - D10, D50, D90: the cumulative amount, linearly interpolated within bins
///   (bin i spans its centre ± half a width), reaching 10, 50, 90 %;
/// - mode: the vertex of the parabola through the highest bin and its two
///   neighbours (the bin centre itself at an edge or on a flat top).
public struct SizeStatistics: Sendable, Hashable, Codable {
    /// Amount-weighted mean of the bin centres, nm.
    public var meanNm: Double
    /// Mode, nm: vertex of the parabola through the highest bin and its neighbours.
    public var modeNm: Double
    /// Population standard deviation of the bin centres about the mean, nm.
    public var sdNm: Double
    /// D10: size below which 10 % of the amount lies, nm.
    public var d10Nm: Double
    /// D50 (median): size below which 50 % of the amount lies, nm.
    public var d50Nm: Double
    /// D90: size below which 90 % of the amount lies, nm.
    public var d90Nm: Double

    /// Statistics given figure by figure, all in nm.
    public init(meanNm: Double, modeNm: Double, sdNm: Double, d10Nm: Double, d50Nm: Double, d90Nm: Double) {
        self.meanNm = meanNm
        self.modeNm = modeNm
        self.sdNm = sdNm
        self.d10Nm = d10Nm
        self.d50Nm = d50Nm
        self.d90Nm = d90Nm
    }

    /// Every figure unknown (NaN, reported as `null` or "n/a"): an empty distribution's, or one the data do not support.
    public static let unknown = SizeStatistics(meanNm: .nan, modeNm: .nan, sdNm: .nan, d10Nm: .nan, d50Nm: .nan, d90Nm: .nan)

    /// Statistics of `distribution`; all NaN when it is empty.
    public init(_ distribution: BinnedDistribution) {
        let v = distribution.values
        let total = v.reduce(0, +)
        guard total > 0 else {
            self = .unknown
            return
        }
        var m1 = 0.0
        for i in v.indices { m1 += v[i] * distribution.centre(i) }
        let mean = m1 / total
        var m2 = 0.0
        for i in v.indices {
            let d = distribution.centre(i) - mean
            m2 += v[i] * d * d
        }
        self.init(
            meanNm: mean,
            modeNm: SizeStatistics.mode(distribution),
            sdNm: (m2 / total).squareRoot(),
            d10Nm: SizeStatistics.percentile(distribution, 0.10, total: total),
            d50Nm: SizeStatistics.percentile(distribution, 0.50, total: total),
            d90Nm: SizeStatistics.percentile(distribution, 0.90, total: total))
    }

    /// The size below which `fraction` of the amount lies: the cumulative
    /// amount linearly interpolated within bins (`Quantile.crossing`),
    /// bin i spanning its centre ± half a width; NaN when empty.
    public static func percentile(_ distribution: BinnedDistribution, _ fraction: Double, total: Double? = nil) -> Double {
        let w = distribution.binWidthNanometers
        switch Quantile.crossing(distribution.values, fraction, total: total) {
        case .empty: return .nan
        case .within(let i, let t): return distribution.centre(i) - w / 2 + t * w
        case .beyondLastCell: return distribution.centre(distribution.values.count - 1) + w / 2
        }
    }

    /// Sub-bin mode: vertex of the parabola through the highest bin and its neighbours.
    public static func mode(_ distribution: BinnedDistribution) -> Double {
        let v = distribution.values
        guard let top = v.indices.max(by: { v[$0] < v[$1] }), v[top] > 0 else { return .nan }
        let c = distribution.centre(top)
        guard top > 0, top < v.count - 1 else { return c }
        let a = v[top - 1], b = v[top], d = v[top + 1]
        let denominator = a - 2 * b + d
        guard denominator < 0 else { return c }
        return c + 0.5 * (a - d) / denominator * distribution.binWidthNanometers
    }
}

extension SizeStatistics {
    /// Statistics of a histogram of per-track sizes: mean, SD and D10/D50/D90
    /// from the raw 1-nm bins exactly as NanoSight computes them, and the mode
    /// from the same bins smoothed by a Gaussian kernel whose width follows
    /// Silverman's rule (0.9·min(SD, IQR/1.34)·n^(−1/5)), because the mode of a
    /// raw 1-nm histogram of a few thousand tracks is mostly counting noise.
    public init(trackHistogram h: BinnedDistribution) {
        self.init(h)
        let n = h.total
        guard n > 1, sdNm.isFinite else { return }
        let iqr = SizeStatistics.percentile(h, 0.75) - SizeStatistics.percentile(h, 0.25)
        let spread = min(sdNm, iqr > 0 ? iqr / 1.34 : sdNm)
        let bandwidth = max(0.9 * spread * pow(n, -0.2), h.binWidthNanometers)
        modeNm = SizeStatistics.mode(h.smoothed(bandwidthNanometers: bandwidth))
    }
}
