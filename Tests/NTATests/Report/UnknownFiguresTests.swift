import Foundation
import Testing
import NTA

@Suite("Figures the data cannot give are null in the JSON, as the text says unknown")
struct UnknownFiguresTests {
    @Test("one track: the drift's standard error (nothing to spread it) and its interval are null, not 0 and a point")
    func driftOfOneTrack() throws {
        let dir = ScratchDirectory()
        var generator = SeededGenerator(seed: 1)
        var csv = "particle,frame,x,y,mass\n", x = 300.0, y = 300.0
        for frame in 0..<400 {
            x += 1.3 * generator.nextGaussian()
            y += 1.3 * generator.nextGaussian()
            csv += "0,\(frame),\(x),\(y),5000\n"
        }
        let file = dir.file("one.csv")
        try Data(csv.utf8).write(to: file)
        let r = try CommandLine_.run(["analyze", file.path, "--fps", "30", "--nm-per-pixel", "160", "--temperature", "22",
                                      "--exposure-ms", "0", "--bootstrap", "0", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONDecoder().decode(JSON.self, from: Data(r.stdout.utf8))
        guard case .array(let videos)? = report["videos"], let nuisance = videos.first?["nuisance"] else {
            Issue.record("no video's nuisance in the report"); return
        }
        #expect(nuisance["driftVelocityXNmPerFrame"] != nil && nuisance["driftVelocityXNmPerFrame"] != .null)
        for key in ["driftVelocityStandardErrorNmPerFrame", "driftTotalStandardErrorNm", "driftVelocityXNmPerFrameCI",
                    "driftVelocityYNmPerFrameCI"] {
            #expect(nuisance[key] == nil || nuisance[key] == .null, "\(key): \(String(describing: nuisance[key]))")
        }
    }
}
