import Foundation
import Testing
import NTA

/// Runs the built `nta-size` executable, as a user would.
enum CommandLine_ {
    /// Where the executable is looked for: the test bundle's folder and its two parents
    /// (`swift test` builds every product, `nta-size` included, into the same folder as the bundle).
    static let searchedPaths: [String] = {
        var dir = Bundle.main.bundleURL, paths: [String] = []
        for _ in 0..<3 {
            paths.append(dir.appendingPathComponent("nta-size").path)
            dir = dir.deletingLastPathComponent()
        }
        return paths
    }()

    /// The executable beside the test bundle.
    static let executable: URL? = searchedPaths.first { FileManager.default.isExecutableFile(atPath: $0) }
        .map { URL(fileURLWithPath: $0) }

    /// The executable could not be found: every test that runs it fails (never skips) with this error.
    struct NotBuilt: Error, CustomStringConvertible {
        var description: String {
            "nta-size was not found (looked at \(CommandLine_.searchedPaths.joined(separator: ", "))): build it with "
                + "`swift build --product nta-size` (same configuration as the tests), or run `swift test`, which builds every product"
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        guard let executable else { throw NotBuilt() }
        process.executableURL = executable
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

    /// `nta-size simulate -o PREFIX` with `flags`, PREFIX being `name` in `dir` (the run expected to succeed): the prefix,
    /// whose `.csv` holds the trajectories and `.csv.settings.json` their settings.
    static func simulate(_ name: String, in dir: ScratchDirectory, _ flags: [String] = []) throws -> String {
        let prefix = dir.file(name).path
        let sim = try run(["simulate", "-o", prefix] + flags)
        #expect(sim.status == 0, "\(sim.stderr)")
        return prefix
    }

    /// The JSON object a run printed (`--output json`), `nil` when it printed none.
    static func jsonObject(_ r: Result) throws -> [String: Any]? {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    }

    /// `nta-size analyze` with the settings as flags on a file `name` holding `text` (in a scratch folder): the run,
    /// and the file's path as given to it.
    static func analyze(_ text: String, named name: String) throws -> (run: Result, path: String) {
        let dir = ScratchDirectory()
        let file = dir.file(name)
        try Data(text.utf8).write(to: file)
        return (try run(["analyze", file.path, "--fps", "30", "--nm-per-pixel", "100", "--temperature", "22"]), file.path)
    }
}

@Suite("nta-size on the command line")
struct CommandLineTests {
    @Test("the built nta-size is found: the command-line suites fail, never skip, without it")
    func executableIsBuilt() throws {
        let url = try #require(CommandLine_.executable, "\(CommandLine_.NotBuilt())")
        #expect(FileManager.default.isExecutableFile(atPath: url.path))
    }

    @Test("--timings prints each stage's wall-clock and CPU time on standard error and leaves the output as it was")
    func timingsGoToStandardError() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("t", in: dir, ["--frames", "150", "--seed", "3"])
        let plain = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json", "--bootstrap", "4"])
        let timed = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json", "--bootstrap", "4", "--timings"])
        #expect(plain.status == 0 && timed.status == 0, "\(timed.stderr)")
        #expect(timed.stdout == plain.stdout)
        #expect(!plain.stderr.contains("timing:"))
        let lines = timed.stderr.split(separator: "\n").filter { $0.hasPrefix("nta-size: timing: ") }
        let stages = lines.map { $0.dropFirst("nta-size: timing: ".count).split(separator: ":").first.map(String.init) ?? "" }
        // Each stage's wall-clock seconds, then the process's CPU seconds in it.
        for line in lines {
            let cpu = line.split(separator: "(CPU ").last.flatMap { Double($0.dropLast(3)) }
            #expect(line.hasSuffix(" s)") && cpu.map { $0 >= 0 } == true, "\(line)")
        }
        for stage in ["read", "group into tracks", "per-track estimates", "deconvolution", "bootstrap", "report", "total (after start-up)"] {
            #expect(stages.contains(stage), "\(stage) missing from \(timed.stderr)")
        }
        // Every figure is a non-negative number of seconds.
        for line in lines {
            let figure = line.split(separator: " ").dropLast().last.flatMap { Double($0) }
            #expect(figure.map { $0 >= 0 } == true, "\(line)")
        }
    }

    @Test("simulate then analyze with no flags (settings from the sidecar), as JSON, text and CSV")
    func simulateAndAnalyze() throws {
        let dir = ScratchDirectory()
        let prefix = dir.file("s").path
        let sim = try CommandLine_.run(["simulate", "-o", prefix, "--frames", "200", "--seed", "7"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let json = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["schemaVersion"] as? Int == 14)
        let again = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json"])
        #expect(again.stdout == json.stdout)
        // What the intervals rest on is a setting: the CLI's 100 replicates and seed 1 are defaults, not the user's.
        let settings = object?["settings"] as? [String: [String: Any]]
        #expect(settings?["bootstrapReplicates"]?["value"] as? Int == 100 && settings?["bootstrapReplicates"]?["source"] as? String == "default")
        #expect(settings?["seed"]?["value"] as? String == "1" && settings?["seed"]?["source"] as? String == "default")
        let chosen = try CommandLine_.jsonObject(try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json",
                                                                       "--bootstrap", "40", "--seed", "18446744073709551615"]))
        let chosenSettings = chosen?["settings"] as? [String: [String: Any]]
        #expect(chosenSettings?["bootstrapReplicates"]?["value"] as? Int == 40 && chosenSettings?["bootstrapReplicates"]?["source"] as? String == "flag")
        #expect(chosenSettings?["seed"]?["value"] as? String == "18446744073709551615" && chosenSettings?["seed"]?["source"] as? String == "flag")
        let chosenSize = chosen?["size"] as? [String: Any], defaultSize = object?["size"] as? [String: Any]
        #expect(chosenSize?["d50NmCI"] as? [Double] != nil && chosenSize?["d50NmCI"] as? [Double] != defaultSize?["d50NmCI"] as? [Double])
        // A histogram of tracks has no bootstrap: replicates asked for are said to be unused, and none is reported.
        let histogram = try CommandLine_.jsonObject(try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json",
                                                                          "--distribution", "histogram", "--bootstrap", "40"]))
        #expect((histogram?["settings"] as? [String: Any])?["bootstrapReplicates"] == nil)
        #expect((histogram?["warnings"] as? [String])?.contains { $0.hasPrefix("--bootstrap not used: a histogram of tracks") } == true)
        let plainHistogram = try CommandLine_.jsonObject(try CommandLine_.run(["analyze", prefix + ".csv", "--output", "json",
                                                                               "--distribution", "histogram"]))
        #expect((plainHistogram?["warnings"] as? [String])?.contains { $0.contains("not used") } == false)

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
        let r = try CommandLine_.analyze("particle,frame,x,y\n1,0,1,1\n1,1,12.3abc,1\n", named: "tracks.csv").run
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

    @Test("a setting's impossible value exits 64 with one line naming the flag; negative numbers reach the check")
    func invalidSettingValues() throws {
        for (args, flag) in [(["--fps", "0"], "--fps"), (["--fps", "-1"], "--fps"), (["--fps=-1"], "--fps"),
                             (["--temperature", "nan"], "--temperature"), (["--viscosity", "1e20"], "--viscosity"),
                             (["--nm-per-pixel", "1e300"], "--nm-per-pixel"), (["--exposure-ms", "-3"], "--exposure-ms"),
                             (["--min-track-length", "1000000000"], "--min-track-length"),
                             (["--bootstrap", "1"], "--bootstrap"), (["--bootstrap", "-2"], "--bootstrap"),
                             (["--window", "-10-50"], "--window"), (["--window", "50-"], "--window"),
                             (["--window", "0x10-0x20"], "--window"), (["--window", "30-inf"], "--window"),
                             (["--columns", "x=PosX_um,y=PosX_um"], "--columns"),
                             (["--columns", "particle=TrackID,particle=Frame"], "--columns"),
                             (["--columns", "particle=#0"], "--columns"), (["--columns", ""], "--columns"),
                             (["--columns", " , "], "--columns"),
                             (["--detection-volume-nl", "0"], "--detection-volume-nl"),
                             (["--field-of-view-um", "1e200x1e200", "--sheet-depth-um", "1"], "--field-of-view-um, --sheet-depth-um"),
                             (["--field-of-view-um", "100x80", "--sheet-depth-um", "-1"], "--field-of-view-um, --sheet-depth-um"),
                             (["--dilution", "1e300"], "--dilution")] {
            // The settings, less the one under test (given twice, it would be refused as such).
            let settings = [("--fps", "30"), ("--nm-per-pixel", "160"), ("--temperature", "22")]
                .filter { name, _ in !args.contains { $0 == name || $0.hasPrefix(name + "=") } }.flatMap { [$0, $1] }
            let r = try CommandLine_.run(["analyze", "x.csv"] + settings + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("nta-size: \(flag): expected"), "\(args): \(r.stderr)")
            #expect(r.stderr.filter { $0 == "\n" }.count == 1, "\(args): \(r.stderr)")
        }
        // A negative temperature is valid (supercooled water) with an explicit viscosity.
        let dir = ScratchDirectory()
        let prefix = dir.file("s").path
        _ = try CommandLine_.run(["simulate", "-o", prefix, "--frames", "120", "--seed", "3"])
        try FileManager.default.removeItem(atPath: prefix + ".csv.settings.json")
        let r = try CommandLine_.run(["analyze", prefix + ".csv", "--fps", "30", "--nm-per-pixel", "160",
                                      "--temperature", "-5", "--viscosity", "2.1", "--bootstrap", "0"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test("settings as flags, no settings file, exposure unknown: runs, and says σ and R are not identified")
    func exposureUnknown() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("mono", in: dir, ["--frames", "300", "--seed", "5", "--concentration", "2e9"])
        try FileManager.default.removeItem(atPath: prefix + ".csv.settings.json")
        let r = try CommandLine_.run(["analyze", prefix + ".csv", "--fps", "30", "--nm-per-pixel", "160",
                                      "--temperature", "22", "--bootstrap", "5", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let video = (object?["videos"] as? [[String: Any]])?.first
        let nuisance = video?["nuisance"] as? [String: Any]
        #expect(nuisance?["identified"] as? Bool == false)
        #expect(nuisance?["localisationSigmaNm"] is NSNull)
        #expect(nuisance?["blurCoefficient"] is NSNull)
        #expect((nuisance?["note"] as? String)?.contains("not separately identifiable") == true)
        let settings = video?["settings"] as? [String: [String: Any]]
        #expect(settings?["exposureMilliseconds"]?["value"] is NSNull)
    }

    @Test("--output tracks gives each left-out track the reason the JSON counts it under; the deconvolution's tracks are counted")
    func trackTableReasons() throws {
        let dir = ScratchDirectory()
        // 30 tracks of 20 frames; track 101 with a gap of 1001 frames; track 102 with frame 9 twice; track 103 of 2 rows.
        var text = "particle,frame,x,y\n"
        var rng = SeededGenerator(seed: 7, stream: 0)
        func track(_ id: Int, _ frames: [Int]) {
            var x = 200.0, y = 200.0
            for f in frames {
                x += Double(rng.nextInt(below: 9)) - 4
                y += Double(rng.nextInt(below: 9)) - 4
                text += "\(id),\(f),\(x),\(y)\n"
            }
        }
        for id in 0..<30 { track(id, Array(0..<20)) }
        // Five that hardly move (±1 px in a fixed pattern): their D̂ is ≤ 0, yet the deconvolution weighs them.
        for id in 200..<205 {
            for f in 0..<20 { text += "\(id),\(f),\(300 + Double(f % 2)),\(300 + Double((f / 2) % 2))\n" }
        }
        track(101, Array(0..<10) + Array(1011..<1021))
        track(102, Array(0..<10) + [9] + Array(10..<20))
        track(103, [0, 1])
        let file = dir.file("gaps.csv")
        try Data(text.utf8).write(to: file)
        let flags = ["--fps", "30", "--nm-per-pixel", "100", "--temperature", "22", "--bootstrap", "0"]
        let json = try CommandLine_.run(["analyze", file.path, "--output", "json"] + flags)
        #expect(json.status == 0, "\(json.stderr)")
        let report = try BatchCommandTests.json(json.stdout)
        let dropped = report["tracks", "dropped"]
        #expect(dropped?["gapTooLong"] == .number(1) && dropped?["duplicateFrame"] == .number(1) && dropped?["tooShort"] == .number(1),
                "\(String(describing: dropped))")
        // The deconvolution weighs every grouped track (35: the 30 sized and the 5 whose D̂ is not positive),
        // and the CSV distribution adds up to them.
        guard case .array(let videos)? = report["videos"], let video = videos.first else { Issue.record("no video"); return }
        let used = report["tracks", "used"], weighed = video["deconvolution", "tracks"]
        #expect(weighed == .number(35) && used != weighed, "used \(String(describing: used)), weighed \(String(describing: weighed))")
        let csv = try CommandLine_.run(["analyze", file.path, "--output", "csv"] + flags)
        let total = RFC4180.parse(csv.stdout).dropFirst().compactMap { $0.count > 1 ? Double($0[1]) : nil }.reduce(0, +)
        #expect(abs(total - 35) < 1e-6, "CSV total \(total)")
        let table = try CommandLine_.run(["analyze", file.path, "--output", "tracks"] + flags)
        #expect(table.status == 0, "\(table.stderr)")
        let rows = RFC4180.parse(table.stdout)
        let reason = try #require(rows.first?.firstIndex(of: "reason"))
        let reasons = Dictionary(uniqueKeysWithValues: rows.dropFirst().filter { $0.count > reason }.map { ($0[1], $0[reason]) })
        #expect(reasons["101"] == "gapTooLong" && reasons["102"] == "duplicateFrame" && reasons["103"] == "tooShort", "\(reasons)")
    }

    @Test("a fluorescence capture is accounted for: its rows, tracks and settings in the JSON, and warnings when it dropped rows or was sized with other settings")
    func fluorescenceCaptureAccounted() throws {
        let dir = ScratchDirectory()
        let prefix = dir.file("lab").path
        let sim = try CommandLine_.run(["simulate", "-o", prefix, "--mixture", "ev-mix", "--labelled", "0.7,0,0",
                                        "--seed", "8", "--frames", "200"])
        #expect(sim.status == 0, "\(sim.stderr)")
        // The capture with every third row's x blanked, and its sidecar at 60 fps where the scatter's says 30.
        let capture = prefix + ".fluorescence.csv"
        var lines = try String(contentsOfFile: capture, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blanked = 0
        for k in 1..<lines.count where !lines[k].isEmpty && k % 3 == 0 {
            var fields = lines[k].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[2] = ""
            lines[k] = fields.joined(separator: ",")
            blanked += 1
        }
        let edited = dir.file("fl.csv").path
        try lines.joined(separator: "\n").write(toFile: edited, atomically: true, encoding: .utf8)
        let sidecar = try String(contentsOfFile: capture + ".settings.json", encoding: .utf8)
        #expect(sidecar.contains("\"frameRateHz\" : 30"))
        try sidecar.replacingOccurrences(of: "\"frameRateHz\" : 30", with: "\"frameRateHz\" : 60")
            .write(toFile: edited + ".settings.json", atomically: true, encoding: .utf8)
        let r = try CommandLine_.run(["analyze", prefix + ".csv", "--fluorescence", edited, "--detection-volume-nl", "0.04",
                                      "--bootstrap", "0", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try BatchCommandTests.json(r.stdout)
        guard case .array(let captures)? = report["fluorescence", "captures"], let c = captures.first else {
            Issue.record("no captures"); return
        }
        #expect(c["file"] == .string(edited))
        #expect(c["rows", "dropped", "nonFinitePosition"] == .number(Double(blanked)), "\(String(describing: c["rows"]))")
        #expect(c["settings", "frameRateHz", "value"] == .number(60))
        guard case .array(let warnings)? = report["warnings"] else { Issue.record("no warnings"); return }
        let texts = warnings.compactMap { if case .string(let s) = $0 { s } else { nil } }
        #expect(texts.contains { $0.contains("dropped \(blanked) of its") }, "\(texts)")
        #expect(texts.contains { $0.contains("frame rate 60 Hz against the scatter's 30 Hz") }, "\(texts)")
    }

    @Test("simulate -o run.csv writes run.csv (a trailing .csv is dropped from the prefix), as -o run does")
    func simulatePrefixWithExtension() throws {
        let dir = ScratchDirectory()
        for (given, written) in [("a.csv", "a.csv"), ("b.CSV", "b.csv"), ("c", "c.csv")] {
            let r = try CommandLine_.run(["simulate", "-o", dir.file(given).path, "--frames", "50", "--seed", "3"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir.file(written).path), "\(given)")
            #expect(FileManager.default.fileExists(atPath: dir.file(written + ".settings.json").path), "\(given)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("a.csv.csv").path))
        let bare = try CommandLine_.run(["simulate", "-o", ".csv", "--frames", "50"])
        #expect(bare.status == 64 && bare.stderr.contains("-o: expected a PREFIX"), "\(bare.stderr)")
    }

    @Test("simulate: impossible or unbounded values exit 64 with one line naming the flag")
    func simulateLimits() throws {
        for (args, flag) in [(["--fps", "-1"], "--fps"), (["--temperature", "nan"], "--temperature"),
                             (["--sigma-nm", "-3"], "--sigma-nm"), (["--frames", "10000000", "--concentration", "1e10"], "--concentration, --frames"),
                             (["--mass-decimals", "10"], "--mass-decimals"), (["--mass-decimals", "-1"], "--mass-decimals"),
                             (["--frames", "3000000000"], "--frames"),
                             // One particle over 2·10⁹ frames passed the particle-frame bound and took ~17 GB (a
                             // count per frame): memory may not follow a flag's value.
                             (["--frames", "2000000000", "--concentration", "1e-300"], "--frames"),
                             (["--frames", "10000", "--captures", "1001"], "--captures"),
                             (["--labelled", "0.5", "--bleach-rate", "1"], "--bleach-rate"),
                             (["--labelled", "0.5", "--bleach-rate", "-0.0001"], "--bleach-rate"),
                             (["--labelled", "0.5", "--bleach-rate", "nan"], "--bleach-rate"),
                             (["--bleach-rate", "0.1"], "--bleach-rate"), (["--labelled", "2"], "--labelled"),
                             (["--labelled", "0.5,0.5"], "--labelled")] {
            let dir = ScratchDirectory()
            let prefix = dir.file("never-written").path
            let r = try CommandLine_.run(["simulate", "-o", prefix] + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("nta-size: \(flag)"), "\(args): \(r.stderr)")
            #expect(r.stderr.filter { $0 == "\n" }.count == 1, "\(args): \(r.stderr)")
            // Refused before anything is written.
            #expect(!FileManager.default.fileExists(atPath: prefix + ".csv"), "\(args)")
        }
        let r = try CommandLine_.run(["simulate", "-o", "/nonexistent-folder/s", "--frames", "5"])
        #expect(r.status == 64 && r.stderr.hasPrefix("nta-size: -o: expected PREFIX in an existing folder"), "\(r.stderr)")
    }

    @Test("simulate writes the mass column to 0.001 by default, in whole units with --mass-decimals 0")
    func simulateMassDecimals() throws {
        let dir = ScratchDirectory()
        for (decimals, fraction) in [(nil, 3), ("0", 0)] as [(String?, Int)] {
            let prefix = dir.file("m\(fraction)").path
            let r = try CommandLine_.run(["simulate", "-o", prefix, "--frames", "5"]
                                         + (decimals.map { ["--mass-decimals", $0] } ?? []))
            #expect(r.status == 0, "\(r.stderr)")
            let lines = try String(contentsOfFile: prefix + ".csv", encoding: .utf8).split(separator: "\n").dropFirst()
            #expect(!lines.isEmpty)
            for line in lines {
                let mass = line.split(separator: ",")[4]
                #expect((mass.split(separator: ".").dropFirst().first?.count ?? 0) == fraction, "\(line)")
            }
        }
    }

    @Test("--window 30–150, with the en dash the reports print, is the window 30-150; a negative bound names --window and says the bounds must be positive")
    func windowWithDash() throws {
        let dir = ScratchDirectory()
        let prefix = dir.file("w").path
        _ = try CommandLine_.run(["simulate", "-o", prefix, "--frames", "120", "--seed", "3"])
        for window in ["30–150", "30—150", "30-150"] {
            let r = try CommandLine_.run(["analyze", prefix + ".csv", "--window", window, "--bootstrap", "0", "--output", "json"])
            #expect(r.status == 0, "\(window): \(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let w = try #require(json["window"] as? [String: Any])
            #expect(w["minNm"] as? Double == 30 && w["maxNm"] as? Double == 150, "\(window): \(w)")
        }
        for window in ["-5-30", "-5–30", "30--5"] {
            let r = try CommandLine_.run(["analyze", prefix + ".csv", "--window", window])
            #expect(r.status == 64, "\(window): \(r.stderr)")
            #expect(r.stderr == "nta-size: --window: expected positive bounds (sizes in nm; MIN may be 0), found \"\(window)\"\n",
                    "\(window): \(r.stderr)")
        }
    }

    @Test("an option that takes one value, given twice, exits 64 with one line naming it and both values; --fluorescence may be repeated")
    func repeatedSingleValuedOptions() throws {
        for (args, message) in [
            (["analyze", "x.csv", "--fps", "30", "--fps", "25"], "--fps: given twice (30, 25)"),
            (["analyze", "x.csv", "--fps=30", "--fps", "25"], "--fps: given twice (30, 25)"),
            (["x.csv", "--nm-per-pixel", "160", "--nm-per-pixel=100"], "--nm-per-pixel: given twice (160, 100)"),
            (["analyze", "x.csv", "--temperature", "-5", "--temperature", "22"], "--temperature: given twice (-5, 22)"),
            (["analyze", "x.csv", "--window", "-5-30", "--window", "30–150", "--window=40-160"],
             "--window: given 3 times (-5-30, 30–150, 40-160)"),
            (["analyze", "x.csv", "--exposure-ms", "10", "--viscosity", "1", "--exposure-ms", "0"],
             "--exposure-ms: given twice (10, 0)"),
            (["analyze", "x.csv", "--bootstrap", "0", "--seed", "1", "--seed", "2"], "--seed: given twice (1, 2)"),
            (["analyze", "x.csv", "--output", "json", "--output", "text"], "--output: given twice (json, text)"),
            (["analyze", "x.csv", "-o", "a.json", "--output-file", "b.json"], "-o: given twice (a.json, b.json)"),
            (["batch", "x.csv", "--summary", "s.csv", "--summary", "t.csv"], "--summary: given twice (s.csv, t.csv)"),
            (["batch", "x.csv", "--summary", "s.csv", "--fps", "30", "--jobs", "2", "--fps=25"], "--fps: given twice (30, 25)"),
        ] {
            let r = try CommandLine_.run(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr == "nta-size: \(message): give it once\n", "\(args): \(r.stderr)")
        }
        // Repeatable: two fluorescence captures are two captures (here missing files, exit 1), not a usage error.
        let r = try CommandLine_.run(["analyze", "x.csv", "--fluorescence", "a.csv", "--fluorescence", "b.csv"])
        #expect(r.status == 1 && !r.stderr.contains("given twice"), "\(r.stderr)")
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
