/// Small dense linear systems A·x = b (a few unknowns: regressions' normal and moment equations).
public enum DenseLinearSystem {
    /// Solves A·x = b by Gaussian elimination with partial pivoting; `a` is n × n, row-major.
    /// - Returns: `nil` when A is singular to working precision (a pivot below 1e-12 of the largest
    ///   entry of its column) or anything is not finite.
    public static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
        precondition(a.count == n * n && b.count == n)
        var m = a, y = b
        for col in 0..<n {
            var pivot = col
            var largest = 0.0
            for row in col..<n where abs(m[row * n + col]) > abs(m[pivot * n + col]) { pivot = row }
            for row in 0..<n { largest = max(largest, abs(m[row * n + col])) }
            guard largest.isFinite, largest > 0, abs(m[pivot * n + col]) > 1e-12 * largest else { return nil }
            if pivot != col {
                for k in 0..<n { m.swapAt(col * n + k, pivot * n + k) }
                y.swapAt(col, pivot)
            }
            for row in (col + 1)..<max(col + 1, n) {
                let f = m[row * n + col] / m[col * n + col]
                guard f != 0 else { continue }
                for k in col..<n { m[row * n + k] -= f * m[col * n + k] }
                y[row] -= f * y[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = y[row]
            for k in (row + 1)..<max(row + 1, n) { s -= m[row * n + k] * x[k] }
            x[row] = s / m[row * n + row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
