import Testing
import NTA

@Suite("Grouping rows into tracks")
struct TrackGroupingTests {
    @Test("rows in any order become frame-ordered tracks; gaps stay gaps")
    func unorderedRowsAndGaps() {
        // Track 5: frames 0,1,2,5 (gap of 3 frames), given out of order; track 9: frames 0..3.
        let table = TrajectoryTable(
            particle: [5, 9, 5, 9, 5, 9, 9, 5],
            frame: [2, 0, 0, 1, 5, 2, 3, 1],
            x: [2, 10, 0, 11, 5, 12, 13, 1], y: [0, 0, 0, 0, 0, 0, 0, 0], positionUnit: .pixels)
        let g = TrackGrouping.group(table, nanometersPerPixel: 100, minTrackLength: 4)
        #expect(g.totalTracks == 2)
        #expect(g.tracks.particleIDs == [5, 9])
        #expect(Array(g.tracks.frame[g.tracks.rows(of: 0)]) == [0, 1, 2, 5])
        #expect(Array(g.tracks.xNanometers[g.tracks.rows(of: 0)]) == [0, 100, 200, 500])
        #expect(g.tracks.frameSpan(of: 0) == 6)
        #expect(g.dropped.total == 0)

        // The gap is not stitched: the one-lag sums see one 3-frame step.
        let m = g.tracks.withSample(of: 0) { StepMoments($0) }
        #expect(m.steps == 3 && m.sumGaps == 5 && m.unitSteps == 2 && m.adjacentPairs == 1)
    }

    @Test("short tracks and tracks with a frame seen twice are dropped and counted")
    func drops() {
        let table = TrajectoryTable(
            particle: [1, 1, 1, 2, 2, 2, 3],
            frame: [0, 1, 1, 0, 1, 2, 0],
            x: [0, 0, 0, 0, 0, 0, 0], y: [0, 0, 0, 0, 0, 0, 0], positionUnit: .nanometers)
        let g = TrackGrouping.group(table, nanometersPerPixel: nil, minTrackLength: 3)
        #expect(g.tracks.particleIDs == [2])
        #expect(g.dropped[.duplicateFrame] == 1)
        #expect(g.dropped[.tooShort] == 1)
        #expect(g.totalTracks == g.tracks.trackCount + g.dropped.total)
    }

    @Test("widely spread particle ids (hashing path) group the same as compact ones, in ascending id")
    func sparseIDs() {
        let ids: [Int64] = [Int64.max - 1, -5, Int64.max - 1, -5, 1 << 40, Int64.max - 1]
        let table = TrajectoryTable(particle: ids, frame: [0, 0, 1, 1, 0, 2], x: [1, 2, 3, 4, 5, 6], y: [0, 0, 0, 0, 0, 0],
                                    positionUnit: .micrometers)
        let g = TrackGrouping.group(table, nanometersPerPixel: nil, minTrackLength: 2)
        #expect(g.tracks.particleIDs == [-5, Int64.max - 1])
        #expect(Array(g.tracks.xNanometers[g.tracks.rows(of: 0)]) == [2000, 4000])
        #expect(Array(g.tracks.xNanometers[g.tracks.rows(of: 1)]) == [1000, 3000, 6000])
        #expect(g.dropped[.tooShort] == 1)
    }

    @Test("the three entry points (table, table giving up its positions, rows alone) group as a plain reference does, over several chunks of rows")
    func entryPointsAgreeWithReference() {
        // 600k rows (≥ 2 chunks of 2¹⁸ on two cores) in random order: ids 0..<40k, frames out of order,
        // some frames twice, some gaps beyond the limit, many short tracks.
        var rng = SeededGenerator(seed: 11)
        let n = 600_000
        var particle = [Int64](), frame = [Int32](), x = [Double](), y = [Double](), intensity = [Double]()
        var nextFrame = [Int64: Int32]()
        for _ in 0..<n {
            let id = Int64.random(in: 0..<40_000, using: &rng)
            var f = nextFrame[id, default: Int32.random(in: 0..<100, using: &rng)]
            let u = Double.random(in: 0..<1, using: &rng)
            if u < 0.0005 { f += Int32(TrackGrouping.maximumGapFrames + 5) } else if u > 0.9995 { f -= 1 }
            nextFrame[id] = f + 1
            particle.append(id); frame.append(f)
            x.append(Double.random(in: 0..<600, using: &rng)); y.append(Double.random(in: 0..<400, using: &rng))
            intensity.append(Double.random(in: 1..<1000, using: &rng))
        }
        // Shuffle the rows in blocks (trackers write frame by frame; the order must not matter).
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        let table = TrajectoryTable(particle: order.map { particle[$0] }, frame: order.map { frame[$0] },
                                    x: order.map { x[$0] }, y: order.map { y[$0] },
                                    intensity: order.map { intensity[$0] }, positionUnit: .pixels)

        // The reference: each id's rows in file order, sorted by frame, dropped by the documented rules.
        var rowsByID = [Int64: [Int]]()
        for r in 0..<n { rowsByID[table.particle[r], default: []].append(r) }
        var ids = [Int64](), frames = [Int32](), xs = [Double](), ys = [Double](), intensities = [Double]()
        var tooShort = 0, duplicate = 0, longGap = 0
        for id in rowsByID.keys.sorted() {
            let rows = rowsByID[id]!
            guard rows.count >= 10 else { tooShort += 1; continue }
            let sorted = rows.sorted { (table.frame[$0], $0) < (table.frame[$1], $1) }
            let f = sorted.map { table.frame[$0] }
            if zip(f, f.dropFirst()).contains(where: { $0 == $1 }) { duplicate += 1; continue }
            if zip(f, f.dropFirst()).contains(where: { Int($1) - Int($0) > TrackGrouping.maximumGapFrames + 1 }) {
                longGap += 1; continue
            }
            ids.append(id); frames += f
            xs += sorted.map { table.x[$0] * 160 }; ys += sorted.map { table.y[$0] * 160 }
            intensities += sorted.map { table.intensity![$0] }
        }
        #expect(tooShort > 100 && duplicate > 10 && longGap > 10, "the table exercises every drop")

        let plain = TrackGrouping.group(table, nanometersPerPixel: 160, minTrackLength: 10)
        let released = TrackGrouping.groupReleasingPositions(table, nanometersPerPixel: 160, minTrackLength: 10)
        let positionless = TrackGrouping.group(table.rows, minTrackLength: 10)
        for (g, hasPositions) in [(plain.tracks, true), (released.tracks, true), (positionless.tracks, false)] {
            #expect(g.particleIDs == ids && g.frame == frames && g.intensity == intensities)
            #expect(g.hasPositions == hasPositions)
            if hasPositions { #expect(g.xNanometers == xs && g.yNanometers == ys) } else {
                #expect(g.xNanometers.isEmpty && g.yNanometers.isEmpty)
            }
        }
        for d in [plain.dropped, released.dropped, positionless.dropped] {
            #expect(d[.tooShort] == tooShort && d[.duplicateFrame] == duplicate && d[.gapTooLong] == longGap)
        }
        #expect(released.rows.particle == table.particle && released.rows.frame == table.frame)
        #expect(released.rows.intensity == table.intensity)
        // The grouping writes scattered columns over storage it owns only: the caller's table, still held
        // here, keeps its positions.
        #expect(table.x == order.map { x[$0] } && table.y == order.map { y[$0] })
        #expect(plain.totalTracks == rowsByID.count && released.totalTracks == rowsByID.count
                && positionless.totalTracks == rowsByID.count)
    }
}
