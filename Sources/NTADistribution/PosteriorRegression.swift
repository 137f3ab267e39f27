import Dispatch
import Foundation

/// A per-track quantity's mean as a function of size, read through the tracks' size posteriors without
/// the posteriors' smear.
///
/// Statistics: a track's size x is known only through its posterior π(x | steps). Averaging a quantity y
/// (a detection depth) over each node's posterior tracks, Σₜ πₜᵢ yₜ / Σₜ πₜᵢ, gives E[y | x] smeared by the
/// kernel P(node i | true x): where a size's posterior tracks are mostly other sizes' (the smallest sizes,
/// next to far more numerous larger ones), it reports theirs. Regressing yₜ on the posterior means of a
/// basis instead, yₜ ≈ Σₖ βₖ E[Bₖ(x) | steps], is unbiased (Berkson): E[yₜ | steps] = Σₓ π(x | steps) E[y | x],
/// which is linear in the posterior moments when E[y | x] = Σₖ βₖ Bₖ(x), whatever the posterior's width.
/// Cubic B-splines on ln d with a second-difference penalty (Eilers & Marx 1996, Statist. Sci. 11:89) give
/// the basis; the penalty only decides the curve where no track informs it (there it is linear in ln d).
enum PosteriorRegression {
    /// Number of cubic B-splines spanning the grid's ln d range.
    static let basisCount = 10
    /// The second-difference penalty as a share of the Gram matrix's mean diagonal: small enough for the
    /// tracks to decide the curve wherever they inform it.
    static let relativePenalty = 1e-3

    /// Cubic B-spline basis on `u` (increasing): `basisCount` functions on equally spaced knots over
    /// [u₀, u_last], row-major (`value[i·K + k]` is Bₖ(uᵢ)); each row sums to 1.
    static func basis(_ u: [Double], count k: Int = basisCount) -> [Double] {
        let m = u.count
        guard m > 0, let lo = u.first, let hi = u.last, hi > lo else {
            return [Double](repeating: 1.0 / Double(k), count: m * k)
        }
        let intervals = k - 3, step = (hi - lo) / Double(intervals)
        // Knots t₀ … t_{k+3}: three below lo, through hi, three above.
        let knots = (0...(k + 3)).map { lo + Double($0 - 3) * step }
        var out = [Double](repeating: 0, count: m * k)
        for (i, x) in u.enumerated() {
            // Cox–de Boor from degree 0 up: the one degree-0 piece holding x (the last one holding hi).
            var b = [Double](repeating: 0, count: k + 3)
            b[3 + min(max(Int(((x - lo) / step).rounded(.down)), 0), intervals - 1)] = 1
            for degree in 1...3 {
                for j in 0..<(k + 3 - degree) {
                    let left = (x - knots[j]) / (knots[j + degree] - knots[j]) * b[j]
                    let right = (knots[j + degree + 1] - x) / (knots[j + degree + 1] - knots[j + 1]) * b[j + 1]
                    b[j] = left + right
                }
            }
            for j in 0..<k { out[i * k + j] = b[j] }
        }
        return out
    }

    /// The fitted E[y | node] at every node of `matrix`'s grid, from the rows' frames `rowWeights` (Σ frames
    /// of the row's tracks) and `rowTargets` (Σ frames·y over the row's tracks), at grid weights `p`: weighted
    /// least squares of y on the rows' posterior basis means, penalised. `nil` when the system is singular.
    static func fit(_ matrix: LikelihoodMatrix, at p: [Double], rowWeights: [Double], rowTargets: [Double],
                    serial: Bool = false) -> [Double]? {
        let m = matrix.grid.count, k = basisCount
        precondition(p.count == m && rowWeights.count == matrix.rowCount && rowTargets.count == matrix.rowCount,
                     "weights on the grid and per row: a programmer error")
        let b = basis(matrix.grid.diametersNanometers.map { log($0) }, count: k)
        let chunks = ParallelChunks(count: matrix.rowCount, minimumChunk: 2048, serial: serial)
        // Per chunk: the Gram matrix Σ Fⱼ μⱼμⱼᵀ (k·k) and Σ Yⱼ μⱼ (k), added in chunk order afterwards.
        let stride = k * k + k
        var partial = [Double](repeating: 0, count: chunks.count * stride)
        partial.withUnsafeMutableBufferPointer { pb in
            let out = UnsafeSendable(pb)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                let base = c * stride
                var mu = [Double](repeating: 0, count: k)
                for j in chunks.range(c) where rowWeights[j] > 0 {
                    for q in 0..<k { mu[q] = 0 }
                    var total = 0.0
                    let lo = Int(matrix.rowBlocks[2 * j]), hi = Int(matrix.rowBlocks[2 * j + 1])
                    let offset = Int(matrix.rowOffsets[j])
                    for block in lo..<hi {
                        let v = matrix.values[offset + block - lo]
                        for lane in 0..<8 {
                            let i = block * 8 + lane
                            guard i < m else { break }
                            let w = Double(v[lane]) * p[i]
                            guard w > 0 else { continue }
                            total += w
                            for q in 0..<k { mu[q] += w * b[i * k + q] }
                        }
                    }
                    guard total > 0 else { continue }
                    for q in 0..<k { mu[q] /= total }
                    let f = rowWeights[j], y = rowTargets[j]
                    for q in 0..<k {
                        for r in 0...q { out.base[base + q * k + r] += f * mu[q] * mu[r] }
                        out.base[base + k * k + q] += y * mu[q]
                    }
                }
            }
        }
        var gram = [Double](repeating: 0, count: k * k), moment = [Double](repeating: 0, count: k)
        for c in 0..<chunks.count {
            for q in 0..<k {
                for r in 0...q { gram[q * k + r] += partial[c * stride + q * k + r] }
                moment[q] += partial[c * stride + k * k + q]
            }
        }
        for q in 0..<k { for r in 0..<q { gram[r * k + q] = gram[q * k + r] } }
        let meanDiagonal = (0..<k).reduce(0.0) { $0 + gram[$1 * k + $1] } / Double(k)
        guard meanDiagonal > 0, meanDiagonal.isFinite else { return nil }
        let penalty = PenalisedEM.differencePenalty(k, order: 2)
        for q in 0..<(k * k) { gram[q] += relativePenalty * meanDiagonal * penalty[q] }
        guard let beta = Cholesky(gram, k)?.solve(moment) else { return nil }
        var fitted = [Double](repeating: 0, count: m)
        for i in 0..<m {
            var s = 0.0
            for q in 0..<k { s += beta[q] * b[i * k + q] }
            fitted[i] = s
        }
        return fitted
    }
}
