import Foundation
import Testing
import NTA

@Suite struct PopulationAnalysisTests {
    static func analysed(_ v: SimulatedVideo) throws -> AnalysedVideo {
        AnalysedVideo(rows: v.table.rows, analysis: try analyzeSimulated(v), frames: 0..<v.parameters.frameCount)
    }

    /// End to end on simulated EV-like videos (10× diluted), scatter and
    /// fluorescence: every part is present, consistent, and encodes to JSON.
    @Test func endToEnd() throws {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = 600
        p.concentrationPerMl = 1e9
        var scatter: [AnalysedVideo] = [], fluorescence: [AnalysedVideo] = []
        var truth = 0.0
        for s in 0..<2 {
            p.seed = UInt64(300 + s)
            let v = Simulator.run(p)
            truth += realisedConcentrationPerMl(v) * 10 / 2
            scatter.append(try Self.analysed(v))
            p.seed = UInt64(400 + s)
            let f = Simulator.fluorescenceCapture(
                of: Simulator.run(p), labelling: FluorescenceLabelling(labelledFraction: [0.8, 0.5, 0], seed: UInt64(s)))
            fluorescence.append(try Self.analysed(f.video))
        }
        let volume = try simulatedVolume(p)
        var o = PopulationOptions(volume: volume)
        o.dilution = 10
        o.concentration.replicates = 300
        let summary = try PopulationAnalysis.run(scatter: scatter, fluorescence: fluorescence, options: o)
        let c = summary.concentration
        print("E2E concentration \(c.particlesPerMl) [\(c.lowerPerMl), \(c.upperPerMl)] truth \(truth) perFrame \(c.meanParticlesPerFrame) long \(c.meanParticlesPerFrameLongTracks) shortShare \(c.shortTrackShare) tau \(c.integratedAutocorrelationFrames) L \(c.blockLengthFrames) dof \(c.degreesOfFreedom) factor \(c.varianceFactor)")
        print("E2E window \(summary.decomposition.inWindow.fraction) truthSample \(SizeMixture.evLike.fraction(fromNanometers: 30, toNanometers: 150)) components \(summary.components!.components.map { ($0.medianNanometers, $0.geometricSD, $0.weight) }) intensity \(summary.intensity!.vesicleLikeFractionInWindow) \(summary.intensity!.vesicleLikeFractionInWindowCI) marker \(summary.fluorescence!.window.positiveFraction) \(summary.decomposition.warnings.map(\.code))")
        // Against the realised boxes: within 4 interval SEs (IntervalCheck).
        let se = IntervalCheck.standardError(lower: c.lowerPerMl, upper: c.upperPerMl)
        #expect(abs(c.particlesPerMl - truth) <= 4 * se, "\(c.particlesPerMl) vs \(truth), SE \(se)")
        let d = summary.decomposition
        #expect(d.populations.map(\.name) == [.total, .belowWindow, .inWindow, .aboveWindow, .markerPositive])
        #expect(abs(d.belowWindow.concentrationPerMl + d.inWindow.concentrationPerMl + d.aboveWindow.concentrationPerMl
                    - c.particlesPerMl) < 1e-6 * c.particlesPerMl)
        let marker = try #require(d.markerPositive)
        #expect(marker.concentrationPerMl < d.inWindow.concentrationPerMl)
        #expect((summary.components?.componentCount ?? 0) >= 2)
        #expect(summary.intensity != nil)
        #expect(summary.correlationGeometryAssumed == false)
        // With the sample's own distribution (standing in for a deconvolved one), the window share is right.
        var withGrid = o
        let grid = (0..<200).map { 10 * pow(1.025, Double($0)) }
        withGrid.distribution = try SizeGrid(diametersNanometers: grid, weights: grid.map { d in
            SizeMixture.evLike.fraction(fromNanometers: d / 1.0125, toNanometers: d * 1.0125) })
        withGrid.distributionEffectiveSampleSize = 3000
        let s2 = try PopulationAnalysis.run(scatter: scatter, options: withGrid)
        // The grid's cells (±1.25 % in d) can misplace at most the mass of the cells that straddle 30 and 150 nm,
        // and the grid (10–1,370 nm) leaves out the mass 1 − total.
        let straddling = grid.map { d -> Double in
            let (lo, hi) = (d / 1.0125, d * 1.0125)
            return (lo < 30 && 30 < hi) || (lo < 150 && 150 < hi) ? SizeMixture.evLike.fraction(fromNanometers: lo, toNanometers: hi) : 0
        }.reduce(0, +)
        let total = grid.map { SizeMixture.evLike.fraction(fromNanometers: $0 / 1.0125, toNanometers: $0 * 1.0125) }.reduce(0, +)
        #expect(abs(s2.decomposition.inWindow.fraction - SizeMixture.evLike.fraction(fromNanometers: 30, toNanometers: 150))
                <= straddling / total + (1 - total) + 1e-9, "misplaced mass bound \(straddling / total), outside \(1 - total)")
        #expect(s2.components?.componentCount == 3)
        #expect(s2.decomposition.fractionSource == "distribution")
        // The report's JSON of these results (the schema lives in NTAReport).
        let pairing = try #require(summary.fluorescence), classes = try #require(summary.intensity)
        let json = String(decoding: try JSONEncoder().encode(FluorescenceReport(pairing)), as: UTF8.self)
            + String(decoding: try JSONEncoder().encode(IntensityReport(classes)), as: UTF8.self)
        #expect(json.contains("\"positiveFractionCI\":[") && json.contains("\"vesicleLikeFractionInWindowCI\":["))
    }

    /// An instrument summary (binned concentrations): the same decomposition, no intervals, said so.
    @Test func instrumentBins() throws {
        var values = [Double](repeating: 0, count: 1000)
        for i in 0..<1000 { values[i] = 1e6 * exp(-0.5 * pow(log((Double(i) + 0.5) / 110) / 0.35, 2)) }
        let d = try CountDecomposition(binnedConcentrationPerMl: BinnedDistribution(values: values), dilution: 100)
        #expect(abs(d.total.concentrationPerMl - values.reduce(0, +) * 100) < 1)
        #expect(d.inWindow.fraction > 0.5 && d.inWindow.fraction < 0.9)
        #expect(d.inWindow.concentrationLowerPerMl.isNaN)
        #expect(d.warnings.contains { $0.code == .noTrajectories })
        let json = String(decoding: try JSONEncoder().encode(d.populations.map(PopulationCountReport.init)), as: UTF8.self)
        #expect(json.contains("\"concentrationCI\":[null,null]"))
    }
}

@Suite struct PlainWordsTests {
    @Test func sentences() throws {
        var values = [Double](repeating: 0, count: 400)
        for i in 40..<300 { values[i] = 1e6 }
        let d = try CountDecomposition(binnedConcentrationPerMl: BinnedDistribution(values: values))
        let text = d.plainWords.joined(separator: "\n")
        #expect(text.contains("Exosome-sized (30–150 nm)"))
        #expect(text.contains("not an exosome count"))
        #expect(text.contains("Warning:"))
    }

    /// A deconvolved distribution's far tail gives a size class such as 2.94e-262 particles/mL: below a millionth of
    /// the total it prints as 0, its interval too; a small but measurable class keeps its figure.
    @Test func negligibleConcentrationPrintsAsZero() throws {
        var values = [Double](repeating: 0, count: 400)
        for i in 40..<150 { values[i] = 1e7 }
        for i in 10..<30 { values[i] = 1e-263 }
        values[200] = 1e4   // 1e4 of 1.1e9 /mL: 9 in a million of the total, printed
        var d = try CountDecomposition(binnedConcentrationPerMl: BinnedDistribution(values: values))
        d.belowWindow.concentrationLowerPerMl = 0
        d.belowWindow.concentrationUpperPerMl = 2.94e-262
        let line = try #require(d.plainWords.first { $0.hasPrefix("Smaller than") })
        #expect(line == "Smaller than 30 nm: 0 particles/mL (95 % CI 0–0); larger than 150 nm: 1.00e+04 particles/mL.", "\(line)")
        #expect(d.belowWindow.concentrationPerMl > 0, "the value itself is kept (the JSON gives it exactly)")
    }
}
