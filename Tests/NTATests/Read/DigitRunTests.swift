import Testing
@testable import NTARead
import NTA

/// The number parser's run of digits, read eight bytes at a time, against the digit-by-digit rule.
@Suite("Runs of digits, eight bytes at a time")
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
            bytes.withUnsafeBufferPointer { b in
                var i = 0, significand: UInt64 = 0
                let count = NumberParsing.digitRun(b.baseAddress!, &i, end, into: &significand)
                #expect(count == expected.count && significand == expected.significand && i == expected.next,
                        "\(bytes) up to \(end)")
            }
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
                bytes.withUnsafeBufferPointer { b in
                    var i = 0, significand: UInt64 = 0
                    let count = NumberParsing.digitRun(b.baseAddress!, &i, bytes.count, into: &significand)
                    #expect(count == expected.count && significand == expected.significand && i == expected.next,
                            "\(n) digits then \(stop)")
                }
            }
        }
    }
}
