import Foundation
import Testing
import NTA

/// Reads `text` as a trajectory file named `name`.
func readTrajectories(_ text: String, name: String = "tracks.csv", mapping: ColumnMapping? = nil) throws -> TrajectoryReadResult {
    try readTrajectories(Array(text.utf8), name: name, mapping: mapping)
}

func readTrajectories(_ bytes: [UInt8], name: String = "tracks.csv", mapping: ColumnMapping? = nil) throws -> TrajectoryReadResult {
    try bytes.withUnsafeBytes { raw in try TrajectoryCSVReader(mapping: mapping).read(bytes: raw, fileName: name) }
}

/// The `InputError` thrown by `body`, or nil.
func inputError(_ body: () throws -> some Any) -> InputError? {
    do { _ = try body(); return nil } catch let e as InputError { return e } catch { return nil }
}

@Suite("Reading trackpy and generic trajectory CSV")
struct TrajectoryCSVReaderTests {
    @Test("an id or frame out of range is quoted as the file writes it, with the range")
    func outOfRangeIDsAndFrames() throws {
        for (row, column, expected) in [
            ("9007199254740993,0,1,1", 1, "expected an integer particle id below 9·10¹⁵ in magnitude (which a double holds exactly) in column \"particle\", found \"9007199254740993\""),
            ("1.5,0,1,1", 1, "expected an integer particle id in column \"particle\", found \"1.5\""),
            ("7,4294967296,1,1", 2, "expected an integer frame number within ±2147483647 in column \"frame\", found \"4294967296\""),
        ] {
            let error = try #require(inputError { try readTrajectories("particle,frame,x,y\n1,0,1,1\n\(row)\n") })
            #expect(error.line == 3 && error.column == column, "\(error)")
            #expect(error.message == expected, "\(error)")
        }
    }

    @Test("trackpy output with pandas' unnamed index column")
    func trackpyWithIndexColumn() throws {
        let csv = """
            ,y,x,mass,size,ecc,signal,raw_mass,ep,frame,particle
            0,10.5,20.25,1500.0,1.2,0.1,30.0,2000.0,0.05,0,7
            1,11.0,21.0,1400.0,1.2,0.1,30.0,2000.0,0.05,1,7
            2,50.0,60.0,900.0,1.2,0.1,30.0,2000.0,0.05,0,8

            """
        let r = try readTrajectories(csv)
        #expect(r.rowsRead == 3)
        #expect(r.table.particle == [7, 7, 8])
        #expect(r.table.frame == [0, 1, 0])
        #expect(r.table.x == [20.25, 21.0, 60.0])
        #expect(r.table.y == [10.5, 11.0, 50.0])
        #expect(r.table.intensity == [1500, 1400, 900])
        #expect(r.table.positionUnit == .pixels)
        #expect(r.droppedRows.total == 0)
    }

    @Test("column order, CRLF line ends, a UTF-8 BOM, quoted header names and no trailing newline")
    func crlfBomQuotes() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\"frame\",\"x\",\"particle\",\"y\"\r\n3,1.5,2,2.5\r\n4,1.75,2,2.25".utf8)
        let r = try readTrajectories(bytes)
        #expect(r.table.particle == [2, 2])
        #expect(r.table.frame == [3, 4])
        #expect(r.table.x == [1.5, 1.75])
        #expect(r.table.y == [2.5, 2.25])
        #expect(r.table.intensity == nil)
    }

    @Test("tab- and semicolon-delimited files are recognised from the header")
    func otherDelimiters() throws {
        let tab = try readTrajectories("particle\tframe\tx\ty\n1\t0\t1e1\t-2.5E-1\n")
        #expect(tab.table.x == [10] && tab.table.y == [-0.25])
        let semi = try readTrajectories("particle;frame;x;y\n1;0;3;4\n")
        #expect(semi.table.x == [3] && semi.table.y == [4])
    }

    @Test("empty and NaN fields drop the row and are counted by reason")
    func missingValuesAreCounted() throws {
        let csv = """
            particle,frame,x,y
            1,0,1,1
            ,1,2,2
            1,2,,3
            1,3,NaN,3
            nan,4,1,1
            1,5,2,2

            """
        let r = try readTrajectories(csv)
        #expect(r.rowsRead == 6)
        #expect(r.table.count == 2)
        #expect(r.droppedRows[.missingParticleOrFrame] == 2)
        #expect(r.droppedRows[.nonFinitePosition] == 2)
    }

    @Test("a malformed number names file, line, column and the text found")
    func badNumber() {
        let csv = "particle,frame,x,y\n1,0,1.0,2.0\n1,1,12.3abc,2.0\n"
        let e = inputError { try readTrajectories(csv) }
        #expect(e?.description == "tracks.csv:3:3: expected a number in column \"x\", found \"12.3abc\"")
    }

    @Test("line numbers stay right after blank lines and in large, parallel-parsed files")
    func lineNumbersInLargeFiles() {
        var text = "particle,frame,x,y\n\n"
        for i in 0..<300_000 { text += "\(i % 1000),\(i / 1000),\(i).5,1\n" }
        text += "1,999999,2,oops\n"
        let e = inputError { try readTrajectories(text) }
        #expect(e?.line == 300_003)
        #expect(e?.column == 4)
        #expect(e?.message == "expected a number in column \"y\", found \"oops\"")
    }

    @Test("a header without the needed columns says which are missing and how to map them")
    func missingColumns() {
        let e = inputError { try readTrajectories("track,t,x,y\n1,0,0,0\n") }
        #expect(e?.line == 1)
        #expect(e?.message.contains("\"particle\", \"frame\"") == true)
        #expect(e?.message.contains("--columns") == true)
    }

    @Test("short rows, fractional frames and empty files are errors, not crashes")
    func structuralErrors() {
        #expect(inputError { try readTrajectories("particle,frame,x,y\n1,0,5\n") }?.description
            == "tracks.csv:2:3: expected at least 4 fields (up to column \"y\"), found 3")
        #expect(inputError { try readTrajectories("particle,frame,x,y\n1,0.5,5,5\n") }?.column == 2)
        #expect(inputError { try readTrajectories("") }?.message.contains("empty") == true)
        #expect(inputError { try readTrajectories("\n\n") }?.message.contains("header") == true)
    }

    @Test("integral ids written as decimals (pandas float columns) are accepted")
    func integralDecimals() throws {
        let r = try readTrajectories("particle,frame,x,y\n12.0,3.0,1,1\n")
        #expect(r.table.particle == [12] && r.table.frame == [3])
    }

    @Test("an explicit column mapping, by name or by position, with a position unit")
    func explicitMapping() throws {
        let mapping = try ColumnMapping(parsing: "particle=TRACK_ID,frame=FRAME,x=#3,y=POSITION_Y,unit=um")
        let r = try readTrajectories("TRACK_ID,FRAME,POSITION_X,POSITION_Y\n5,0,1.5,2.5\n", mapping: mapping)
        #expect(r.table.particle == [5] && r.table.x == [1.5] && r.table.y == [2.5])
        #expect(r.table.positionUnit == .micrometers)
        #expect(r.table.intensity == nil)
    }

    @Test("a column naming each row's video: the videos laid end to end in order of first appearance, in any row order")
    func videoColumn() throws {
        // Two videos whose particle ids and frames both restart, rows interleaved: B follows A's last frame, and its
        // ids are shifted by the span of the file's ids (1 … 2: 2).
        let csv = "video,particle,frame,x,y\nA,1,0,10,10\nB,1,0,50,50\nA,2,1,11,10\nB,1,1,51,50\nA,1,1,12,10\n"
        let r = try readTrajectories(csv)
        #expect(r.table.frame == [0, 2, 1, 3, 1])
        #expect(r.table.particle == [1, 3, 2, 3, 1])
        #expect(r.table.x == [10, 50, 11, 51, 12])
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(r.notes == ["the column \"video\" names 2 videos (\"A\", \"B\"): their frames were laid end to end in order of first appearance, each video's following the last one's, and analysed as one video of 2 captures; their particle ids repeat, so video k's (counting from 0) were shifted by k × 2 (track outputs show the shifted ids)"])
        // Any of the names, any case; quoted names with spaces; ids already distinct are kept.
        let quoted = try readTrajectories("particle,Capture_ID,frame,x,y\n1,\" run 1 \",5,0,0\n7,\"run 2\",5,0,0\n")
        #expect(quoted.table.particle == [1, 7] && quoted.table.frame == [5, 6])
        #expect(quoted.notes.first?.contains("names 2 videos (\"run 1\", \"run 2\")") == true)
        #expect(quoted.notes.first?.contains("particle ids repeat") == false)
        // The last column, with CRLF line ends: the CR is not the name's.
        let crlf = try readTrajectories("particle,frame,x,y,movie\r\n1,0,1,1,m1\r\n1,0,2,2,m2\r\n\r\n1,1,3,3,m1\r\n")
        #expect(crlf.table.frame == [0, 2, 1] && crlf.notes.first?.contains("(\"m1\", \"m2\")") == true)
        // Ids whose shift would pass 9·10¹⁵: renumbered per (video, id) in order of first appearance.
        let wide = try readTrajectories("video,particle,frame,x,y\nA,0,0,1,1\nB,0,0,2,2\nA,8000000000000000,1,1,1\nB,0,1,2,2\n")
        #expect(wide.table.particle == [0, 1, 2, 1] && wide.table.frame == [0, 2, 1, 3])
        #expect(wide.notes.first?.hasSuffix("so the tracks were renumbered 0, 1, … in order of first appearance (track outputs show the new ids)") == true)
        // One name written plainly (the fast path), quoted and padded (the general parser's): one video.
        let spelled = try readTrajectories("video,particle,frame,x,y\nA,1,0,1,1\n\"A\",1,1,2,2\n A ,1,2,3,3\nA,1,3,4,4\n")
        #expect(spelled.table.frame == [0, 1, 2, 3] && spelled.notes.isEmpty && spelled.warnings.isEmpty)
        // A decimal-comma file (read from a copy with its commas and points swapped): the names as written.
        let european = try readTrajectories("video;particle;frame;x;y\nm.1;1;0;10,5;10\nm,2;1;0;50,5;50\n")
        #expect(european.table.x == [10.5, 50.5] && european.notes.first?.contains("(\"m.1\", \"m,2\")") == true)
        // One video: nothing to lay out, nothing said.
        let one = try readTrajectories("video,particle,frame,x,y\nA,1,0,10,10\nA,1,1,11,10\n")
        #expect(one.table.frame == [0, 1] && one.notes.isEmpty && one.warnings.isEmpty)
        // trackpy's own columns hold no video.
        #expect(try readTrajectories("y,x,mass,size,ecc,signal,raw_mass,ep,frame,particle\n1,2,3,4,5,6,7,8,0,1\n").notes.isEmpty)
    }

    @Test("the video column named with --columns, or not read with video=none, or read as another role")
    func videoColumnMapping() throws {
        let csv = "Run,video,particle,frame,x,y\nr1,A,1,0,10,10\nr2,A,1,0,50,50\n"
        // Named: the Run column is read (two videos), the other ignored.
        let named = try readTrajectories(csv, mapping: try ColumnMapping(parsing: "video=Run"))
        #expect(named.table.frame == [0, 1] && named.notes.first?.contains("the column \"Run\" names 2 videos") == true)
        // Synonym keys, and a position.
        #expect(try readTrajectories(csv, mapping: try ColumnMapping(parsing: "movie=#1")).table.frame == [0, 1])
        // Not read: the rows are one video, and a note says the column was not read.
        let none = try readTrajectories(csv, mapping: try ColumnMapping(parsing: "video=none"))
        #expect(none.table.frame == [0, 0])
        #expect(none.notes == ["the column \"video\" (column 2) was not read as each row's video (--columns video=none): the file's rows are one video"])
        // A column read as another role is no video column.
        let asParticle = try readTrajectories("video,frame,x,y\n1,0,10,10\n2,0,50,50\n", mapping: try ColumnMapping(parsing: "particle=video"))
        #expect(asParticle.table.particle == [1, 2] && asParticle.notes.isEmpty && asParticle.warnings.isEmpty)
        // A named column the header lacks, or one another role reads: errors on the header, naming the column.
        #expect(inputError { try readTrajectories(csv, mapping: try ColumnMapping(parsing: "video=Session")) }?.description
                == "tracks.csv:1:1: expected a video column \"Session\" (--columns video=…), found \"Run\", \"video\", \"particle\", \"frame\", \"x\", \"y\"")
        #expect(inputError { try readTrajectories(csv, mapping: try ColumnMapping(parsing: "video=#3")) }?.column == 3)
        #expect(throws: ColumnMappingError.self) { try ColumnMapping(parsing: "video=x") }
        #expect(throws: ColumnMappingError.self) { try ColumnMapping(parsing: "video=a,capture=b") }
    }

    @Test("a video column with an empty field is an error at that field; one of over 1,000 names is not read, with a warning")
    func videoColumnLimits() throws {
        #expect(inputError { try readTrajectories("particle,frame,x,y,video\n1,0,1,1,A\n1,1,2,2, \n") }?.description
                == "tracks.csv:3:5: expected the name of the row's video in column \"video\", found an empty field")
        var text = "particle,frame,x,y,capture\n"
        for i in 0..<1_001 { text += "1,\(i),\(i),0,c\(i)\n" }
        let r = try readTrajectories(text)
        let unchanged = r.table.frame == (0..<1_001).map { Int32($0) }
        #expect(unchanged && r.notes.isEmpty)
        #expect(r.warnings == ["the column \"capture\" (column 5) has more than 1000 different values, too many for videos of one sample: it was not read as each row's video, and the file's rows were taken as one video (name the right column with --columns video=…, or --columns video=none)"])
    }

    @Test("videos first met in different chunks of a large, parallel-parsed file are numbered in file order")
    func videoColumnInLargeFiles() throws {
        // Row i: frame i / 100, particle i % 100; video "first", but "second" on every even row from 200,000 on,
        // so some chunks meet "second" before "first". first spans frames 0–2999, second 2000–2999: second's
        // frames shift by 2999 + 1 − 2000 = 1000 and its ids (0–99, as first's) by 100.
        var text = "particle,frame,x,y,video\n"
        let rows = 300_000
        func isSecond(_ i: Int) -> Bool { i >= 200_000 && i % 2 == 0 }
        for i in 0..<rows { text += "\(i % 100),\(i / 100),\(i).5,1,\(isSecond(i) ? "second" : "first")\n" }
        let r = try readTrajectories(text)
        #expect(r.table.count == rows)
        let frames = (0..<rows).map { Int32($0 / 100 + (isSecond($0) ? 1000 : 0)) }
        let ids = (0..<rows).map { Int64($0 % 100 + (isSecond($0) ? 100 : 0)) }
        let (sameFrames, sameIDs) = (r.table.frame == frames, r.table.particle == ids)
        #expect(sameFrames, "second's frames shifted by 1000, first's kept")
        #expect(sameIDs, "second's ids shifted by 100, first's kept")
        #expect(r.notes.first?.contains("names 2 videos (\"first\", \"second\")") == true)
    }

    @Test("a name the header gives to two columns: the first is read, and a warning says which and how to map another")
    func duplicateColumnName() throws {
        let csv = "x,particle,frame,x,y\n0,7,0,10.5,1\n0,7,1,11.5,2\n"
        let r = try readTrajectories(csv)
        #expect(r.table.x == [0, 0])
        #expect(r.warnings == ["the header names \"x\" in 2 columns (1, 4): column 1 was read as x; if another holds it, map that one with --columns x=#4"])
        // Mapped by position as the warning says: the other column, and no warning.
        let mapped = try readTrajectories(csv, mapping: try ColumnMapping(parsing: "x=#4"))
        #expect(mapped.table.x == [10.5, 11.5])
        #expect(mapped.warnings.isEmpty)
        // Distinct names: no warning.
        #expect(try readTrajectories("particle,frame,x,y\n7,0,1,1\n").warnings.isEmpty)
    }

    @Test("column mapping specifications are validated")
    func mappingErrors() {
        #expect(throws: ColumnMappingError.self) { try ColumnMapping(parsing: "particle") }
        #expect(throws: ColumnMappingError.self) { try ColumnMapping(parsing: "colour=red") }
        #expect(throws: ColumnMappingError.self) { try ColumnMapping(parsing: "unit=furlong") }
        for empty in ["", " ", ",", " , "] {
            #expect(throws: ColumnMappingError.self, "\"\(empty)\"") { try ColumnMapping(parsing: empty) }
        }
        // One column for two roles, one role given twice, a position that is not #1 or later: each makes every row
        // unusable or silently wrong, so the mapping itself is refused.
        for spec in ["x=PosX_um,y=PosX_um", "particle=frame", "x= POS ,y=pos", "particle=TrackID,particle=Frame",
                     "track=a,id=b", "particle=#0", "frame=#-1", "x=#x", "intensity=x"] {
            #expect(throws: ColumnMappingError.self, "\(spec)") { try ColumnMapping(parsing: spec) }
        }
        // Still accepted: positions, a mapping naming each role once, intensity none.
        for spec in ["particle=#1,frame=#2,x=#3,y=#4", "particle=TRACK_ID,frame=FRAME,x=POSITION_X,y=POSITION_Y,unit=um",
                     "intensity=none,x=mass"] {
            #expect(throws: Never.self, "\(spec)") { try ColumnMapping(parsing: spec) }
        }
        let e = inputError { try readTrajectories("a,b,x,y\n1,0,0,0\n", mapping: ColumnMapping(parsing: "intensity=brightness")) }
        #expect(e?.message.contains("\"particle\"") == true)
    }

    @Test("a missing file is an InputError naming it")
    func missingFile() {
        let e = inputError { try TrajectoryCSVReader().read(contentsOf: URL(fileURLWithPath: "/nonexistent/t.csv")) }
        #expect(e?.file == "/nonexistent/t.csv")
    }

    @Test("a directory is named as one; a pipe (as /dev/stdin or <(…) gives) is read to its end, not mapped")
    func directoryAndPipe() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nta-pipe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = inputError { try InstrumentReading.read(contentsOf: dir, displayName: "d") }
        #expect(e?.description == "d: expected a file to read, found a directory")

        let fifo = dir.appendingPathComponent("tracks.csv")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        // Enough rows that the reader would let go of mapped pages between pieces, were the bytes mapped.
        var text = "particle,frame,x,y\n"
        for i in 0..<20_000 { text += "\(i / 10),\(i % 10),\(Double(i) * 0.5),1.25\n" }
        let bytes = Data(text.utf8)
        let writer = Thread { try? bytes.write(to: fifo) }
        writer.start()
        guard case .trajectories(let r, .trackpyTrajectories) = try InstrumentReading.read(contentsOf: fifo, displayName: "p")
        else { Issue.record("not read as trackpy"); return }
        #expect(r.rowsRead == 20_000)
        #expect(r.table.x.last == 9999.5 && r.table.particle.last == 1999)
    }

    @Test("a device that sends bytes without end or line (/dev/zero) is refused after 16 MiB, not read until memory runs out")
    func endlessDeviceIsRefused() throws {
        let e = inputError { try InstrumentReading.read(contentsOf: URL(fileURLWithPath: "/dev/zero"), displayName: "/dev/zero") }
        #expect(e?.line == 1 && e?.column == 1 && e?.message.hasPrefix("expected lines of text, found 16 MiB without a line break") == true,
                "\(String(describing: e))")
    }
}

@Suite("Byte-level number parsing")
struct NumberParsingTests {
    func parse(_ s: String) -> Double? {
        let bytes = Array(s.utf8)
        return bytes.withUnsafeBufferPointer { NumberParsing.parseDouble($0.baseAddress!, 0, bytes.count) }
    }

    @Test("agrees bit for bit with Swift's correctly rounded parser")
    func agreesWithStandardLibrary() {
        let samples = ["0", "-0", "1", "12.5", "-3.25e-7", "1e22", "1e23", "123456789012345678901234567890",
                       "0.1", "0.30000000000000004", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
                       "9007199254740993", "  42  ", "+7", ".5", "5.", "6.02214076E+23", "0.000000000000000000001"]
        for s in samples {
            #expect(parse(s)?.bitPattern == Double(s.trimmingCharacters(in: .whitespaces))?.bitPattern, "\(s)")
        }
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<20_000 {
            let v = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (rng.nextUniform() < 0.5 ? 1 : -1)
            let s = "\(v)"
            #expect(parse(s)?.bitPattern == v.bitPattern, "\(s)")
            let fixed = String(format: "%.4f", rng.nextUniform() * 2048)
            #expect(parse(fixed) == Double(fixed), "\(fixed)")
        }
    }

    @Test("rejects what is not a number")
    func rejects() {
        for s in ["", "abc", "1.2.3", "12.3abc", "1e", "--1", "e5", "1 2", "infinite", "0x10"] {
            #expect(parse(s) == nil, "\(s)")
        }
        #expect(parse("NaN")!.isNaN && parse("nan")!.isNaN)
        #expect(parse("-inf") == -.infinity && parse("Infinity") == .infinity)
    }
}
