import Foundation
import Testing
import NTA

/// Properties every trajectory input must have (issue 8, "never trap, never confidently wrong"):
/// rearranging or re-encoding the same data changes nothing, and damaged or degenerate files
/// give either the correct result or one clear line of error — never a trap, a hang, or a
/// result that silently differs.
///
/// Every case runs the CLI's path: the bytes are written to a file, read by `Analysis.load(file:)`
/// (content detection, reader, settings resolution), pooled by `SampleResult`, and rendered as the
/// JSON report. The reference is the same analysis of the plain file (LF line endings, no BOM,
/// rows as the simulator writes them), so no expected value is computed by the code under test
/// from the damaged input itself.
@Suite("Input properties: order, duplicates, non-finite cells, degenerate files, encodings")
struct InputPropertyTests {
    /// The simulator's settings given as flags (no sidecar), as
    /// `nta-size analyze --fps 30 --nm-per-pixel 160 --temperature 22 --exposure-ms 0`. The exposure is
    /// given (instantaneous, as simulated) so the blur coefficient is known rather than estimated.
    static var options: AnalysisOptions {
        var o = AnalysisOptions()
        o.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 160, temperatureCelsius: 22,
                                         exposureMilliseconds: 0)
        o.bootstrapReplicates = 0
        return o
    }

    /// A small simulated video of 100 nm beads: about 2 000 rows over 60 frames.
    static let video: SimulatedVideo = {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 11
        p.frameCount = 60
        p.concentrationPerMl = 1e9
        return Simulator.run(p)
    }()

    /// The file's data lines (no header, no line ending), as the simulator writes them, cut to ``header``'s four
    /// fields (a row with more fields than the header is an error; the mass column was never read here).
    static let rows: [String] = {
        let text = String(decoding: SimulationWriter.trajectoryCSV(video.table), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
    }()
    static let header = "particle,frame,x,y"

    /// What one analysis produced.
    enum Outcome: Sendable {
        case report(json: Data)
        case error(String)

        var json: Data? { if case .report(let d) = self { d } else { nil } }
        var object: [String: Any]? { json.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } }
        var size: NSDictionary? { (object?["size"] as? [String: Any]).map { NSDictionary(dictionary: $0) } }
        var errorText: String? { if case .error(let e) = self { e } else { nil } }
    }

    /// Analyses `bytes` as the file `input.csv` in a fresh scratch directory. The directory's path is
    /// replaced by `DIR` in the report and the error, so reports of equal data are equal byte for byte.
    static func analyse(_ bytes: [UInt8], options: AnalysisOptions = options) -> Outcome {
        let dir = ScratchDirectory()
        let url = dir.file("input.csv")
        func masked(_ text: String) -> String {
            text.replacingOccurrences(of: dir.url.path, with: "DIR")
                .replacingOccurrences(of: dir.url.path.replacingOccurrences(of: "/", with: "\\/"), with: "DIR")
        }
        do {
            try Data(bytes).write(to: url)
        } catch {
            return .error("cannot write the scratch file: \(error)")
        }
        do {
            let input = try Analysis.load(file: url.path, format: .auto, options: options)
            let sample = try SampleResult([input], options: options)
            let json = Data(masked(String(decoding: try AnalysisReport(sample).jsonData(), as: UTF8.self)).utf8)
            return .report(json: json)
        } catch {
            return .error(masked("\(error)"))
        }
    }

    static func file(_ rows: [String], header: String? = header, eol: String = "\n") -> [UInt8] {
        Array(((header.map { [$0] } ?? []) + rows).map { $0 + eol }.joined().utf8)
    }

    static let reference: Outcome = analyse(file(rows))

    /// A clear error: one line (no LF or CR anywhere), naming the file.
    static func expectClearError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }), "error spans several lines: \(text)", sourceLocation: sourceLocation)
        #expect(text.hasPrefix("DIR/input.csv"), "error does not name the file first: \(text)", sourceLocation: sourceLocation)
    }

    static func count(_ object: [String: Any]?, _ group: String, _ reason: DropReason) -> Int {
        ((object?[group] as? [String: Any])?["dropped"] as? [String: Int])?[reason.rawValue] ?? 0
    }

    static func particle(of row: String) -> Substring { row.split(separator: ",", maxSplits: 1)[0] }

    @Test("the reference file is analysed: tracks used and a finite D50")
    func referenceIsAnalysed() throws {
        let object = try #require(Self.reference.object, "reference analysis failed: \(Self.reference.errorText ?? "")")
        let tracks = try #require(object["tracks"] as? [String: Any])
        #expect((tracks["used"] as? Int ?? 0) >= 10)
        let d50 = try #require(Self.reference.size?["d50Nm"] as? Double)
        #expect(d50.isFinite && d50 > 0)
    }

    @Test("rows in any order give byte-identical JSON", arguments: [UInt64(1)])
    func rowOrder(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let shuffled = Self.rows.shuffled(using: &generator)
        #expect(shuffled != Self.rows)
        let outcome = Self.analyse(Self.file(shuffled))
        let json = try #require(outcome.json, "shuffled file refused: \(outcome.errorText ?? "")")
        #expect(json == Self.reference.json, "shuffled rows (seed \(seed)) change the report; size \(outcome.size ?? [:]) vs \(Self.reference.size ?? [:])")
    }

    @Test("a track whose rows are all duplicated is dropped and counted, or deduplicated; the others are unchanged")
    func duplicatedRows() throws {
        let victim = Self.particle(of: Self.rows[0])
        let duplicated = Self.rows.flatMap { Self.particle(of: $0) == victim ? [$0, $0] : [$0] }
        let withoutVictim = Self.rows.filter { Self.particle(of: $0) != victim }
        let outcome = Self.analyse(Self.file(duplicated))
        if let text = outcome.errorText { Self.expectClearError(text); return }
        let dropped = Self.count(outcome.object, "tracks", .duplicateFrame)
        if dropped == 1 {
            // Dropped whole, as TrackGrouping documents: the same sizes as the file without that track.
            let expected = try #require(Self.analyse(Self.file(withoutVictim)).size)
            #expect(outcome.size == expected)
        } else {
            // Deduplicated: exactly the reference.
            #expect(dropped == 0)
            #expect(outcome.size == Self.reference.size)
        }
    }

    @Test("NaN and ±inf cells drop their rows, counted by reason, and the rest is sized as if the rows were absent")
    func nonFiniteCells() throws {
        // Seven rows in the middle of the data: x = nan, NaN, inf; y = inf, -inf; frame = nan, NaN.
        let poisoned = [7, 19, 33, 48, 60, 75, 90]
        try #require(poisoned.last! < Self.rows.count)
        let poisons: [(column: Int, text: String)] = [(2, "nan"), (2, "NaN"), (3, "inf"), (3, "-inf"), (2, "inf"),
                                                     (1, "nan"), (1, "NaN")]
        var damaged = Self.rows
        for (k, i) in poisoned.enumerated() {
            var cells = damaged[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[poisons[k].column] = poisons[k].text
            damaged[i] = cells.joined(separator: ",")
        }
        let removed = Self.rows.enumerated().filter { !poisoned.contains($0.offset) }.map(\.element)
        let outcome = Self.analyse(Self.file(damaged))
        if let text = outcome.errorText { Self.expectClearError(text); return }
        #expect(Self.count(outcome.object, "rows", .nonFinitePosition) == 5)
        #expect(Self.count(outcome.object, "rows", .missingParticleOrFrame) == 2)
        let expected = try #require(Self.analyse(Self.file(removed)).size)
        #expect(outcome.size == expected)
    }

    @Test("a non-finite particle id is one clear line of error, or its row is dropped and counted",
          arguments: ["inf", "nan"])
    func nonFiniteParticle(text: String) throws {
        var damaged = Self.rows
        var cells = damaged[40].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[0] = text
        damaged[40] = cells.joined(separator: ",")
        let outcome = Self.analyse(Self.file(damaged))
        if let error = outcome.errorText {
            Self.expectClearError(error)
            #expect(error.hasPrefix("DIR/input.csv:42:1:"), "the error names line 42, column 1: \(error)")
            return
        }
        #expect(Self.count(outcome.object, "rows", .missingParticleOrFrame) == 1)
        #expect(outcome.size == (try #require(Self.withoutRow40.size)))
    }

    /// The analysis of the file without data row 40 (line 42).
    static let withoutRow40: Outcome = {
        var removed = rows
        removed.remove(at: 40)
        return analyse(file(removed))
    }()

    @Test("single-row tracks are counted as too short and change no size figure")
    func singleRowTracks() throws {
        let lone = (0..<20).map { k in "\(900_000 + k),\(k * 5),\(100 + 7 * k).5,\(200 + 3 * k).25" }
        let outcome = Self.analyse(Self.file(Self.rows + lone))
        let object = try #require(outcome.object, "refused: \(outcome.errorText ?? "")")
        let reference = try #require(Self.reference.object)
        #expect(Self.count(object, "tracks", .tooShort) == Self.count(reference, "tracks", .tooShort) + 20)
        #expect((object["tracks"] as? [String: Any])?["read"] as? Int
                == ((reference["tracks"] as? [String: Any])?["read"] as? Int).map { $0 + 20 })
        #expect(outcome.size == Self.reference.size)
    }

    @Test("a track spanning frames 0 and 2³¹−1 is analysed (or refused clearly) within seconds")
    func hugeFrameGap() throws {
        // Ten rows in frames 0…8 and one at the largest frame number a trajectory file can hold.
        let gap = (0..<9).map { f in "777777,\(f),\(300 + f).125,\(200 - f).5" } + ["777777,2147483647,310.0,190.0"]
        let start = ContinuousClock.now
        let outcome = Self.analyse(Self.file(Self.rows + gap))
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(20), "took \(elapsed): work must follow rows, not frame numbers")
        if let text = outcome.errorText { Self.expectClearError(text); return }
        let object = try #require(outcome.object)
        #expect((object["tracks"] as? [String: Any])?["read"] as? Int
                == ((Self.reference.object?["tracks"] as? [String: Any])?["read"] as? Int).map { $0 + 1 })
        let d50 = try #require(outcome.size?["d50Nm"] as? Double)
        let reference = try #require(Self.reference.size?["d50Nm"] as? Double)
        // One track among about forty cannot move the median by more than its share of the distribution.
        #expect(abs(d50 - reference) / reference < 0.1)
    }

    @Test("an empty file is one clear line of error")
    func emptyFile() {
        let outcome = Self.analyse([])
        guard let text = outcome.errorText else { Issue.record("an empty file was analysed"); return }
        Self.expectClearError(text)
        #expect(text.lowercased().contains("empty"), "\(text)")
    }

    @Test("a header without rows is one clear line of error, or a result of zero tracks with no size figures")
    func headerOnly() {
        for eol in ["\n", "\r\n", ""] {
            let outcome = Self.analyse(Array((Self.header + eol).utf8))
            if let text = outcome.errorText { Self.expectClearError(text); continue }
            #expect((outcome.object?["tracks"] as? [String: Any])?["used"] as? Int == 0)
            #expect(outcome.size?["d50Nm"] is NSNull, "a D50 from no data: \(outcome.size ?? [:])")
        }
    }

    @Test("a UTF-8 byte-order mark changes nothing")
    func byteOrderMark() throws {
        let outcome = Self.analyse([0xEF, 0xBB, 0xBF] + Self.file(Self.rows))
        let json = try #require(outcome.json, "refused: \(outcome.errorText ?? "")")
        #expect(json == Self.reference.json)
    }

    /// The file with each line ended by `endings[line % endings.count]`.
    static func withLineEndings(_ endings: [String]) -> [UInt8] {
        let lines = [header] + rows
        return Array(lines.enumerated().map { $0.element + endings[$0.offset % endings.count] }.joined().utf8)
    }

    @Test("CRLF line endings change nothing")
    func crlfLineEndings() throws {
        let outcome = Self.analyse(Self.withLineEndings(["\r\n"]))
        let json = try #require(outcome.json, "refused: \(outcome.errorText ?? "")")
        #expect(json == Self.reference.json, "CRLF changes the report: size \(outcome.size ?? [:])")
    }

    @Test("lone CR line endings, alone or mixed with LF and CRLF, change nothing", arguments: ["\r", "mixed"])
    func loneCRLineEndings(style: String) throws {
        let outcome = Self.analyse(Self.withLineEndings(style == "mixed" ? ["\n", "\r\n", "\r"] : [style]))
        let json = try #require(outcome.json, "refused (\(style.debugDescription)): \(outcome.errorText ?? "")")
        #expect(json == Self.reference.json, "line endings \(style.debugDescription) change the report: size \(outcome.size ?? [:])")
    }
}
