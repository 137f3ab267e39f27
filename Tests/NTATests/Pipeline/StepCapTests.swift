import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// Steps that end at a hard limit (a tracker's search range) are warned of.
@Suite struct StepCapTests {
    /// 100 nm beads over 600 frames, as simulated, or with every track cut where a step is longer than the 95th
    /// percentile of the video's steps (each piece its own id), as a tracker whose search range is that long links.
    static func warnings(cutAtSearchRange: Bool) throws -> [String] {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 65
        p.frameCount = 600
        let video = Simulator.run(p)
        var t = video.table
        if cutAtSearchRange {
            // The rows in track order, then each step's length (pixels), then the cut.
            let order = t.particle.indices.sorted { (t.particle[$0], t.frame[$0]) < (t.particle[$1], t.frame[$1]) }
            func step(_ k: Int) -> Double? {
                let a = order[k - 1], b = order[k]
                guard t.particle[a] == t.particle[b] else { return nil }
                return ((t.x[b] - t.x[a]) * (t.x[b] - t.x[a]) + (t.y[b] - t.y[a]) * (t.y[b] - t.y[a])).squareRoot()
            }
            let lengths = (1..<order.count).compactMap(step).sorted()
            let searchRange = lengths[Int(0.95 * Double(lengths.count))]
            var id: Int64 = 0
            var particle = t.particle
            for k in order.indices {
                if k > 0, step(k).map({ $0 > searchRange }) ?? true { id += 1 }
                particle[order[k]] = id
            }
            t = TrajectoryTable(particle: particle, frame: t.frame, x: t.x, y: t.y, positionUnit: t.positionUnit)
        }
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        let a = try Analysis.analyze(TrajectoryReadResult(table: t, rowsRead: t.count), settings: try resolvedSettings(of: video),
                                     name: "capped", file: "capped", options: options)
        return a.warnings.filter { $0.contains("the steps end at a hard limit") }
    }

    @Test("tracks cut where a step exceeds a search range: warned of, with the limit in pixels")
    func cutAtSearchRange() throws {
        let found = try Self.warnings(cutAtSearchRange: true)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(" px)") == true && found.first?.contains("larger search range") == true, "\(found)")
    }

    @Test("the same video as simulated: no warning")
    func asSimulated() throws {
        #expect(try Self.warnings(cutAtSearchRange: false).isEmpty)
    }
}
