import CNTAKernels
import Foundation
import Testing
import NTA
@testable import NTARead

/// A data row with more fields than the header is an error naming its line and its first extra field (a decimal
/// comma in a comma-delimited file splits each number in two: read silently, x = 504 and y = 2988 for
/// "504,2988","331,1448"). The one tolerance: fields past the header's that are all empty (a trailing delimiter, as
/// some spreadsheet exports write), read as the row without them.
@Suite("Rows with more fields than the header")
struct ExtraFieldsTests {
    static let decimalCommaHint =
        ": a decimal comma in a comma-delimited file? Export with a decimal point, or use ';' between fields"

    /// `count` rows of `particle,frame,x,y` (plain decimals), one line each, the row numbered `k` written by `row(k)`
    /// when it gives one.
    static func rows(_ count: Int, delimiter: String = ",", ending: String = "\n", row: (Int) -> String? = { _ in nil }) -> String {
        var text = ["particle", "frame", "x", "y"].joined(separator: delimiter) + ending
        for k in 0..<count {
            text += (row(k) ?? ["\(k % 97)", "\(k / 97)", "\(k).25", "\(2 * k).5"].joined(separator: delimiter)) + ending
        }
        return text
    }

    @Test("numbers written with decimal commas in a comma-delimited file: the line, the first extra field, and the likely cause")
    func decimalCommas() throws {
        // The whole file written so ("504,2988" is x, "331,1448" y): the first row is the error.
        let all = "particle,frame,x,y\n0,0,504,2988,331,1448\n1,0,0,3634,68,2641\n"
        #expect(inputError { try readTrajectories(all) }?.description
            == "tracks.csv:2:5: expected 4 fields (as the header), found 6" + Self.decimalCommaHint)
        // One row so among plain ones (only x has a decimal comma), CRLF line ends.
        let some = Self.rows(40, ending: "\r\n") { $0 == 30 ? "30,0,504,2988,331.1448" : nil }
        let e = try #require(inputError { try readTrajectories(some) })
        #expect(e.description == "tracks.csv:32:5: expected 4 fields (as the header), found 5" + Self.decimalCommaHint)
    }

    @Test("one extra field with text in the middle of a large file (parsed in parallel pieces) is an error without the decimal-comma note")
    func oneExtraFieldInTheMiddle() throws {
        let text = Self.rows(200_000) { $0 == 123_456 ? "5,1272,123456.25,246912.5,junk" : nil }
        for piece in [4096, 1 << 24] {
            var reader = TrajectoryCSVReader()
            reader.pieceBytes = piece
            let e = try #require(inputError {
                try Array(text.utf8).withUnsafeBytes { try reader.read(bytes: $0, fileName: "tracks.csv") }
            })
            #expect(e.description == "tracks.csv:123458:5: expected 4 fields (as the header), found 5", "pieces of \(piece) bytes")
        }
        // The same row read from a mapped file and through a pipe (a copy): the same error.
        let dir = ScratchDirectory()
        let file = dir.file("tracks.csv")
        try Data(text.utf8).write(to: file)
        let fifo = try FormatThroughPipeTests.fifo(text, in: dir)
        for url in [file, fifo] {
            let e = try #require(inputError { try TrajectoryCSVReader().read(contentsOf: url, displayName: "t.csv") })
            #expect(e.description == "t.csv:123458:5: expected 4 fields (as the header), found 5", "\(url.path)")
        }
    }

    @Test("a trailing delimiter (empty fields past the header's) is read as the row without it; a trailing value is an error")
    func trailingEmptyFields() throws {
        let plain = try readTrajectories(Self.rows(300))
        for (ending, extra) in [("\n", ","), ("\r\n", ","), ("\n", ",,"), ("\r\n", ",,,"), ("\n", ", ")] {
            // Every row with it, and the last one without a newline after it.
            var text = Self.rows(300, ending: ending) { k in "\(k % 97),\(k / 97),\(k).25,\(2 * k).5\(extra)" }
            text.removeLast()  // one Character: "\n" or "\r\n"
            let read = try readTrajectories(text)
            let what = "rows ending \(Array(extra.utf8)) \(Array(ending.utf8))"
            #expect(read.rowsRead == 300 && read.droppedRows.total == 0, "\(what)")
            #expect(read.table.particle == plain.table.particle && read.table.frame == plain.table.frame, "\(what)")
            #expect(read.table.x == plain.table.x && read.table.y == plain.table.y, "\(what)")
        }
        // A header ending with a delimiter names one more (empty) column: its rows may fill it, not go past it.
        let header = try readTrajectories("particle,frame,x,y,\n1,0,1.5,2.5,\n1,1,1.75,2.25,7\n")
        #expect(header.table.x == [1.5, 1.75])
        #expect(inputError { try readTrajectories("particle,frame,x,y,\n1,0,1.5,2.5,7,\n1,1,1.75,2.25,,8\n") }?.description
            == "tracks.csv:3:6: expected 5 fields (as the header), found 6" + Self.decimalCommaHint)
        // A value after the delimiter, even after empty fields, is an extra field.
        #expect(inputError { try readTrajectories(Self.rows(20) { $0 == 9 ? "1,0,1.5,2.5,,,x\r" : nil }) }?.description
            == "tracks.csv:11:5: expected 4 fields (as the header), found 7")
    }

    @Test("a quoted field holding the delimiter is one field, wherever it is")
    func quotedDelimiterIsOneField() throws {
        let ok = try readTrajectories("particle,frame,x,y,note\n1,0,1.5,2.5,\"a,b\"\n\"1\",1,\"1.75\",2.25,\"c,d,e\"\n")
        #expect(ok.rowsRead == 2 && ok.table.x == [1.5, 1.75])
        // Counted as one even when the row has too many fields: 6, not 7.
        #expect(inputError { try readTrajectories("particle,frame,x,y,note\n1,0,1.5,2.5,\"a,b\"\n1,1,1.5,2.5,\"a,b\",c\n") }?.description
            == "tracks.csv:3:6: expected 5 fields (as the header), found 6")
        #expect(inputError { try readTrajectories("particle,frame,x,y\n1,0,1.5,2.5,\"12,5\"\n") }?.description
            == "tracks.csv:2:5: expected 4 fields (as the header), found 5")
    }

    @Test("semicolon- and tab-delimited files (with decimal commas or not) and a column mapping: the same error",
          arguments: [(";", "1;0;3.5;4.25", "1;1;3.75;4.5;5"), (";", "1;0;3,5;4,25", "1;1;3,75;4,5;5,5"),
                      ("\t", "1\t0\t3.5\t4.25", "1\t1\t3.75\t4.5\t5")])
    func otherDelimiters(delimiter: String, good: String, bad: String) throws {
        for ending in ["\n", "\r\n"] {
            let header = ["particle", "frame", "x", "y"].joined(separator: delimiter)
            let text = [header, good, good, bad, good].joined(separator: ending) + ending
            #expect(inputError { try readTrajectories(text) }?.description
                == "tracks.csv:4:5: expected 4 fields (as the header), found 5", "\(Array(text.utf8))")
            #expect(try readTrajectories([header, good].joined(separator: ending)).table.x == [3.5])
        }
        let mapping = try ColumnMapping(parsing: "particle=#1,frame=#2,x=#3,y=#4")
        let named = ["id", "t", "px", "py"].joined(separator: delimiter) + "\n\(good)\n\(bad)\n"
        #expect(inputError { try readTrajectories(named, mapping: mapping) }?.description
            == "tracks.csv:3:5: expected 4 fields (as the header), found 5")
    }

    @Test("a row of a million fields is an error counting them; one of a hundred thousand empty ones is read")
    func hugeRows() throws {
        let huge = "1,0,1,2" + String(repeating: ",9", count: 1_000_000)
        #expect(inputError { try readTrajectories(Self.rows(10) { $0 == 4 ? huge : nil }) }?.description
            == "tracks.csv:6:5: expected 4 fields (as the header), found 1000004")
        let empty = "1,0,1,2" + String(repeating: ",", count: 100_000)
        let read = try readTrajectories(Self.rows(10) { $0 == 4 ? empty : nil })
        #expect(read.rowsRead == 10 && read.table.x[4] == 1 && read.table.y[4] == 2)
    }

    /// Runs one of the fast path's builds over `text` (a `particle,frame,x,y` header, so fields 0…3 are read and
    /// field 3 is the last): the rows it took and where it stopped (−1 when it reached the end).
    static func fastPath(_ text: String, portable: Bool) -> (rows: Int, stoppedAt: Int) {
        let bytes = Array(text.utf8)
        let start = bytes.firstIndex(of: 0x0A)! + 1
        var particle = [Int64](repeating: 0, count: bytes.count), frame = [Int32](repeating: 0, count: bytes.count)
        var x = [Double](repeating: 0, count: bytes.count), y = x
        let roles: [UInt8] = [1, 2, 3, 4]
        var cursor = nta_row_cursor()
        var stopped: Int32 = 0
        bytes.withUnsafeBufferPointer { b in
            particle.withUnsafeMutableBufferPointer { p in frame.withUnsafeMutableBufferPointer { f in
                x.withUnsafeMutableBufferPointer { xs in y.withUnsafeMutableBufferPointer { ys in
                    cursor = nta_row_cursor(position: Int64(start), end: Int64(b.count), rows: 0, kept: 0,
                                            capacity: Int64(b.count), particle: p.baseAddress, frame: f.baseAddress,
                                            x: xs.baseAddress, y: ys.baseAddress, intensity: nil, video: nil)
                    stopped = portable ? nta_parse_rows_portable(b.baseAddress!, &cursor, roles, 3, 3, 0x2C)
                                       : nta_parse_rows(b.baseAddress!, &cursor, roles, 3, 3, 0x2C)
                } }
            } }
        }
        return (Int(cursor.rows), stopped == 0 ? -1 : Int(cursor.position))
    }

    @Test("both builds of the fast path (AVX2 with BMI2 where there is one, and portable) leave a row with a value past the header's fields to the general parser, and take trailing empty fields",
          arguments: [false, true])
    func fastPathStopsAtExtraFields(portable: Bool) throws {
        // Rows short (the line's one 64-byte mask) and long (its extra field past those 64 bytes), LF and CRLF.
        let long = String(repeating: "1", count: 70)
        for (extra, ending) in [(",7", "\n"), (",7", "\r\n"), (",,," + long, "\n"), (String(repeating: ",", count: 80) + "7", "\r\n")] {
            var text = "particle,frame,x,y\n"
            for k in 0..<50 { text += "\(k),0,\(k).5,2.25" + (k % 2 == 0 ? ",," : ",") + ending }
            let at = text.utf8.count
            text += "50,0,1.5,2.25" + extra + ending + "51,0,1.5,2.5" + ending
            let r = Self.fastPath(text, portable: portable)
            #expect(r.rows == 50 && r.stoppedAt == at, "extra \(extra) ending \(Array(ending.utf8)): \(r)")
        }
        // Trailing delimiters only, past a mask and at the very end (no newline): every row taken.
        let text = "particle,frame,x,y\n" + (0..<20).map { "\($0),0,1.5,2.5" + String(repeating: ",", count: 3 * $0) }.joined(separator: "\n")
        let r = Self.fastPath(text, portable: portable)
        #expect(r.rows == 20 && r.stoppedAt == -1, "\(r)")
    }

    @Test("on the command line: exit 1 with one line naming file, line and field")
    func commandLine() throws {
        let (r, path) = try CommandLine_.analyze("particle,frame,x,y\n0,0,504,2988,331,1448\n", named: "comma.csv")
        #expect(r.status == 1)
        #expect(r.stderr == "nta-size: \(path):2:5: expected 4 fields (as the header), found 6\(Self.decimalCommaHint)\n")
        #expect(r.stdout.isEmpty)
    }
}
