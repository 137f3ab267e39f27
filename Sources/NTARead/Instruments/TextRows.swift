import Foundation
import NTACore

/// Decoded text split into lines, with byte-level access to delimited fields.
///
/// Lines end at LF, CRLF or a lone CR (none of them part of the line). Field ranges
/// include any surrounding double quotes (``string(_:)`` and ``number(_:)``
/// remove them), so numbers are parsed straight from bytes.
package struct TextRows: Sendable {
    let bytes: [UInt8]
    /// Byte range of every line (1-based line `k` is `lines[k - 1]`).
    let lines: [Range<Int>]
    let fileName: String

    /// The field delimiter that ``fields(_:delimiter:)`` uses when none is given.
    var delimiter: UInt8 = 0x2C
    /// How ``number(_:)`` reads a decimal mark.
    var decimalMark: DecimalMark = .point

    package init(_ decoded: DecodedText, fileName: String) {
        self.init(bytes: decoded.utf8, fileName: fileName)
    }

    /// Splits `bytes` into lines at LF, CRLF or a lone CR (old Mac OS), so
    /// every line ending counts once and line numbers are those of the file.
    init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
        var lines: [Range<Int>] = []
        var start = 0
        var k = 0
        let n = bytes.count
        bytes.withUnsafeBufferPointer { p in
            while k < n {
                let b = p[k]
                if b == 0x0A {
                    lines.append(start..<k)
                    k += 1
                    start = k
                } else if b == 0x0D {
                    lines.append(start..<k)
                    k += (k + 1 < n && p[k + 1] == 0x0A) ? 2 : 1
                    start = k
                } else {
                    k += 1
                }
            }
            if start < n { lines.append(start..<n) }
        }
        self.lines = lines
    }

    /// Rows of a spreadsheet-style export whose delimiter is sniffed from its
    /// first 30 non-blank lines: `;` when more of them hold a semicolon than a
    /// comma outside quotes (a European-locale re-save, whose numbers then use
    /// a decimal comma), else `,`.
    static func sniffingDelimiter(_ decoded: DecodedText, fileName: String) -> TextRows {
        var rows = TextRows(decoded, fileName: fileName)
        var commaLines = 0, semicolonLines = 0, seen = 0
        for line in rows.lines where !line.isEmpty {
            var commas = false, semicolons = false, inQuotes = false
            for k in line {
                switch rows.bytes[k] {
                case 0x22: inQuotes.toggle()
                case 0x2C where !inQuotes: commas = true
                case 0x3B where !inQuotes: semicolons = true
                default: break
                }
            }
            if commas { commaLines += 1 }
            if semicolons { semicolonLines += 1 }
            seen += 1
            if seen == 30 { break }
        }
        if semicolonLines > commaLines {
            rows.delimiter = 0x3B
            rows.decimalMark = .comma
        }
        return rows
    }

    package var count: Int { lines.count }

    /// Fields of line index `i` (0-based), split on `delimiter` outside double quotes.
    func fields(_ i: Int, delimiter: UInt8? = nil) -> [Range<Int>] {
        let delimiter = delimiter ?? self.delimiter
        let r = lines[i]
        return bytes.withUnsafeBufferPointer { p -> [Range<Int>] in
            guard let base = p.baseAddress else { return [r] }
            return DelimitedText.fieldRanges(base, r.lowerBound, r.upperBound, delimiter: delimiter)
        }
    }

    /// Whether line `i` leaves a double quote open: an odd number of them (``fields(_:delimiter:)`` toggles at each,
    /// `""` inside quotes included), so its last field runs from that quote to the end of the line.
    package func leavesQuoteOpen(_ i: Int) -> Bool {
        lines[i].reduce(0) { bytes[$1] == 0x22 ? $0 + 1 : $0 } % 2 == 1
    }

    /// Fields of line `i` as strings (unquoted, trimmed).
    package func strings(_ i: Int, delimiter: UInt8? = nil) -> [String] {
        fields(i, delimiter: delimiter).map { string($0) }
    }

    /// The text of a field: surrounding spaces and double quotes removed, `""` inside quotes read as `"`.
    func string(_ r: Range<Int>) -> String {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 || bytes[hi - 1] == 0x0D { hi -= 1 }
        if hi - lo >= 2, bytes[lo] == 0x22, bytes[hi - 1] == 0x22 {
            var out: [UInt8] = []
            var k = lo + 1
            while k < hi - 1 {
                if bytes[k] == 0x22, k + 1 < hi - 1, bytes[k + 1] == 0x22 { out.append(0x22); k += 2; continue }
                out.append(bytes[k])
                k += 1
            }
            return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }

    /// The whole line `i` as a string.
    package func line(_ i: Int) -> String { String(decoding: bytes[lines[i]], as: UTF8.self) }

    /// The field parsed as a number (quotes and spaces allowed), or `nil`.
    func number(_ r: Range<Int>) -> Double? {
        guard !r.isEmpty else { return nil }
        let mark = decimalMark
        return bytes.withUnsafeBufferPointer { p -> Double? in
            guard let base = p.baseAddress else { return nil }
            return NumberParsing.parseDouble(base, r.lowerBound, r.upperBound, decimalMark: mark)
        }
    }

    /// Whether the field holds nothing but spaces and quotes.
    func isBlank(_ r: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return true }
            return DelimitedText.isBlank(base, r.lowerBound, r.upperBound)
        }
    }

    /// Whether every field of line `i` is blank (an empty line or a row of commas).
    package func isBlankLine(_ i: Int, delimiter: UInt8? = nil) -> Bool {
        let delimiter = delimiter ?? self.delimiter
        for k in lines[i] where bytes[k] != delimiter && bytes[k] != 0x20 && bytes[k] != 0x09 && bytes[k] != 0x22 {
            return false
        }
        return true
    }

    /// An error at 0-based line index `i` (reported 1-based), at `column` (1-based field or character), column 1 when a
    /// line is given without one.
    package func error(line i: Int?, column: Int? = nil, _ message: String) -> InputError {
        // A line without a field to point at is at fault from its start: every located error gives both.
        InputError(file: fileName, line: i.map { $0 + 1 }, column: column ?? (i == nil ? nil : 1), message: message)
    }

    /// A short excerpt of a field for messages (control characters escaped, at most 40 characters).
    func excerpt(_ r: Range<Int>) -> String {
        InputError.echo(string(r))
    }

    /// A note for a field that failed to parse as a number because of its decimal mark, or "".
    func decimalHint(_ r: Range<Int>) -> String {
        let text = string(r)
        switch decimalMark {
        case .comma where text.contains("."):
            return " (this ';'-delimited file uses decimal commas, so a point is ambiguous: thousands separator or decimal point?)"
        case .point where text.contains(",") && NumberParsing.parseDouble(text, decimalMark: .either) != nil:
            return " (a decimal comma is accepted only in ';'- or tab-delimited files, where it cannot be a delimiter)"
        default:
            return ""
        }
    }
}

extension TextRows {
    /// `bytes` with every lone CR (old Mac OS line end) turned into LF, so
    /// readers that split at LF see the same lines (and line numbers) as ``TextRows``.
    static func normalizingLoneCarriageReturns(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return bytes }
            return DelimitedText.normalizingLoneCarriageReturns(base, count: p.count) ?? bytes
        }
    }
}

/// Reads a whole file for the instrument readers, naming it in errors.
package enum InstrumentFileLoading {
    package static func bytes(of url: URL, displayName: String) throws(InputError) -> [UInt8] {
        [UInt8](try MappedFile.data(at: url, displayName: displayName))
    }
}
