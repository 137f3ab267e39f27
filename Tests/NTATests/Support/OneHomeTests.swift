import Foundation
import Testing
import NTA
import NTACore
@testable import NTARead

/// The shared helpers that each idea now has one home in (issue 12), on hand-computed values.
@Suite struct OneHomeTests {
    @Test func cellQuantileCrossing() {
        // Amounts 0, 2, 0, 6, 2 (total 10). 50 %: target 5, reached in cell 3 (2 before it), (5 − 2)/6 = 0.5 in.
        let a: [Double] = [0, 2, 0, 6, 2]
        #expect(Quantile.crossing(a, 0.5) == .within(cell: 3, fractionOfCell: 0.5))
        // 20 %: target 2, reached exactly at the end of cell 1.
        #expect(Quantile.crossing(a, 0.2) == .within(cell: 1, fractionOfCell: 1))
        #expect(Quantile.crossing(a, 1.2) == .beyondLastCell)
        #expect(Quantile.crossing([0, 0], 0.5) == .empty)
        // An explicit total: target 0.5 × 4 = 2 in cell 1.
        #expect(Quantile.crossing(a, 0.5, total: 4) == .within(cell: 1, fractionOfCell: 1))
    }

    @Test func binnedPercentileAndGridQuantile() {
        // 1-nm bins centred 0.5 … 4.5: bin 3 spans 3 … 4, half-way is 3.5; bin 1 ends at 2; past the end: 5.
        let d = BinnedDistribution(values: [0, 2, 0, 6, 2])
        #expect(SizeStatistics.percentile(d, 0.5) == 3.5)
        #expect(SizeStatistics.percentile(d, 0.2) == 2)
        #expect(SizeStatistics.percentile(d, 1.2) == 5)
        #expect(SizeStatistics.percentile(BinnedDistribution(values: [0, 0]), 0.5).isNaN)
        // Nodes 10, 20, 40, 80 nm (ln-spacing ln 2), equal weights: 50 % is the top of cell 1,
        // 20·√2 nm; 37.5 % is half-way through it in ln d, its node 20 nm.
        let grid = DiameterGrid(minNanometers: 10, maxNanometers: 80, count: 4)
        #expect(abs(grid.quantile([1, 1, 1, 1], 0.5) - 20 * 2.0.squareRoot()) < 1e-12)
        #expect(abs(grid.quantile([1, 1, 1, 1], 0.375) - 20) < 1e-12)
    }

    @Test func zetaViewReachesEachRowAtItsListedSize() {
        // Rows 10, 20, 30 nm with 1, 2, 1: half (2) is reached half-way from 10 to 20 nm.
        #expect(ZetaViewSizeMeasurement.percentileAtListedSizes([10, 20, 30], [1, 2, 1], 0.5) == 15)
        // 10 % (0.4) lies in the first row, whose cell runs from 10 − (20 − 10) = 0 to 10 nm.
        #expect(ZetaViewSizeMeasurement.percentileAtListedSizes([10, 20, 30], [1, 2, 1], 0.1) == 4)
        #expect(ZetaViewSizeMeasurement.percentileAtListedSizes([10, 20], [0, 0], 0.5) == nil)
        #expect(ZetaViewSizeMeasurement.percentileAtListedSizes([10, 20], [1], 0.5) == nil)
    }

    @Test func sortedSampleQuantileType7() {
        // h = (n − 1)p: p = 0.5 → h = 1.5, 2 + 0.5·(4 − 2) = 3; p = 0.25 → h = 0.75, 1 + 0.75·1 = 1.75.
        let v: [Double] = [1, 2, 4, 8]
        #expect(Quantile.ofSorted(v, 0.5) == 3)
        #expect(Quantile.ofSorted(v, 0.25) == 1.75)
        #expect(Quantile.ofSorted(v, -1) == 1 && Quantile.ofSorted(v, 2) == 8)
        #expect(Quantile.ofSorted([], 0.5).isNaN && Quantile.ofSorted(v, .nan).isNaN)
    }

    @Test func numberText() {
        #expect(plainNumber(250) == "250" && plainNumber(-3) == "-3" && plainNumber(2.5) == "2.5")
        #expect(plainNumber(0.1) == "0.1" && plainNumber(1e16) == "1e+16" && plainNumber(1e15) == "1000000000000000.0")
        #expect(plainNumber(.nan) == "nan" && plainNumber(.infinity) == "inf" && plainNumber(-.infinity) == "-inf")
        #expect(threeSignificantDigits(0.012345) == "0.0123" && threeSignificantDigits(1234) == "1.23e+03")
        #expect(threeSignificantDigits(.infinity) == "inf")
        #expect(wholeOrThreeSignificantDigits(250) == "250" && wholeOrThreeSignificantDigits(1234) == "1234")
        #expect(wholeOrThreeSignificantDigits(2.5) == "2.5" && wholeOrThreeSignificantDigits(1_234_567) == "1.23e+06")
    }

    struct Figures: Codable {
        @FiniteOrNull var a: Double
        @FiniteOrNull var b: Double
        @FiniteOrNull var c: Double
    }

    struct Optionals: Encodable {
        @Nullable var present: Double? = 1.5
        @Nullable var absent: Double? = nil
    }

    @Test func notANumberIsNull() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(Figures(a: .nan, b: 1.5, c: -.infinity)), as: UTF8.self)
        #expect(json == #"{"a":null,"b":1.5,"c":null}"#)
        let back = try JSONDecoder().decode(Figures.self, from: Data(json.utf8))
        #expect(back.a.isNaN && back.b == 1.5 && back.c.isNaN)
        #expect(String(decoding: try encoder.encode(Optionals()), as: UTF8.self) == #"{"absent":null,"present":1.5}"#)
    }

    @Test func oneSplitterOfDelimitedFields() {
        // A header as the trajectory reader splits it: quotes anywhere removed, `""` inside quotes one quote,
        // a delimiter inside quotes kept, the trailing CR dropped.
        let line = Array("a,\"b,c\",\"say \"\"hi\"\"\",x\"y\"z\r".utf8)
        let header = line.withUnsafeBufferPointer {
            DelimitedText.splitFields($0.baseAddress!, 0, line.count, delimiter: 0x2C)
        }
        #expect(header == ["a", "b,c", "say \"hi\"", "xyz"])
        // The same line as TextRows splits it (same field boundaries; only wholly quoted fields are unquoted).
        let rows = TextRows(bytes: line, fileName: "f")
        #expect(rows.strings(0) == ["a", "b,c", "say \"hi\"", "x\"y\"z"])
        #expect(rows.isBlank(rows.fields(0)[0]) == false)
        #expect(TextRows(bytes: Array(" \"\" ,1".utf8), fileName: "f").isBlankLine(0) == false)
        let blank = TextRows(bytes: Array(" \"\" ,1".utf8), fileName: "f")
        #expect(blank.isBlank(blank.fields(0)[0]) && !blank.isBlank(blank.fields(0)[1]))
        // Lone CRs become LF; CRLF stays.
        #expect(TextRows.normalizingLoneCarriageReturns(Array("a\rb\r\nc\r".utf8)) == Array("a\nb\r\nc\n".utf8))
    }
}
