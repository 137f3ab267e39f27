import Foundation
import Testing
import NTA

/// The instruments' own figures reproduced from excerpts of real exports kept in the repository
/// (``NanoSight34Excerpt``, ``ZetaView806Excerpt``): these tests need no ../shared folder.
@Suite struct InstrumentExcerptTests {
    /// NanoSight prints statistics to 0.1 nm: a reproduction rounds to the printed value, so it is within 0.05 nm.
    static let printedHalfUnitNm = 0.05 + 1e-9

    /// The excerpt's 1000 bins of 1 nm (0.5 … 999.5 nm).
    static func nanoSightBins() -> [Double] {
        var values = [Double](repeating: 0, count: 1000)
        for (c, v) in NanoSight34Excerpt.nonzeroBins { values[Int(c - 0.5)] = v }
        return values
    }

    @Test("NanoSight 3.4: mean, mode, SD, D10, D50, D90 and concentration of a real video reproduced from its bins")
    func nanoSightExcerpt() {
        let bins = BinnedDistribution(firstCentreNanometers: 0.5, binWidthNanometers: 1, values: Self.nanoSightBins())
        let s = SizeStatistics(bins)
        let e = NanoSight34Excerpt.self
        for (computed, printed, what) in [(s.meanNm, e.printedMeanNm, "mean"), (s.modeNm, e.printedModeNm, "mode"),
                                          (s.sdNm, e.printedSDNm, "SD"), (s.d10Nm, e.printedD10Nm, "D10"),
                                          (s.d50Nm, e.printedD50Nm, "D50"), (s.d90Nm, e.printedD90Nm, "D90")] {
            #expect(abs(computed - printed) <= Self.printedHalfUnitNm, "\(what): computed \(computed), printed \(printed)")
        }
        // Printed to 3 significant figures: 6.24e12 ± 0.005e12.
        #expect(abs(bins.total - e.printedConcentrationPerMl) <= 0.005e12)
    }

    @Test("NanoSight 3.2: the printed statistics and percentiles of a real video, with 3.2's 1-nm percentile offset")
    func nanoSight32Excerpt() {
        var values = [Double](repeating: 0, count: 1000)
        for (c, v) in NanoSight32Excerpt.nonzeroBins { values[Int(c - 0.5)] = v }
        let bins = BinnedDistribution(firstCentreNanometers: 0.5, binWidthNanometers: 1, values: values)
        let s = SizeStatistics(bins)
        let e = NanoSight32Excerpt.self
        // NTA 3.2 prints percentiles (so D10/D50/D90) exactly 1 nm below the bin interpolation (FORMATS.md).
        let offset = 1.0
        for (computed, printed, what) in [(s.meanNm, e.printedMeanNm, "mean"), (s.modeNm, e.printedModeNm, "mode"),
                                          (s.sdNm, e.printedSDNm, "SD"), (s.d10Nm - offset, e.printedD10Nm, "D10"),
                                          (s.d50Nm - offset, e.printedD50Nm, "D50"), (s.d90Nm - offset, e.printedD90Nm, "D90")] {
            #expect(abs(computed - printed) <= Self.printedHalfUnitNm, "\(what): computed \(computed), printed \(printed)")
        }
        let tabulated = NanoSightFigures.percentiles(bins, offsetNanometers: NanoSightFigures.percentileOffset(version: (3, 2)))
        for (p, printed) in e.printedPercentilesNm {
            #expect(abs(tabulated[p] - printed) <= Self.printedHalfUnitNm, "P\(p): \(tabulated[p]) vs \(printed)")
        }
        #expect(abs(bins.total - e.printedConcentrationPerMl) <= 0.005e9)
    }

    /// The excerpt's video as a European-locale Excel re-save: `;`-delimited, decimal commas, cp1252, CRLF.
    static func europeanSummary(badBin: String? = nil, delimiter: String = ";", decimal: String = ",") -> [UInt8] {
        let e = NanoSight34Excerpt.self
        func num(_ x: String) -> String { x.replacingOccurrences(of: ".", with: decimal) }
        var lines = [
            "NTA Experiment Summary File", "Created with NTA 3.4 Build 3.4.003", "",
            "[Experiment Details]", "Software Version;NTA 3.4 Build 3.4.003", "Sample Description;Probe µ 1:10 ²",
            "Filename:;\(e.video)", "", "[Conditions]", "Temperature/C;\(num("22.000"))", "Viscosity/cP;\(num("0.95"))", "",
            "[Results]", "Dilution factor (concentrations adjusted for this factor);\(num("1.00E+04"))",
            "Concentration (Particles / ml);\(num("6.24E+12"))", "", "[Size Data]", "Analysis Method;FTLA",
            "Weighting;Number", "Filename;\(e.video)", "Mean;\(num("101.2"))", "Mode;\(num("97.9"))", "SD;\(num("10.5"))",
            "D10;\(num("90.1"))", "D50;\(num("99.6"))", "D90;\(num("113.6"))", "", "Graph Data",
            "Bin centre (nm);Concentration (particles / ml)",
        ]
        let bins = nanoSightBins()
        for i in 0..<1000 {
            let centre = num(String(Double(i) + 0.5))
            lines.append(i == 400 && badBin != nil ? "\(centre);\(badBin!)" : "\(centre);\(String(Int64(bins[i])))")
        }
        lines.append("")
        let text = lines.map { $0.replacingOccurrences(of: ";", with: delimiter) }.joined(separator: "\r\n") + "\r\n"
        return Array(text.data(using: .windowsCP1252) ?? Data())
    }

    @Test("a ';'-delimited NanoSight summary with decimal commas (cp1252) reads the same figures")
    func europeanNanoSightSummary() throws {
        let bytes = Self.europeanSummary()
        #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "eu.csv") == .nanoSightExperimentSummary)
        let summary = try NanoSightSummaryReader().read(bytes: bytes, fileName: "eu.csv")
        #expect(summary.videos.count == 1)
        #expect(summary.videos[0].settings.temperatureCelsius == 22)
        #expect(summary.videos[0].settings.viscosityMillipascalSeconds == 0.95)
        #expect(summary.videos[0].results.printedConcentrationPerMl == 6.24e12)
        #expect(summary.videos[0].settings.dilution == .factor(1e4))
        let block = try #require(summary.block(.size, .number))
        #expect(block.statistic("D50")?.number(0) == 99.6)
        #expect(block.binCentres.first == 0.5 && block.binCentres.last == 999.5)
        let bins = try #require(summary.numberSizeDistribution(video: 0))
        let s = SizeStatistics(bins)
        #expect(abs(s.d50Nm - NanoSight34Excerpt.printedD50Nm) <= Self.printedHalfUnitNm)
        #expect(abs(s.meanNm - NanoSight34Excerpt.printedMeanNm) <= Self.printedHalfUnitNm)
        #expect(abs(bins.total - 6.24e12) <= 0.005e12)
    }

    @Test("a point in a decimal-comma file, or a decimal comma in a comma-delimited file, is a clear error")
    func ambiguousDecimalMarks() {
        // Line 430 holds bin 400 (29 lines before the bins).
        do {
            _ = try NanoSightSummaryReader().read(bytes: Self.europeanSummary(badBin: "1.234"), fileName: "eu.csv")
            Issue.record("a point in a decimal-comma file was read")
        } catch let error as InputError {
            #expect(error.line == 430 && error.column == 2)
            #expect(error.description.contains("ambiguous"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try NanoSightSummaryReader().read(bytes: Self.europeanSummary(badBin: "\"12,5\"", delimiter: ",", decimal: "."),
                                                  fileName: "us.csv")
            Issue.record("a decimal comma in a comma-delimited file was read")
        } catch let error as InputError {
            #expect(error.line == 430)
            #expect(error.description.contains("decimal comma is accepted only"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// ZetaView's number format: `2.500E+0`, `-1.000E+0` (unpadded exponent).
    static func zetaNumber(_ x: Double) -> String {
        guard x != 0 else { return "0.000E+0" }
        let exponent = Int(floor(log10(abs(x))))
        let mantissa = x / pow(10, Double(exponent))
        return String(format: "%.3f", mantissa) + "E" + (exponent < 0 ? "-" : "+") + String(abs(exponent))
    }

    /// A ZetaView size file holding the excerpt's linear table. `german` writes it as ZetaView 8.05.16 on a
    /// German-locale PC does (decimal commas everywhere, CRLF, Latin-1) with 8.05.14's header variants
    /// (`ZetaVIEW S/N:`, no `Cell S/N` or `Sensitivity`, three pairs on one line).
    static func zetaViewFile(german: Bool, lineEnding: String = "\n") -> [UInt8] {
        func n(_ s: String) -> String { german ? s.replacingOccurrences(of: ".", with: ",") : s }
        var byIndex: [Int: (String, String, String)] = [:]
        for r in ZetaView806Excerpt.nonzeroRows {
            guard let size = Double(r.size) else { continue }
            byIndex[Int(((size - 2.5) / 5).rounded())] = r
        }
        var lines = [
            "Original File:\tZ:\\20240101_0001_EV_size_488.avi\tSection:\t\(n("0.09999")) [0]",
            "Operator:\tAdmin",
            german ? "ZetaVIEW S/N:\t22-1001" : "ZetaView S/N:\t24-1152",
            "Software:\tZetaView (version \(german ? "8.05.16 SP3" : "8.06.01 SP1"))",
            "Conductivity: \(n("60.000000"))\tsensed",
            "Temperature:\t\(n(german ? "23.270000" : "24.930000"))\tsensed",
            "Viscosity:\t\(n(german ? "0.930000" : "0.901280"))",
            "Type of Measurement:\tSize Distribution",
            "Number of Traces:\t343\t(at \(n("0.099990")))\tAverage Number of Particles:\t\(n("203.181818"))\tDilution::\t\(n(german ? "5000.0" : "1000.000000"))",
            "Camera:\tFpSec 30 #Cycles 1 FRate \(n("30.000000"))",
            "Micrometer per Pixel:\t\(n(german ? "0.703000" : "0.713000"))",
            "Median Number (D50):\t\(n("163.000000"))",
            "Remarks:\tProbe µ",
            "Size Distribution",
            "Size / nm\tNumber\tConcentration / cm-3\tVolume / nm^3\tArea / nm^2",
        ]
        if !german { lines.insert("Cell S/N:\t018-020-21-394-F24-1", at: 3); lines.insert("Sensitivity:\t\(n("80.000000"))", at: 10) }
        for k in 0..<1200 {
            if let r = byIndex[k] {
                lines.append("\(n(r.0))\t\(n(r.1))\t\(n(r.2))\t\(n("1.000E+3"))\t\(n("1.000E+2"))")
            } else {
                lines.append("\(n(zetaNumber(2.5 + 5 * Double(k))))\t\(n("0.000E+0"))\t\(n("0.000E+0"))\t\(n("0.000E+0"))\t\(n("0.000E+0"))")
            }
        }
        lines.append("\(n("-1.000E+0"))\t\(n("-1.000E+0"))\t\(n("-1.000E+0"))\t\(n("-1.000E+0"))\t\(n("0.000E+0"))")
        for k in 0..<200 {
            lines.append("\(n(zetaNumber(3 * pow(1.03, Double(k)))))\t\(n("0.000E+0"))\t\(n("0.000E+0"))\t\(n("0.000E+0"))\t\(n("0.000E+0"))")
        }
        let text = lines.joined(separator: lineEnding) + lineEnding
        return Array(text.data(using: .isoLatin1) ?? Data())
    }

    @Test("ZetaView 8.06: the printed Median Number (D50) and concentration reproduced from the excerpt's table")
    func zetaViewExcerpt() throws {
        let m = try ZetaViewSizeReader().read(bytes: Self.zetaViewFile(german: false), fileName: "zv806.txt")
        #expect(m.linearRows.count == 1200 && m.logRows.count == 200)
        // Printed as 163.000000: reproduced to that precision.
        #expect(abs(try #require(m.medianNumberNanometers) - ZetaView806Excerpt.printedMedianNumberNm) <= 5e-7)
        // The 11pos table prints the measured concentration as 8.7E+7 (± 0.05E+7).
        #expect(abs(m.measuredConcentrationPerMl - ZetaView806Excerpt.printedMeasuredConcentrationPerMl) <= 0.05e7)
        #expect(abs(m.concentrationPerMl - 1000 * m.measuredConcentrationPerMl) <= 1e-6 * m.concentrationPerMl)
        #expect(m.temperatureCelsius == ZetaView806Excerpt.printedTemperatureCelsius)
    }

    @Test("ZetaView 8.05 on a German-locale PC: decimal commas everywhere, header variants; same figures",
          arguments: ["\r\n", "\n", "\r"])
    func zetaView805(lineEnding: String) throws {
        let bytes = Self.zetaViewFile(german: true, lineEnding: lineEnding)
        #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "zv805.txt") == .zetaViewSize)
        let m = try ZetaViewSizeReader().read(bytes: bytes, fileName: "zv805.txt")
        #expect(m.encoding == .windows1252)
        #expect(m.linearRows.count == 1200 && m.logRows.count == 200)
        #expect(m.temperatureCelsius == 23.27)
        #expect(m.viscosityMillipascalSeconds == 0.93)
        #expect(m.dilutionFactor == 5000)
        #expect(m.frameRateHz == 30)
        #expect(abs(try #require(m.nanometersPerPixel) - 703) < 1e-9)
        #expect(m.entry("Conductivity")?.number == 60)
        #expect(m.printedMedianNumberNanometers == 163)
        #expect(abs(try #require(m.medianNumberNanometers) - 163) <= 5e-7)
        #expect(abs(m.measuredConcentrationPerMl - 8.7e7) <= 0.05e7)
        #expect(abs(m.concentrationPerMl - 5000 * 8.7e7) <= 5000 * 0.05e7)
        #expect(m.dilution.appliedFactor == 5000 && m.dilution.source.contains("line 9"))
        // Through the pipeline: the median as printed, the concentration × Dilution:: once, the temperature.
        let url = try InstrumentFiles.fixture("zv805-\(lineEnding.utf8.count)\(lineEnding.first == "\r" ? "cr" : "lf").txt", bytes)
        let sample = try SampleResult([Analysis.load(file: url.path, options: AnalysisOptions())], options: AnalysisOptions())
        #expect(abs(sample.size.d50Nm - 163) <= 5e-7)
        #expect(abs(try #require(sample.concentrationPerMl) / (5000 * 8.7e7) - 1) <= 0.01)
        #expect(sample.videos[0].settings["temperatureCelsius"]?.value == .number(23.27))
    }

    @Test("an unreadable Dilution:: (e.g. a thousands separator) is an error naming its line, never a silent ×1")
    func zetaViewUnreadableDilution() {
        let text = String(decoding: Self.zetaViewFile(german: true), as: UTF8.self)
            .replacingOccurrences(of: "Dilution::\t5000,0", with: "Dilution::\t5.000,0")
        do {
            _ = try ZetaViewSizeReader().read(bytes: Array(text.utf8), fileName: "zv.txt")
            Issue.record("read")
        } catch {
            #expect(error.line == 9 && error.message.contains("5.000,0"), "\(error)")
        }
    }

    @Test("Dilution:: written with the other decimal mark than the header's (1,000 among 24.930000) is an error naming its line, never ×1")
    func zetaViewDilutionWithTheOtherMark() {
        // A point-decimal file: "1,000" may be a thousand (a thousands separator) or one (a decimal comma).
        let points = String(decoding: Self.zetaViewFile(german: false), as: UTF8.self)
            .replacingOccurrences(of: "Dilution::\t1000.000000", with: "Dilution::\t1,000")
        // A comma-decimal (German) file: "5.000" likewise.
        let commas = String(decoding: Self.zetaViewFile(german: true), as: UTF8.self)
            .replacingOccurrences(of: "Dilution::\t5000,0", with: "Dilution::\t5.000")
        // The point file has its Dilution:: on line 10 (a Cell S/N line more), the German one on line 9.
        for (text, found, line) in [(points, "1,000", 10), (commas, "5.000", 9)] {
            #expect(text.contains("Dilution::\t\(found)"))
            do {
                _ = try ZetaViewSizeReader().read(bytes: Array(text.utf8), fileName: "zv.txt")
                Issue.record("read \(found)")
            } catch {
                #expect(error.line == line && (error.column ?? 0) > 1 && error.message.contains("\"\(found)\"") && error.message.contains("thousands separator"),
                        "\(error)")
            }
        }
        // Written with the header's own mark, each reads as before.
        for german in [false, true] {
            #expect(throws: Never.self) { _ = try ZetaViewSizeReader().read(bytes: Self.zetaViewFile(german: german), fileName: "zv.txt") }
        }
    }

    @Test("a ZetaView table whose concentrations are not per cm³ (Concentration / L) or name no unit is an error at its column, not read 1000× off",
          arguments: ["Concentration / L", "Concentration"])
    func zetaViewConcentrationUnit(header: String) {
        let text = String(decoding: Self.zetaViewFile(german: false), as: UTF8.self)
            .replacingOccurrences(of: "\tConcentration / cm-3\t", with: "\t\(header)\t")
        do {
            _ = try ZetaViewSizeReader().read(bytes: Array(text.utf8), fileName: "zv.txt")
            Issue.record("read \(header) as per cm³")
        } catch {
            // The table header is line 17 of the point file (15 header lines and "Size Distribution" before it).
            #expect(error.line == 17 && error.column == 3 && error.message.contains("found \"\(header)\""), "\(error)")
        }
    }

    @Test("a ZetaView size table whose sizes do not increase names the line")
    func zetaViewSizesMustIncrease() {
        var text = String(decoding: Self.zetaViewFile(german: false), as: UTF8.self)
        // Table rows start on line 18 (17 header lines, 1-based); swap the first two sizes' order.
        text = text.replacingOccurrences(of: "\n7.500E+0\t", with: "\n1.000E+0\t")
        do {
            _ = try ZetaViewSizeReader().read(bytes: Array(text.utf8), fileName: "zv.txt")
            Issue.record("decreasing sizes were read")
        } catch let error as InputError {
            #expect(error.line == 19 && error.column == 1, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
