import Testing
import NTA

/// Counting particles per frame costs memory and bootstrap work per frame, so the frame span a count accepts
/// follows the number of localisations (fuzzing found 6 rows spanning 4.3 million frames hanging the bootstrap).
@Suite("The frame span a concentration accepts")
struct FrameSpanTests {
    /// `rows` localisations of one particle at frames 0, step, 2·step, …
    static func table(rows: Int, step: Int) -> TrajectoryTable {
        TrajectoryTable(particle: [Int64](repeating: 1, count: rows), frame: (0..<rows).map { Int32($0 * step) },
                        x: [Double](repeating: 10, count: rows), y: [Double](repeating: 10, count: rows))
    }

    @Test("6 localisations over 3,000,001 frames are refused at once, naming both numbers")
    func sparseSpanRefused() {
        #expect(FrameCounts.maximumFrames(rows: 6) == 100_096)
        do {
            _ = try FrameCounts(Self.table(rows: 6, step: 600_000))
            Issue.record("expected frameRangeTooLong")
        } catch {
            #expect(error == .frameRangeTooLong(frames: 3_000_001, rows: 6))
        }
    }

    @Test("a span within 10⁵ frames + 16 per localisation is counted")
    func spanWithinBoundCounted() throws {
        // 100 rows every 1,000 frames: 99,001 frames ≤ 100,000 + 1,600.
        let counts = try FrameCounts(Self.table(rows: 100, step: 1_000))
        #expect(counts.frameCount == 99_001)
        #expect(counts.all.reduce(0, +) == 100)
    }
}
