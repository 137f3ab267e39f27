import Foundation
import Testing
import NTA

/// Files are written whole and in order, whatever the size of the pieces they are written in.
@Suite("Writing files in pieces")
struct FileWritingTests {
    @Test("bytes across several pieces come back exactly, and a shorter rewrite truncates")
    func roundTrip() throws {
        let dir = ScratchDirectory()
        let url = dir.file("out.bin")
        // 2^28 + 3 bytes: one full piece and a remainder, each byte a function of its offset.
        let count = (1 << 28) + 3
        var bytes = [UInt8](repeating: 0, count: count)
        for i in stride(from: 0, to: count, by: 4093) { bytes[i] = UInt8(truncatingIfNeeded: i / 4093 &+ 1) }
        bytes[count - 1] = 0xAB
        try FileWriting.write(Data(bytes), to: url)
        let back = try Data(contentsOf: url)
        #expect(back.count == count && back == Data(bytes))
        try FileWriting.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
    }
}
