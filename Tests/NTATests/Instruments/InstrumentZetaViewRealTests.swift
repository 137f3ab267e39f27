import Foundation
import Testing
import NTA

/// The real ZetaView 8.06 exports in ../shared/formats.
@Suite struct InstrumentZetaViewRealTests {
    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.zetaViewSize), "needs ../shared/formats/zetaview-8.06-ev-size_488.txt (the in-repo excerpt test covers its figures)"))
    func sizeFileReproducesMedianAndConcentration() throws {
        let name = InstrumentFiles.zetaViewSize
        let m = try ZetaViewSizeReader().read(contentsOf: InstrumentFiles.real(name), displayName: name)
        #expect(m.encoding == .windows1252)
        #expect(m.linearRows.count == 1200)
        #expect(m.linearRows.first?.sizeNanometers == 2.5 && m.linearRows.last?.sizeNanometers == 5998)  // printed 5.998E+3
        #expect(m.logRows.count == 200)
        #expect(m.temperatureCelsius == 24.93)
        #expect(m.viscosityMillipascalSeconds == 0.90128)
        #expect(m.dilutionFactor == 1000)
        #expect(m.numberOfTraces == 343)
        #expect(m.averageNumberOfParticles == 203.181818)
        #expect(m.frameRateHz == 30)
        #expect(abs(m.nanometersPerPixel! - 713) < 1e-9)
        #expect(m.entry("Conductivity")?.number == 60)
        // ZetaView prints the median as 163.000000: reproduced to its precision.
        let printed = try #require(m.printedMedianNumberNanometers)
        let median = try #require(m.medianNumberNanometers)
        #expect(abs(median - printed) < 5e-7, "median \(median) vs printed \(printed)")
        // The same median from the uniform concentration bins (bin k ends at its listed size); the
        // concentration column is printed to 4 significant figures, so agreement is to ~0.01 nm, not exact.
        let bins = try #require(m.numberDistribution)
        #expect(abs(SizeStatistics.percentile(bins, 0.5) - printed) < 0.05)
        // Measured concentration = the 11pos Mean "Conc. (p./mL)" (2 significant figures printed);
        // original = × Dilution:: = the 11pos "Orig. Conc.".
        #expect(PrintedPrecision.significant(m.measuredConcentrationPerMl, 2) == 8.7e7)
        #expect(PrintedPrecision.significant(m.concentrationPerMl, 2) == 8.7e10)
        #expect(m.dilution.appliedFactor == 1000 && m.dilution.appliedBy == .ntaSize)
        #expect(m.dilution.source.contains("line 32"))
        #expect(abs(bins.total - m.concentrationPerMl) <= 1e-9 * m.concentrationPerMl)
    }

    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.zetaViewPositions), "needs ../shared/formats/zetaview-8.06-ev-size_488_11pos.txt"))
    func positionTable() throws {
        let name = InstrumentFiles.zetaViewPositions
        let t = try ZetaViewSizeReader().readPositions(contentsOf: InstrumentFiles.real(name), displayName: name)
        #expect(t.positions.count == 11)
        #expect(t.positions.allSatisfy { $0.used })
        #expect(t.positions[0].values["Conc. (p./mL)"] == 1.5e8)
        #expect(t.positions[0].x50Nanometers == 67.5)
        let mean = try #require(t.summaries["Mean"])
        #expect(mean.values["Orig. Conc. (p./cm^3)"] == 8.7e10)
        #expect(t.summaries["St.Dev."] != nil && t.summaries["Rel.St.Dev."] != nil)
        // The Mean row is the mean of the positions' concentrations (printed to 2 significant figures).
        let concs = t.positions.map { $0.values["Conc. (p./mL)"]! }
        #expect(PrintedPrecision.significant(concs.reduce(0, +) / Double(concs.count), 2) == mean.values["Conc. (p./mL)"])
    }

    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.zetaViewSize) && InstrumentFiles.has(InstrumentFiles.zetaViewPositions), "needs the ZetaView 8.06 size and _11pos files in ../shared/formats"))
    func sizeFileAgreesWithItsPositionTable() throws {
        let m = try ZetaViewSizeReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.zetaViewSize))
        let t = try ZetaViewSizeReader().readPositions(contentsOf: InstrumentFiles.real(InstrumentFiles.zetaViewPositions))
        let meanConc = try #require(t.summaries["Mean"]?.values["Conc. (p./mL)"])
        let origConc = try #require(t.summaries["Mean"]?.values["Orig. Conc. (p./cm^3)"])
        #expect(abs(m.measuredConcentrationPerMl - meanConc) <= 0.05 * meanConc / 8.7 * 1.0001)
        #expect(abs(m.concentrationPerMl - origConc) <= 0.05 * origConc / 8.7 * 1.0001)
    }
}
