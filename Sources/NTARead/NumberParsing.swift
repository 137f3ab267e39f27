import Foundation

/// Parses ASCII numbers straight from bytes, without creating a `String` per
/// field.
///
/// Decimal numbers whose significand fits in 19 digits (below 2⁵³) and whose
/// decimal exponent is within ±22 are converted exactly by one multiplication
/// or division of two exactly representable doubles (Clinger's fast path,
/// correctly rounded). Everything else falls back to the C library's `strtod`,
/// so every accepted number is the correctly rounded double of its text.
public enum NumberParsing {
    @usableFromInline
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses the bytes `[start, end)` as a decimal floating-point number.
    ///
    /// Accepts optional surrounding spaces and double quotes, a sign, digits
    /// with an optional decimal point, an optional exponent (`e`/`E`), and the
    /// words `nan`, `inf`, `infinity` in any case. Returns `nil` for anything
    /// else, including an empty field.
    @inlinable
    public static func parseDouble(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        var e = end
        while i < e, base[i] == 0x20 || base[i] == 0x09 || base[i] == 0x22 { i += 1 }
        while e > i, base[e - 1] == 0x20 || base[e - 1] == 0x09 || base[e - 1] == 0x22 || base[e - 1] == 0x0D { e -= 1 }
        if i == e { return nil }
        let first = i
        var negative = false
        if base[i] == 0x2D { negative = true; i += 1 } else if base[i] == 0x2B { i += 1 }
        if i == e { return nil }
        var significand: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var overflowDigits = false
        while i < e {
            let d = base[i] &- 0x30
            if d > 9 { break }
            sawDigit = true
            if digits < 19 {
                significand = significand &* 10 &+ UInt64(d)
                if significand != 0 { digits += 1 }
            } else {
                exponent += 1
                overflowDigits = true
            }
            i += 1
        }
        if i < e, base[i] == 0x2E {
            i += 1
            while i < e {
                let d = base[i] &- 0x30
                if d > 9 { break }
                sawDigit = true
                if digits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    if significand != 0 { digits += 1 }
                    exponent -= 1
                } else {
                    overflowDigits = true
                }
                i += 1
            }
        }
        if !sawDigit {
            return parseSpecial(base, first, e)
        }
        if i < e, base[i] | 0x20 == 0x65 {  // e or E
            i += 1
            var expNegative = false
            if i < e, base[i] == 0x2D { expNegative = true; i += 1 } else if i < e, base[i] == 0x2B { i += 1 }
            var expValue = 0
            var sawExpDigit = false
            while i < e {
                let d = base[i] &- 0x30
                if d > 9 { break }
                sawExpDigit = true
                if expValue < 100_000 { expValue = expValue * 10 + Int(d) }
                i += 1
            }
            if !sawExpDigit { return nil }
            exponent += expNegative ? -expValue : expValue
        }
        if i != e { return nil }
        if !overflowDigits, significand < (1 << 53), exponent >= -22, exponent <= 22 {
            var value = Double(significand)
            if exponent < 0 {
                value /= exactPowersOfTen[-exponent]
            } else {
                value *= exactPowersOfTen[exponent]
            }
            return negative ? -value : value
        }
        return slowParse(base, first, e)
    }

    @usableFromInline
    static func slowParse(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: base[start + k]) }
            buffer[length] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &endPointer)
            guard let endPointer, endPointer - buffer.baseAddress! == length else { return nil }
            return value
        }
    }

    @usableFromInline
    static func parseSpecial(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        var negative = false
        if base[i] == 0x2D { negative = true; i += 1 } else if base[i] == 0x2B { i += 1 }
        var word: UInt64 = 0
        var n = 0
        while i < end, n < 8 {
            word = word << 8 | UInt64(base[i] | 0x20)
            i += 1
            n += 1
        }
        if i != end { return nil }
        switch word {
        case 0x6E_616E:  // "nan"
            return Double.nan
        case 0x69_6E66, 0x696E_6669_6E69_7479:  // "inf", "infinity"
            return negative ? -Double.infinity : Double.infinity
        default:
            return nil
        }
    }

    /// Parses `[start, end)` as an integer, accepting an integral decimal such
    /// as `12.0` (pandas writes integer columns that once held NaN that way).
    @inlinable
    public static func parseInteger(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard let v = parseDouble(base, start, end), v.isFinite, v == v.rounded(),
              abs(v) < 9.0e15 else { return nil }
        return Int64(v)
    }
}

/// The decimal mark a text file's numbers use.
///
/// A decimal comma is unambiguous only where the comma cannot be a field
/// delimiter: in `;`- or tab-delimited files (spreadsheet re-saves in European
/// locales, ZetaView on a German-locale PC). Readers choose the mark from the
/// file's delimiter and never guess it for comma-delimited text.
public enum DecimalMark: String, Sendable, Hashable, Codable {
    /// `12.5` only.
    case point
    /// `12,5` only: a field with a point is refused (it could be a thousands separator).
    case comma
    /// Either, field by field: a field with one comma and no point reads the
    /// comma as the decimal mark (for tab-delimited files whose writer's
    /// locale is unknown, e.g. ZetaView).
    case either
}

extension NumberParsing {
    /// Parses `[start, end)` as a number written with `mark` (see ``DecimalMark``);
    /// otherwise as ``parseDouble(_:_:_:)``.
    public static func parseDouble(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, decimalMark mark: DecimalMark
    ) -> Double? {
        if mark == .point { return parseDouble(base, start, end) }
        var commas = 0, points = 0, commaAt = -1
        var i = start
        while i < end {
            if base[i] == 0x2C { commas += 1; commaAt = i } else if base[i] == 0x2E { points += 1 }
            i += 1
        }
        if commas == 0 {
            // `.comma`: a point where commas are the decimal mark is ambiguous.
            if points > 0, mark == .comma { return nil }
            return parseDouble(base, start, end)
        }
        guard commas == 1, points == 0, end - start <= 512 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: end - start) { buffer -> Double? in
            guard let copy = buffer.baseAddress else { return nil }
            for k in 0..<(end - start) { copy[k] = base[start + k] }
            copy[commaAt - start] = 0x2E
            return parseDouble(UnsafePointer(copy), 0, end - start)
        }
    }

    /// Parses `text` as a number written with `mark`.
    public static func parseDouble(_ text: String, decimalMark mark: DecimalMark = .point) -> Double? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        return bytes.withUnsafeMutableBufferPointer { p -> Double? in
            guard let b = p.baseAddress else { return nil }
            return parseDouble(UnsafePointer(b), 0, p.count, decimalMark: mark)
        }
    }
}
