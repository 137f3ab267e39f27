import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// Two particles joined under one id (ids restarting where parts of a file were tracked apart): warned of.
@Suite struct TrackJumpTests {
    /// A 300-frame video of 100 nm beads, ids and frames from 0.
    static func beads(seed: UInt64) -> SimulatedVideo {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = seed
        p.frameCount = 300
        return Simulator.run(p)
    }

    /// Two 300-frame videos of 100 nm beads (``beads(seed:)``) laid end to end, the second's frames after the first's;
    /// its ids either restart at the first's (`reusesIDs`) or follow them.
    static func joined(reusesIDs: Bool) -> (table: TrajectoryTable, video: SimulatedVideo) {
        let a = beads(seed: 61), b = beads(seed: 62)
        let idShift = reusesIDs ? 0 : (a.table.particle.max() ?? 0) + 1
        let table = TrajectoryTable(
            particle: a.table.particle + b.table.particle.map { $0 + idShift },
            frame: a.table.frame + b.table.frame.map { $0 + 300 },
            x: a.table.x + b.table.x, y: a.table.y + b.table.y, positionUnit: a.table.positionUnit)
        return (table, a)
    }

    static func warnings(reusesIDs: Bool) throws -> [String] {
        let (table, video) = joined(reusesIDs: reusesIDs)
        return try warnings(table, settingsOf: video)
    }

    static func warnings(_ table: TrajectoryTable, settingsOf video: SimulatedVideo) throws -> [String] {
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        let a = try Analysis.analyze(TrajectoryReadResult(table: table, rowsRead: table.count),
                                     settings: try resolvedSettings(of: video), name: "joined", file: "joined",
                                     options: options)
        return a.warnings.filter { $0.contains("signs of two particles joined under one id") }
    }

    @Test("ids restarting in the second part: the tracks joined across the parts are warned of, with an example")
    func reusedIDs() throws {
        let found = try Self.warnings(reusesIDs: true)
        #expect(found.count == 1, "\(found)")
        // A particle's position in the second part is unrelated to its namesake's in the first: most of the ids
        // present in both parts join two particles, each across a jump of tens of µm against steps of ~0.5 µm.
        let count = found.first.flatMap { Int($0.prefix { $0 != " " }) } ?? 0
        #expect(count >= 10, "\(found)")
        #expect(found.first?.contains("give each particle, and each part of a file, its own ids") == true)
    }

    /// One 600-frame video of 100 nm beads whose ids a tracker handed on: each track takes the id of the first
    /// chain whose last track ended before it began (`chained`), so an id strings several particles one after another,
    /// or each keeps its own (`chained == false`).
    static func handedOn(chained: Bool) -> (table: TrajectoryTable, video: SimulatedVideo) {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 63
        p.frameCount = 600
        let video = Simulator.run(p)
        let t = video.table
        // Each track's first and last frame, then the tracks by first frame, each to the first free chain.
        var span: [Int64: (first: Int32, last: Int32)] = [:]
        for i in 0..<t.count {
            let s = span[t.particle[i]] ?? (t.frame[i], t.frame[i])
            span[t.particle[i]] = (min(s.first, t.frame[i]), max(s.last, t.frame[i]))
        }
        var chainEnds: [Int32] = []
        var chainOf: [Int64: Int64] = [:]
        for (id, s) in span.sorted(by: { ($0.value.first, $0.key) < ($1.value.first, $1.key) }) {
            if chained, let c = chainEnds.firstIndex(where: { $0 < s.first }) {
                chainEnds[c] = s.last
                chainOf[id] = Int64(c)
            } else {
                chainOf[id] = Int64(chainEnds.count)
                chainEnds.append(s.last)
            }
        }
        let table = TrajectoryTable(particle: t.particle.map { chainOf[$0]! }, frame: t.frame, x: t.x, y: t.y,
                                    positionUnit: t.positionUnit)
        return (table, video)
    }

    @Test("ids handed on from particle to particle: tracks holding several joins are warned of (their second-longest step is a join too)")
    func handedOnIDs() throws {
        let (table, video) = Self.handedOn(chained: true)
        // The file's ids do string several tracks each, so the longest-against-second rule alone misses most chains.
        #expect(Set(table.particle).count * 3 < Set(video.table.particle).count)
        let found = try Self.warnings(table, settingsOf: video)
        #expect(found.count == 1, "\(found)")
        let count = found.first.flatMap { Int($0.prefix { $0 != " " }) } ?? 0
        // Every chain of two or more particles holds a join (52 of these 53 are warned of; 4 by the longest-against-
        // second rule alone): at least 90 %.
        let chains = Dictionary(grouping: Set(zip(table.particle, video.table.particle).map { [$0.0, $0.1] }), by: { $0[0] })
            .values.filter { $0.count >= 2 }.count
        #expect(chains >= 20 && 10 * count >= 9 * chains, "\(count) of \(chains): \(found)")
        #expect(found.first?.contains("times their median") == true, "\(found)")
    }

    @Test("the same tracks, each with its own id: none is warned of")
    func handedOnOwnIDs() throws {
        let (table, video) = Self.handedOn(chained: false)
        #expect(try Self.warnings(table, settingsOf: video).isEmpty)
    }

    @Test("the same parts with ids of their own: no track is warned of")
    func ownIDs() throws {
        #expect(try Self.warnings(reusesIDs: false).isEmpty)
    }
}
