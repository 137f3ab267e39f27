import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// One file holding two videos told apart by a `video` column (pandas.concat of two trackpy results with a key),
/// its rows sorted by particle, so its frame numbers never visibly restart.
@Suite struct VideoColumnTests {
    /// Two 300-frame videos of 100 nm beads (``TrackJumpTests/beads(seed:)``), ids and frames each from 0, and the
    /// file that holds both: rows by particle id, then video, then frame.
    static func twoVideos() -> (a: SimulatedVideo, b: SimulatedVideo, csv: String) {
        let a = TrackJumpTests.beads(seed: 61), b = TrackJumpTests.beads(seed: 62)
        var rows: [(id: Int64, video: String, frame: Int32, x: Double, y: Double)] = []
        for (name, video) in [("day1/a.avi", a), ("day1/b.avi", b)] {
            let t = video.table
            for i in 0..<t.count { rows.append((t.particle[i], name, t.frame[i], t.x[i], t.y[i])) }
        }
        rows.sort { ($0.id, $0.video, $0.frame) < ($1.id, $1.video, $1.frame) }
        var csv = "video,particle,frame,x,y\n"
        for r in rows { csv += "\(r.video),\(r.id),\(r.frame),\(r.x),\(r.y)\n" }
        return (a, b, csv)
    }

    /// A table's rows as a sorted list, for comparison whatever their order.
    static func rowSet(_ t: TrajectoryTable) -> [[Double]] {
        (0..<t.count).map { [Double(t.particle[$0]), Double(t.frame[$0]), t.x[$0], t.y[$0]] }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test("read as two captures: the second video's frames after the first's, its ids shifted; no track joins two particles")
    func twoVideosInOneFile() throws {
        let (a, b, csv) = Self.twoVideos()
        let read = try readTrajectories(csv)
        // The videos laid end to end by hand, as the column says: b's frames follow a's last, b's ids (which overlap
        // a's, both from 0) shifted by the span of all ids.
        let frameShift = a.table.frame.max()! + 1 - b.table.frame.min()!
        let lowest = min(a.table.particle.min()!, b.table.particle.min()!)
        let stride = max(a.table.particle.max()!, b.table.particle.max()!) - lowest + 1
        let laid = TrajectoryTable(
            particle: a.table.particle + b.table.particle.map { $0 + stride },
            frame: a.table.frame + b.table.frame.map { $0 + frameShift },
            x: a.table.x + b.table.x, y: a.table.y + b.table.y, positionUnit: a.table.positionUnit)
        let sameRows = Self.rowSet(read.table) == Self.rowSet(laid)
        #expect(sameRows, "the rows read differ from the videos laid end to end by hand")
        #expect(read.notes.first?.contains("names 2 videos (\"day1/a.avi\", \"day1/b.avi\")") == true, "\(read.notes)")
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        options.distribution = .histogram
        let analysis = try Analysis.analyze(read, settings: try resolvedSettings(of: a), name: "both", file: "both",
                                            options: options)
        #expect(analysis.warnings.allSatisfy { !$0.contains("joined under one id") }, "\(analysis.warnings)")
        #expect(analysis.droppedTracks[.duplicateFrame] == 0)

        // Read as one video (video=none), the same ids name two particles in the same frames.
        let merged = try readTrajectories(csv, mapping: try ColumnMapping(parsing: "video=none"))
        let wrong = try Analysis.analyze(merged, settings: try resolvedSettings(of: a), name: "both", file: "both",
                                         options: options)
        #expect(wrong.droppedTracks[.duplicateFrame] > 0)
    }
}
