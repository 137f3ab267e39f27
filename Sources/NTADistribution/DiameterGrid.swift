import Foundation
import NTACore

/// A log-spaced grid of diameters on which a size distribution is deconvolved.
///
/// Node `m` stands for the cell of width ``logSpacing`` in ln d centred on
/// ``diametersNanometers``[m] (cells tile [``lowerEdgeNanometers``,
/// ``upperEdgeNanometers``]). A distribution on the grid is a vector of
/// amounts per node; ``binned(_:)`` spreads each node's amount uniformly in
/// ln d across its cell to give NanoSight-style 1-nm bins.
public struct DiameterGrid: Sendable, Hashable {
    /// Node diameters, nm, increasing, log-spaced.
    public let diametersNanometers: [Double]
    /// Spacing of the nodes in ln d.
    public let logSpacing: Double

    /// A grid of `count` nodes from `minNanometers` to `maxNanometers`
    /// (both included as nodes), equally spaced in ln d.
    ///
    /// The default (10–2000 nm, 200 nodes, 2.7 % per node) resolves sizes far
    /// more finely than a track of ≤ 1,000 steps can (per-track SD of ln d̂ ≈ 1/√k).
    public init(minNanometers: Double = 10, maxNanometers: Double = 2000, count: Int = 200) {
        precondition(minNanometers > 0 && maxNanometers > minNanometers && count >= 4)
        let h = log(maxNanometers / minNanometers) / Double(count - 1)
        logSpacing = h
        let lo = log(minNanometers)
        diametersNanometers = (0..<count).map { exp(lo + Double($0) * h) }
    }

    /// The default grid, extended node by node at each end beyond which more than `share` of `diametersNanometers`
    /// lie (each a track's own size), until its cells cover every one of them; the default grid itself, to the bit,
    /// when neither end has that many beyond it.
    ///
    /// A deconvolution has no node for a size beyond its grid: those tracks' likelihoods pile their weight against
    /// the edge, and the distribution's quantiles and mode there are the edge, not measurements. The extension keeps
    /// the default's spacing and node positions (up to rounding), so the sizes inside 10–2000 nm are resolved as
    /// before. It reaches no further than ``coverableNanometers`` (1 nm–100 µm: the grid's size follows the range of
    /// the sizes, never their magnitude); sizes beyond that stay beyond it.
    public static func covering(_ diametersNanometers: [Double], beyondShare share: Double) -> DiameterGrid {
        let grid = DiameterGrid()
        let sizes = diametersNanometers.filter { $0.isFinite && $0 > 0 }
        guard let smallest = sizes.min(), let largest = sizes.max() else { return grid }
        let beyond = grid.sizesBeyond(sizes), n = Double(sizes.count)
        let extendsDown = Double(beyond.below) > share * n, extendsUp = Double(beyond.above) > share * n
        guard extendsDown || extendsUp else { return grid }
        let h = grid.logSpacing, first = grid.diametersNanometers[0], last = grid.count - 1
        // Node k (k = 0 is the default's first) has the cell [first·e^((k − ½)h), first·e^((k + ½)h)].
        func node(covering d: Double) -> Int {
            let clamped = min(max(d, coverableNanometers.lowerBound), coverableNanometers.upperBound)
            return Int((log(clamped / first) / h).rounded())
        }
        // An end with sizes beyond it holds the smallest (or largest) size.
        let lo = extendsDown ? min(node(covering: smallest), 0) : 0
        let hi = extendsUp ? max(node(covering: largest), last) : last
        return DiameterGrid(minNanometers: first * exp(Double(lo) * h), maxNanometers: first * exp(Double(hi) * h),
                            count: hi - lo + 1)
    }

    /// The sizes ``covering(_:beyondShare:)`` extends the grid to at most, nm: from a small molecule to a tenth of a
    /// millimetre (at the default spacing, at most 433 nodes).
    public static let coverableNanometers: ClosedRange<Double> = 1 ... 100_000

    /// How many of `diametersNanometers` lie below the first cell's lower edge and above the last cell's upper edge
    /// (a size not finite is neither).
    public func sizesBeyond(_ diametersNanometers: [Double]) -> (below: Int, above: Int) {
        let lower = lowerEdgeNanometers, upper = upperEdgeNanometers
        var below = 0, above = 0
        for d in diametersNanometers {
            if d < lower { below += 1 } else if d > upper { above += 1 }
        }
        return (below, above)
    }

    /// Number of nodes.
    public var count: Int { diametersNanometers.count }

    /// Lower edge of the first cell, nm.
    public var lowerEdgeNanometers: Double { diametersNanometers[0] * exp(-logSpacing / 2) }
    /// Upper edge of the last cell, nm.
    public var upperEdgeNanometers: Double { diametersNanometers[count - 1] * exp(logSpacing / 2) }

    /// Stokes–Einstein diffusion coefficient of every node, nm²/s.
    public func diffusionNm2PerS(temperatureCelsius: Double, viscosityMillipascalSeconds: Double) -> [Double] {
        diametersNanometers.map {
            StokesEinstein.diffusionUm2PerS(diameterNanometers: $0, temperatureCelsius: temperatureCelsius,
                                            viscosityMillipascalSeconds: viscosityMillipascalSeconds) * 1e6
        }
    }

    /// The amounts `weights` (one per node) as a 1-nm ``BinnedDistribution``
    /// (bins centred 0.5, 1.5, … nm up to the grid's upper edge), each node's
    /// amount spread uniformly in ln d over its cell. Totals are preserved.
    ///
    /// With `scale` ≠ 1 the amounts sit at every node's diameter times `scale` (the distribution moved along ln d by
    /// ln `scale`, its shape kept), binned up to the moved upper edge.
    public func binned(_ weights: [Double], scaledBy scale: Double = 1) -> BinnedDistribution {
        precondition(weights.count == count && scale > 0 && scale.isFinite)
        let bins = Int((upperEdgeNanometers * max(1, scale)).rounded(.up)) + 1
        var values = [Double](repeating: 0, count: bins)
        let half = logSpacing / 2
        for m in 0..<count where weights[m] != 0 {
            let lo = scale * diametersNanometers[m] * exp(-half), hi = scale * diametersNanometers[m] * exp(half)
            var b = Int(lo)
            while Double(b) < hi && b < bins {
                let a = max(lo, Double(b)), z = min(hi, Double(b + 1))
                if z > a { values[b] += weights[m] * log(z / a) / logSpacing }
                b += 1
            }
        }
        return BinnedDistribution(values: values)
    }

    /// The amount of `weights` with diameter in `[minNanometers, maxNanometers]`
    /// divided by the total (cells split in proportion to their ln d overlap).
    public func fraction(_ weights: [Double], fromNanometers minNanometers: Double,
                         toNanometers maxNanometers: Double) -> Double {
        let total = weights.reduce(0, +)
        guard total > 0 else { return .nan }
        let half = logSpacing / 2
        let a = log(minNanometers), b = log(maxNanometers)
        var inside = 0.0
        for m in 0..<count where weights[m] != 0 {
            let c = log(diametersNanometers[m])
            let overlap = min(b, c + half) - max(a, c - half)
            if overlap > 0 { inside += weights[m] * overlap / logSpacing }
        }
        return inside / total
    }

    /// The size below which `q` of the amount lies, interpolated in ln d
    /// within the cell where the cumulative amount crosses `q` (`Quantile.crossing`).
    public func quantile(_ weights: [Double], _ q: Double) -> Double {
        switch Quantile.crossing(weights, q) {
        case .empty: return .nan
        case .within(let m, let t): return diametersNanometers[m] * exp(logSpacing * (t - 0.5))
        case .beyondLastCell: return upperEdgeNanometers
        }
    }

    /// Geometric mean and geometric standard deviation exp(SD of ln d) of
    /// `weights`, each cell treated as uniform in ln d (its within-cell
    /// variance h²/12 included).
    public func geometricMoments(_ weights: [Double]) -> (meanNanometers: Double, geometricSD: Double) {
        let total = weights.reduce(0, +)
        guard total > 0 else { return (.nan, .nan) }
        var m1 = 0.0
        for m in 0..<count { m1 += weights[m] * log(diametersNanometers[m]) }
        m1 /= total
        var m2 = 0.0
        for m in 0..<count {
            let u = log(diametersNanometers[m]) - m1
            m2 += weights[m] * u * u
        }
        m2 = m2 / total + logSpacing * logSpacing / 12
        return (exp(m1), exp(m2.squareRoot()))
    }
}
