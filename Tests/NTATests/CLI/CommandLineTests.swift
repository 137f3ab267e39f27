import Foundation
import Testing
@testable import NTA

/// Runs the built `nta-size` executable, as a user would.
enum CommandLine_ {
    /// The executable beside the test bundle (SwiftPM builds every product before testing).
    static let executable: URL? = {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("nta-size")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static var available: Bool { executable != nil }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable!
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite("nta-size on the command line", .enabled(if: CommandLine_.available))
struct CommandLineTests {
    @Test("simulate then analyze with no flags (settings from the sidecar), as JSON, text and CSV")
    func simulateAndAnalyze() throws {
        let dir = ScratchDirectory()
        let prefix = dir.file("s").path
        let sim = try CommandLine_.run(["simulate", "-o", prefix, "--frames", "200", "--seed", "7"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let json = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["schemaVersion"] as? Int == 2)
        let again = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json"])
        #expect(again.stdout == json.stdout)

        let text = try CommandLine_.run(["analyze", prefix + ".csv", "--temperature", "25"])
        #expect(text.stdout.contains("D50"))
        #expect(text.stdout.contains("temperatureCelsius 25 (flag)"))

        let out = dir.file("dist.csv").path
        let csv = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "csv", "-o", out])
        #expect(csv.status == 0 && csv.stdout.isEmpty)
        let table = try String(contentsOfFile: out, encoding: .utf8)
        #expect(table.hasPrefix("bin_centre_nm,all\n0.5,"))
    }

    @Test("bad input exits non-zero with file:line:column and what was expected")
    func badInput() throws {
        let dir = ScratchDirectory()
        let file = dir.file("tracks.csv")
        try Data("particle,frame,x,y\n1,0,1,1\n1,1,12.3abc,1\n".utf8).write(to: file)
        let r = try CommandLine_.run(["analyze", file.path, "--fps", "30", "--nm-per-pixel", "100", "--temperature", "22"])
        #expect(r.status != 0 && r.status < 128)
        #expect(r.stderr.contains("tracks.csv:3:3: expected a number in column \"x\", found \"12.3abc\""))
        #expect(r.stdout.isEmpty)
    }

    @Test("a missing frame rate says which flag supplies it")
    func missingSetting() throws {
        let dir = ScratchDirectory()
        let file = dir.file("plain.csv")
        try Data("particle,frame,x,y\n1,0,1,1\n".utf8).write(to: file)
        let r = try CommandLine_.run(["analyze", file.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("--fps"))
    }

    @Test("invalid options are usage errors, not crashes")
    func invalidOptions() throws {
        for args in [["analyze", "x.csv", "--window", "150-30"], ["analyze", "x.csv", "--estimator", "magic"],
                     ["simulate", "-o", "/tmp/x", "--mixture", "big"]] {
            let r = try CommandLine_.run(args)
            #expect(r.status != 0 && r.status < 128, "\(args)")
            #expect(!r.stderr.isEmpty, "\(args)")
        }
    }
}
