import CNTAKernels
import Testing
@testable import NTARead
import NTA

/// The reader's fast path (CNTAKernels): its run of digits, read eight bytes at a time, against the
/// digit-by-digit rule, and its plain decimals against the general number parser.
@Suite("Runs of digits, eight bytes at a time, and plain decimals")
struct DigitRunTests {
    /// The rule the word-at-a-time reader must keep: ×10 plus the digit per byte (wrapping), stopping at the
    /// first byte that is not '0'…'9' or at `end`.
    func digitByDigit(_ bytes: [UInt8], from start: Int, to end: Int) -> (count: Int, significand: UInt64, next: Int) {
        var i = start, significand: UInt64 = 0
        while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            significand = significand &* 10 &+ UInt64(bytes[i] - 0x30)
            i += 1
        }
        return (i - start, significand, i)
    }

    /// The fast path's run of digits from the start of `bytes`, up to `end`.
    func digitRun(_ bytes: [UInt8], to end: Int) -> (count: Int, significand: UInt64, next: Int) {
        bytes.withUnsafeBufferPointer { b in
            var i: Int64 = 0, significand: UInt64 = 0
            let count = nta_digit_run(b.baseAddress!, &i, Int64(end), &significand)
            return (Int(count), significand, Int(i))
        }
    }

    @Test("gives the digit-by-digit significand, length and end for runs of 0–40 digits, any following byte, near the end or not")
    func agreesWithDigitByDigit() {
        var rng = SeededGenerator(seed: 41)
        // Bytes just outside the digits ('/' and ':'), separators, and bytes with the high bit set (UTF-8).
        let stops: [UInt8] = [0x2F, 0x3A, 0x2E, 0x2C, 0x0A, 0x0D, 0x20, 0x65, 0x00, 0x80, 0xB9, 0xBA, 0xC3, 0xFF]
        for _ in 0..<20_000 {
            let length = rng.nextInt(below: 41)
            var bytes = (0..<length).map { _ in UInt8(0x30 + rng.nextInt(below: 10)) }
            // Leading zeros, then whatever follows: another stop byte, more digits after it, or nothing.
            if rng.nextUniform() < 0.2, length > 0 { bytes[0] = 0x30 }
            let tail = rng.nextInt(below: 12)
            for k in 0..<tail { bytes.append(k == 0 ? stops[rng.nextInt(below: stops.count)] : UInt8(rng.nextInt(below: 256))) }
            let end = rng.nextUniform() < 0.3 ? rng.nextInt(below: bytes.count + 1) : bytes.count
            let expected = digitByDigit(bytes, from: 0, to: end)
            let found = digitRun(bytes, to: end)
            #expect(found.count == expected.count && found.significand == expected.significand && found.next == expected.next,
                    "\(bytes) up to \(end)")
        }
    }

    @Test("every run of 1–8 digits in a word and every first non-digit byte")
    func everyBoundaryInAWord() {
        for n in 0...8 {
            for stop in 0...255 where !(0x30...0x39).contains(stop) {
                var bytes = (0..<n).map { UInt8(0x31 + ($0 * 7) % 9) }
                bytes.append(UInt8(stop))
                while bytes.count < 16 { bytes.append(0x35) }
                let expected = digitByDigit(bytes, from: 0, to: bytes.count)
                let found = digitRun(bytes, to: bytes.count)
                #expect(found.count == expected.count && found.significand == expected.significand && found.next == expected.next,
                        "\(n) digits then \(stop)")
            }
        }
    }

    /// The fast path's number at the start of `text` (ended by a comma), or nil where it declines.
    func plainDecimal(_ text: String) -> (value: Double, after: Int)? {
        let end = Int64(text.utf8.count)
        // A byte past the end (never read), so that even the empty text has an address.
        return (Array(text.utf8) + [0x39]).withUnsafeBufferPointer { b -> (Double, Int)? in
            var value = 0.0, after: Int64 = 0
            guard nta_plain_decimal(b.baseAddress!, 0, end, 0x2C, &value, &after) == 1 else { return nil }
            return (value, Int(after))
        }
    }

    @Test("plain decimals take the general parser's value, bit for bit, and end where the field ends")
    func plainDecimalsAreTheGeneralParsersValues() {
        var rng = SeededGenerator(seed: 43)
        for _ in 0..<20_000 {
            // Up to 19 digits, the point anywhere (or none), a sign now and then: positions, frames, ids.
            let digits = 1 + rng.nextInt(below: 19)
            var text = rng.nextUniform() < 0.3 ? "-" : ""
            let point = rng.nextUniform() < 0.8 ? rng.nextInt(below: digits + 1) : -1
            for k in 0..<digits {
                if k == point { text += "." }
                text += String(rng.nextInt(below: 10))
            }
            let field = text
            let parsed = Array(field.utf8).withUnsafeBufferPointer { NumberParsing.parseDouble($0.baseAddress!, 0, $0.count) }
            let ending = ["", ",7", "\n", "\r\n"][rng.nextInt(below: 4)]
            let fast = plainDecimal(field + ending)
            let significand = UInt64(field.filter(\.isNumber))!
            if significand < 1 << 53 {
                #expect(fast?.value.bitPattern == parsed?.bitPattern, "\(field)")
                #expect(fast?.after == field.utf8.count + (ending == "\r\n" ? 1 : 0), "\(field)\(ending)")
            } else {
                #expect(fast == nil, "\(field): beyond 2⁵³, left to the general parser")
            }
        }
    }

    @Test("anything but a plain decimal is left to the general parser")
    func otherFieldsAreDeclined() {
        for text in ["", "-", ".", "1e5", " 1", "1 ", "\"1\"", "nan", "+1", "1.2.3", "1;", "1\r", "1\rx", "0x10",
                     "12345678901234567890", "1.12345678901234567890123"] {
            #expect(plainDecimal(text) == nil, "\(text)")
        }
        #expect(plainDecimal("1,5")?.value == 1)
        #expect(plainDecimal("-0")?.value.sign == .minus)
        #expect(plainDecimal("007.50,")?.value == 7.5)
    }
    /// The fast path's short field read in one word (`nta_short_field`), or nil where it declines.
    func shortField(_ bytes: [UInt8]) -> Double? {
        // Eight readable bytes from the start whatever the length, the padding a digit the field must not take.
        (bytes + [UInt8](repeating: 0x37, count: 8)).withUnsafeBufferPointer { b -> Double? in
            var value = 0.0
            return nta_short_field(b.baseAddress!, 0, Int64(bytes.count), &value) == 1 ? value : nil
        }
    }

    @Test("a short field read in one word takes the plain decimal's value, bit for bit, or declines: every field of 1–5 bytes over digits, '.', '-', '/', ':' and a space, and random ones of 6–8")
    func shortFieldsAreThePlainDecimalsValues() {
        let alphabet: [UInt8] = [0x30, 0x31, 0x35, 0x39, 0x2E, 0x2D, 0x2F, 0x3A, 0x20]
        var accepted = 0, fields = 0
        func check(_ bytes: [UInt8]) {
            fields += 1
            let text = String(decoding: bytes, as: UTF8.self)
            let plain = plainDecimal(text + ",")
            guard let fast = shortField(bytes) else { return }
            accepted += 1
            #expect(plain?.value.bitPattern == fast.bitPattern && plain?.after == bytes.count, "\(text)")
        }
        for length in 1...5 {
            var digits = [Int](repeating: 0, count: length)
            while true {
                check(digits.map { alphabet[$0] })
                var k = 0
                while k < length, digits[k] == alphabet.count - 1 { digits[k] = 0; k += 1 }
                if k == length { break }
                digits[k] += 1
            }
        }
        var rng = SeededGenerator(seed: 47)
        for _ in 0..<50_000 {
            let length = 6 + rng.nextInt(below: 3)
            var bytes = (0..<length).map { _ in UInt8(0x30 + rng.nextInt(below: 10)) }
            // A point (now and then two), now and then a byte that is not a digit.
            if rng.nextUniform() < 0.8 { bytes[rng.nextInt(below: length)] = 0x2E }
            if rng.nextUniform() < 0.1 { bytes[rng.nextInt(below: length)] = 0x2E }
            if rng.nextUniform() < 0.1 { bytes[rng.nextInt(below: length)] = alphabet[4 + rng.nextInt(below: 5)] }
            check(bytes)
        }
        // Every plain decimal of 1–8 bytes without a sign is taken (the word path is not a decline-everything stub).
        #expect(shortField(Array("7".utf8)) == 7 && shortField(Array(".5".utf8)) == 0.5)
        #expect(shortField(Array("5.".utf8)) == 5 && shortField(Array("1234.567".utf8)) == 1234.567)
        #expect(shortField(Array("99999999".utf8)) == 99_999_999 && shortField(Array("0.000001".utf8)) == 0.000001)
        #expect(shortField(Array(".".utf8)) == nil && shortField(Array("1.2.3".utf8)) == nil && shortField(Array("-1".utf8)) == nil)
        #expect(accepted > fields / 20, "\(accepted) of \(fields) fields taken")
    }

    @Test("newlines are counted sixteen bytes at a time as one at a time: any length, any density, all newlines")
    func newlinesCountAsOneAtATime() {
        var rng = SeededGenerator(seed: 23)
        for length in [0, 1, 15, 16, 17, 100, 4080, 4096, 10_000] {
            for density in [0, 1, 10, 100] {
                let bytes = (0..<length).map { _ -> UInt8 in
                    density == 100 || rng.nextInt(below: 100) < density ? 0x0A : UInt8(0x20 + rng.nextInt(below: 90))
                }
                for from in [0, min(3, length)] {
                    let counted = bytes.withUnsafeBufferPointer { nta_count_newlines($0.baseAddress, Int64(from), Int64(length)) }
                    let slow = bytes[from...].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                    #expect(counted == Int64(slow), "length \(length), density \(density) %, from \(from)")
                }
            }
        }
    }
}
