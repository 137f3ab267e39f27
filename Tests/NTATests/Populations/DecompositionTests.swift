import Foundation
import Testing
import NTA

/// Realised truth of a simulated box: particles per mL with diameter in [lo, hi), among those flagged.
func realisedConcentrationPerMl(_ v: SimulatedVideo, from lo: Double, to hi: Double,
                                where keep: (Int) -> Bool = { _ in true }) -> Double {
    let all = Double(v.particleDiametersNanometers.count)
    let inside = v.particleDiametersNanometers.indices.filter {
        v.particleDiametersNanometers[$0] >= lo && v.particleDiametersNanometers[$0] < hi && keep($0)
    }.count
    return realisedConcentrationPerMl(v) * Double(inside) / all
}

func truthDiameters(_ v: SimulatedVideo) -> [Int64: Double] {
    Dictionary(uniqueKeysWithValues: v.tracks.map { ($0.trackID, $0.diameterNanometers) })
}

@Suite struct DecompositionTests {
    static let video: SimulatedVideo = {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 42
        p.frameCount = 900
        p.concentrationPerMl = 1e9
        p.marginMicrometers = 15
        return Simulator.run(p)
    }()

    /// With true track diameters, frame-weighted size classes recover the
    /// box's number fractions and the window concentration, within 4 interval SEs.
    @Test func frameWeightedDecomposition() throws {
        let v = Self.video
        let options = DecompositionOptions()
        let counts = try FrameCounts(v.table, frames: 0..<900, minTrackLength: 1, diametersByTrack: truthDiameters(v),
                                     classEdgesNanometers: options.classEdgesNanometers)
        var co = ConcentrationOptions()
        co.replicates = 400
        co.correlationModel = correlationModel(v)
        let c = try ConcentrationEstimate(counts, volume: try simulatedVolume(v.parameters), dilution: 1, options: co)
        let d = try CountDecomposition(concentration: c, counts: counts, options: options)
        let truthWindow = realisedConcentrationPerMl(v, from: 30, to: 150)
        let truthFraction = truthWindow / realisedConcentrationPerMl(v)
        // Against the realised box: within 4 interval SEs (see IntervalCheck), for the fraction and the concentration.
        let fractionSE = IntervalCheck.standardError(lower: d.inWindow.fractionLower, upper: d.inWindow.fractionUpper)
        #expect(abs(d.inWindow.fraction - truthFraction) <= 4 * fractionSE, "\(d.inWindow.fraction) vs \(truthFraction), SE \(fractionSE)")
        let concentrationSE = IntervalCheck.standardError(lower: d.inWindow.concentrationLowerPerMl,
                                                          upper: d.inWindow.concentrationUpperPerMl)
        #expect(abs(d.inWindow.concentrationPerMl - truthWindow) <= 4 * concentrationSE,
                "\(d.inWindow.concentrationPerMl) vs \(truthWindow), SE \(concentrationSE)")
        // The fraction's SE is that of ~40 particles/frame over ~10 independent blocks, √(f(1 − f)/400) ≈ 0.025:
        // the interval is neither degenerate nor more than twice that.
        #expect(fractionSE > 0 && fractionSE < 2 * IntervalCheck.binomialStandardError(fraction: truthFraction, count: 400))
        let sum = d.belowWindow.fraction + d.inWindow.fraction + d.aboveWindow.fraction
        #expect(abs(sum - 1) < 1e-9)
        #expect(d.warnings.contains { $0.code == .windowBelowDetectionLimit })
        #expect(d.windowShareBelowDetectionLimit > 0.1 && d.windowShareBelowDetectionLimit < 0.4)
        #expect(d.populations.count == 4)
        let data = try JSONEncoder().encode(d.populations.map(PopulationCountReport.init))
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"maxNm\":null") && json.contains("\"concentrationCI\":["))
        let lines = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(lines.map { $0["name"] as? String } == ["total", "belowWindow", "inWindow", "aboveWindow"])
        #expect(lines[0]["maxNm"] is NSNull && lines[2]["concentrationPerMl"] as? Double == d.inWindow.concentrationPerMl)
    }

    /// The distribution route (e.g. for the deconvolved distribution): same
    /// fractions from a frame-weighted grid; interval widths include the
    /// multinomial share of the effective sample size.
    @Test func distributionDecomposition() throws {
        let v = Self.video
        var frames = [Int64: Double]()
        for id in v.table.particle { frames[id, default: 0] += 1 }
        let grid = try SizeGrid(diametersNanometers: v.tracks.map(\.diameterNanometers),
                                weights: v.tracks.map { frames[$0.trackID] ?? 0 })
        let c = try ConcentrationEstimate(try FrameCounts(v.table, frames: 0..<900), volume: try simulatedVolume(v.parameters))
        let d1 = try CountDecomposition(concentration: c, distribution: grid, effectiveSampleSize: 2000)
        let d2 = try CountDecomposition(concentration: c, distribution: grid, effectiveSampleSize: 200)
        let truthFraction = realisedConcentrationPerMl(v, from: 30, to: 150) / realisedConcentrationPerMl(v)
        // The grid holds every track's true size weighted by its frames, so the fraction differs from the box's
        // only by which particles were in view: within 4 SEs of the n_eff = 2000 interval (see IntervalCheck).
        let se1 = IntervalCheck.standardError(lower: d1.inWindow.fractionLower, upper: d1.inWindow.fractionUpper)
        #expect(abs(d1.inWindow.fraction - truthFraction) <= 4 * se1, "\(d1.inWindow.fraction) vs \(truthFraction), SE \(se1)")
        // The multinomial share scales as 1/√n_eff: ten times fewer effective tracks, √10 ≈ 3.2 times wider
        // (> 2 once the share of the concentration interval common to both is included).
        #expect(d2.inWindow.fractionUpper - d2.inWindow.fractionLower > 2 * (d1.inWindow.fractionUpper - d1.inWindow.fractionLower))
        #expect(throws: PopulationError.self) { try SizeGrid(diametersNanometers: [1, 2], weights: [1]) }
    }
}

@Suite struct FluorescenceTests {
    /// Labelled vesicles (80 %) and small vesicles (50 %), unlabelled debris.
    /// Three scatter videos and three independent fluorescence videos of the
    /// same sample (30 s each), the label bleaching at 0.05 % per frame. The
    /// window's positive fraction is within 4 interval SEs of the realised truth.
    @Test func positiveFractionInWindow() throws {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = 900
        p.concentrationPerMl = 1e9
        p.marginMicrometers = 15
        let labelling = FluorescenceLabelling(labelledFraction: [0.8, 0.5, 0], bleachRatePerFrame: 0.0005, seed: 3)
        let options = FluorescenceOptions()
        var scatter: [SimulatedVideo] = [], captures: [FluorescenceCapture] = []
        var sc: [FrameCounts] = [], fl: [FrameCounts] = []
        for s in 0..<3 {
            p.seed = UInt64(70 + s)
            scatter.append(Simulator.run(p))
            p.seed = UInt64(170 + s)
            var l = labelling
            l.seed = UInt64(s)
            captures.append(Simulator.fluorescenceCapture(of: Simulator.run(p), labelling: l))
            sc.append(try FrameCounts(scatter[s].table, frames: 0..<900, diametersByTrack: truthDiameters(scatter[s]),
                                      classEdgesNanometers: options.binEdgesNanometers))
            fl.append(try FrameCounts(captures[s].video.table, frames: 0..<900,
                                      diametersByTrack: truthDiameters(captures[s].video),
                                      classEdgesNanometers: options.binEdgesNanometers))
        }
        var co = ConcentrationOptions()
        co.replicates = 400
        co.correlationModel = correlationModel(scatter[0])
        let pairing = try FluorescencePairing(
            scatter: try .concatenating(sc), fluorescence: try .concatenating(fl), volume: try simulatedVolume(p),
            concentrationOptions: co, fluorescenceCorrelationModel: correlationModel(captures[0].video), options: options)
        let sample = labelling.positiveFraction(of: .evLike, fromNanometers: 30, toNanometers: 150)
        let positive = (0..<3).reduce(0.0) { acc, s in
            acc + realisedConcentrationPerMl(captures[s].video, from: 30, to: 150, where: { captures[s].labelled[$0] })
        }
        let realised = positive / scatter.reduce(0.0) { $0 + realisedConcentrationPerMl($1, from: 30, to: 150) }
        // The sample's fraction differs from the realised boxes' by the simulator's sampling of labels and
        // particles, not by anything the pairing does: the estimator is checked against the realised boxes.
        // Against the realised boxes: within 4 interval SEs (see IntervalCheck).
        let fractionSE = IntervalCheck.standardError(lower: pairing.window.positiveFractionLower,
                                                     upper: pairing.window.positiveFractionUpper)
        #expect(abs(pairing.window.positiveFraction - realised) <= 4 * fractionSE,
                "\(pairing.window) vs \(realised), SE \(fractionSE)")
        #expect(pairing.bleachingCorrected)
        let k = try #require(pairing.bleachRatePerFrame), se = try #require(pairing.bleachRateStandardError)
        #expect(abs(k - 0.0005) < 3 * se, "k = \(k) ± \(se)")
        #expect(pairing.bins.count == 6)
        // At most 80 % of any bin is labelled.
        #expect(pairing.bins.allSatisfy { $0.positiveFractionLower < 0.8 })
        print("FLUO window \(pairing.window.positiveFraction) [\(pairing.window.positiveFractionLower), \(pairing.window.positiveFractionUpper)] sample \(sample) realised \(realised) k \(k) ± \(se)")
    }
}

extension FluorescenceTests {
    /// A capture paired with itself (every particle "positive"): the fraction is exactly 1, and no interval of
    /// a share reaches above 1, though the two independent bootstraps' ratios spread on both sides of it.
    @Test func sharesStayWithinOne() throws {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = 300
        p.concentrationPerMl = 1e9
        p.seed = 41
        let video = Simulator.run(p)
        let options = FluorescenceOptions()
        let counts = try FrameCounts(video.table, frames: 0..<300, diametersByTrack: truthDiameters(video),
                                     classEdgesNanometers: options.binEdgesNanometers)
        var noBleaching = options
        noBleaching.bleachingCorrection = .never
        let pairing = try FluorescencePairing(scatter: counts, fluorescence: counts, volume: try simulatedVolume(p),
                                              options: noBleaching)
        #expect(pairing.window.positiveFraction == 1)
        #expect(pairing.windowFractionReplicates.contains { $0 > 1 }, "the replicates do spread above 1")
        for range in [pairing.window] + pairing.bins where range.positiveFraction.isFinite {
            #expect(range.positiveFractionUpper <= 1 && range.positiveFractionLower >= 0, "\(range)")
        }
        #expect(pairing.window.positiveFractionUpper == 1)
    }
}

@Suite struct BinConcentrationTests {
    @Test func binsAddUpToTotal() throws {
        let v = DecompositionTests.video
        var frames = [Int64: Double]()
        for id in v.table.particle { frames[id, default: 0] += 1 }
        let grid = try SizeGrid(diametersNanometers: [40, 100, 200], weights: [1, 3, 1])
        var o = ConcentrationOptions()
        o.replicates = 200
        let c = try ConcentrationEstimate(try FrameCounts(v.table, frames: 0..<900), volume: try simulatedVolume(v.parameters),
                                          options: o)
        let bins = c.binConcentrations(grid, effectiveSampleSize: 500)
        #expect(abs(bins.reduce(0) { $0 + $1.concentrationPerMl } - c.particlesPerMl) < 1e-6 * c.particlesPerMl)
        #expect(abs(bins[1].fraction - 0.6) < 1e-12)
        // A bin's relative interval is wider than the total's (it adds the multinomial share).
        #expect((bins[0].concentrationUpperPerMl - bins[0].concentrationLowerPerMl) / bins[0].concentrationPerMl
                > (c.upperPerMl - c.lowerPerMl) / c.particlesPerMl)
    }
}
