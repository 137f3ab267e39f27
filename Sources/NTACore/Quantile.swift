/// Quantiles: the one home for "the value below which a fraction of the
/// amount lies", of ordered cells (binned distributions, grids, tables) and
/// of sorted samples.
package enum Quantile {
    /// Where the running sum of ordered cell amounts first reaches a target.
    package enum Crossing: Equatable, Sendable {
        /// The amounts have no positive total (or it is not a number).
        case empty
        /// The target is reached in `cell`, `fractionOfCell` (0 … 1) of the way
        /// through that cell's amount.
        case within(cell: Int, fractionOfCell: Double)
        /// The target lies beyond the last cell (fraction > 1, or rounding).
        case beyondLastCell
    }

    /// The cell where the cumulative amount first reaches `fraction` × `total`
    /// (`total` defaults to the sum of `amounts`), and how far into the cell:
    /// cells are taken in order, those without a positive amount skipped, and
    /// the amount is read as spread evenly across its cell. How a cell maps to
    /// a value (linear in d, in ln d, at a listed size, the cell's node) is the
    /// caller's.
    package static func crossing(_ amounts: [Double], _ fraction: Double, total: Double? = nil) -> Crossing {
        let t = total ?? amounts.reduce(0, +)
        guard t > 0 else { return .empty }
        let target = fraction * t
        var cumulative = 0.0
        for i in amounts.indices where amounts[i] > 0 {
            if cumulative + amounts[i] >= target {
                return .within(cell: i, fractionOfCell: (target - cumulative) / amounts[i])
            }
            cumulative += amounts[i]
        }
        return .beyondLastCell
    }

    /// The `p` quantile of sorted values, linearly interpolated between order
    /// statistics (Hyndman & Fan 1996, type 7: h = (n − 1)·p); `p` is clamped
    /// to [0, 1]; NaN for no values or a `p` that is not a number.
    package static func ofSorted(_ v: [Double], _ p: Double) -> Double {
        guard !v.isEmpty, !p.isNaN else { return .nan }
        let h = Double(v.count - 1) * min(max(p, 0), 1)
        let i = Int(h.rounded(.down))
        guard i + 1 < v.count else { return v[v.count - 1] }
        return v[i] + (h - Double(i)) * (v[i + 1] - v[i])
    }
}
