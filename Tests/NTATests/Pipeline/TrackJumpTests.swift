import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// Two particles joined under one id (ids restarting where parts of a file were tracked apart): warned of.
@Suite struct TrackJumpTests {
    /// Two 300-frame videos of 100 nm beads laid end to end, the second's frames after the first's; its ids either
    /// restart at the first's (`reusesIDs`) or follow them.
    static func joined(reusesIDs: Bool) -> (table: TrajectoryTable, video: SimulatedVideo) {
        func part(_ seed: UInt64) -> SimulatedVideo {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.seed = seed
            p.frameCount = 300
            return Simulator.run(p)
        }
        let a = part(61), b = part(62)
        let idShift = reusesIDs ? 0 : (a.table.particle.max() ?? 0) + 1
        let table = TrajectoryTable(
            particle: a.table.particle + b.table.particle.map { $0 + idShift },
            frame: a.table.frame + b.table.frame.map { $0 + 300 },
            x: a.table.x + b.table.x, y: a.table.y + b.table.y, positionUnit: a.table.positionUnit)
        return (table, a)
    }

    static func warnings(reusesIDs: Bool) throws -> [String] {
        let (table, video) = joined(reusesIDs: reusesIDs)
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
        #expect(found.first?.contains("give each part of a file its own ids") == true)
    }

    @Test("the same parts with ids of their own: no track is warned of")
    func ownIDs() throws {
        #expect(try Self.warnings(reusesIDs: false).isEmpty)
    }
}
