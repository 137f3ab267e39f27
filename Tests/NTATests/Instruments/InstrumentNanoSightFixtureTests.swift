import Foundation
import Testing
import NTA
@testable import NTARead

/// Synthetic NanoSight summaries for each documented layout and pitfall.
@Suite struct InstrumentNanoSightFixtureTests {
    func read(_ fixture: NanoSightFixture, bytes: [UInt8]? = nil, name: String = "fixture-ExperimentSummary.csv") throws(InputError) -> NanoSightExperimentSummary {
        try NanoSightSummaryReader().read(bytes: bytes ?? Array(fixture.text().utf8), fileName: name)
    }

    /// Every value lands in its video, scoped by section; bins match the generator exactly.
    func checkPlacement(_ f: NanoSightFixture, _ s: NanoSightExperimentSummary) throws {
        #expect(s.videos.map(\.name) == f.videos)
        #expect(s.manifest == f.videos)
        for v in f.videos.indices {
            #expect(s.videos[v].settings.temperatureCelsius == 22 + Double(v))
            #expect(s.videos[v].settings.frameRateHz == 24.9825)
            #expect(s.videos[v].settings.cameraLevel == 11)
            #expect(s.videos[v].settings.detectionThreshold == 5)
            #expect(s.videos[v].settings.minTrackLength == nil)  // "Auto"
            #expect(s.videos[v].results.particlesPerFrame == 100 + Double(v))
            #expect(s.videos[v].results.completedTracks == 4000 + v)
            let d = try #require(s.numberSizeDistribution(video: v))
            #expect(d.values == f.bins(v))
            #expect(d.firstCentreNanometers == 0.5 && d.binWidthNanometers == 1)
            // The fixture prints closed-form Gaussian figures (not this library's): the bins reproduce them to 0.1 nm.
            let figures = try #require(s.figures(video: v))
            let block = try #require(s.block(.size, .number))
            for (key, computed) in [("Mean", figures.statistics.meanNm), ("Mode", figures.statistics.modeNm),
                                    ("SD", figures.statistics.sdNm), ("D10", figures.statistics.d10Nm),
                                    ("D50", figures.statistics.d50Nm), ("D90", figures.statistics.d90Nm)] {
                let printed = try #require(block.statistic(key)?.number(v))
                #expect(abs(computed - printed) <= 0.05 + 1e-9, "\(key) of video \(v): \(computed) vs printed \(printed)")
            }
            for p in [1, 10, 25, 50, 75, 90, 99] {
                #expect(abs(figures.percentilesNanometers[p] - block.percentiles[v][p]) <= 0.05 + 1e-9, "P\(p) of video \(v)")
            }
        }
        #expect(s.videos[1].warnings == [NanoSightFlag(section: "Concentration Warnings", key: "Particles per frame", value: "Too few")])
        #expect(s.videos[0].warnings.isEmpty)
        #expect(s.remarks == "made, with commas")
    }

    @Test func nta34LayoutWithTrailingCommasAndCRLF() throws {
        let f = NanoSightFixture()
        let s = try read(f)
        try checkPlacement(f, s)
        #expect(s.videos.allSatisfy { $0.settings.dilution == .factor(1000) })
        let results = try #require(s.section("Results"))
        #expect(results.row("Particles per frame")?.average == "101.0")
        #expect(s.block(.size, .number)?.binAverage != nil)
    }

    @Test func excelResavedRectangularQuotedLF() throws {
        var f = NanoSightFixture()
        f.excel = true
        f.lineEnding = "\n"
        let s = try read(f)
        try checkPlacement(f, s)
        // Integer concentrations as Excel writes them.
        #expect(s.videos[0].results.printedConcentrationPerMl == PrintedPrecision.significant(f.bins(0).reduce(0, +), 3))
        #expect(s.block(.size, .number)?.valueHeader == "Concentration (particles / ml)")  // leading space trimmed
    }

    @Test func autosamplerWithoutAverageColumns() throws {
        var f = NanoSightFixture()
        f.autosampler = true
        f.videos = ["as_A1_00", "as_A1_01"]
        let s = try read(f)
        try checkPlacement(f, s)
        let block = try #require(s.block(.size, .number))
        #expect(block.binAverage == nil && block.binStandardError == nil)
        #expect(block.statistic("Mean")?.average == nil)
        #expect(s.section("Results")?.row("Concentration (Particles / ml)")?.average == nil)
    }

    @Test func notRecordedDilutionIsNotApplied() throws {
        var f = NanoSightFixture()
        f.dilution = "Not recorded"
        f.diluent = "10x diluido"
        let s = try read(f)
        #expect(s.videos.allSatisfy { $0.settings.dilution == .notRecorded })
        let summary = try DistributionSummary(s, fileName: "x")
        #expect(summary.videos.allSatisfy { $0.dilution.appliedFactor == 1 && $0.dilution.appliedBy == DilutionRecord.Applier.none })
        #expect(summary.videos[0].dilution.source.contains("Not recorded"))
        #expect(summary.warnings.contains { $0.contains("10x diluido") })
        #expect(summary.videos[0].concentrationPerMl == f.bins(0).reduce(0, +))
    }

    @Test("a number written with a comma in a key row (1,000; 22,000) shifts the videos' values: an error at its line, never read one video over")
    func commaSplitKeyRowIsAnError() throws {
        for autosampler in [false, true] {
            var f = NanoSightFixture()
            f.autosampler = autosampler
            let text = f.text()
            let lines = f.lines()
            for (needle, written) in [("(concentrations adjusted for this factor),1.00e+03", "(concentrations adjusted for this factor),1,000"),
                                      ("Temperature/C,22.000", "Temperature/C,22,000")] {
                let line = try #require(lines.firstIndex { $0.contains(needle) }) + 1
                let bytes = Array(text.replacingOccurrences(of: needle, with: written).utf8)
                do {
                    _ = try read(f, bytes: bytes)
                    Issue.record("read \(written) (autosampler \(autosampler))")
                } catch {
                    #expect(error.line == line && error.message.contains("one per video") && error.message.contains("shifts"), "\(error)")
                }
            }
        }
    }

    @Test func repeatedVideoNamesAreWarnedOf() throws {
        var f = NanoSightFixture()
        #expect(try DistributionSummary(try read(f), fileName: "x").warnings.allSatisfy { !$0.contains("more than one video is named") })
        f.videos = ["beads_00", "beads_01", "beads_00"]
        let summary = try DistributionSummary(try read(f), fileName: "x")
        #expect(summary.warnings.contains { $0.hasPrefix("more than one video is named \"beads_00\"") }, "\(summary.warnings)")
    }

    @Test func recordedDilutionIsNeverReapplied() throws {
        let f = NanoSightFixture()
        let summary = try DistributionSummary(try read(f), fileName: "x")
        #expect(summary.videos[0].dilution.appliedBy == .instrument)
        #expect(summary.videos[0].dilution.recordedFactor == 1000)
        #expect(summary.videos[0].concentrationPerMl == f.bins(0).reduce(0, +))  // bins as printed, not ×1000
        let concs = f.videos.indices.map { f.bins($0).reduce(0, +) }
        let expected = NanoSightFixture.averageAndStandardError(concs)
        #expect(abs(summary.concentrationPerMl - expected.average) <= 1e-9 * expected.average)
        #expect(abs(summary.concentrationStandardErrorPerMl! - expected.standardError) <= 1e-9 * expected.standardError)
        #expect(summary.pooled.values[95] == (0..<3).map { f.bins($0)[95] }.reduce(0, +) / 3)
        #expect(summary.warnings.isEmpty)
    }

    @Test func replicateFilesPoolAcrossFiles() throws {
        var a = NanoSightFixture(), b = NanoSightFixture()
        b.videos = ["rep2_00", "rep2_01"]
        a.diluent = "1:100"
        let sa = try DistributionSummary(try read(a), fileName: "a.csv")
        let sb = try DistributionSummary(try read(b), fileName: "b.csv")
        let r = try DistributionSummary.replicates([sa, sb], fileNames: ["a.csv", "b.csv"])
        #expect(r.videos.count == 5)
        let expected = NanoSightFixture.averageAndStandardError([sa.concentrationPerMl, sb.concentrationPerMl])
        #expect(abs(r.concentrationPerMl - expected.average) <= 1e-12 * expected.average)
        #expect(abs(r.concentrationStandardErrorPerMl! - expected.standardError) <= 1e-12 * expected.standardError)
        #expect(r.pooled.values[100] == (sa.pooled.values[100] + sb.pooled.values[100]) / 2)
        #expect(r.warnings.count == 1 && r.warnings[0].hasPrefix("a.csv: Diluent reads \"1:100\""))
        // Different bins cannot be pooled.
        let m = try ZetaViewSizeReader().read(bytes: Array(InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts).utf8), fileName: "z")
        let z = try DistributionSummary(m, fileName: "z.txt")
        #expect(throws: InputError.self) { _ = try DistributionSummary.replicates([sa, z], fileNames: ["a.csv", "z.txt"]) }
    }

    @Test func allWeightingsAndDiffusionBlocksInCP1252() throws {
        var f = NanoSightFixture()
        f.allBlocks = true
        let bytes = f.windows1252()
        #expect(bytes.contains(0xB2) && bytes.contains(0xB3))
        let s = try read(f, bytes: bytes)
        #expect(s.encoding == .windows1252)
        #expect(s.blocks.count == 4)
        let surface = try #require(s.block(.size, .surfaceArea))
        #expect(surface.valueHeader == "Surface area conc. (nm² / ml)")
        #expect(surface.binValues[1] == f.bins(1).map { $0 * 2 })
        #expect(s.block(.size, .volume)?.valueHeader == "Volume conc. (nm³ / ml)")
        let diffusion = try #require(s.block(.diffusionCoefficient, .number))
        #expect(diffusion.binHeader == "Bin centre (E4 nm²/s)")
        #expect(diffusion.percentiles.count == 3)
    }

    @Test func utf8WithBOMAndUTF16() throws {
        let f = NanoSightFixture()
        let utf8 = Array(f.text().utf8)
        let s1 = try read(f, bytes: [0xEF, 0xBB, 0xBF] + utf8)
        try checkPlacement(f, s1)
        var le: [UInt8] = [0xFF, 0xFE]
        for u in f.text().utf16 { le.append(UInt8(u & 0xFF)); le.append(UInt8(u >> 8)) }
        let s2 = try read(f, bytes: le)
        #expect(s2.encoding == .utf16LittleEndian)
        try checkPlacement(f, s2)
    }

    @Test func truncatedInsideTheBinTable() throws {
        let f = NanoSightFixture()
        let lines = f.lines()
        let cut = try #require(lines.firstIndex { $0.hasPrefix("512.5,") })
        // The file stops in the middle of line `cut + 1`.
        let text = lines[0..<cut].joined(separator: "\r\n") + "\r\n" + lines[cut].prefix(7)  // "512.5,0"
        // Column 3: where the first missing field would start (the row holds 2).
        #expect(throws: InputError(file: "t.csv", line: cut + 1, column: 3, message: "expected 6 fields (bin centre, 3 videos, average, standard error), found 2 (truncated file?)")) {
            _ = try read(f, bytes: Array(text.utf8), name: "t.csv")
        }
        // Cut exactly at a line end: the table stops short of 999.5 nm.
        let text2 = lines[0..<cut].joined(separator: "\r\n") + "\r\n"
        do {
            _ = try read(f, bytes: Array(text2.utf8), name: "t.csv")
            Issue.record("a truncated table was accepted")
        } catch {
            #expect(error.line == cut)
            #expect(error.message.contains("truncated"))
        }
    }

    @Test("a section starting right after \"Graph Data\" is named as such, not as the file's end")
    func sectionAfterGraphData() throws {
        let f = NanoSightFixture()
        var lines = f.lines()
        let graph = try #require(lines.firstIndex { $0.hasPrefix("Graph Data") })
        lines.insert("[Size Data]", at: graph + 1)
        do {
            _ = try read(f, bytes: Array(lines.joined(separator: "\n").utf8), name: "s.csv")
            Issue.record("a block without its bin table was accepted")
        } catch {
            #expect(error.line == graph + 2 && error.column == 1, "\(error)")
            #expect(error.message.contains("found \"[Size Data]\", which starts another section"), "\(error)")
            #expect(!error.message.contains("the file ends"), "\(error)")
        }
    }

    @Test("a section pasted into the bin table is refused, not read as the table's end (its bins were read as none)")
    func sectionInsideTheBinTable() throws {
        let f = NanoSightFixture()
        var lines = f.lines()
        let k = try #require(lines.firstIndex { $0.hasPrefix("60.5,") })
        lines.insert("[Size Data]", at: k + 1)
        do {
            _ = try read(f, bytes: Array(lines.joined(separator: "\n").utf8), name: "m.csv")
            Issue.record("a bin table cut at 60.5 nm was accepted")
        } catch {
            #expect(error.line == k + 2 && error.column == 1, "\(error)")
            #expect(error.message.hasPrefix("expected bins up to 999.5 nm, found \"[Size Data]\" after the bin at 60.5 nm"), "\(error)")
        }
    }

    @Test func truncatedInsideThePercentileTable() throws {
        let f = NanoSightFixture()
        let lines = f.lines()
        let header = try #require(lines.firstIndex { $0.hasPrefix("Percentile,") })
        let text = lines[0...(header + 40)].joined(separator: "\n") + "\n"
        do {
            _ = try read(f, bytes: Array(text.utf8), name: "p.csv")
            Issue.record("a truncated percentile table was accepted")
        } catch {
            #expect(error.file == "p.csv")
            #expect(error.message.contains("40 rows; expected 101"))
        }
    }

    @Test func badNumberNamesLineAndColumn() throws {
        let f = NanoSightFixture()
        var lines = f.lines()
        let k = try #require(lines.firstIndex { $0.hasPrefix("100.5,") })
        lines[k] = lines[k].replacingOccurrences(of: "100.5,", with: "100.5,12x4")
        let text = lines.joined(separator: "\n")
        do {
            _ = try read(f, bytes: Array(text.utf8), name: "b.csv")
            Issue.record("accepted")
        } catch {
            #expect(error.line == k + 1)
            #expect(error.column == 2)
            #expect(error.description.hasPrefix("b.csv:\(k + 1):2: expected a number for video \"beads_00\""))
        }
    }

    @Test func notASummaryIsAClearError() {
        #expect(throws: InputError.self) { _ = try NanoSightSummaryReader().read(bytes: Array("a,b\n1,2\n".utf8), fileName: "n.csv") }
        #expect(throws: InputError.self) { _ = try NanoSightSummaryReader().read(bytes: [], fileName: "n.csv") }
    }

    @Test func manifestNamesMayDifferFromBlockNames() throws {
        let f = NanoSightFixture()
        let text = f.text().replacingOccurrences(of: "Filename:,beads_00,beads_01,beads_02,", with: "Filename:,cap_A,cap_B,cap_C,")
        let s = try read(f, bytes: Array(text.utf8))
        #expect(s.videos.map(\.name) == f.videos)
        #expect(s.videos.map(\.manifestName) == ["cap_A", "cap_B", "cap_C"])
    }

    @Test func missingSectionsAndRowsGiveNilNotACrash() throws {
        let f = NanoSightFixture()
        let lines = f.lines()
        let start = try #require(lines.firstIndex { $0.hasPrefix("[Conditions]") })
        let end = try #require(lines.firstIndex { $0.hasPrefix("[Settings]") })
        var kept = Array(lines[..<start]) + Array(lines[end...])
        kept.removeAll { $0.hasPrefix("Completed tracks") || $0.hasPrefix("Dilution factor") }
        let s = try read(f, bytes: Array(kept.joined(separator: "\n").utf8))
        #expect(s.videos.count == 3)
        #expect(s.videos[0].settings.temperatureCelsius == nil && s.videos[0].settings.frameRateHz == nil)
        #expect(s.videos[0].settings.detectionThreshold == 5)
        #expect(s.videos[0].results.completedTracks == nil)
        #expect(s.videos[0].settings.dilution == nil)
        let summary = try DistributionSummary(s, fileName: "m.csv")
        #expect(summary.videos[0].dilution.appliedFactor == 1 && summary.videos[0].dilution.source.contains("no dilution factor row"))
        // Without the number-weighted block there is nothing to analyse: a clear error.
        let cut = try #require(kept.firstIndex { $0.hasPrefix("[Size Data]") })
        let noBlocks = try read(f, bytes: Array(kept[..<cut].joined(separator: "\n").utf8))
        #expect(noBlocks.blocks.isEmpty)
        #expect(throws: InputError.self) { _ = try DistributionSummary(noBlocks, fileName: "m.csv") }
    }

    @Test func nta32PercentileOffset() {
        #expect(NanoSightFigures.percentileOffset(version: (3, 2)) == 1)
        #expect(NanoSightFigures.percentileOffset(version: (3, 3)) == 0)
        #expect(NanoSightFigures.percentileOffset(version: (3, 4)) == 0)
        #expect(NanoSightFigures.percentileOffset(version: nil) == 0)
        let se = NanoSightFigures.averageAndStandardError([1, 2, 3, 4])
        #expect(se.average == 2.5)
        #expect(abs(se.standardError - (1.6666666666666667).squareRoot() / 2) < 1e-15)
    }
}
