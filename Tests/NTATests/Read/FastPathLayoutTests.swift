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
}
