import Foundation
import Testing
import NTA

/// `nta-size simulate`'s flags: refused out of range (exit 64, one line naming the flag: what would trap, abort or
/// exhaust memory included), and the realism flags written into the truth.
@Suite("nta-size simulate: flags")
struct SimulateCommandTests {
    @Test("invalid flags exit 64 naming the flag, on one line", arguments: [
        (["--sheet-waist-um", "0", "--threshold", "100"], "--sheet-waist-um"),
        (["--sheet-waist-um", "nan", "--threshold", "100"], "--sheet-waist-um"),
        (["--sheet-waist-um", "2.5"], "--sheet-waist-um"),
        (["--threshold", "-1"], "--threshold"),
        (["--threshold", "inf"], "--threshold"),
        (["--sigma-reference-intensity", "0"], "--sigma-reference-intensity"),
        (["--sigma-reference-intensity", "100", "--sigma-floor-nm", "-1"], "--sigma-floor-nm"),
        (["--sigma-floor-nm", "5"], "--sigma-floor-nm"),
        (["--captures", "0"], "--captures"),
        (["--captures", "100000", "--frames", "100000"], "--captures"),
        (["--capture-frames", "sideways"], "--capture-frames"),
        (["--mixture", "1e300"], "--mixture"),
        (["--mixture", "1e12"], "--mixture"),
        (["--mixture", "-5"], "--mixture"),
        (["--mixture", "100/nan"], "--mixture"),
        (["--labelled", "-1"], "--labelled"),
        (["--sigma-reference-intensity", "100", "--sigma-floor-nm", "1e300"], "--sigma-floor-nm"),
        (["--frames", "1", "--concentration", "1e15"], "--concentration"),
    ])
    func invalidFlags(flags: [String], named: String) throws {
        let dir = ScratchDirectory()
        let r = try CommandLine_.run(["simulate", "-o", dir.file("s").path] + flags)
        #expect(r.status == 64, "\(flags): \(r.stderr)")
        #expect(r.stderr.contains(named), "\(flags): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(flags): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("s.csv").path))
    }

    @Test("realism flags reach the simulation and the scoring truth is written")
    func realismWritten() throws {
        let dir = ScratchDirectory()
        let prefix = dir.file("s").path
        let r = try CommandLine_.run([
            "simulate", "-o", prefix, "--frames", "50", "--captures", "2", "--capture-frames", "continuing",
            "--sheet-waist-um", "2.5", "--threshold", "500", "--sigma-reference-intensity", "5000",
            "--sigma-floor-nm", "5", "--exposure-ms", "10", "--seed", "3",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: prefix + ".truth.json")))
        let truth = try #require(object as? [String: Any])
        let parameters = try #require(truth["parameters"] as? [String: Any])
        #expect(parameters["captureCount"] as? Int == 2)
        #expect(parameters["captureFrameNumbering"] as? String == "continuing")
        #expect(parameters["sheetWaistMicrometers"] as? Double == 2.5)
        let scoring = try #require(truth["scoring"] as? [String: Any])
        #expect(abs((scoring["blurCoefficient"] as? Double ?? 0) - 0.05) < 1e-12) // 10 ms / (6 × 33.3 ms)
        let frames = try String(contentsOfFile: prefix + ".csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .compactMap { Int($0.split(separator: ",")[1]) }
        #expect(frames.max().map { $0 >= 50 && $0 < 100 } == true) // continuing numbering reaches the second capture

        // Without realism flags the truth has no scoring block unless asked for.
        let plain = try CommandLine_.run(["simulate", "-o", prefix + "p", "--frames", "20"])
        #expect(plain.status == 0)
        let plainTruth = try String(contentsOfFile: prefix + "p.truth.json", encoding: .utf8)
        #expect(!plainTruth.contains("scoring"))
        let asked = try CommandLine_.run(["simulate", "-o", prefix + "a", "--frames", "20", "--scoring-truth"])
        #expect(asked.status == 0)
        #expect(try String(contentsOfFile: prefix + "a.truth.json", encoding: .utf8).contains("\"scoring\""))
    }
}
