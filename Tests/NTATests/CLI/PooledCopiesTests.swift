import Foundation
import Testing

/// Two videos pooled that are one video copied: said, since their spread is then no replicate spread.
@Suite struct PooledCopiesTests {
    @Test("a file and its copy pooled: warned of; two different captures: not")
    func copyPooled() throws {
        let dir = ScratchDirectory()
        let a = try CommandLine_.simulate("a", in: dir, ["--frames", "150", "--seed", "3"])
        let c = try CommandLine_.simulate("c", in: dir, ["--frames", "150", "--seed", "4"])
        try FileManager.default.copyItem(atPath: a + ".csv", toPath: dir.file("b.csv").path)
        try FileManager.default.copyItem(atPath: a + ".csv.settings.json", toPath: dir.file("b.csv.settings.json").path)
        func warned(_ files: [String]) throws -> Bool {
            let r = try CommandLine_.run(["analyze"] + files + ["--bootstrap", "0", "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            return ((try CommandLine_.jsonObject(r)?["warnings"] as? [String]) ?? []).contains { $0.contains("give identical results") }
        }
        #expect(try warned([a + ".csv", dir.file("b.csv").path]))
        #expect(try !warned([a + ".csv", c + ".csv"]))
    }
}
