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
    public func binned(_ weights: [Double]) -> BinnedDistribution {
        precondition(weights.count == count)
        let bins = Int(upperEdgeNanometers.rounded(.up)) + 1
        var values = [Double](repeating: 0, count: bins)
        let half = logSpacing / 2
        for m in 0..<count where weights[m] != 0 {
            let lo = diametersNanometers[m] * exp(-half), hi = diametersNanometers[m] * exp(half)
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
