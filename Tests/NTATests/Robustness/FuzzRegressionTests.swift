import Foundation
import Testing
import NTA

/// Replays the fuzzers' inputs through the same entry points as the libFuzzer harnesses in `Fuzz/Sources`
/// (issue 8): every committed seed of the fast harnesses and every fixed crash in `Fuzz/Regressions/<harness>/`
/// must give a valid result or a clear one-line error. Crashes still open live in `Fuzz/Regressions/open/`
/// and are listed in FUZZING.md; fixing one means moving its file up into `Fuzz/Regressions/<harness>/`,
/// which puts it under this test.
///
/// The harness input layouts are decoded here exactly as the harnesses decode them (see each harness's
/// header comment); the two must change together.
@Suite("Fuzz regressions: seed corpus and fixed crashes replayed through the harness entry points")
struct FuzzRegressionTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files of `Fuzz/<folder>/<harness>/`, sorted by name.
    static func inputs(_ folder: String, _ harness: String) -> [URL] {
        let dir = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// Every error must be a single line: no LF or CR anywhere.
    static func expectOneLine(_ message: String, _ input: URL, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!message.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }), "\(input.lastPathComponent): multi-line error: \(message)",
                sourceLocation: sourceLocation)
    }

    // MARK: Entry points, as in Fuzz/Sources/<harness>/<harness>.swift

    /// FuzzTrajectoryCSV: byte 0 chooses the column mapping, the rest is the file.
    static func trajectoryCSV(_ bytes: [UInt8], _ input: URL) {
        let mappings: [ColumnMapping?] = [
            nil,
            try? ColumnMapping(parsing: "particle=particle,frame=frame,x=x,y=y,intensity=mass,unit=px"),
            try? ColumnMapping(parsing: "particle=TRACK_ID,frame=FRAME,x=POSITION_X,y=POSITION_Y,unit=um"),
            try? ColumnMapping(parsing: "particle=id,frame=t,x=x,y=y,unit=nm"),
        ]
        let selector = bytes.first.map { Int($0) % mappings.count } ?? 0
        let body = Array(bytes.dropFirst())
        do {
            let read = try body.withUnsafeBytes { raw throws(InputError) in
                try TrajectoryCSVReader(mapping: mappings[selector]).read(bytes: raw, fileName: "fuzz.csv")
            }
            let t = read.table
            #expect(t.frame.count == t.count && t.x.count == t.count && t.y.count == t.count, "\(input.lastPathComponent)")
        } catch {
            expectOneLine("\(error)", input)
        }
    }

    /// FuzzInstrumentDetect: detection, the detected reader and the summary conversion, then every reader.
    static func instrument(_ bytes: [UInt8], _ input: URL) {
        let name = "fuzz-input.csv"
        func attempt<T>(_ body: () throws(InputError) -> T) -> T? {
            do { return try body() } catch { expectOneLine(error.description, input); return nil }
        }
        _ = InstrumentFormatDetector.verdicts(bytes: bytes, fileName: name)
        if let reading = attempt({ () throws(InputError) in try InstrumentReading.read(bytes: bytes, fileName: name) }) {
            switch reading {
            case .nanoSightSummary(let s): _ = attempt { () throws(InputError) in try DistributionSummary(s, fileName: name) }
            case .zetaViewSize(let m): _ = attempt { () throws(InputError) in try DistributionSummary(m, fileName: name) }
            case .nanoSightExperimentFile(let e): _ = e.acquisitionSettings(video: 0)
            default: break
            }
        }
        _ = attempt { () throws(InputError) in try NanoSightSummaryReader().read(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try NanoSightExperimentFileReader().read(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try NanoSightPerParticleReader().readParticleData(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try NanoSightPerParticleReader().readAllTracks(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try NanoSightTrackStepReader().read(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try TrackMateSpotsReader().read(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try ZetaViewSizeReader().read(bytes: bytes, fileName: name) }
        _ = attempt { () throws(InputError) in try ZetaViewSizeReader().readPositions(bytes: bytes, fileName: name) }
    }

    /// FuzzAnalysis: a 50-byte settings header (presence mask with drift and concentration bits, option bits,
    /// five raw Doubles and an Int64),
    /// then the file, analysed by `Analysis.load(file:)` into a sample result and its three reports.
    static func analysis(_ bytes: [UInt8], _ input: URL) throws {
        var header = Array(bytes.prefix(50))
        header += [UInt8](repeating: 0, count: 50 - header.count)
        func raw(_ k: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(header[2 + 8 * k + $1]) << (8 * $1) } }
        func double(_ k: Int) -> Double? { header[0] & (1 << k) != 0 ? Double(bitPattern: raw(k)) : nil }
        var o = AnalysisOptions()
        o.settings = AcquisitionSettings(
            frameRateHz: double(0), nanometersPerPixel: double(1), temperatureCelsius: double(2),
            viscosityMillipascalSeconds: double(3), exposureMilliseconds: double(4),
            minTrackLength: header[0] & (1 << 5) != 0 ? Int(truncatingIfNeeded: Int64(bitPattern: raw(5))) : nil)
        o.subtractsDrift = header[0] & (1 << 6) == 0
        if header[0] & (1 << 7) != 0 {
            o.detectionVolume = try? DetectionVolume(nanoliters: 1)
            o.dilution = 10
        }
        o.bootstrapReplicates = Int(header[1] & 0b11)
        let e = Int((header[1] >> 2) & 0b1111)
        o.estimator = e == 0 ? nil : EstimatorChoice.allCases[(e - 1) % EstimatorChoice.allCases.count]
        o.distribution = header[1] & (1 << 6) != 0 ? .histogram : .deconvolved
        o.likelihood = header[1] & (1 << 7) != 0 ? .exact : .gamma
        o.seed = 1
        let dir = ScratchDirectory()
        let file = dir.file("input.csv")
        try Data(bytes.dropFirst(50)).write(to: file)
        let sample: SampleResult
        do {
            sample = try SampleResult([try Analysis.load(file: file.path, options: o)], options: o)
        } catch {
            expectOneLine("\(error)", input)
            return
        }
        #expect(throws: Never.self, "\(input.lastPathComponent): the JSON report cannot be encoded") {
            _ = try AnalysisReport(sample).jsonData()
        }
        _ = TextReport.render(sample)
        _ = TextReport.distributionCSV(sample)
    }

    /// FuzzSettingsText: byte 0 chooses sidecar, column mapping, window, field of view or mixture.
    static func settingsText(_ bytes: [UInt8], _ input: URL) throws {
        guard let selector = bytes.first.map({ Int($0) % 5 }) else { return }
        let body = Array(bytes.dropFirst())
        let text = String(decoding: body, as: UTF8.self)
        switch selector {
        case 0:
            let dir = ScratchDirectory()
            let file = dir.file("f.csv.settings.json")
            try Data(body).write(to: file)
            do {
                let s = try SettingsSidecar.load(from: file)
                _ = try? ResolvedSettings.resolve(file: "f.csv", flags: AcquisitionSettings(), fromFile: s, needsPixelSize: true,
                                                  viscosityModel: .iapws, defaultMinTrackLength: 10)
            } catch {
                expectOneLine(error.description, input)
            }
        case 1: do { _ = try ColumnMapping(parsing: text) } catch { expectOneLine("\(error)", input) }
        case 2: _ = SizeWindow(parsing: text)
        case 3: _ = DetectionVolume.parseFieldOfView(text)
        default: do { _ = try SizeMixture(parsing: text) } catch { expectOneLine("\(error)", input) }
        }
    }

    static func replay(_ harness: String, _ url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        switch harness {
        case "FuzzTrajectoryCSV": trajectoryCSV(bytes, url)
        case "FuzzInstrumentDetect": instrument(bytes, url)
        case "FuzzAnalysis": try analysis(bytes, url)
        case "FuzzSettingsText": try settingsText(bytes, url)
        default: Issue.record("unknown harness \(harness)")
        }
    }

    static let harnesses = ["FuzzTrajectoryCSV", "FuzzInstrumentDetect", "FuzzAnalysis", "FuzzSettingsText"]

    @Test("the committed seed corpus of the instrument and settings-text harnesses replays cleanly",
          arguments: ["FuzzInstrumentDetect", "FuzzSettingsText"])
    func seedCorpus(harness: String) throws {
        let files = Self.inputs("Corpus", harness)
        #expect(!files.isEmpty, "no seed corpus in Fuzz/Corpus/\(harness)")
        for url in files { try Self.replay(harness, url) }
    }

    @Test("the committed seed corpus of the trajectory reader replays cleanly")
    func seedCorpusTrajectoryCSV() throws {
        let files = Self.inputs("Corpus", "FuzzTrajectoryCSV")
        #expect(!files.isEmpty, "no seed corpus in Fuzz/Corpus/FuzzTrajectoryCSV")
        for url in files { try Self.replay("FuzzTrajectoryCSV", url) }
    }

    /// The harnesses with fixed crashes: one folder each under Fuzz/Regressions (open ones live in
    /// Fuzz/Regressions/open, not replayed).
    static let harnessesWithRegressions = ["FuzzAnalysis", "FuzzSettingsText", "FuzzTrajectoryCSV"]

    @Test("every fixed crash replays to a valid result or a clear error", arguments: harnessesWithRegressions)
    func fixedCrashes(harness: String) throws {
        let files = Self.inputs("Regressions", harness)
        #expect(!files.isEmpty, "no fixed crashes in Fuzz/Regressions/\(harness)")
        for url in files { try Self.replay(harness, url) }
    }

    @Test("every folder of fixed crashes is replayed (a new harness's regressions are not silently left out)")
    func everyRegressionFolderIsReplayed() throws {
        let dir = Self.fuzzDirectory.appendingPathComponent("Regressions")
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { !$0.hasPrefix(".") && $0 != "open" }.sorted()
        #expect(folders == Self.harnessesWithRegressions.sorted())
        #expect(Set(folders).isSubset(of: Self.harnesses))
    }
}
