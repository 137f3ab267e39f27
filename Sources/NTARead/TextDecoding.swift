/// The character encoding a text file was decoded from.
public enum TextEncoding: String, Sendable, Codable, Hashable {
    /// UTF-8, with or without a byte-order mark (plain ASCII is reported as UTF-8).
    case utf8
    /// UTF-16, little-endian.
    case utf16LittleEndian
    /// UTF-16, big-endian.
    case utf16BigEndian
    /// Windows code page 1252, the superset of Latin-1 that Windows software
    /// (NanoSight NTA, ZetaView) writes: `²` is 0xB2, `³` 0xB3, `µ` 0xB5.
    case windows1252
}

/// A text file decoded to UTF-8 bytes, with a record of how it was decoded.
///
/// Line endings are left as they were (LF or CRLF); the readers strip a
/// trailing carriage return from every line. Byte offsets therefore refer to
/// the decoded bytes, not the file, but line numbers are those of the file.
public struct DecodedText: Sendable {
    /// The text as UTF-8, without a byte-order mark.
    public var utf8: [UInt8]
    /// The encoding the file was read as.
    public var encoding: TextEncoding
    /// Whether the file began with a byte-order mark.
    public var hadByteOrderMark: Bool
    /// Number of NUL (0x00) bytes removed from an 8-bit file (ZetaView writes
    /// `µ` followed by a NUL in its zeta-potential profiles).
    public var removedNULBytes: Int

    /// The whole text as a `String`.
    public var string: String { String(decoding: utf8, as: UTF8.self) }
}

/// Decodes the bytes of an instrument export deliberately, never dropping a
/// character:
///
/// 1. a byte-order mark decides: UTF-8 (EF BB BF), UTF-16 LE (FF FE), UTF-16 BE (FE FF);
/// 2. without one, text whose bytes alternate with NULs is UTF-16 (the NULs
///    betray the byte order);
/// 3. otherwise valid UTF-8 is UTF-8;
/// 4. anything else is Windows-1252 (cp1252), every byte mapped: 0x80–0x9F to
///    the characters Windows assigns them (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ),
///    the five bytes cp1252 leaves unassigned to the C1 control of the same
///    value (as Windows does), 0xA0–0xFF to Latin-1.
///
/// NUL bytes in 8-bit text are removed and counted.
public enum TextDecoding {
    /// Unicode scalars of cp1252 bytes 0x80–0x9F.
    static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Decodes `bytes` (see the type's description for the rules).
    public static func decode(_ bytes: [UInt8]) -> DecodedText {
        let n = bytes.count
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            let body = Array(bytes[3...])
            if isValidUTF8(body) {
                let (clean, removed) = removingNUL(body)
                return DecodedText(utf8: clean, encoding: .utf8, hadByteOrderMark: true, removedNULBytes: removed)
            }
            let (clean, removed) = removingNUL(body)
            return DecodedText(utf8: windows1252ToUTF8(clean), encoding: .windows1252, hadByteOrderMark: true,
                               removedNULBytes: removed)
        }
        if n >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            return DecodedText(utf8: utf16ToUTF8(bytes, from: 2, littleEndian: true), encoding: .utf16LittleEndian,
                               hadByteOrderMark: true, removedNULBytes: 0)
        }
        if n >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF {
            return DecodedText(utf8: utf16ToUTF8(bytes, from: 2, littleEndian: false), encoding: .utf16BigEndian,
                               hadByteOrderMark: true, removedNULBytes: 0)
        }
        if let littleEndian = looksLikeUTF16WithoutMark(bytes) {
            return DecodedText(utf8: utf16ToUTF8(bytes, from: 0, littleEndian: littleEndian),
                               encoding: littleEndian ? .utf16LittleEndian : .utf16BigEndian,
                               hadByteOrderMark: false, removedNULBytes: 0)
        }
        let (clean, removed) = removingNUL(bytes)
        if isValidUTF8(clean) {
            return DecodedText(utf8: clean, encoding: .utf8, hadByteOrderMark: false, removedNULBytes: removed)
        }
        return DecodedText(utf8: windows1252ToUTF8(clean), encoding: .windows1252, hadByteOrderMark: false,
                           removedNULBytes: removed)
    }

    /// Text of at least 8 bytes in which (almost) every second byte is NUL:
    /// UTF-16 without a byte-order mark. Returns the byte order, or `nil`.
    static func looksLikeUTF16WithoutMark(_ bytes: [UInt8]) -> Bool? {
        let n = min(bytes.count, 4096) & ~1
        guard n >= 8 else { return nil }
        var evenNUL = 0, oddNUL = 0
        var i = 0
        while i < n {
            if bytes[i] == 0 { evenNUL += 1 }
            if bytes[i + 1] == 0 { oddNUL += 1 }
            i += 2
        }
        let pairs = n / 2
        if oddNUL * 4 >= pairs * 3, evenNUL * 10 < pairs { return true }
        if evenNUL * 4 >= pairs * 3, oddNUL * 10 < pairs { return false }
        return nil
    }

    static func removingNUL(_ bytes: [UInt8]) -> ([UInt8], Int) {
        guard bytes.contains(0) else { return (bytes, 0) }
        let clean = bytes.filter { $0 != 0 }
        return (clean, bytes.count - clean.count)
    }

    /// Whether `bytes` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
    public static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard i + length <= n else { return false }
            let second = bytes[i + 1]
            guard second >= lower, second <= upper else { return false }
            var k = 2
            while k < length {
                guard bytes[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }

    /// Maps every byte through cp1252 and encodes the result as UTF-8.
    public static func windows1252ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            let scalar: UInt32 = b < 0x80 ? UInt32(b) : (b < 0xA0 ? windows1252High[Int(b) - 0x80] : UInt32(b))
            appendUTF8(scalar, to: &out)
        }
        return out
    }

    static func utf16ToUTF8(_ bytes: [UInt8], from start: Int, littleEndian: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count - start) / 2 + 16)
        var i = start
        let n = bytes.count
        func unit(_ k: Int) -> UInt32 {
            littleEndian ? UInt32(bytes[k]) | UInt32(bytes[k + 1]) << 8 : UInt32(bytes[k]) << 8 | UInt32(bytes[k + 1])
        }
        while i + 1 < n {
            let u = unit(i)
            i += 2
            if u >= 0xD800, u <= 0xDBFF, i + 1 < n {
                let low = unit(i)
                if low >= 0xDC00, low <= 0xDFFF {
                    i += 2
                    appendUTF8(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), to: &out)
                    continue
                }
            }
            // An unpaired surrogate cannot be represented: show it as U+FFFD rather than drop it.
            appendUTF8((u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u, to: &out)
        }
        if i < n { appendUTF8(0xFFFD, to: &out) }  // odd trailing byte
        return out
    }

    @inline(__always)
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
