import Foundation

/// `x` in scientific notation with three significant digits (`1.23e+09`), or `n/a` when not finite.
package func sci(_ x: Double) -> String { x.isFinite ? String(format: "%.2e", x) : "n/a" }

/// `x` when finite, else `nil`: how a figure the data cannot support (NaN, ±∞) becomes JSON `null`.
@inline(__always)
package func finiteOrNil(_ x: Double) -> Double? { x.isFinite ? x : nil }
