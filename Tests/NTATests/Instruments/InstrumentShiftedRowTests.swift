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

    @Test("a NanoSight bin table in other units than nm and particles / ml is an error at its header, not numbers 10³ or 10⁶ off")
    func nanoSightUnits() throws {
        for (from, to, column, excel) in [("Bin centre (nm)", "Bin centre (um)", 1, false),
                                          ("Concentration (particles / ml)", "Concentration (E6 particles / ml)", 2, false),
                                          // An Excel re-save writes the first value header with a leading space.
                                          ("Concentration (particles / ml)", "Concentration (E6 particles / ml)", 2, true)] {
            var fixture = NanoSightFixture()
            fixture.excel = excel
            var lines = fixture.lines()
            let k = try #require(lines.firstIndex { $0.hasPrefix("Bin centre (nm)") || $0.hasPrefix("\"Bin centre (nm)") })
            lines[k] = lines[k].replacingOccurrences(of: from, with: to)
            let bytes = Array((lines.joined(separator: fixture.lineEnding) + fixture.lineEnding).utf8)
            let error = try #require(inputError { try NanoSightSummaryReader().read(bytes: bytes, fileName: "s.csv") })
            #expect(error.line == k + 1 && error.column == column && error.message.contains("found \"") && error.message.contains(to),
                    "\(excel): \(error)")
        }
    }

    @Test("a NanoSight dilution factor of 0 is none recorded (as NTA writes it in .nano files); a negative one is an error at its cell")
    func nanoSightDilutionZero() throws {
        var fixture = NanoSightFixture()
        fixture.dilution = "0"
        let summary = try NanoSightSummaryReader().read(bytes: Array(fixture.text().utf8), fileName: "s.csv")
        #expect(summary.videos.allSatisfy { $0.settings.dilution == .factor(0) })
        let applied = try DistributionSummary(summary, fileName: "s.csv")
        #expect(applied.videos.allSatisfy { $0.dilution.appliedFactor == 1 && $0.dilution.appliedBy == DilutionRecord.Applier.none
            && $0.dilution.source.contains("dilution factor 0") }, "\(applied.videos.map(\.dilution))")
        fixture.dilution = "-5"
        let lines = fixture.lines()
        let k = try #require(lines.firstIndex { $0.hasPrefix("Dilution factor") })
        let error = try #require(inputError { try NanoSightSummaryReader().read(bytes: Array(fixture.text().utf8), fileName: "s.csv") })
        #expect(error.line == k + 1 && error.column == 2 && error.message.hasSuffix("found \"-5\""), "\(error)")
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

@Suite("Instrument amounts that cannot be: the line and column where the file has them")
struct InstrumentImpossibleAmountTests {
    @Test("a negative NanoSight bin: its own line and column, as written")
    func nanoSightNegativeBin() throws {
        var lines = NanoSightFixture().lines()
        let k = try #require(lines.firstIndex { $0.hasPrefix("90.5,") })
        var cells = lines[k].components(separatedBy: ",")
        cells[2] = "-" + cells[2]
        lines[k] = cells.joined(separator: ",")
        let bytes = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let error = try #require(inputError { try NanoSightSummaryReader().read(bytes: bytes, fileName: "s.csv") })
        #expect(error.line == k + 1 && error.column == 3, "\(error)")
        #expect(error.message == "expected a non-negative amount for video \"beads_01\" in the bin at 90.5 nm, found \"\(cells[2])\"", "\(error)")
    }

    @Test("a negative ZetaView concentration: its line and column as written (not times the dilution); a dilution that overflows is named")
    func zetaViewNegativeAndOverflow() throws {
        let text = InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts)
        var lines = text.components(separatedBy: "\n")
        let k = try #require(lines.firstIndex { $0.hasPrefix("9.750E+1\t") })
        var cells = lines[k].components(separatedBy: "\t")
        cells[2] = "-4.000E+5"
        lines[k] = cells.joined(separator: "\t")
        let error = try #require(inputError {
            try ZetaViewSizeReader().read(bytes: Array(lines.joined(separator: "\n").utf8), fileName: "z.txt")
        })
        #expect(error.line == k + 1 && error.column == 3, "\(error)")
        #expect(error.message == "expected a non-negative amount in column \"Concentration / cm-3\" at 97.5 nm, found \"-4.000E+5\"", "\(error)")

        let huge = InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts, dilution: 1e308)
            .replacingOccurrences(of: String(format: "%.6f", 1e308), with: "1e308")
        // Beyond --dilution's limits, the reader refuses it where the file has it (before any product can overflow).
        let overflow = try #require(inputError { try ZetaViewSizeReader().read(bytes: Array(huge.utf8), fileName: "z.txt") })
        let dilutionLine = try #require(huge.components(separatedBy: "\n").firstIndex { $0.contains("Dilution::") }) + 1
        #expect(overflow.line == dilutionLine && overflow.column == 7 && overflow.message.hasPrefix("\"Dilution::\" expected a dilution factor of 1 … 10¹⁵"), "\(overflow)")
    }
}
