import Foundation
import Testing
import NTA

/// Rows that would move every statistic without a sign: a bin row with more values than its header (decimal commas in
/// a comma-separated NanoSight summary), a ZetaView size table with a row missing.
@Suite("Instrument tables whose rows shifted or went missing")
struct InstrumentShiftedRowTests {
    @Test("a NanoSight bin row with decimal commas has more values than the header: file:line:column, not shifted numbers")
    func nanoSightDecimalCommaRow() throws {
        var lines = NanoSightFixture().lines()
        let k = try #require(lines.firstIndex { $0.hasPrefix("0.5,") })
        // "0.5,v₀,v₁,v₂,avg,se" with the centre written "0,5": one value more than the 6 columns the header names.
        lines[k] = "0,5," + lines[k].dropFirst(4)
        let bytes = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let error = try #require(inputError { try NanoSightSummaryReader().read(bytes: bytes, fileName: "s.csv") })
        #expect(error.line == k + 1 && error.column == 7, "\(error)")
        #expect(error.description.contains("expected 6 fields as the \"Bin centre\" header has") && error.description.contains("decimal commas"), "\(error)")
        // The fixture as written reads.
        let fine = Array(NanoSightFixture().text().utf8)
        #expect(throws: Never.self) { try NanoSightSummaryReader().read(bytes: fine, fileName: "s.csv") }
    }

    @Test("a ZetaView linear size table with a row missing: the line and the sizes either side, not a silently moved D50")
    func zetaViewMissingRow() throws {
        let text = InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts)
        var lines = text.components(separatedBy: "\n")
        let k = try #require(lines.firstIndex { $0.hasPrefix("9.750E+1\t") })
        lines.remove(at: k)
        let error = try #require(inputError {
            try ZetaViewSizeReader().read(bytes: Array(lines.joined(separator: "\n").utf8), fileName: "z.txt")
        })
        #expect(error.line == k + 1 && error.column == 1, "\(error)")
        #expect(error.description.contains("expected sizes every 5.0 nm, found 102.5 nm after 92.5 nm"), "\(error)")
        // Sizes printed to 4 significant digits step unevenly above 1000 nm (5987.5 → 5.988E+3, 5992.5 → 5.992E+3)
        // and still read.
        let long = InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts, linearRows: 1200)
        let m = try ZetaViewSizeReader().read(bytes: Array(long.utf8), fileName: "z.txt")
        #expect(m.linearRows.count == 1200 && Swift.abs((m.linearRows.last?.sizeNanometers ?? 0) - 5997.5) <= 1)
    }
}
