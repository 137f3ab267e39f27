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
}
