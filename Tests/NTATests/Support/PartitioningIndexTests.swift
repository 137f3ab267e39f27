import Testing
@testable import NTACore

/// `partitioningIndex(where:)` must give what a linear scan gives on every partitioned input, as the binary searches it
/// replaced did (a sorted array's count below a value, the last segment starting at or before a frame).
@Suite("Binary search over a partitioned collection")
struct PartitioningIndexTests {
    @Test("every split point of every length up to 40, whole arrays and slices")
    func matchesLinearScan() {
        for n in 0...40 {
            for split in 0...n {
                let flags = (0..<n).map { $0 >= split }
                #expect(flags.partitioningIndex { $0 } == split, "n = \(n), split = \(split)")
                // A slice keeps its parent's indices.
                let padded = [false, false, false] + flags + [true]
                #expect(padded[3..<(3 + n)].partitioningIndex { $0 } == 3 + split)
            }
        }
    }

    @Test("sorted values with repeats: counts below and at or below a value; the last at or before it")
    func sortedCounts() {
        let sorted: [Double] = [1, 2, 2, 2, 5, 7, 7, 9]
        for t in [0.0, 1, 1.5, 2, 3, 5, 7, 8, 9, 10] {
            #expect(sorted.partitioningIndex { !($0 < t) } == sorted.count(where: { $0 < t }), "t = \(t)")
            #expect(sorted.partitioningIndex { $0 > t } == sorted.count(where: { $0 <= t }), "t = \(t)")
        }
        // The last element at or before 6 is the 5 at index 4.
        #expect(sorted.partitioningIndex { $0 > 6 } - 1 == 4)
    }

    @Test("an unpartitioned input or NaNs give an index within bounds, never a trap")
    func unpartitioned() {
        let values: [Double] = [3, .nan, 1, 4, .nan, 0, 2]
        for t in [-1.0, 0.5, 2.5, 10] {
            #expect((0...values.count).contains(values.partitioningIndex { !($0 < t) }))
        }
        #expect([Int]().partitioningIndex { $0 > 0 } == 0)
    }
}
