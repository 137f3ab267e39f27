import Foundation

/// Decoded text split into lines, with byte-level access to delimited fields.
///
/// Lines end at LF; a trailing CR is not part of the line. Field ranges
/// include any surrounding double quotes (``string(_:)`` and ``number(_:)``
/// remove them), so numbers are parsed straight from bytes.
struct TextRows: Sendable {
    let bytes: [UInt8]
    /// Byte range of every line (1-based line `k` is `lines[k - 1]`).
    let lines: [Range<Int>]
    let fileName: String

    init(_ decoded: DecodedText, fileName: String) {
        self.init(bytes: decoded.utf8, fileName: fileName)
    }

    init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
        var lines: [Range<Int>] = []
        var start = 0
        let n = bytes.count
        bytes.withUnsafeBufferPointer { p in
            while start < n {
                var end = start
                if let hit = memchr(p.baseAddress! + start, 0x0A, n - start) {
                    end = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - p.baseAddress!
                } else {
                    end = n
                }
                var stop = end
                if stop > start, p[stop - 1] == 0x0D { stop -= 1 }
                lines.append(start..<stop)
                start = end + 1
            }
        }
        self.lines = lines
    }

    var count: Int { lines.count }

    /// Fields of line index `i` (0-based), split on `delimiter` outside double quotes.
    func fields(_ i: Int, delimiter: UInt8 = 0x2C) -> [Range<Int>] {
        let r = lines[i]
        var out: [Range<Int>] = []
        var fieldStart = r.lowerBound
        var inQuotes = false
        var k = r.lowerBound
        while k < r.upperBound {
            let b = bytes[k]
            if b == 0x22 { inQuotes.toggle() } else if b == delimiter, !inQuotes {
                out.append(fieldStart..<k)
                fieldStart = k + 1
            }
            k += 1
        }
        out.append(fieldStart..<r.upperBound)
        return out
    }

    /// Fields of line `i` as strings (unquoted, trimmed).
    func strings(_ i: Int, delimiter: UInt8 = 0x2C) -> [String] {
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
    func line(_ i: Int) -> String { String(decoding: bytes[lines[i]], as: UTF8.self) }

    /// The field parsed as a number (quotes and spaces allowed), or `nil`.
    func number(_ r: Range<Int>) -> Double? {
        guard !r.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { NumberParsing.parseDouble($0.baseAddress!, r.lowerBound, r.upperBound) }
    }

    /// Whether the field holds nothing but spaces and quotes.
    func isBlank(_ r: Range<Int>) -> Bool {
        for k in r where bytes[k] != 0x20 && bytes[k] != 0x09 && bytes[k] != 0x22 && bytes[k] != 0x0D { return false }
        return true
    }

    /// Whether every field of line `i` is blank (an empty line or a row of commas).
    func isBlankLine(_ i: Int, delimiter: UInt8 = 0x2C) -> Bool {
        for k in lines[i] where bytes[k] != delimiter && bytes[k] != 0x20 && bytes[k] != 0x09 && bytes[k] != 0x22 {
            return false
        }
        return true
    }

    /// An error at 0-based line index `i` (reported 1-based).
    func error(line i: Int?, column: Int? = nil, _ message: String) -> InputError {
        InputError(file: fileName, line: i.map { $0 + 1 }, column: column, message: message)
    }

    /// A short excerpt of a field for messages.
    func excerpt(_ r: Range<Int>) -> String {
        let s = string(r)
        return s.count > 40 ? String(s.prefix(40)) + "…" : s
    }
}

/// Reads a whole file for the instrument readers, naming it in errors.
enum InstrumentFileLoading {
    static func bytes(of url: URL, displayName: String) throws(InputError) -> [UInt8] {
        [UInt8](try MappedFile.data(at: url, displayName: displayName))
    }
}
