import CNTAKernels
import Foundation
import Testing
import NTA
@testable import NTARead

/// The reader's fast path (CNTAKernels' `nta_parse_rows`) finds each line's field ends from 64-byte masks of
/// delimiters, newlines and quotes before it reads the numbers; the general parser takes every line it leaves.
/// Whatever the layout, the columns must hold what the written numbers say: each value as Swift's own
/// correctly rounded `Double(String)` reads its text (an oracle independent of both parsers).
@Suite("The fast path's field ends")
struct FastPathLayoutTests {
    /// A random plain decimal: an optional '-', 1–7 digits, and 0–8 after a point.
    static func decimal(_ rng: inout SeededGenerator) -> String {
        let digits = "0123456789".map(String.init)
        var text = rng.nextInt(below: 4) == 0 ? "-" : ""
        for _ in 0..<(1 + rng.nextInt(below: 7)) { text += digits[rng.nextInt(below: 10)] }
        let fraction = rng.nextInt(below: 9)
        if fraction > 0 {
            text += "."
            for _ in 0..<fraction { text += digits[rng.nextInt(below: 10)] }
        }
        return text
    }

    struct Written {
        var text = ""
        var particle: [Int64] = [], frame: [Int32] = [], x: [UInt64] = [], y: [UInt64] = [], mass: [UInt64] = []
    }

    /// 2,000 rows of `layout` (column names; `x`, `y`, `particle`, `frame`, `mass` are read, the others are text,
    /// every third row a quoted pair of numbers with a delimiter between them), LF or CRLF endings at random, a blank line now and then,
    /// and no newline after the last row when `openEnded`.
    static func file(layout: [String], delimiter: Character, openEnded: Bool, seed: UInt64) -> Written {
        var rng = SeededGenerator(seed: seed)
        var out = Written()
        out.text = layout.joined(separator: String(delimiter)) + "\n"
        for row in 0..<2000 {
            var fields: [String] = []
            let id = Int64(rng.nextInt(below: 1_000_000)), frame = Int32(rng.nextInt(below: 90_000))
            let x = decimal(&rng), y = decimal(&rng), mass = decimal(&rng)
            for name in layout {
                switch name {
                case "particle": fields.append(String(id))
                case "frame": fields.append(String(frame))
                case "x": fields.append(x)
                case "y": fields.append(y)
                case "mass": fields.append(mass)
                default: fields.append(row % 3 == 0 ? "\"1\(delimiter)2\"" : "t\(rng.nextInt(below: 100))")
                }
            }
            out.particle.append(id)
            out.frame.append(frame)
            out.x.append(Double(x)!.bitPattern)
            out.y.append(Double(y)!.bitPattern)
            out.mass.append(Double(mass)!.bitPattern)
            out.text += fields.joined(separator: String(delimiter))
            if row < 1999 || !openEnded { out.text += rng.nextInt(below: 2) == 0 ? "\r\n" : "\n" }
            if rng.nextInt(below: 50) == 0 { out.text += "\n" }
        }
        return out
    }

    @Test("every row of every layout, delimiter, line ending and piece size holds the numbers written",
          arguments: [["particle", "frame", "x", "y", "mass"],          // trackpy's own order
                      ["x", "y", "mass", "particle", "frame", "note"],  // a quoted text column after the last read
                      ["note", "frame", "particle", "y", "x", "mass"]]) // … before the first: the general parser's
    func rowsHoldTheNumbersWritten(layout: [String]) throws {
        for (k, delimiter) in [Character(","), "\t", ";"].enumerated() {
            for openEnded in [false, true] {
                let written = Self.file(layout: layout, delimiter: delimiter, openEnded: openEnded, seed: UInt64(10 + k))
                for piece in [97, 4096, 1 << 20] {
                    var reader = TrajectoryCSVReader()
                    reader.pieceBytes = piece
                    let read = try Array(written.text.utf8).withUnsafeBytes { try reader.read(bytes: $0, fileName: "t.csv") }
                    let what = "\(layout) delimiter \(delimiter.asciiValue!) open-ended \(openEnded) pieces \(piece)"
                    #expect(read.rowsRead == 2000 && read.droppedRows.total == 0, "\(what)")
                    #expect(read.table.particle == written.particle, "\(what)")
                    #expect(read.table.frame == written.frame, "\(what)")
                    #expect(read.table.x.map(\.bitPattern) == written.x, "\(what)")
                    #expect(read.table.y.map(\.bitPattern) == written.y, "\(what)")
                    #expect(read.table.intensity?.map(\.bitPattern) == written.mass, "\(what)")
                }
            }
        }
    }

    /// Runs one of the fast path's two builds over `text` (its first line a header) with trackpy's roles; the
    /// columns, the rows taken, where it stopped and whether it stopped for the general parser.
    static func parse(_ text: String, portable: Bool)
        -> (particle: [Int64], frame: [Int32], x: [UInt64], y: [UInt64], mass: [UInt64], rows: Int64, position: Int64, stopped: Int32) {
        let bytes = Array(text.utf8)
        let start = Int64(bytes.firstIndex(of: 0x0A)! + 1), capacity = bytes.count
        let lastField = Int64(bytes[..<Int(start)].filter { $0 == 0x2C }.count)
        var particle = [Int64](repeating: 0, count: capacity), frame = [Int32](repeating: 0, count: capacity)
        var x = [Double](repeating: 0, count: capacity), y = x, mass = x
        let roles: [UInt8] = [1, 2, 3, 4, 5]
        var cursor = nta_row_cursor()
        var stopped: Int32 = 0
        bytes.withUnsafeBufferPointer { b in
            particle.withUnsafeMutableBufferPointer { p in frame.withUnsafeMutableBufferPointer { f in
                x.withUnsafeMutableBufferPointer { xs in y.withUnsafeMutableBufferPointer { ys in
                    mass.withUnsafeMutableBufferPointer { m in
                        cursor = nta_row_cursor(position: start, end: Int64(b.count), rows: 0, kept: 0,
                                                capacity: Int64(capacity), particle: p.baseAddress, frame: f.baseAddress,
                                                x: xs.baseAddress, y: ys.baseAddress, intensity: m.baseAddress, video: nil)
                        stopped = portable ? nta_parse_rows_portable(b.baseAddress!, &cursor, roles, 4, lastField, 0x2C)
                                           : nta_parse_rows(b.baseAddress!, &cursor, roles, 4, lastField, 0x2C)
                    }
                } }
            } }
        }
        let n = Int(cursor.kept)
        return (Array(particle[..<n]), Array(frame[..<n]), x[..<n].map(\.bitPattern), y[..<n].map(\.bitPattern),
                mass[..<n].map(\.bitPattern), cursor.rows, cursor.position, stopped)
    }

    @Test("the machine's build of the fast path (AVX2 with BMI2 where there is one) takes the rows the portable build takes, to the bit, and stops where it stops")
    func bothBuildsTakeTheSameRows() {
        // Rows short and long (past 64 bytes, a note column), blank lines, CRLF, a quote ending the path's run.
        var rng = SeededGenerator(seed: 59)
        var text = "particle,frame,x,y,mass,note\n"
        for row in 0..<3000 {
            let note = rng.nextInt(below: 4) == 0 ? String(repeating: "n", count: 40 + rng.nextInt(below: 60)) : ""
            text += "\(rng.nextInt(below: 1_000_000)),\(rng.nextInt(below: 90_000)),\(Self.decimal(&rng)),\(Self.decimal(&rng)),\(Self.decimal(&rng))"
            text += note.isEmpty ? "" : ",\(note)"
            text += row == 2990 ? ",\"q\"" : ""
            text += rng.nextInt(below: 3) == 0 ? "\r\n" : "\n"
            if rng.nextInt(below: 40) == 0 { text += "\n" }
        }
        let machine = Self.parse(text, portable: false), portable = Self.parse(text, portable: true)
        #expect(portable.rows > 2900, "the portable build took \(portable.rows) rows")
        #expect(machine.particle == portable.particle && machine.frame == portable.frame)
        #expect(machine.x == portable.x && machine.y == portable.y && machine.mass == portable.mass)
        #expect(machine.rows == portable.rows && machine.position == portable.position && machine.stopped == portable.stopped)
    }

    @Test("a short field at the very end of the readable memory is read without a byte past it (a guard page after the text)")
    func shortFieldsAtTheEndOfMemoryStayInside() throws {
        // Two pages, the second unreadable; the text ends where the first does. Its last row starts 64 bytes
        // before the end and its last field, 7, six bytes before it: a word read there would fault.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapping = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, 2 * page) }
        try #require(mprotect(mapping + page, page, PROT_NONE) == 0)
        let row = "1,2,3.5,4.25," + String(repeating: "n", count: 44) + ",7\n"
        let text = Array(("particle,frame,x,y,note,mass\n" + row + "\n\n\n\n").utf8)
        try #require(row.utf8.count + 4 == 64)
        let base = mapping.assumingMemoryBound(to: UInt8.self) + (page - text.count)
        for (k, b) in text.enumerated() { base[k] = b }
        var particle: Int64 = 0, frame: Int32 = 0, x = 0.0, y = 0.0, mass = 0.0
        let roles: [UInt8] = [1, 2, 3, 4, 0, 5]
        for portable in [false, true] {
            var cursor = nta_row_cursor(position: 29, end: Int64(text.count), rows: 0, kept: 0, capacity: 1,
                                        particle: &particle, frame: &frame, x: &x, y: &y, intensity: &mass, video: nil)
            let stopped = portable ? nta_parse_rows_portable(base, &cursor, roles, 5, 5, 0x2C)
                                   : nta_parse_rows(base, &cursor, roles, 5, 5, 0x2C)
            #expect(stopped == 0 && cursor.kept == 1 && cursor.position == Int64(text.count), "portable \(portable)")
            #expect(particle == 1 && frame == 2 && x == 3.5 && y == 4.25 && mass == 7, "portable \(portable)")
        }
    }
}
