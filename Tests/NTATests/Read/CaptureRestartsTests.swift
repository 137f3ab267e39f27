import Foundation
import Testing
import NTA

@Suite("Captures concatenated with their frame numbers restarting")
struct CaptureRestartsTests {
    /// A frame-sorted capture as trackpy writes one: `perFrame` particles (ids `firstID`…) in each of `frames` frames.
    static func capture(frames: Int, perFrame: Int, firstID: Int64 = 0, firstFrame: Int32 = 0) -> [(Int64, Int32)] {
        (0..<frames).flatMap { f in (0..<perFrame).map { (firstID + Int64($0), firstFrame + Int32(f)) } }
    }

    static func table(_ rows: [(Int64, Int32)]) -> TrajectoryTable {
        TrajectoryTable(particle: rows.map(\.0), frame: rows.map(\.1), x: rows.map { Double($0.0) },
                        y: rows.map { _ in 0 })
    }

    @Test("two trackpy exports concatenated: laid end to end, the second's ids shifted by the span of the file's ids")
    func concatenatedExports() throws {
        // Frames 0–9 twice, particles 0–2 in each: ids and frames repeat.
        var table = Self.table(Self.capture(frames: 10, perFrame: 3) + Self.capture(frames: 10, perFrame: 3))
        let found = try #require(CaptureRestarts.layEndToEnd(&table))
        #expect(found.captures.map(\.firstRow) == [0, 30])
        #expect(found.frameOffsets == [0, 10])
        #expect(found.particleIDs == .shifted(by: 3))
        #expect(table.frame == (0..<20).flatMap { f in [Int32](repeating: Int32(f), count: 3) })
        #expect(table.particle == (0..<10).flatMap { _ in [0, 1, 2] } + (0..<10).flatMap { _ in [3, 4, 5] })
        #expect(found.note.contains("2 captures") && found.note.contains("each numbered 0–9")
                && found.note.contains("shifted by k × 3"))
    }

    @Test("captures whose ids are distinct keep them; a capture starting a little late still restarts")
    func distinctIDs() throws {
        // The second capture's first frame with a particle is 1 (within 5 % of the span of 0–39).
        var table = Self.table(Self.capture(frames: 40, perFrame: 2)
                                   + Self.capture(frames: 39, perFrame: 2, firstID: 100, firstFrame: 1))
        let found = try #require(CaptureRestarts.layEndToEnd(&table))
        #expect(found.particleIDs == .unchanged)
        #expect(found.frameOffsets == [0, 39], "frame 1 of the second follows frame 39 of the first")
        #expect(table.frame[80] == 40 && table.frame.last == 78)
        #expect(table.particle[80] == 100)
    }

    @Test("ids that a shift would take past the reader's 9·10¹⁵ are renumbered in order of first appearance")
    func renumbered() throws {
        let big: Int64 = 5_000_000_000_000_000 // shifted by its span, past the reader's 9·10¹⁵
        var table = Self.table([(big, 0), (0, 0), (big, 1), (0, 1), (big, 0), (0, 0), (big, 1), (0, 1)])
        let found = try #require(CaptureRestarts.layEndToEnd(&table))
        #expect(found.particleIDs == .renumbered)
        #expect(table.particle == [0, 1, 0, 1, 2, 3, 2, 3])
        #expect(table.frame == [0, 0, 1, 1, 2, 2, 3, 3])
    }

    @Test("what is not a restart is left alone: rows sorted by particle, stray rows, too few particles a frame, too many pieces")
    func notRestarts() {
        // Sorted by particle: every track starts at frame 0 (the frame falls back at each), one row per frame.
        let byParticle = (0..<5).flatMap { p in (0..<20).map { (Int64(p), Int32($0)) } }
        // One row of frame 5 written after frame 30: the piece it starts covers 5…39 with a gap of 25 frames.
        var stray = Self.capture(frames: 40, perFrame: 3)
        let row = stray.remove(at: 15)
        stray.insert(row, at: 95)
        // A row of frame 5 written after frame 6, near the start: the fall (1 frame) is not half the range before it.
        var early = Self.capture(frames: 200, perFrame: 3)
        let frame5 = early.remove(at: 15)
        early.insert(frame5, at: 20)
        // One particle a frame (no frame repeats) in each of two restarting pieces.
        let sparse = Self.capture(frames: 20, perFrame: 1) + Self.capture(frames: 20, perFrame: 1, firstID: 50)
        // 1,001 restarting pieces.
        let many = (0..<1001).flatMap { k in Self.capture(frames: 2, perFrame: 2, firstID: Int64(2 * k)) }
        // A row of frame 0 moved to the end of the file: a piece of one frame after one of 300.
        var late = Self.capture(frames: 300, perFrame: 3)
        late.append(late.remove(at: 1))
        // A row of frame −3 among frame 0's rows: it cuts the file into frame 0's first rows and the rest.
        var negative = Self.capture(frames: 300, perFrame: 3)
        negative[2].1 = -3
        for (name, rows) in [("by particle", byParticle), ("stray row", stray), ("early stray row", early), ("sparse", sparse),
                             ("many", many), ("late row", late), ("negative frame", negative)] {
            var table = Self.table(rows)
            let before = table
            #expect(CaptureRestarts.layEndToEnd(&table) == nil, "\(name)")
            #expect(table.frame == before.frame && table.particle == before.particle, "\(name)")
        }
    }

    @Test("frames that laid end to end would pass 2³¹ − 1 are left as they are")
    func framesBeyondInt32() {
        let late = Int32.max - 10
        var table = Self.table(Self.capture(frames: 10, perFrame: 2, firstFrame: late)
                                   + Self.capture(frames: 10, perFrame: 2, firstFrame: late))
        #expect(CaptureRestarts.layEndToEnd(&table) == nil)
    }

    @Test("a simulated file of 3 captures numbered from 0 each reads as the same captures numbered on: every figure equal, and a note")
    func restartEqualsContinuing() throws {
        let dir = ScratchDirectory()
        var reports: [String: JSON] = [:]
        for numbering in [CaptureFrameNumbering.restart, .continuing] {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.seed = 7
            p.frameCount = 150
            p.captureCount = 3
            p.captureFrameNumbering = numbering
            let prefix = dir.file(numbering.rawValue)
            _ = try SimulationWriter.write(Simulator.run(p), prefix: prefix)
            let run = try CommandLine_.run(["analyze", prefix.path + ".csv", "--detection-volume-nl", "0.04",
                                            "--dilution", "1", "--bootstrap", "10", "--output", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            reports[numbering.rawValue] = try JSONDecoder().decode(JSON.self, from: Data(run.stdout.utf8))
        }
        let restart = try #require(reports["restart"]), continuing = try #require(reports["continuing"])
        for key in ["size", "concentration", "concentrationPerMl", "concentrationPerMlCI", "tracks", "rows"] {
            #expect(restart[key] == continuing[key], "\(key)")
        }
        func notes(_ report: JSON) -> [String] {
            guard case .array(let items)? = report["notes"] else { return [] }
            return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        #expect(notes(restart).contains { $0.contains("3 captures one after another whose frame numbers restart (each numbered 0–149)") })
        #expect(!notes(continuing).contains { $0.contains("restart") })
    }
}
