/// A size window, e.g. the small-EV ("exosome") window 30–150 nm.
public struct SizeWindow: Sendable, Hashable, Codable {
    /// Lower edge, nm (inclusive).
    public var minNm: Double
    /// Upper edge, nm (inclusive).
    public var maxNm: Double

    /// The window `minNm`…`maxNm`, nm, edges included; `minNm` must be below `maxNm` (checked by a precondition).
    public init(minNm: Double, maxNm: Double) {
        precondition(minNm < maxNm)
        self.minNm = minNm
        self.maxNm = maxNm
    }

    /// The small-EV / exosome size window used by default, 30–150 nm (SCIENCE.md §6).
    public static let exosome = SizeWindow(minNm: 30, maxNm: 150)

    /// Parses `MIN-MAX` in nm, e.g. `30-150`, with 0 ≤ MIN < MAX, or nil (``parse(_:)`` says why).
    public init?(parsing text: String) {
        guard let window = try? Self.parse(text) else { return nil }
        self = window
    }

    /// The dashes accepted between MIN and MAX: the hyphen-minus, and the en dash (U+2013, as the reports print a
    /// range, `30–150`) and em dash (U+2014) a copied or typed range may have.
    public static let rangeSeparators: Set<Character> = ["-", "\u{2013}", "\u{2014}"]

    /// Parses `MIN-MAX` in nm, e.g. `30-150` or `30–150` (any of ``rangeSeparators``), with 0 ≤ MIN < MAX, each a
    /// decimal number (`0x10` is not 16, nor `inf` a size; no part may be empty). A bound with a minus sign
    /// (`-5-30`) is a negative size, not a range from 5.
    public static func parse(_ text: String) throws(SizeWindowParseError) -> SizeWindow {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // The first dash after the first character: a leading one is MIN's sign.
        guard let cut = trimmed.indices.dropFirst().first(where: { rangeSeparators.contains(trimmed[$0]) }) else {
            throw .notARange(text)
        }
        /// A bound: its value, and whether it carried a minus sign.
        func bound(_ part: Substring) throws(SizeWindowParseError) -> (value: Double, negative: Bool) {
            var digits = part.trimmingCharacters(in: .whitespaces)[...]
            let negative = digits.first.map { $0 == "-" || $0 == "\u{2212}" } ?? false
            if negative { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.allSatisfy({ "0123456789.eE+".contains($0) }),
                  let value = Double(digits), value.isFinite else { throw .notARange(text) }
            return (value, negative && value != 0)
        }
        let lo = try bound(trimmed[..<cut]), hi = try bound(trimmed[trimmed.index(after: cut)...])
        guard !lo.negative, !hi.negative else { throw .negativeBound(text) }
        guard lo.value < hi.value else { throw .notIncreasing(text) }
        return SizeWindow(minNm: lo.value, maxNm: hi.value)
    }

    /// Number fraction of `distribution` inside this window.
    public func fraction(of distribution: BinnedDistribution) -> Double {
        distribution.fraction(from: minNm, to: maxNm)
    }
}

import Foundation

/// Why a text is not a size window (``SizeWindow/parse(_:)``); the description follows a flag or column name.
public enum SizeWindowParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not two decimal numbers joined by a dash.
    case notARange(String)
    /// A bound below zero: sizes are positive.
    case negativeBound(String)
    /// MIN not below MAX.
    case notIncreasing(String)

    public var description: String {
        switch self {
        case .notARange(let t):
            return "expected MIN-MAX in nm with MIN < MAX, e.g. 30-150 or 30–150, found \"\(t)\""
        case .negativeBound(let t):
            return "expected positive bounds (sizes in nm; MIN may be 0), found \"\(t)\""
        case .notIncreasing(let t):
            return "expected MIN-MAX in nm with MIN < MAX, found \"\(t)\""
        }
    }
}
