import Foundation
import NTACore

/// The tracks' log-likelihood under a single size, at candidate sizes between neighbouring grid nodes: the size
/// between nodes j and j + 1 is their likelihoods mixed (1 − a, a), a on a lattice of `1/splits`, at the diameter
/// exp((1 − a) ln dⱼ + a ln dⱼ₊₁).
///
/// Each row's log-likelihood at every candidate is tabulated once, so the log-likelihood of any weighting of the
/// rows (the full data's track counts, or a bootstrap replicate's multiplicities) is one pass of multiply–adds: a
/// single size's fit to every replicate costs no logarithm. A candidate at which a weighted row has zero likelihood
/// (below the matrix's e⁻⁶⁰ of its largest) is impossible for that weighting (−∞).
struct SingleSizeFits: Sendable {
    /// The candidates: node j mixed with node j + 1 in share a.
    let candidates: [(node: Int, share: Double)]
    /// ln of row i's (normalised) likelihood at candidate c, at `table[i * candidates.count + c]`.
    private let table: [Double]
    /// ln of each row's largest likelihood (the normalisation the table leaves out).
    private let rowLogScale: [Double]
    private let grid: DiameterGrid

    /// Largest table the candidates' lattice is refined to, entries (64 MiB of Double): beyond it fewer splits.
    static let maximumTableEntries = 1 << 23

    /// The candidates between nodes `first` and `last` (pairs j, j + 1 for first ≤ j < last) with `splits` shares
    /// each (fewer when rows × candidates would pass ``maximumTableEntries``; at least 1, the nodes alone).
    init(matrix: LikelihoodMatrix, first: Int, last: Int, splits: Int) {
        precondition(first >= 0 && last < matrix.grid.count && first < last && splits >= 1, "a node range on the grid")
        let pairs = last - first
        let rows = matrix.rowCount
        let affordable = SingleSizeFits.maximumTableEntries / max(1, rows * pairs)
        let k = max(1, min(splits, affordable))
        var candidates: [(node: Int, share: Double)] = []
        for j in first..<last { for s in 0..<k { candidates.append((j, Double(s) / Double(k))) } }
        let count = candidates.count
        let list = candidates
        table = Parallel.map(count: rows, minimumChunk: 64) { i -> [Double] in
            list.map { c in
                let v = (1 - c.share) * Double(matrix.value(row: i, node: c.node))
                    + c.share * Double(matrix.value(row: i, node: c.node + 1))
                return v > 0 ? log(v) : -.infinity
            }
        }.flatMap { $0 }
        precondition(table.count == rows * count)
        self.candidates = candidates
        rowLogScale = matrix.rowLogScale
        grid = matrix.grid
    }

    /// Σᵢ wᵢ ln Lᵢ(c) for every candidate c (rows of weight 0 skipped; their likelihood does not matter).
    func logLikelihoods(weights: [Double]) -> [Double] {
        let count = candidates.count
        var out = [Double](repeating: 0, count: count)
        var scale = 0.0
        table.withUnsafeBufferPointer { t in
            for i in weights.indices where weights[i] != 0 {
                let w = weights[i]
                scale += w * rowLogScale[i]
                let base = i * count
                for c in 0..<count { out[c] += w * t[base + c] }
            }
        }
        return out.map { $0 + scale }
    }

    /// The candidate of largest log-likelihood for `weights` and that log-likelihood; `nil` when none is finite.
    func best(weights: [Double]) -> (candidate: Int, logLikelihood: Double)? {
        let l = logLikelihoods(weights: weights)
        guard let c = l.indices.max(by: { l[$0] < l[$1] }), l[c].isFinite else { return nil }
        return (c, l[c])
    }

    /// Candidate `c`'s diameter, nm: the two nodes' diameters averaged in ln d by their shares.
    func diameterNanometers(_ c: Int) -> Double {
        let (j, a) = candidates[c]
        return exp((1 - a) * log(grid.diametersNanometers[j]) + a * log(grid.diametersNanometers[j + 1]))
    }

    /// Each node's log-likelihood for `weights` (the size at the node alone), nodes in order.
    static func nodeLogLikelihoods(_ matrix: LikelihoodMatrix, weights: [Double]) -> [Double] {
        let m = matrix.grid.count
        var out = [Double](repeating: 0, count: m)
        for i in 0..<matrix.rowCount where weights[i] != 0 {
            for j in 0..<m {
                let v = Double(matrix.value(row: i, node: j))
                out[j] += weights[i] * (v > 0 ? log(v) + matrix.rowLogScale[i] : -.infinity)
            }
        }
        return out
    }
}
