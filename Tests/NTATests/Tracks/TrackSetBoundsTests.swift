import Testing
import NTA

@Suite("The localisations' bounding box")
struct TrackSetBoundsTests {
    /// The box is the least and largest x and y, found in lanes over chunks of rows: it must be those of a
    /// plain pass, for row counts that leave 0–3 rows past the lanes, one or several chunks, a NaN position
    /// (never taken) and the extremes in the first, last and middle rows.
    @Test("the box is the plain least and largest x and y, whatever the row count and where the extremes are")
    func boxIsThePlainExtremes() throws {
        var rng = SeededGenerator(seed: 9)
        for n in [2, 3, 4, 5, 7, 8, 9, 1_001, 200_003] {
            for extremeAt in [0, n / 2, n - 1] {
                var xs = (0..<n).map { _ in rng.nextUniform() * 5000 - 1000 }
                var ys = (0..<n).map { _ in rng.nextUniform() * 3000 + 20 }
                xs[extremeAt] = -7e4
                ys[extremeAt] = 9e4
                if n > 3 { xs[(extremeAt + 1) % n] = .nan }
                let tracks = TrackSet(particleIDs: [1], offsets: [0, n], frame: (0..<n).map(Int32.init), xNanometers: xs,
                                      yNanometers: ys)
                let box = try #require(tracks.boundingBoxNanometers)
                let finite = xs.filter { !$0.isNaN }
                #expect(box.minX == finite.min() && box.maxX == finite.max(), "n \(n), extreme at \(extremeAt)")
                #expect(box.minY == ys.min() && box.maxY == ys.max(), "n \(n), extreme at \(extremeAt)")
            }
        }
        // No area: no box.
        let line = TrackSet(particleIDs: [1], offsets: [0, 3], frame: [0, 1, 2], xNanometers: [1, 2, 3],
                            yNanometers: [5, 5, 5])
        #expect(line.boundingBoxNanometers == nil)
    }

    /// The reader's largest coordinate magnitude comes from the same extremes: the plain largest |x| or |y|, over
    /// two chunks of rows, one of whose x are all NaN (which must add nothing), with the extreme negative.
    @Test("the largest coordinate magnitude is the plain largest |x| or |y|, NaNs never taken")
    func largestMagnitudeIsThePlainOne() {
        var rng = SeededGenerator(seed: 10)
        let n = 140_003
        var xs = (0..<n).map { _ in rng.nextUniform() * 600 - 100 }
        let ys = (0..<n).map { _ in rng.nextUniform() * 400 }
        for i in (n / 2)..<n { xs[i] = .nan }
        xs[17] = -2_345.5
        let table = TrajectoryTable(particle: [Int64](repeating: 1, count: n), frame: (0..<n).map(Int32.init), x: xs,
                                    y: ys, positionUnit: .pixels)
        let plain = zip(xs, ys).reduce(0.0) { largest, p in
            var l = largest
            if abs(p.0) > l { l = abs(p.0) }
            if abs(p.1) > l { l = abs(p.1) }
            return l
        }
        #expect(plain == 2_345.5)
        #expect(table.largestCoordinateMagnitude == plain)
        let nothing = TrajectoryTable(particle: [1, 1], frame: [0, 1], x: [.nan, .nan], y: [.nan, .nan], positionUnit: .pixels)
        #expect(nothing.largestCoordinateMagnitude == 0)
    }
}
