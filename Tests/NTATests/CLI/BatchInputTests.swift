import Foundation
import Testing
import NTA

/// A minimal RFC 4180 reader for checking the batch's summary table: quoted fields may hold
/// commas, doubled quotes and line breaks; records end at CRLF (or LF).
enum RFC4180 {
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var inQuotes = false, wasQuoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { inQuotes = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty && !wasQuoted {
                inQuotes = true; wasQuoted = true
            } else if c == "," {
                record.append(field); field = ""; wasQuoted = false
            } else if c == "\r" && chars.first == "\n" || c == "\n" {
                if c == "\r" { chars.removeFirst() }
                record.append(field); records.append(record); record = []; field = ""; wasQuoted = false
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}

@Suite("Batch inputs: sample sheets, folder search and the summary table")
struct BatchInputTests {
    func sheet(_ text: String, folder: String = "day") throws -> SampleSheet {
        try SampleSheet(bytes: Array(text.utf8), fileName: "samples.csv", folder: folder)
    }

    @Test("a sheet groups files per sample, relative to its folder, with per-sample settings")
    func sheetRows() throws {
        let s = try sheet("""
            Sample,Files,fps,temperature,dilution,detection_volume_nl,window,min_track_length
            A,a1.csv; a2.csv,25,24.5,100,0.5,40-160,12

            # skipped: a comment
            B,b.csv|/abs/b2.csv,,,,,,
            """)
        #expect(s.samples.map(\.name) == ["A", "B"])
        #expect(s.samples[0].files == ["day/a1.csv", "day/a2.csv"])
        #expect(s.samples[1].files == ["day/b.csv", "/abs/b2.csv"])
        #expect(s.samples[0].origin == "samples.csv:2")
        #expect(s.samples[1].origin == "samples.csv:5")
        let o = s.samples[0].overrides
        #expect(o.settings == AcquisitionSettings(frameRateHz: 25, temperatureCelsius: 24.5, minTrackLength: 12))
        #expect(o.dilution == 100 && o.detectionVolumeNanoliters == 0.5)
        #expect(o.window == SizeWindow(minNm: 40, maxNm: 160))
        #expect(s.samples[1].overrides.isEmpty)
        #expect(s.samples.allSatisfy { $0.problem == nil })
    }

    @Test("sheet values override the batch flags; flags the sheet leaves empty stay")
    func precedence() throws {
        let s = try sheet("sample,files,temperature,dilution\nA,a.csv,25,\n")
        var base = AnalysisOptions()
        base.settings = AcquisitionSettings(frameRateHz: 30, temperatureCelsius: 20)
        base.dilution = 10
        let o = try s.samples[0].overrides.applied(to: base)
        #expect(o.settings.temperatureCelsius == 25)
        #expect(o.settings.frameRateHz == 30)
        #expect(o.dilution == 10)
        #expect(s.samples[0].overrides.reportedSettingKeys == ["temperatureCelsius"])
    }

    @Test("semicolon- and tab-delimited sheets; in a semicolon sheet files are separated by |")
    func delimiters() throws {
        let semi = try sheet("sample;files;fps\nA;a.csv|b.csv;25\n", folder: "")
        #expect(semi.samples[0].files == ["a.csv", "b.csv"])
        #expect(semi.samples[0].overrides.settings.frameRateHz == 25)
        let tab = try sheet("sample\tfiles\tfps\nA\ta.csv;b.csv\t25\n", folder: "")
        #expect(tab.samples[0].files == ["a.csv", "b.csv"])
        #expect(tab.samples[0].overrides.settings.frameRateHz == 25)
        let quoted = try sheet("sample,files\n\"A, 1\",\"a, 1.csv;b.csv\"\n", folder: "")
        #expect(quoted.samples[0].name == "A, 1")
        #expect(quoted.samples[0].files == ["a, 1.csv", "b.csv"])
    }

    @Test("a semicolon sheet from a European spreadsheet: decimal commas read as such; a point beside them is refused, not guessed")
    func decimalCommas() throws {
        let s = try sheet("sample;files;fps;temperature;dilution\nA;a.csv;29,97;22,5;1000\nB;b.csv;30;21;1.000\n", folder: "")
        #expect(s.samples[0].problem == nil && s.samples[0].overrides.settings.frameRateHz == 29.97)
        #expect(s.samples[0].overrides.settings.temperatureCelsius == 22.5 && s.samples[0].overrides.dilution == 1000)
        // "1.000" is 1000 in that locale and 1 in this one: an error at the cell, never a dilution 1000× off.
        #expect(s.samples[1].problem?.description == "samples.csv:3:5: expected a number with a decimal comma in column \"dilution\", as the sheet's other numbers are written, found \"1.000\" (a point there: a thousands separator or a decimal point?)")
        // Without a comma in any number cell the points are decimal points, as before.
        let points = try sheet("sample;files;fps;dilution\nA;a.csv;29.97;1.5\n", folder: "")
        #expect(points.samples[0].overrides.settings.frameRateHz == 29.97 && points.samples[0].overrides.dilution == 1.5)
    }

    @Test("a bad cell fails only its sample, located as sheet:line:column")
    func badCell() throws {
        let s = try sheet("sample,files,fps,window\nA,a.csv,abc,\nB,b.csv,30,150-30\nC,,30,\nD,d.csv,30,,extra\nE,e.csv,,\nF,f.csv,1e-300,\n")
        #expect(s.samples.map(\.name) == ["A", "B", "C", "D", "E", "F"])
        #expect(s.samples[0].problem?.description == "samples.csv:2:3: expected a frame rate in Hz between 0.001 and 1000000 in column \"fps\", found \"abc\"")
        // A quote never closed: named at its cell, not as the empty cells it swallowed.
        let open = try sheet("sample,files\n\"unterminated,a.csv\nB,b.csv\n")
        #expect(open.samples[0].problem?.description == "samples.csv:2:1: expected a closing quote (\") for the cell that opens with one, found the end of the row")
        #expect(open.samples[1].problem == nil)
        // Outside the limits the --fps flag has: blamed on the cell, not on a flag the user never gave.
        #expect(s.samples[5].problem?.description == "samples.csv:7:3: expected a frame rate in Hz between 0.001 and 1000000 in column \"fps\", found \"1e-300\"")
        #expect(s.samples[1].problem?.description == "samples.csv:3:4: expected MIN-MAX in nm with MIN < MAX in column \"window\", found \"150-30\"")
        #expect(s.samples[2].problem?.description == "samples.csv:4:2: expected the sample's files, found an empty cell")
        #expect(s.samples[3].problem?.description == "samples.csv:5:5: expected 4 cells as in the header, found 5")
        #expect(s.samples[4].problem == nil)
    }

    @Test("sheet-wide errors: unknown or missing columns, repeated or empty sample names, an empty sheet")
    func sheetErrors() throws {
        #expect(throws: InputError.self) { try sheet("") }
        let unknown = #expect(throws: InputError.self) { try sheet("sample,files,speed\n") }
        #expect(unknown?.description.hasPrefix("samples.csv:1:3: expected a column named one of sample, files,") == true)
        let missing = #expect(throws: InputError.self) { try sheet("sample,fps\n") }
        #expect(missing?.description.hasPrefix("samples.csv:1:1: expected a \"files\" column") == true)
        let twice = #expect(throws: InputError.self) { try sheet("sample,files\nA,a.csv\nA,b.csv\n") }
        #expect(twice?.description == "samples.csv:3:1: sample \"A\" is already defined on line 2; sample names must be unique")
        let empty = #expect(throws: InputError.self) { try sheet("sample,files\n,a.csv\n") }
        #expect(empty?.description == "samples.csv:2:1: expected a sample name, found an empty cell")
    }

    @Test("folder search: sorted, recursive, skipping hidden files, sidecars, ground truth and other file types")
    func discovery() throws {
        let dir = ScratchDirectory()
        let fm = FileManager.default
        try fm.createDirectory(at: dir.file("sub"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.file(".cache"), withIntermediateDirectories: true)
        for name in ["b.csv", "a.TXT", "sub/c.tsv", "b.csv.settings.json", "b.truth.csv", "b.truth.json", ".hidden.csv",
                     ".cache/d.csv", "run.nano", "notes.pdf"] {
            try Data("particle,frame,x,y\n".utf8).write(to: dir.file(name))
        }
        // A link whose target is gone: skipped and counted, not passed over in silence.
        try fm.createSymbolicLink(atPath: dir.file("gone.csv").path, withDestinationPath: dir.file("deleted.csv").path)
        let root = dir.url.path
        let found = BatchInputs.discover([root, root + "/b.csv", root + "/b.truth.csv", root + "/missing.csv"])
        #expect(found.samples.map(\.name) == [root + "/a.TXT", root + "/b.csv", root + "/b.truth.csv",
                                               root + "/missing.csv", root + "/sub/c.tsv"])
        #expect(found.samples.allSatisfy { $0.files == [$0.name] && $0.origin == nil })
        #expect(found.repeated == [root + "/b.csv"])
        #expect(found.skipped == [.hidden: 2, .settingsSidecar: 1, .groundTruth: 2, .notData: 2, .brokenLink: 1])
        // One file under other names (`./`, `..`, a link to it): one sample, named as first given.
        try fm.createSymbolicLink(atPath: dir.file("link.csv").path, withDestinationPath: dir.file("b.csv").path)
        let again = BatchInputs.discover([root + "/b.csv", root + "/./b.csv", root + "/sub/../b.csv", root + "/link.csv"])
        #expect(again.samples.map(\.name) == [root + "/b.csv"])
        #expect(again.repeated == [root + "/./b.csv", root + "/sub/../b.csv", root + "/link.csv"])
    }

    @Test("the summary table: one column per header name, RFC 4180 quoting, one-line errors")
    func table() throws {
        let sample = BatchSample(name: "A, \"quoted\"", files: ["x.csv", "y.csv"])
        let row = BatchSummaryTable.errorRow(sample: sample, message: "x.csv: unrecognised file format; tried:\n  - one\n  - two")
        #expect(row.count == BatchSummaryTable.header.count)
        #expect(row[3] == "x.csv: unrecognised file format; tried: - one - two")
        let text = BatchSummaryTable.csv([row, BatchSummaryTable.errorRow(sample: BatchSample(name: "line\nbreak", files: []), message: "m")])
        #expect(text.hasPrefix("sample,files,status,error,"))
        #expect(text.contains("\r\n\"A, \"\"quoted\"\"\",x.csv;y.csv,error,"))
        let parsed = RFC4180.parse(text)
        #expect(parsed.count == 3)
        #expect(parsed[0] == BatchSummaryTable.header)
        #expect(parsed[1] == row)
        #expect(parsed[2][0] == "line\nbreak")
        #expect(Set(BatchSummaryTable.header).count == BatchSummaryTable.header.count)
    }

    @Test("a row's intervals, concentrations and settings are the report's (deconvolved, bootstrap, detection volume)")
    func rowFigures() throws {
        let dir = ScratchDirectory()
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 21
        p.frameCount = 200
        p.concentrationPerMl = 2e9
        let files = try SimulationWriter.write(Simulator.run(p), prefix: dir.file("s"))
        var options = AnalysisOptions()
        options.bootstrapReplicates = 5
        options.detectionVolume = try DetectionVolume(nanoliters: 0.5)
        options.dilution = 4
        let result = try SampleResult.analyze(files: [files.trajectories.path], options: options)
        let report = AnalysisReport(result)
        let sample = BatchSample(name: "s", files: [files.trajectories.path])
        let row = Dictionary(uniqueKeysWithValues: zip(BatchSummaryTable.header, BatchSummaryTable.row(sample: sample, report: report)))
        #expect(row.count == BatchSummaryTable.header.count)
        func value(_ column: String) -> Double? { row[column].flatMap { Double($0) } }
        #expect(value("d50_nm") == report.size.d50Nm)
        #expect(report.size.d50NmCI?.count == 2)
        #expect(value("d50_nm_ci_low") == report.size.d50NmCI?[0] && value("d50_nm_ci_high") == report.size.d50NmCI?[1])
        #expect(value("d10_nm_ci_low") == report.size.d10NmCI?[0] && value("d90_nm_ci_high") == report.size.d90NmCI?[1])
        #expect(value("mode_nm_ci_low") == report.size.modeNmCI?[0])
        #expect(value("window_fraction_ci_low") == report.window.fractionCI?[0])
        #expect(report.concentrationPerMl != nil)
        #expect(value("concentration_per_ml") == report.concentrationPerMl)
        #expect(value("concentration_per_ml_ci_high") == report.concentrationPerMlCI?[1])
        let inWindow = try #require(report.populations?.lazy.map(\.line).first { $0.name == .inWindow })
        #expect(value("in_window_concentration_per_ml") == inWindow.concentrationPerMl)
        #expect(value("in_window_concentration_per_ml_ci_low") == inWindow.concentrationLowerPerMl)
        #expect(row["marker_positive_fraction"] == "")
        #expect(value("dilution") == 4 && value("detection_volume_ml") == 0.5e-6)
        #expect(row["distribution"] == "deconvolved" && row["estimator"] == "ml" && row["status"] == "ok")
        #expect(value("viscosity_mpa_s") == ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: 22))
    }

    @Test("HTML page names: the shared folders dropped, unsafe characters replaced, unique ignoring case, never index")
    func pageNames() {
        #expect(BatchIndexPage.pageNames(["/data/day/a.csv", "/data/day/sub/b c.csv", "/data/day/A.csv"])
                == ["a.csv.html", "sub_b_c.csv.html", "A.csv-2.html"])
        #expect(BatchIndexPage.pageNames(["index", "<x & y>", ".hidden", ""]) == ["index-2.html", "_x___y_.html", "_hidden.html", "sample.html"])
    }

    @Test("the index page escapes names, links analysed samples, and marks missing figures unknown")
    func indexPage() {
        var ok = BatchIndexPage.Entry(sample: BatchSample(name: "a<b>", files: ["a.csv"]), error: "")
        ok.error = nil
        ok.page = "a_b_.html"
        ok.d50Nm = 101.25
        ok.d50NmCI = [99.5, 103]
        let failed = BatchIndexPage.Entry(sample: BatchSample(name: "bad", files: ["bad.csv"]), error: "bad.csv:3:3: expected a number")
        let page = BatchIndexPage.render([ok, failed])
        #expect(page.contains("<a href=\"a_b_.html\">a&lt;b&gt;</a>"))
        #expect(page.contains("101.2 nm (99.5–103.0)") || page.contains("101.3 nm (99.5–103.0)"))
        #expect(page.contains("failed: bad.csv:3:3: expected a number"))
        #expect(page.contains(">unknown</text>"))
        #expect(!page.contains("<script"))
        #expect(page == BatchIndexPage.render([ok, failed]))
    }

    @Test("the index page's concentration figure leaves out a concentration measured in the cell (dilution unknown) and says so in the table")
    func indexPageConcentrationUnits() {
        var cell = BatchIndexPage.Entry(sample: BatchSample(name: "cell", files: ["c.csv"]), error: "")
        cell.error = nil
        cell.inWindowPerMl = 2.5e9
        var original = cell
        original.sample = "original"
        original.inWindowPerMl = 7.5e11
        original.inWindowIsOfOriginalSample = true
        let page = BatchIndexPage.render([cell, original])
        #expect(page.contains("2.50e+09 (in the cell: dilution unknown)") || page.contains("2.5e+09 (in the cell: dilution unknown)"), "\(page)")
        #expect(!page.contains("7.5e+11 (in the cell") && !page.contains("7.50e+11 (in the cell"))
        // One point plotted (the original sample's), the other marked unknown.
        let figure = String(page[page.range(of: "Concentration in the size window per sample")!.lowerBound...])
        #expect(figure.components(separatedBy: ">unknown</text>").count == 2, "\(figure)")
    }
}
