import Foundation

/// `x` in scientific notation with three significant digits (`1.23e+09`), or `n/a` when not finite.
package func sci(_ x: Double) -> String { x.isFinite ? String(format: "%.2e", x) : "n/a" }

/// Below this share of the sample's total, a concentration is printed as `0`: a deconvolved distribution's tail
/// holds values such as 1e-262 particles/mL, far below one particle in any measurement (a million tracks would be
/// needed to see one particle in a million), which read as a finding when printed.
package let negligibleConcentrationShare = 1e-6

/// A concentration in particles/mL as ``sci(_:)`` prints it, or `0` when it is below
/// ``negligibleConcentrationShare`` of `total` (the sample's total concentration); `n/a` when not finite.
package func concentrationText(_ x: Double, total: Double) -> String {
    x.isFinite && total.isFinite && abs(x) < negligibleConcentrationShare * abs(total) ? "0" : sci(x)
}

/// `x` as plain text: a whole number without a decimal point (`250`, `-3`), any other
/// as Swift prints it (shortest round-trip: `0.1`, `1e+16`), `nan`, `inf` or `-inf` when not finite.
package func plainNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// `x` to three significant digits (`%.3g`: `0.0123`, `1.23e+03`), `nan`, `inf` or `-inf` when not finite.
package func threeSignificantDigits(_ x: Double) -> String {
    guard x.isFinite else { return "\(x)" }
    return String(format: "%.3g", x)
}

/// `x` as a whole number when it is one below a million (`250`), else to three significant digits.
package func wholeOrThreeSignificantDigits(_ x: Double) -> String {
    x.rounded() == x && abs(x) < 1e6 ? String(Int(x)) : threeSignificantDigits(x)
}

/// `x` when finite, else `nil`: how a figure the data cannot support (NaN, ±∞) becomes JSON `null`.
@inline(__always)
package func finiteOrNil(_ x: Double) -> Double? { x.isFinite ? x : nil }

extension SingleValueEncodingContainer {
    /// Writes `value`, or JSON `null` when it is `nil`: the one rule by which a report
    /// keeps the key of a figure it cannot give (how `Nullable` and `FiniteOrNull` encode).
    package mutating func encode<Value: Encodable>(orNull value: Value?) throws {
        if let value { try encode(value) } else { try encodeNil() }
    }
}

/// A number that encodes as JSON `null` when it is NaN or infinite (JSON has
/// no such numbers; an open size range's upper end, or a fraction of an empty
/// bin, is `null`), and decodes `null` as NaN. The rule is ``finiteOrNil(_:)``.
@propertyWrapper
public struct FiniteOrNull: Sendable, Hashable, Codable {
    /// The number; NaN or ±∞ encodes as `null`.
    public var wrappedValue: Double

    /// Wraps `wrappedValue`.
    public init(wrappedValue: Double) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? .nan : try c.decode(Double.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(orNull: finiteOrNil(wrappedValue))
    }
}
