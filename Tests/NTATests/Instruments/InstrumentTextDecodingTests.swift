import Foundation
import Testing
import NTA
@testable import NTARead

/// Text decoding: every encoding FORMATS.md mentions, nothing dropped.
@Suite struct InstrumentTextDecodingTests {
    @Test func plainUTF8AndBOM() {
        let d = TextDecoding.decode(Array("a,b\r\nµ²³\n".utf8))
        #expect(d.encoding == .utf8 && !d.hadByteOrderMark)
        #expect(d.string == "a,b\r\nµ²³\n")
        let b = TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array("x".utf8))
        #expect(b.encoding == .utf8 && b.hadByteOrderMark && b.string == "x")
    }

    @Test func utf16BothByteOrdersWithBOM() {
        let text = "Size / nm\tµ²\r\n€𝄞"  // includes a surrogate pair
        var le: [UInt8] = [0xFF, 0xFE], be: [UInt8] = [0xFE, 0xFF]
        for u in text.utf16 {
            le += [UInt8(u & 0xFF), UInt8(u >> 8)]
            be += [UInt8(u >> 8), UInt8(u & 0xFF)]
        }
        let l = TextDecoding.decode(le), b = TextDecoding.decode(be)
        #expect(l.encoding == .utf16LittleEndian && l.string == text)
        #expect(b.encoding == .utf16BigEndian && b.string == text)
        // Without a mark, the NUL bytes give it away.
        let noMark = TextDecoding.decode(Array(le.dropFirst(2)))
        #expect(noMark.encoding == .utf16LittleEndian && noMark.string == text)
    }

    @Test func windows1252EveryHighByte() {
        // 0x80…0x9F as Windows maps them; unassigned bytes keep their C1 value.
        let bytes: [UInt8] = Array(0x80...0x9F) + [0xB2, 0xB3, 0xB5, 0xE9]
        let d = TextDecoding.decode(bytes)
        #expect(d.encoding == .windows1252)
        let scalars = d.string.unicodeScalars.map(\.value)
        #expect(scalars.count == bytes.count)  // nothing dropped
        #expect(scalars[0] == 0x20AC)  // €
        #expect(scalars[1] == 0x81)  // unassigned
        #expect(scalars[0x92 - 0x80] == 0x2019)  // ’
        #expect(scalars[0x96 - 0x80] == 0x2013)  // –
        #expect(scalars[0x9F - 0x80] == 0x0178)  // Ÿ
        #expect(d.string.hasSuffix("²³µé"))
    }

    @Test func latin1ZetaViewMicroAndNUL() {
        // A ZetaView profile writes µ (0xB5) followed by a NUL byte.
        let bytes: [UInt8] = Array("Mobility / ".utf8) + [0xB5, 0x00] + Array("m/s\r\n".utf8)
        let d = TextDecoding.decode(bytes)
        #expect(d.encoding == .windows1252)
        #expect(d.removedNULBytes == 1)
        #expect(d.string == "Mobility / µm/s\r\n")
    }

    @Test func invalidUTF8FallsBackToCP1252() {
        // A lone continuation byte and a truncated sequence are not UTF-8.
        #expect(!TextDecoding.isValidUTF8([0x80]))
        #expect(!TextDecoding.isValidUTF8([0xE2, 0x82]))
        #expect(!TextDecoding.isValidUTF8([0xC0, 0xAF]))  // overlong
        #expect(!TextDecoding.isValidUTF8([0xED, 0xA0, 0x80]))  // surrogate
        #expect(TextDecoding.isValidUTF8(Array("€𝄞".utf8)))
    }

    @Test func lineSplittingHandlesCRLFAndQuotes() {
        let rows = TextRows(bytes: Array("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\r\n1,2\n".utf8), fileName: "f")
        #expect(rows.count == 3)
        #expect(rows.strings(0) == ["a", "b,c", "say \"hi\""])
        #expect(rows.isBlankLine(1))
        #expect(rows.line(2) == "1,2")
    }
}
