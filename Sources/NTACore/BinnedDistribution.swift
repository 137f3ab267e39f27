import Foundation

/// A number-weighted size distribution on uniform bins: `values[i]` is the
/// amount (count, or concentration) in the bin centred on `binCentresNanometers[i]`.
///
/// NanoSight's exports use 1-nm bins centred at 0.5 … 999.5 nm; this type
/// takes any uniform bins so it can hold instrument files and our own
/// distributions alike.
public struct BinnedDistribution: Sendable, Hashable {
    /// Centre of the first bin, nm.
    public var firstCentreNanometers: Double
    /// Width of every bin, nm.
    public var binWidthNanometers: Double
    /// Amount per bin (≥ 0).
    public var values: [Double]

    /// `values` on bins of `binWidthNanometers` whose first centre is `firstCentreNanometers` (default: NanoSight's
    /// 1-nm bins from 0.5 nm).
    public init(firstCentreNanometers: Double = 0.5, binWidthNanometers: Double = 1, values: [Double]) {
        self.firstCentreNanometers = firstCentreNanometers
        self.binWidthNanometers = binWidthNanometers
        self.values = values
    }

    /// Centre of bin `i`, nm.
    @inlinable
    public func centre(_ i: Int) -> Double { firstCentreNanometers + Double(i) * binWidthNanometers }

    /// Sum over all bins.
    public var total: Double { values.reduce(0, +) }

    /// A 1-nm histogram (bins 0.5, 1.5, … nm) of diameters, optionally weighted.
    /// Diameters ≥ `upperNanometers` or not finite are not binned; the caller
    /// accounts for them.
    public static func histogram(diametersNanometers: [Double], weights: [Double]? = nil,
                                 upperNanometers: Double = 1000) -> BinnedDistribution {
        let bins = Int(upperNanometers.rounded(.up))
        var values = [Double](repeating: 0, count: bins)
        for (k, d) in diametersNanometers.enumerated() where d.isFinite && d >= 0 && d < upperNanometers {
            values[Int(d)] += weights?[k] ?? 1
        }
        return BinnedDistribution(values: values)
    }

    /// Adds another distribution on the same bins (extending with zeros if it is longer).
    public mutating func add(_ other: BinnedDistribution) {
        precondition(other.firstCentreNanometers == firstCentreNanometers && other.binWidthNanometers == binWidthNanometers)
        if other.values.count > values.count { values += Array(repeating: 0, count: other.values.count - values.count) }
        for i in other.values.indices { values[i] += other.values[i] }
    }

    /// Fraction of the total whose size lies in `[minNanometers, maxNanometers]`,
    /// with the amount of each bin spread uniformly across its width.
    public func fraction(from minNanometers: Double, to maxNanometers: Double) -> Double {
        let t = total
        guard t > 0, maxNanometers > minNanometers else { return .nan }
        return (cumulative(at: maxNanometers) - cumulative(at: minNanometers)) / t
    }

    /// The amount below `size` (bins spread uniformly across their width).
    public func cumulative(at size: Double) -> Double {
        var sum = 0.0
        let half = binWidthNanometers / 2
        for i in values.indices {
            let lo = centre(i) - half, hi = centre(i) + half
            if size >= hi { sum += values[i] } else if size > lo {
                sum += values[i] * (size - lo) / binWidthNanometers
                break
            } else { break }
        }
        return sum
    }
}

extension BinnedDistribution {
    /// The distribution convolved with a Gaussian kernel of standard deviation
    /// `bandwidthNanometers` (truncated at 4 SD, renormalised at the edges so no amount is lost).
    public func smoothed(bandwidthNanometers: Double) -> BinnedDistribution {
        let h = bandwidthNanometers / binWidthNanometers
        let reach = Int((4 * h).rounded(.up))
        let kernel = (-reach...reach).map { exp(-0.5 * Double($0 * $0) / (h * h)) }
        var out = [Double](repeating: 0, count: values.count)
        for i in values.indices where values[i] > 0 {
            let lo = max(0, i - reach), hi = min(values.count - 1, i + reach)
            var norm = 0.0
            for j in lo...hi { norm += kernel[j - i + reach] }
            let scale = values[i] / norm
            for j in lo...hi { out[j] += scale * kernel[j - i + reach] }
        }
        return BinnedDistribution(firstCentreNanometers: firstCentreNanometers, binWidthNanometers: binWidthNanometers,
                                  values: out)
    }
}
