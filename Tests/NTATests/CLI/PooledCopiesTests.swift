import Foundation
import Testing

/// Two videos pooled that are one video copied: said, since their spread is then no replicate spread.
@Suite struct PooledCopiesTests {
    @Test("a file and its copy pooled: warned of; two different captures: not")
    func copyPooled() throws {
        let dir = ScratchDirectory()
        let a = dir.file("a").path, c = dir.file("c").path
        for (prefix, seed) in [(a, "3"), (c, "4")] {
            let sim = try CommandLine_.run(["simulate", "-o", prefix, "--frames", "150", "--seed", seed])
            #expect(sim.status == 0, "\(sim.stderr)")
        }
        try FileManager.default.copyItem(atPath: a + ".csv", toPath: dir.file("b.csv").path)
        try FileManager.default.copyItem(atPath: a + ".csv.settings.json", toPath: dir.file("b.csv.settings.json").path)
        func warned(_ files: [String]) throws -> Bool {
            let r = try CommandLine_.run(["analyze"] + files + ["--bootstrap", "0", "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            return ((object?["warnings"] as? [String]) ?? []).contains { $0.contains("give identical results") }
        }
        #expect(try warned([a + ".csv", dir.file("b.csv").path]))
        #expect(try !warned([a + ".csv", c + ".csv"]))
    }
}
