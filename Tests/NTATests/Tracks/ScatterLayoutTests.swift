import Testing
import NTACore
@testable import NTATracks

@Suite("The grouping's scatter layout")
struct ScatterLayoutTests {
    /// Rows of 500 tracks in random order over three chunks, every fifth track dropped: each column comes out as
    /// the kept tracks in order, each track's rows in file order (a stable sort by track, written here without
    /// the layout), with 32-bit places and with 64-bit ones (which files of more than 2³¹ rows take).
    @Test("rows go to their track's place, in file order, with 32-bit and 64-bit places alike")
    func placesOfBothWidths() {
        var rng = SeededGenerator(seed: 5)
        let n = 20_000, trackCount = 500, chunks = 3
        let dense = (0..<n).map { _ in Int32(rng.nextInt(below: trackCount)) }
        let column = (0..<n).map { Double($0) + 0.25 }
        let isKept = (0..<trackCount).map { $0 % 5 != 2 }
        // Steps 2–3 of the grouping: rows per track in each chunk, then each chunk's first place per kept track.
        var start = [Int](repeating: 0, count: chunks * trackCount)
        for k in 0..<chunks {
            for i in Parallel.chunk(k, of: chunks, count: n) { start[k * trackCount + Int(dense[i])] += 1 }
        }
        var kept = 0
        for t in 0..<trackCount {
            guard isKept[t] else {
                for k in 0..<chunks { start[k * trackCount + t] = -1 }
                continue
            }
            for k in 0..<chunks {
                let rows = start[k * trackCount + t]
                start[k * trackCount + t] = kept
                kept += rows
            }
        }
        var expected: [Double] = []
        for t in 0..<trackCount where isKept[t] {
            for i in 0..<n where Int(dense[i]) == t { expected.append(column[i]) }
        }
        #expect(expected.count == kept)
        for wide in [false, true] {
            var d = dense, s = start
            let layout = TrackGrouping.ScatterLayout(dense: &d, start: &s, chunks: chunks, trackCount: trackCount,
                                                     kept: kept, widePlaces: wide)
            #expect(d.isEmpty && s.isEmpty)
            #expect(layout.scatter(column) == expected, "wide: \(wide)")
            #expect(layout.scatter(column, times: 2) == expected.map { $0 * 2 }, "wide: \(wide)")
        }
    }
}
