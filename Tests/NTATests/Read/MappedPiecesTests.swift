import Foundation
import Testing
import NTA
@testable import NTARead

/// A mapped file is counted and parsed in pieces whose pages are let go once read: the pieces must
/// give exactly what one pass over bytes in memory gives, and an error in a late piece must name its line.
@Suite("Reading a mapped file in pieces")
struct MappedPiecesTests {
    /// ~6 MB of rows (two chunks), with blank lines, CRLF endings and rows dropped for missing values
    /// scattered through it, written to a temporary file.
    static func file(badLine: Int? = nil) throws -> (url: URL, bytes: [UInt8]) {
        var text = "particle,frame,x,y,mass\n"
        var line = 1
        var generator = SeededGenerator(seed: 7)
        while text.utf8.count < 6_000_000 {
            line += 1
            let id = generator.nextInt(below: 5000)
            let x = 100 * generator.nextUniform(), y = 100 * generator.nextUniform()
            switch line % 997 {
            case 0: text += "\n"
            case 1: text += "\(id),\(line),,\(y),5\r\n"
            default:
                text += line == badLine ? "\(id),\(line),1.2.3,\(y),5\n" : "\(id),\(line),\(x),\(y),\(line % 50)\n"
            }
        }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("swift-nta-pieces-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        return (url, Array(text.utf8))
    }

    @Test("pieces of 4 KiB to 16 MiB read the same columns, counts and drops as one pass in memory")
    func piecesReadWhatOnePassReads() throws {
        let (url, bytes) = try Self.file()
        defer { try? FileManager.default.removeItem(at: url) }
        let whole = try bytes.withUnsafeBytes { raw in try TrajectoryCSVReader().read(bytes: raw, fileName: "t.csv") }
        #expect(whole.droppedRows.total > 0)
        // Read in chunks (several per core, joined in file order): every kept row once, in file order. The
        // frame column holds each row's line number, and the rows dropped are those written without an x.
        let lastLine = bytes.filter { $0 == 0x0A }.count  // every line, the header's included, ends with a newline
        let expectedFrames = (2...lastLine).filter { $0 % 997 != 0 && $0 % 997 != 1 }.map(Int32.init)
        #expect(whole.table.frame == expectedFrames)
        #expect(whole.table.count + whole.droppedRows.total == whole.rowsRead)
        for piece in [4096, 65_537, 1 << 24] {
            var reader = TrajectoryCSVReader()
            reader.pieceBytes = piece
            let mapped = try reader.read(contentsOf: url, displayName: "t.csv")
            #expect(mapped.rowsRead == whole.rowsRead)
            #expect(mapped.droppedRows == whole.droppedRows)
            #expect(mapped.table.particle == whole.table.particle)
            #expect(mapped.table.frame == whole.table.frame)
            #expect(mapped.table.x.map(\.bitPattern) == whole.table.x.map(\.bitPattern))
            #expect(mapped.table.y.map(\.bitPattern) == whole.table.y.map(\.bitPattern))
            #expect(mapped.table.intensity == whole.table.intensity)
        }
    }

    @Test("a malformed value far into the file names its own line, whatever the piece size")
    func lateErrorNamesItsLine() throws {
        let (url, _) = try Self.file(badLine: 100_001)
        defer { try? FileManager.default.removeItem(at: url) }
        for piece in [4096, 1 << 24] {
            var reader = TrajectoryCSVReader()
            reader.pieceBytes = piece
            let error = inputError { try reader.read(contentsOf: url, displayName: "t.csv") }
            #expect(error?.line == 100_001)
            #expect(error?.column == 3)
        }
    }

    /// Ten rows of `particle,frame,x,y` (frame = line number), the lines in `bad` holding a malformed x
    /// and those in `missing` no x, read in memory in pieces of `pieceBytes`.
    func readTenRows(bad: Set<Int> = [], missing: Set<Int> = [], pieceBytes: Int) throws -> TrajectoryReadResult {
        var text = "particle,frame,x,y\n"
        for line in 2...11 {
            let x = bad.contains(line) ? "1.2.3" : missing.contains(line) ? "" : "\(line).25"
            text += "\(line % 3),\(line),\(x),7.5\n"
        }
        var reader = TrajectoryCSVReader()
        reader.pieceBytes = pieceBytes
        return try Array(text.utf8).withUnsafeBytes { try reader.read(bytes: $0, fileName: "t.csv") }
    }

    @Test("the fast path hands a malformed row to the general parser, which names it: the first in the file")
    func theFirstMalformedRowIsReported() throws {
        for piece in [40, 1 << 20] {
            #expect(inputError { try readTenRows(bad: [6, 7], pieceBytes: piece) }.map { [$0.line, $0.column] } == [6, 3])
            #expect(inputError { try readTenRows(bad: [11], pieceBytes: piece) }?.line == 11)
            #expect(inputError { try readTenRows(bad: [2, 11], pieceBytes: piece) }?.line == 2)
        }
    }

    @Test("rows the general parser drops between the fast path's leave no gap in the columns")
    func droppedRowsLeaveNoGap() throws {
        for piece in [40, 100, 1 << 20] {
            let result = try readTenRows(missing: [3, 5, 11], pieceBytes: piece)
            #expect(result.rowsRead == 10)
            #expect(result.droppedRows.total == 3)
            #expect(result.table.frame == [2, 4, 6, 7, 8, 9, 10], "pieces of \(piece) bytes")
            #expect(result.table.x == [2.25, 4.25, 6.25, 7.25, 8.25, 9.25, 10.25])
        }
    }

    @Test("a quoted field holding newlines (as pandas writes one) is one field of one row: in pieces, in chunks, and in the lines errors name")
    func quotedNewlines() throws {
        // ~5 MB (several chunks), every third row with a note of two or three lines; frame = the row's number.
        var text = "particle,frame,x,y,note\n"
        var rows = 0, lines = 1
        while text.utf8.count < 5_000_000 {
            let note = rows % 3 == 0 ? "\"first line\nsecond, with a comma\n\"" : rows % 3 == 1 ? "plain" : "\"one\r\ntwo\""
            text += "\(rows % 7),\(rows),\(rows % 100).5,2.25,\(note)\n"
            lines += 1 + note.filter { $0 == "\n" || $0 == "\r\n" }.count
            rows += 1
        }
        for piece in [97, 4096, 1 << 24] {
            var reader = TrajectoryCSVReader()
            reader.pieceBytes = piece
            let r = try Array(text.utf8).withUnsafeBytes { try reader.read(bytes: $0, fileName: "q.csv") }
            #expect(r.rowsRead == rows && r.droppedRows.total == 0, "pieces of \(piece) bytes")
            #expect(r.table.frame == (0..<rows).map(Int32.init), "pieces of \(piece) bytes")
        }
        // A malformed value after the last note names its physical line.
        text += "1,\(rows),abc,2\n"
        let error = inputError { try Array(text.utf8).withUnsafeBytes { try TrajectoryCSVReader().read(bytes: $0, fileName: "q.csv") } }
        #expect(error?.line == lines + 1 && error?.column == 3, "\(String(describing: error)) (expected line \(lines + 1))")
    }
}
