import Foundation
import Testing
import NTA
@testable import NTARead

/// The real NanoSight exports in ../shared/formats: every figure NTA printed
/// is reproduced from the file's own bins to the printed precision.
@Suite struct InstrumentNanoSightRealTests {
    /// Asserts `computed` rounds to the printed 0.1 nm.
    static func expectPrinted(_ computed: Double, _ printed: Double?, _ what: String) {
        guard let printed else { Issue.record("\(what): nothing printed"); return }
        #expect(abs(computed - printed) <= 0.05 + 1e-9, "\(what): computed \(computed), printed \(printed)")
    }

    func check(_ name: String, videos: Int, hasAverages: Bool) throws {
        let summary = try NanoSightSummaryReader().read(contentsOf: InstrumentFiles.real(name), displayName: name)
        #expect(summary.videos.count == videos)
        let block = try #require(summary.block(.size, .number))
        #expect(block.binCentres.count == 1000)
        #expect(block.binCentres.first == 0.5 && block.binCentres.last == 999.5)
        #expect(block.percentiles.count == videos && block.percentiles.allSatisfy { $0.count == 101 })
        var means: [Double] = [], concs: [Double] = []
        for v in 0..<videos {
            let f = try #require(summary.figures(video: v))
            let s = f.statistics
            Self.expectPrinted(s.meanNm, block.statistic("Mean")?.number(v), "\(name) v\(v) mean")
            Self.expectPrinted(s.modeNm, block.statistic("Mode")?.number(v), "\(name) v\(v) mode")
            Self.expectPrinted(s.sdNm, block.statistic("SD")?.number(v), "\(name) v\(v) SD")
            Self.expectPrinted(s.d10Nm, block.statistic("D10")?.number(v), "\(name) v\(v) D10")
            Self.expectPrinted(s.d50Nm, block.statistic("D50")?.number(v), "\(name) v\(v) D50")
            Self.expectPrinted(s.d90Nm, block.statistic("D90")?.number(v), "\(name) v\(v) D90")
            let printedConc = try #require(summary.videos[v].results.printedConcentrationPerMl)
            #expect(PrintedPrecision.significant(f.concentrationPerMl, 3) == printedConc, "\(name) v\(v) concentration")
            for p in 1...99 {
                Self.expectPrinted(f.percentilesNanometers[p], block.percentiles[v][p], "\(name) v\(v) P\(p)")
            }
            means.append(s.meanNm)
            concs.append(f.concentrationPerMl)
        }
        if hasAverages {
            let mean = NanoSightFigures.averageAndStandardError(means)
            Self.expectPrinted(mean.average, NanoSightNumbers.parse(block.statistic("Mean")!.average!), "average mean")
            Self.expectPrinted(mean.standardError, NanoSightNumbers.parse(block.statistic("Mean")!.standardError!), "SE mean")
            for key in ["Mode", "SD", "D10", "D50", "D90"] {
                let row = block.statistic(key)!
                let per = (0..<videos).map { v -> Double in
                    let s = summary.figures(video: v)!.statistics
                    return ["Mode": s.modeNm, "SD": s.sdNm, "D10": s.d10Nm, "D50": s.d50Nm, "D90": s.d90Nm][key]!
                }
                let a = NanoSightFigures.averageAndStandardError(per)
                Self.expectPrinted(a.average, NanoSightNumbers.parse(row.average!), "average \(key)")
                Self.expectPrinted(a.standardError, NanoSightNumbers.parse(row.standardError!), "SE \(key)")
            }
            let c = NanoSightFigures.averageAndStandardError(concs)
            let row = try #require(summary.section("Results")?.row("Concentration (Particles / ml)"))
            #expect(PrintedPrecision.significant(c.average, 3) == NanoSightNumbers.parse(row.average!))
            #expect(PrintedPrecision.significant(c.standardError, 3) == NanoSightNumbers.parse(row.standardError!))
            // The bin table's own average and SE columns: the same formulas, bin by bin. Bins are printed
            // as integers, so each input is off by ≤ 0.5 and each printed result by ≤ 0.5: ≤ 1 in all.
            let avg = try #require(block.binAverage), se = try #require(block.binStandardError)
            for b in 0..<1000 {
                let a = NanoSightFigures.averageAndStandardError((0..<videos).map { block.binValues[$0][b] })
                #expect(abs(a.average - avg[b]) <= 1 + 1e-9 * avg[b], "bin \(b) average")
                if videos > 1 { #expect(abs(a.standardError - se[b]) <= 1 + 1e-9 * se[b], "bin \(b) SE") }
            }
        }
    }

    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.nanoSight34), "needs ../shared/formats/nanosight-3.4-beads100-ExperimentSummary.csv (the in-repo excerpt test covers one video)"))
    func nta34ReproducesEveryPrintedFigure() throws {
        try check(InstrumentFiles.nanoSight34, videos: 5, hasAverages: true)
        let s = try NanoSightSummaryReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.nanoSight34))
        #expect(s.version! == (3, 4))
        #expect(s.timeCaptured == "11:52:04  16/06/2020")
        #expect(s.manifest == ["stdv34_00", "stdv34_01", "stdv34_02", "stdv34_03", "stdv34_04"])
        let v0 = s.videos[0]
        #expect(v0.settings.temperatureCelsius == 22.0)
        #expect(v0.settings.viscosityMillipascalSeconds == 0.952941)
        #expect(v0.settings.frameRateHz == 24.9825)
        #expect(v0.settings.cameraLevel == 11)
        #expect(v0.settings.detectionThreshold == 5)
        #expect(v0.settings.dilution == .factor(1e4))
        #expect(v0.results.particlesPerFrame == 109.7)
        #expect(v0.results.completedTracks == 4677)
        #expect(v0.results.xDriftPixelsPerFrame == -3.8)
        #expect(s.videos[0].flags.contains(NanoSightFlag(section: "Information", key: "Vibration detected", value: "Moderate vibration")))
        // Percentile 0 and 100: edges of the first and last non-empty bins.
        let block = s.block(.size, .number)!
        for v in 0..<5 {
            let f = s.figures(video: v)!
            #expect(f.percentilesNanometers[0] == block.percentiles[v][0])
            #expect(f.percentilesNanometers[100] == block.percentiles[v][100])
        }
        // Keys scoped by section: "Particles per frame" is a result and a warning.
        #expect(s.section("Results")?.row("Particles per frame")?.values[0] == "109.7")
        #expect(s.section("Concentration Warnings")?.row("Particles per frame")?.values[0] == "OK")
    }

    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.nanoSight32), "needs ../shared/formats/nanosight-3.2-beads-12videos-ExperimentSummary.csv"))
    func nta32ReproducesEveryPrintedFigure() throws {
        try check(InstrumentFiles.nanoSight32, videos: 12, hasAverages: true)
        let s = try NanoSightSummaryReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.nanoSight32))
        #expect(s.version! == (3, 2))
        #expect(s.videos.allSatisfy { $0.settings.dilution == .notRecorded })
        #expect(s.remarks?.hasPrefix("Created from combined experiments: std_10000_yes_2_.nano, ") == true)
        #expect(s.videos[3].name == "std_10000_no_2_00")
        #expect(s.videos[3].results.printedConcentrationPerMl == 2_510_000_000)
    }

    /// The conventions above are forced by the files: the alternatives do not reproduce them.
    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.nanoSight34) && InstrumentFiles.has(InstrumentFiles.nanoSight32), "needs the NanoSight 3.2 and 3.4 summaries in ../shared/formats"))
    func alternativeConventionsDoNotMatch() throws {
        // Standard error with the population SD (n) instead of the sample SD (n − 1): 5.97e10, printed 6.67e10.
        let s34 = try NanoSightSummaryReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.nanoSight34))
        let concs = (0..<5).map { s34.figures(video: $0)!.concentrationPerMl }
        let mean = concs.reduce(0, +) / 5
        let populationSE = (concs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 5).squareRoot() / 5.0.squareRoot()
        let printedSE = try #require(NanoSightNumbers.parse(s34.section("Results")!.row("Concentration (Particles / ml)")!.standardError!))
        #expect(PrintedPrecision.significant(populationSE, 3) != printedSE)
        #expect(PrintedPrecision.significant(NanoSightFigures.averageAndStandardError(concs).standardError, 3) == printedSE)
        // NTA 3.2 without its 1-nm percentile offset: every video's D50 is ~1 nm off.
        let s32 = try NanoSightSummaryReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.nanoSight32))
        let block = try #require(s32.block(.size, .number))
        for v in 0..<12 {
            let unshifted = SizeStatistics(block.distribution(video: v)!).d50Nm
            #expect(abs(unshifted - block.statistic("D50")!.number(v)! - 1) <= 0.05 + 1e-9)
        }
    }
}
