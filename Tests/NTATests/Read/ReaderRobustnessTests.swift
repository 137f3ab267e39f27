import Foundation
import Testing
import NTA

/// Line endings, decimal marks, one-line errors and hostile values in the readers.
@Suite struct ReaderRobustnessTests {
    static func read(_ text: String, mapping: ColumnMapping? = nil) throws(InputError) -> TrajectoryReadResult {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(InputError) -> TrajectoryReadResult in
                try TrajectoryCSVReader(mapping: mapping).read(bytes: raw, fileName: "t.csv")
            }
        }
        return try result.get()
    }

    @Test("a line of spaces or tabs is blank, as an empty one is (pandas skips both); a later error keeps its line")
    func whitespaceLines() throws {
        let plain = try Self.read("particle,frame,x,y\n1,0,1.5,2\n1,1,2.5,3\n")
        for text in ["particle,frame,x,y\n1,0,1.5,2\n   \n1,1,2.5,3\n \t \n", "particle,frame,x,y\r\n1,0,1.5,2\r\n\t\r\n1,1,2.5,3\r\n  "] {
            let r = try Self.read(text)
            #expect(r.rowsRead == plain.rowsRead && r.table.x == plain.table.x && r.table.frame == plain.table.frame, "\(text)")
        }
        do {
            _ = try Self.read("particle,frame,x,y\n1,0,1.5,2\n  \n1,1,abc,3\n")
            Issue.record("read")
        } catch {
            #expect(error.line == 4 && error.column == 3, "\(error)")
        }
    }

    @Test("a --columns position past the header's last column says so, with the header's count")
    func columnPositionBeyondHeader() {
        do {
            _ = try Self.read("particle,frame,x,y\n1,0,1.5,2\n", mapping: ColumnMapping(particle: "#1", frame: "#2", x: "#3", y: "#9"))
            Issue.record("read")
        } catch {
            #expect(error.line == 1 && error.message.hasPrefix("expected a header with at least 9 columns (--columns #9), found 4: "),
                    "\(error)")
        }
    }

    @Test("lone CR line endings (old Mac OS) read every row, and line numbers stay right")
    func loneCarriageReturn() throws {
        let r = try Self.read("particle,frame,x,y\r1,0,1.5,2\r1,1,2.5,3\r2,0,7,8\r")
        #expect(r.rowsRead == 3 && r.table.count == 3)
        #expect(r.table.x == [1.5, 2.5, 7])
        do {
            _ = try Self.read("particle,frame,x,y\r1,0,1.5,2\r\r1,1,abc,3\r")
            Issue.record("read")
        } catch {
            #expect(error.line == 4 && error.column == 3, "\(error)")
        }
        // Instrument text rows too: a ParticleData file with lone CRs.
        let pd = "Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Tracklength\r1,100,4.0e6,12\r2,80,5.0e6,x\r"
        do {
            _ = try NanoSightPerParticleReader().readParticleData(bytes: Array(pd.utf8), fileName: "p.csv")
            Issue.record("read")
        } catch {
            #expect(error.line == 3 && error.column == 4, "\(error)")
        }
        let ok = try NanoSightPerParticleReader().readParticleData(bytes: Array(pd.replacingOccurrences(of: ",x", with: ",15").utf8), fileName: "p.csv")
        #expect(ok.count == 2 && ok.trackLengthFrames == [12, 15])
    }

    @Test("a ';'-delimited trajectory file with decimal commas reads the same numbers; a point in it is an error")
    func semicolonDecimalComma() throws {
        let r = try Self.read("particle;frame;x;y\n1;0;1,5;2,25\n1;1;-3,5;4\n")
        #expect(r.table.x == [1.5, -3.5] && r.table.y == [2.25, 4])
        let plain = try Self.read("particle;frame;x;y\n1;0;1;2\n")
        #expect(plain.table.x == [1])
        do {
            _ = try Self.read("particle;frame;x;y\n1;0;1,5;2\n1;1;1.250;3\n")
            Issue.record("read")
        } catch {
            #expect(error.line == 3 && error.column == 3)
            #expect(error.message.contains("\"1.250\"") && error.message.contains("ambiguous"), "\(error)")
        }
        do {
            _ = try Self.read("particle,frame,x,y\n1,0,\"1,5\",2\n")
            Issue.record("read")
        } catch {
            #expect(error.message.contains("decimal comma is accepted only"), "\(error)")
        }
    }

    /// Inputs that must each fail with a one-line error.
    static let badInputs: [(String, String)] = [
        ("quoted newline", "particle,frame,x,y\n1,0,\"1\n2\",3\n"),
        ("quoted CR", "particle,frame,x,y\n1,0,\"1\r\r2\",3\n"),
        ("header with control characters", "a\u{1}b,c\rd\n1,2\n"),
        ("unrecognised", "hello\nworld\n"),
        ("long field", "particle,frame,x,y\n1,0,\(String(repeating: "z", count: 500)),3\n"),
        ("ZetaView table", "Original File:\tx.avi\nSize / nm\tNumber\tConcentration / cm-3\n1\t\"a\nb\"\t3\n"),
        ("NanoSight bins", "NTA Experiment Summary File\n[Size Data]\nWeighting,Number\nFilename,v\nGraph Data\nBin centre (nm),C\n\"0\r5\",1\n"),
        ("NTA 2.x", "Particle ID, Track Step, X1, Y1, X2, Y2\n1, 2, \"1\n\", 2, 3, 4\n"),
    ]

    @Test("every reader error is one line: control characters escaped, echoed fields cut, formats joined by '; '")
    func oneLineErrors() {
        for (what, text) in Self.badInputs {
            do {
                _ = try InstrumentReading.read(bytes: Array(text.utf8), fileName: "bad\nname.csv")
                Issue.record("\(what): read")
            } catch {
                let message = "\(error)"
                #expect(!message.contains("\n") && !message.contains("\r"), "\(what): \(message)")
                #expect(message.count < 2000, "\(what): \(message.count) characters")
            }
        }
        do {
            _ = try InstrumentFormatDetector.detect(bytes: Array("hello\n".utf8), fileName: "x")
            Issue.record("recognised")
        } catch {
            #expect(error.message.contains("tried: ") && error.message.contains("; "))
        }
        // Where the file starts and what it starts with: its first line that is not blank.
        do {
            _ = try InstrumentFormatDetector.detect(bytes: Array("\nhello,world\n1,2\n".utf8), fileName: "x")
            Issue.record("recognised")
        } catch {
            #expect(error.line == 2 && error.column == 1, "\(error)")
            #expect(error.message.hasPrefix("expected trajectories (a header naming particle, frame, x and y; other trackers' columns with --columns) or an instrument export, found \"hello,world\"; tried: "), "\(error)")
        }
        #expect(InputError.echo(String(repeating: "a", count: 100)).count == 41)
        #expect(InputError(file: "f", line: 1, message: "a\r\nb\u{2028}c").description == "f:1: a\\r\\nb\\u{2028}c")
    }

    @Test("hostile frame numbers and particle ids are clear errors or counted drops, never a trap",
          arguments: ["1e300", "-1e300", "nan", "inf", "9223372036854775807", "-9223372036854775808", "1.5", "4294967296"])
    func hostileNumbers(value: String) {
        for text in ["particle,frame,x,y\n1,\(value),1,2\n", "particle,frame,x,y\n\(value),0,1,2\n"] {
            do {
                let r = try Self.read(text)
                // Read only when valid (e.g. particle id 4294967296), or NaN as a counted drop: the row is accounted for.
                #expect(r.rowsRead == 1 && r.table.count + r.droppedRows.total == 1, "\(value)")
                if value == "nan" { #expect(r.droppedRows[.missingParticleOrFrame] == 1) }
            } catch {
                #expect(error.line == 2, "\(error)")
            }
        }
        // Sparse, negative and large frames are valid.
        #expect((try? Self.read("particle,frame,x,y\n1,-5,1,2\n1,2147483647,1,2\n1,0,1,2\n"))?.table.count == 3)
    }

    @Test("NTA 2.x and ParticleData: hostile ids and lengths are errors naming the line")
    func hostileInstrumentNumbers() {
        for v in ["1e300", "nan", "inf", "-1e19"] {
            let steps = "Particle ID, Track Step, X1, Y1, X2, Y2\n\(v), 2, 1, 2, 3, 4\n"
            #expect(throws: InputError.self) { try NanoSightTrackStepReader().read(bytes: Array(steps.utf8), fileName: "s.csv") }
            let pd = "Particle ID,Diffusion coefficient/nm^2 s^-1,Tracklength\n1,4e6,\(v)\n"
            #expect(throws: InputError.self) { try NanoSightPerParticleReader().readParticleData(bytes: Array(pd.utf8), fileName: "p.csv") }
        }
    }

    @Test("per-track table of trajectories: tracks the grouping drops keep their reason, length and mean intensity")
    func trackTableOfTrajectories() throws {
        // Track 0: 3 positions (too short); track 1: frame 5 twice (ambiguous); track 2: 12 positions, used.
        var text = "particle,frame,x,y,mass\n0,0,0,0,100\n0,1,0.5,0.3,100\n0,2,1,0.6,100\n"
        for k in 0..<12 { text += "1,\(k),\(10 + Double(k % 3)),\(Double(k % 2)),101\n" }
        text += "1,5,1,1,5\n"
        for k in 0..<12 { text += "2,\(k),\(20 + Double(k * k % 5)),\(Double(k % 4)),102\n" }
        let url = try InstrumentFiles.fixture("table-trajectories.csv", text)
        var options = AnalysisOptions()
        options.distribution = .histogram
        options.estimator = .msd1
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 100, temperatureCelsius: 22)
        let sample = try SampleResult([Analysis.load(file: url.path, options: options)], options: options)
        let lines = TrackTable.csv(sample).split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix(",included,reason,one_lag_diffusion_um2_s,mean_intensity"))
        #expect(lines.count == 4)
        #expect(lines[1] == "table-trajectories.csv,0,3,2,,,,false,tooShort,,100.0")
        #expect(lines[2] == "table-trajectories.csv,1,13,11,,,,false,duplicateFrame,,\((101.0 * 12 + 5) / 13)")
        #expect(lines[3].hasPrefix("table-trajectories.csv,2,12,11,") && lines[3].contains(",true,,") && lines[3].hasSuffix(",102.0"))
        #expect(sample.tracks.read == 3 && sample.tracks.used == 1)
    }

    @Test("coordinates beyond ~1e12 nm lose precision: a warning, surfaced in the report")
    func precisionWarning() throws {
        let near = try Self.read("particle,frame,x,y\n1,0,1000000,2\n", mapping: ColumnMapping(particle: "particle", frame: "frame", x: "x", y: "y", positionUnit: .nanometers))
        #expect(near.warnings.isEmpty)
        var text = "particle,frame,x,y\n"
        for k in 0..<12 { text += "1,\(k),\(2e12 + Double(k) * 100),\(Double(k) * 50)\n" }
        let url = try InstrumentFiles.fixture("far.csv", text)
        let r = try TrajectoryCSVReader().read(contentsOf: url)
        #expect(r.warnings.count == 1 && r.warnings[0].contains("lose precision"))
        var options = AnalysisOptions()
        options.distribution = .histogram
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 100, temperatureCelsius: 22)
        let sample = try SampleResult([Analysis.load(file: url.path, options: options)], options: options)
        #expect(sample.videos[0].warnings.contains { $0.contains("lose precision") })
        #expect(TextReport.render(sample).contains("lose precision"))
    }

    @Test("a position no conversion to nm could hold (beyond 1e300) is an error at its line and field, not a late one without either")
    func hugePositionIsLocated() throws {
        // Line 4, field 4 (y); quoted, after a row that is fine: the whole row is read again to place it.
        do {
            _ = try Self.read("particle,frame,x,y\n1,0,1.5,2\n1,1,2.5,3\n2,0,4,\"-2e305\"\n2,1,1e307,5\n")
            Issue.record("read")
        } catch {
            #expect(error.line == 4 && error.column == 4, "\(error)")
            #expect(error.description.contains("found \"-2e305\""), "\(error)")
        }
        // 1e300 itself is accepted: 10⁶ nm per pixel (the largest pixel) leaves it finite.
        let edge = try Self.read("particle,frame,x,y\n1,0,1e300,2\n1,1,-1e300,3\n")
        #expect(edge.table.x == [1e300, -1e300])
    }

    @Test("NTA 2.x steps with a position beyond 1e300 px: an error at its line and field")
    func hugeStepPosition() throws {
        let text = NanoSightTrackStepTests.fixture.replacingOccurrences(of: "9, 4, 322.000000, 238.000000, 320.000000,",
                                                                        with: "9, 4, 322.000000, 238.000000, 3.2e301,")
        do {
            _ = try InstrumentReading.read(bytes: Array(text.utf8), fileName: "h-alltracks.csv")
            Issue.record("read")
        } catch let error as InputError {
            #expect(error.line == 14 && error.column == 5, "\(error)")
        }
    }

    @Test("NA, #N/A, NULL … (pandas' missing-value words) are missing values: the row is dropped and counted, as an empty field's is")
    func missingValueWords() throws {
        let text = "particle,frame,x,y,mass\n1,0,1.5,2,10\n1,1,NA,3,10\n1,2,2.5,\"#N/A\",10\nNULL,3,1,1,10\n1,4, n/a ,3,None\n1,5,3.5,4,NA\n"
        let r = try Self.read(text)
        #expect(r.rowsRead == 6 && r.table.count == 2 && r.table.x == [1.5, 3.5], "\(r.table.x)")
        #expect(r.droppedRows[.nonFinitePosition] == 3 && r.droppedRows[.missingParticleOrFrame] == 1, "\(r.droppedRows.counts)")
        #expect(r.table.intensity?[1].isNaN == true)
        // Other words are not numbers: an error at their place, as before.
        do {
            _ = try Self.read("particle,frame,x,y\n1,0,1.5,2\n1,1,NAN1,3\n")
            Issue.record("read")
        } catch {
            #expect(error.line == 3 && error.column == 3, "\(error)")
        }
    }
}
