import Foundation
import Testing
import NTA

@Suite("Where outputs are written: never over an input, in place, errors reported")
struct OutputPathTests {
    /// A small simulated video with its sidecar in a fresh folder.
    static func video() throws -> (dir: ScratchDirectory, csv: String) {
        let dir = ScratchDirectory()
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 21
        p.frameCount = 100
        _ = try SimulationWriter.write(Simulator.run(p), prefix: dir.file("v"))
        return (dir, dir.file("v.csv").path)
    }

    static let fast = ["--distribution", "histogram", "--bootstrap", "0"]

    @Test("-o naming an input, its sidecar, a folder, a missing folder or nothing: exit 64 naming -o, the input untouched")
    func analyzeRefusesBadTargets() throws {
        let (dir, csv) = try Self.video()
        let before = try Data(contentsOf: URL(fileURLWithPath: csv))
        let sidecar = csv + ".settings.json"
        let sidecarBefore = try Data(contentsOf: URL(fileURLWithPath: sidecar))
        let sameFileOtherName = dir.url.path + "/./v.csv"
        for (target, expected) in [(csv, "-o: expected a file other than the input"),
                                   (sameFileOtherName, "-o: expected a file other than the input"),
                                   (sidecar, "-o: expected a file other than the input"),
                                   (dir.url.path, "-o: expected a file, found the folder"),
                                   (dir.file("missing/out.txt").path, "-o: expected a file in an existing folder"),
                                   ("", "-o: expected a file name, found an empty one")] {
            let r = try CommandLine_.run(["analyze", csv, "-o", target] + Self.fast)
            #expect(r.status == 64, "\(target): \(r.stderr)")
            #expect(r.stderr.hasPrefix("nta-size: \(expected)"), "\(target): \(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: csv)) == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: sidecar)) == sidecarBefore)
    }

    @Test("-o writes into what is there: a file keeps its permissions, a symbolic link its target, a device stays a device")
    func analyzeWritesInPlace() throws {
        let (dir, csv) = try Self.video()
        let expected = try CommandLine_.run(["analyze", csv] + Self.fast).stdout
        // An existing private file: rewritten, still 600.
        let privatePath = dir.file("private.txt").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: privatePath))
        #expect(chmod(privatePath, 0o600) == 0)
        #expect(try CommandLine_.run(["analyze", csv, "-o", privatePath] + Self.fast).status == 0)
        #expect(try String(contentsOfFile: privatePath, encoding: .utf8) == expected)
        #expect((try FileManager.default.attributesOfItem(atPath: privatePath)[.posixPermissions] as? Int) == 0o600)
        // A symbolic link: its target is written, the link stays a link.
        let target = dir.file("target.txt").path, link = dir.file("link.txt").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try CommandLine_.run(["analyze", csv, "-o", link] + Self.fast).status == 0)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == expected)
        #expect((try FileManager.default.attributesOfItem(atPath: link)[.type] as? FileAttributeType) == .typeSymbolicLink)
        // A full device: the write fails with the system's reason, exit 1, and the device is still a device.
        var st = stat()
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR, "the machine has /dev/full")
        let full = try CommandLine_.run(["analyze", csv, "-o", "/dev/full"] + Self.fast)
        #expect(full.status == 1 && full.stderr == "nta-size: cannot write /dev/full: No space left on device\n", "\(full.stderr)")
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR, "/dev/full is still a character device")
    }

    @Test("batch: a --summary or --jsonl over the sample sheet or a given file is refused before any analysis")
    func batchRefusesInputs() throws {
        let (dir, csv) = try Self.video()
        let sheet = dir.file("samples.csv").path
        let sheetText = "sample,files\nA,v.csv\n"
        try Data(sheetText.utf8).write(to: URL(fileURLWithPath: sheet))
        for args in [["--sheet", sheet, "--summary", sheet], ["--sheet", sheet, "--summary", dir.file("s.csv").path, "--jsonl", sheet],
                     [csv, "--summary", csv]] {
            let r = try CommandLine_.run(["batch"] + args + Self.fast)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("expected a file other than the input"), "\(args): \(r.stderr)")
        }
        #expect(try String(contentsOfFile: sheet, encoding: .utf8) == sheetText)
        let folder = try CommandLine_.run(["batch", csv, "--summary", dir.url.path] + Self.fast)
        #expect(folder.status == 64 && folder.stderr.hasPrefix("nta-size: --summary: expected a file, found the folder"), "\(folder.stderr)")
    }

    @Test("one file given twice (under two names) is refused: it would count as two videos of the sample")
    func sameFileTwice() throws {
        let (dir, csv) = try Self.video()
        let r = try CommandLine_.run(["analyze", csv, dir.url.path + "/./v.csv"] + Self.fast)
        #expect(r.status == 64 && r.stderr.hasPrefix("nta-size: expected each file once, found \"\(csv)\" given again"), "\(r.stderr)")
        let f = try CommandLine_.run(["analyze", csv, "--fluorescence", csv] + Self.fast)
        #expect(f.status == 64 && f.stderr.contains("expected each file once"), "\(f.stderr)")
    }

    @Test("simulate -o with an empty prefix: exit 64, nothing written")
    func simulateEmptyPrefix() throws {
        let r = try CommandLine_.run(["simulate", "-o", "", "--frames", "5"])
        #expect(r.status == 64 && r.stderr.hasPrefix("nta-size: -o: expected a PREFIX"), "\(r.stderr)")
    }
}
