import Foundation
import Testing
@testable import NTADistribution

/// The likelihood rows' and grid weights' store: blocks from a 64-byte boundary (no 32-byte block split across
/// two cache lines), read back as written, shared rather than copied by a trimmed matrix.
@Suite struct AlignedBlocksTests {
    @Test(arguments: [0, 1, 3, 1000])
    func blocksStartOnACacheLineAndReadBackAsWritten(count: Int) {
        let blocks = AlignedBlocks(count: count) { out in
            for i in out.indices { out[i] = SIMD8<Float>(repeating: Float(i)) + SIMD8(0, 1, 2, 3, 4, 5, 6, 7) }
        }
        #expect(blocks.count == count)
        blocks.withUnsafeBufferPointer { buffer in
            #expect(buffer.count == count)
            let address = Int(bitPattern: buffer.baseAddress)
            #expect(address != 0 && address % 64 == 0, "address \(address)")
        }
        for i in 0..<count {
            #expect(blocks[i][0] == Float(i) && blocks[i][7] == Float(i) + 7)
        }
    }

    @Test func partsJoinInOrder() {
        let sizes = [0, 3, 0, 1000, 1, 17]
        var parts: [[SIMD8<Float>]] = [], next: Float = 0
        for size in sizes {
            parts.append((0..<size).map { _ in defer { next += 1 }; return SIMD8<Float>(repeating: next) })
        }
        let joined = AlignedBlocks(joining: parts)
        #expect(joined.count == sizes.reduce(0, +))
        for i in 0..<joined.count { #expect(joined[i] == SIMD8<Float>(repeating: Float(i))) }
        joined.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress) % 64 == 0) }
        let none = AlignedBlocks(joining: [[], []])
        #expect(none.count == 0)
        none.withUnsafeBufferPointer { #expect($0.baseAddress != nil) }
    }

    @Test func blocksNotFilledAreZero() {
        let blocks = AlignedBlocks(count: 5)
        for i in 0..<5 { #expect(blocks[i] == .zero) }
    }

    @Test func aMatrixAndItsTrimmedBandsShareOneAlignedStore() {
        let matrix = DeconvolutionTests.monoMatrix()
        let trimmed = matrix.trimmed(at: [Double](repeating: 1 / Double(matrix.grid.count), count: matrix.grid.count),
                                     logRatio: -30)
        #expect(trimmed.values === matrix.values)
        matrix.values.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress) % 64 == 0) }
    }
}
