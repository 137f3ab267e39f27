import Foundation
import Testing
import NTA

/// `nta-size batch` run as a user would, on a folder of small simulated videos and one corrupt file.
@Suite("nta-size batch on the command line")
struct BatchCommandTests {
    /// A folder with three 200-frame simulated videos (sidecars and ground truth beside them, as the
    /// simulator writes them, one in a subfolder) and `bad.csv`, whose third line has a malformed x.
    static func dayOfMeasurements() throws -> ScratchDirectory {
        let dir = ScratchDirectory()
        try FileManager.default.createDirectory(at: dir.file("sub"), withIntermediateDirectories: true)
        for (seed, prefix) in [(11, "s1"), (12, "s2"), (13, "sub/s3")] as [(UInt64, String)] {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.seed = seed
            p.frameCount = 200
            _ = try SimulationWriter.write(Simulator.run(p), prefix: dir.file(prefix))
        }
        try Data("particle,frame,x,y\n1,0,1,1\n1,1,12.3abc,1\n".utf8).write(to: dir.file("bad.csv"))
        try SettingsSidecar.write(AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 160, temperatureCelsius: 22),
                                  for: dir.file("bad.csv"))
        return dir
    }

    /// Fast analysis flags (the track histogram, no bootstrap): the property tested, one code path, does not depend on them.
    static let fast = ["--distribution", "histogram", "--bootstrap", "0"]

    static func json(_ text: some StringProtocol) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }

    @Test("an earlier run's summary in the folder is skipped as such; --html on a file, or the tables inside it, exit 64")
    func ownOutputsAgain() throws {
        let dir = ScratchDirectory(), out = ScratchDirectory()
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 100
        _ = try SimulationWriter.write(Simulator.run(p), prefix: dir.file("s1"))
        let first = try CommandLine_.run(["batch", dir.url.path, "--summary", dir.file("summary.csv").path] + Self.fast)
        #expect(first.status == 0, "\(first.stderr)")
        // Run again into another summary: the first one is not a sample.
        let again = try CommandLine_.run(["batch", dir.url.path, "--summary", out.file("summary2.csv").path] + Self.fast)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("skipped 1 file in folders: an nta-size batch summary"), "\(again.stderr)")
        #expect(again.stderr.contains("1 sample: 1 analysed"), "\(again.stderr)")
        // --html naming an existing file: a flag's error, exit 64, the file untouched.
        try Data("x".utf8).write(to: out.file("page.csv"))
        let onFile = try CommandLine_.run(["batch", dir.url.path, "--summary", out.file("s.csv").path,
                                           "--html", out.file("page.csv").path] + Self.fast)
        #expect(onFile.status == 64 && onFile.stderr.contains("--html: expected a folder"), "\(onFile.stderr)")
        #expect(try String(contentsOf: out.file("page.csv"), encoding: .utf8) == "x")
        // The summary inside the --html folder, where index.html goes.
        let inside = try CommandLine_.run(["batch", dir.url.path, "--summary", out.file("hh/index.html").path,
                                           "--html", out.file("hh").path] + Self.fast)
        #expect(inside.status == 64 && inside.stderr.contains("--summary: expected a file outside the --html folder"), "\(inside.stderr)")
    }

    @Test("every good file's row and JSON line equal analyze on it alone; the corrupt one is an error row; exit 1; deterministic")
    func folder() throws {
        let dir = try Self.dayOfMeasurements(), out = ScratchDirectory()
        let root = dir.url.path
        let summary = out.file("summary.csv").path, jsonl = out.file("all.jsonl").path
        let html = out.file("html").path
        let run = try CommandLine_.run(["batch", root, "--summary", summary, "--jsonl", jsonl, "--html", html] + Self.fast)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("skipped 6 files in folders: simulator ground truth (*.truth.*)"))
        #expect(run.stderr.contains("skipped 4 files in folders: settings sidecar (.settings.json)"))
        #expect(run.stderr.contains("4 samples: 3 analysed, 1 failed"))

        let csvText = try String(contentsOfFile: summary, encoding: .utf8)
        let table = RFC4180.parse(csvText)
        let header = table[0]
        #expect(header == BatchSummaryTable.header)
        let rows = table.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        #expect(table.dropFirst().allSatisfy { $0.count == header.count })
        let names = ["bad.csv", "s1.csv", "s2.csv", "sub/s3.csv"].map { root + "/" + $0 }
        #expect(rows.map { $0["sample"] } == names)
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)

        // The corrupt file: status error with analyze's own one-line message; the other cells empty.
        let bad = try CommandLine_.run(["analyze", names[0]] + Self.fast)
        #expect(bad.status == 1)
        let message = "\(names[0]):3:3: expected a number in column \"x\", found \"12.3abc\""
        #expect(bad.stderr.contains(message))
        #expect(rows[0]["status"] == "error" && rows[0]["error"] == message)
        #expect(header.dropFirst(4).allSatisfy { rows[0][$0] == "" })
        #expect(try Self.json(lines[0]) == .object(["sample": .string(names[0]), "files": .array([.string(names[0])]),
                                                     "status": .string("error"), "error": .string(message)]))

        for k in 1..<4 {
            let alone = try CommandLine_.run(["analyze", names[k], "--output", "json"] + Self.fast)
            #expect(alone.status == 0, "\(alone.stderr)")
            let expected = try Self.json(alone.stdout)
            guard case .object(var line) = try Self.json(lines[k]) else { Issue.record("not an object"); continue }
            #expect(line.removeValue(forKey: "sample") == .string(names[k]))
            #expect(line.removeValue(forKey: "status") == .string("ok"))
            #expect(JSON.object(line) == expected, "\(names[k])")
            // The row's figures are the report's, digit for digit.
            let row = rows[k]
            #expect(row["status"] == "ok" && row["error"] == "" && row["files"] == names[k])
            for (column, path) in [("d10_nm", ["size", "d10Nm"]), ("d50_nm", ["size", "d50Nm"]), ("d90_nm", ["size", "d90Nm"]),
                                   ("mode_nm", ["size", "modeNm"]), ("mean_nm", ["size", "meanNm"]),
                                   ("window_fraction", ["window", "fraction"]), ("tracks_used", ["tracks", "used"]),
                                   ("tracks_read", ["tracks", "read"])] {
                let cell = try #require(row[column])
                #expect(Double(cell) != nil && expected[path] == .number(Double(cell) ?? .nan), "\(column) \(cell)")
            }
            #expect(row["frame_rate_hz"] == "30" && row["temperature_c"] == "22" && row["nm_per_pixel"] == "160")
            // No detection volume, no bootstrap: unknown figures are empty cells.
            #expect(row["concentration_per_ml"] == "" && row["d50_nm_ci_low"] == "")
        }

        // HTML: one page per analysed sample, named without the shared folder, and an index linking them.
        let pages = try FileManager.default.contentsOfDirectory(atPath: html).sorted()
        #expect(pages == ["index.html", "s1.csv.html", "s2.csv.html", "sub_s3.csv.html"])
        let index = try String(contentsOfFile: html + "/index.html", encoding: .utf8)
        for page in pages.dropFirst() { #expect(index.contains("<a href=\"\(page)\">")) }
        #expect(index.contains("failed: \(message.replacingOccurrences(of: "\"", with: "&quot;"))"))
        #expect(index.contains("<svg"))

        // Same inputs, same bytes; an earlier summary written into the searched folder is not a sample.
        let inside = dir.file("summary.csv").path
        try Data("left from an earlier run\n".utf8).write(to: URL(fileURLWithPath: inside))
        let again = try CommandLine_.run(["batch", root, "--summary", inside, "--jsonl", jsonl + ".2",
                                          "--html", html + "2"] + Self.fast)
        #expect(again.status == 1)
        #expect(again.stderr.contains("skipped 1 file in folders: this batch's own output"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: inside)) == Data(csvText.utf8))
        #expect(try Data(contentsOf: URL(fileURLWithPath: jsonl + ".2")) == Data(contentsOf: URL(fileURLWithPath: jsonl)))
        for page in pages {
            #expect(try Data(contentsOf: URL(fileURLWithPath: html + "2/" + page)) == Data(contentsOf: URL(fileURLWithPath: html + "/" + page)), "\(page)")
        }

        // Only good files, given one by one and with one worker: exit 0 and the same rows.
        let good = try CommandLine_.run(["batch"] + names.dropFirst().reversed() + ["--summary", summary + ".3", "--jobs", "1"] + Self.fast)
        #expect(good.status == 0, "\(good.stderr)")
        let goodRows = RFC4180.parse(try String(contentsOfFile: summary + ".3", encoding: .utf8))
        #expect(Array(goodRows.dropFirst()) == Array(table.dropFirst(2)))
    }

    @Test("a sample sheet pools files, its values override batch flags, and a bad cell fails only its sample")
    func sheet() throws {
        let dir = try Self.dayOfMeasurements(), out = ScratchDirectory()
        try Data("""
            sample,files,temperature,window
            pooled,s1.csv;sub/s3.csv,25,40-160
            flagged,s2.csv,,
            typo,s2.csv,warm,

            """.utf8).write(to: dir.file("samples.csv"))
        let summary = out.file("summary.csv").path, jsonl = out.file("all.jsonl").path
        let run = try CommandLine_.run(["batch", "--sheet", dir.file("samples.csv").path, "--summary", summary,
                                        "--jsonl", jsonl, "--temperature", "20"] + Self.fast)
        #expect(run.status == 1, "\(run.stderr)")
        let table = RFC4180.parse(try String(contentsOfFile: summary, encoding: .utf8))
        #expect(table.dropFirst().map(\.first) == ["pooled", "flagged", "typo"])
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")

        // pooled: the sheet's 25 °C beats the batch flag's 20 °C; the figures are analyze's on the same files.
        let s1 = dir.file("s1.csv").path, s3 = dir.file("sub/s3.csv").path
        let alone = try CommandLine_.run(["analyze", s1, s3, "--temperature", "25", "--window", "40-160", "--output", "json"] + Self.fast)
        let expected = try Self.json(alone.stdout)
        let pooled = try Self.json(lines[0])
        let temperature = pooled["settings", "temperatureCelsius"]
        #expect(temperature?["value"] == .number(25) && temperature?["source"] == .string("flag"))
        #expect(temperature?["detail"] == .string("sample sheet \(dir.file("samples.csv").path):2"))
        #expect(pooled["size"] != nil && pooled["size"] == expected["size"])
        #expect(pooled["window"] != nil && pooled["window"] == expected["window"])
        #expect(table[1][1] == "\(s1);\(s3)" && table[1][2] == "ok")

        // flagged: no sheet value, so the batch flag (20 °C) beats the sidecar's 22 °C.
        let t2 = try Self.json(lines[1])["settings", "temperatureCelsius"]
        #expect(t2?["value"] == .number(20) && t2?["source"] == .string("flag") && t2?["detail"] == nil)

        #expect(table[3][2] == "error")
        #expect(table[3][3] == "\(dir.file("samples.csv").path):4:3: expected a liquid-water temperature in °C between -20 and 150 in column \"temperature\", found \"warm\"")
    }

    @Test("a sheet row listing one file twice fails as analyze does on it (each file once); the other samples go on")
    func sheetFileTwice() throws {
        let dir = try Self.dayOfMeasurements(), out = ScratchDirectory()
        try Data("""
            sample,files,fluorescence
            twice,s1.csv|s1.csv,
            also,s2.csv,s2.csv
            once,s1.csv,

            """.utf8).write(to: dir.file("samples.csv"))
        let summary = out.file("summary.csv").path
        let run = try CommandLine_.run(["batch", "--sheet", dir.file("samples.csv").path, "--summary", summary] + Self.fast)
        #expect(run.status == 1, "\(run.stderr)")
        let table = RFC4180.parse(try String(contentsOfFile: summary, encoding: .utf8))
        #expect(table.dropFirst().map(\.first) == ["twice", "also", "once"])
        let s1 = dir.file("s1.csv").path, s2 = dir.file("s2.csv").path
        #expect(table[1][2] == "error" && table[2][2] == "error" && table[3][2] == "ok", "\(table)")
        let problem = "expected each file once, found \"\(s1)\" given again as \"\(s1)\" (it would count as another video)"
        #expect(table[1][3] == "\(dir.file("samples.csv").path):2: \(problem)")
        #expect(table[2][3] == "\(dir.file("samples.csv").path):3: expected each file once, found \"\(s2)\" given again as \"\(s2)\" (it would count as another video)")
        // analyze refuses the same files with the same words.
        let alone = try CommandLine_.run(["analyze", s1, s1] + Self.fast)
        #expect(alone.status != 0 && alone.stderr.contains(problem), "\(alone.stderr)")
    }

    @Test("outputs never overwrite what a sample reads; a file named in the --html folder is still a sample")
    func outputsSpareInputs() throws {
        let dir = try Self.dayOfMeasurements()
        let s1 = dir.file("s1.csv").path, sidecar = s1 + ".settings.json", fluorescence = dir.file("s2.csv").path
        try Data("sample,files,fluorescence\ns,s1.csv,s2.csv\n".utf8).write(to: dir.file("sheet.csv"))
        let before = try [sidecar, fluorescence].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for (args, flag, target) in [
            (["batch", s1, "--summary", sidecar], "--summary", sidecar),
            (["batch", s1, "--summary", dir.file("sum.csv").path, "--jsonl", sidecar], "--jsonl", sidecar),
            (["batch", dir.url.path, "--summary", sidecar], "--summary", sidecar),
            (["batch", "--sheet", dir.file("sheet.csv").path, "--summary", fluorescence], "--summary", fluorescence),
        ] {
            let r = try CommandLine_.run(args + Self.fast)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("\(flag): expected a file other than the input \"\(target)\""), "\(args): \(r.stderr)")
        }
        #expect(try [sidecar, fluorescence].map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)

        // s1.csv lies in the --html folder, but it is named: analysed, not skipped as this batch's own output.
        let out = ScratchDirectory()
        let r = try CommandLine_.run(["batch", s1, "--summary", out.file("sum.csv").path, "--html", dir.url.path] + Self.fast)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("own output") && r.stderr.contains("1 sample: 1 analysed"), "\(r.stderr)")
    }

    @Test("bad flags are usage errors (exit 64) naming the flag")
    func badFlags() throws {
        for (args, flag) in [(["batch", "x", "--summary", "s.csv", "--window", "150-30"], "--window"),
                             (["batch", "x", "--summary", "s.csv", "--jobs", "0"], "--jobs"),
                             (["batch", "x", "--summary", "s.csv", "--sheet", "s.csv"], "--sheet"),
                             (["batch", "x"], "--summary"),
                             (["batch", "--summary", "s.csv"], "--sheet")] {
            let r = try CommandLine_.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.contains(flag), "\(args): \(r.stderr)")
        }
        // A negative number is read as --jobs's value (as README says of every number), then refused with the range.
        for jobs in [["--jobs", "-1"], ["--jobs=-1"], ["--jobs", "2000"]] {
            let r = try CommandLine_.run(["batch", "x", "--summary", "s.csv"] + jobs)
            #expect(r.status == 64, "\(jobs): \(r.stderr)")
            #expect(r.stderr == "nta-size: --jobs: expected 1 … 1024, found \(jobs.last!.split(separator: "=").last!)\n", "\(jobs): \(r.stderr)")
        }
    }

    @Test("an instrument file without a recorded dilution takes the sheet's under the sheet row's name, the batch flag's under the flag's")
    func unrecordedDilutionSources() throws {
        var f = NanoSightFixture()
        f.dilution = "Not recorded"
        let dir = ScratchDirectory(), out = ScratchDirectory()
        try Data(f.text().utf8).write(to: dir.file("beads-ExperimentSummary.csv"))
        try Data("sample,files,dilution\nflagged,beads-ExperimentSummary.csv,\nsheet,beads-ExperimentSummary.csv,100\n".utf8)
            .write(to: dir.file("samples.csv"))
        let jsonl = out.file("all.jsonl").path
        let run = try CommandLine_.run(["batch", "--sheet", dir.file("samples.csv").path, "--summary",
                                        out.file("summary.csv").path, "--jsonl", jsonl, "--dilution", "10000"])
        #expect(run.status == 0, "\(run.stderr)")
        let records = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let video = try #require((object?["videos"] as? [[String: Any]])?.first)
            return try #require(video["dilution"] as? [String: Any])
        }
        #expect(records.count == 2)
        #expect(records.first?["appliedFactor"] as? Double == 10_000)
        #expect(records.first?["source"] as? String == "--dilution flag (the file records no dilution)", "\(records)")
        #expect(records.last?["appliedFactor"] as? Double == 100)
        let sheetSource = records.last?["source"] as? String ?? ""
        #expect(sheetSource.contains("samples.csv") && sheetSource.hasSuffix(" (the file records no dilution)"), "\(sheetSource)")
    }
}

/// A JSON value decoded exactly (numbers as the `Double` their text denotes), for comparing reports.
enum JSON: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    /// The value at a path of object keys, or `nil` where there is none.
    subscript(_ path: String...) -> JSON? { self[path] }

    subscript(_ path: [String]) -> JSON? {
        var v: JSON? = self
        for key in path {
            guard case .object(let o)? = v else { return nil }
            v = o[key]
        }
        return v
    }
}
