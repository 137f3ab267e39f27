import Foundation
import Testing
import NTA

@Suite struct IntensityClassifierTests {
    static let video: SimulatedVideo = {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 21
        p.frameCount = 900
        p.concentrationPerMl = 1e9
        p.marginMicrometers = 15
        return Simulator.run(p)
    }()

    /// Sample truth: share of low-index particles among those in the window.
    static func truth(_ v: SimulatedVideo, window: SizeWindow = .exosome) -> Double {
        var all = 0, low = 0
        for i in v.particleDiametersNanometers.indices
        where v.particleDiametersNanometers[i] >= window.minNm && v.particleDiametersNanometers[i] <= window.maxNm {
            all += 1
            if v.parameters.mixture.components[v.particleComponents[i]].refractiveIndex < 1.45 { low += 1 }
        }
        return Double(low) / Double(all)
    }

    /// With estimated sizes (one-lag MSD, tracks ≥ 10 localisations) and their
    /// variances in the model: the vesicle-like share of the window is within
    /// 4 interval SEs of the box's, and the offset difference matches 2 ln(K_debris/K_EV).
    @Test func estimatedSizes() throws {
        let v = Self.video
        let p = v.parameters
        let grouped = TrackGrouping.group(v.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 10)
        let context = EstimationContext(frameIntervalSeconds: p.frameIntervalSeconds)
        var diameters = [Int64: Double](), relVar = [Int64: Double]()
        for t in 0..<grouped.tracks.trackCount {
            guard let e = grouped.tracks.withSample(of: t, { OneLagMSDEstimator().estimate($0, context: context) }),
                  e.diffusionUm2PerS > 0 else { continue }
            let id = grouped.tracks.particleIDs[t]
            diameters[id] = StokesEinstein.diameterNanometers(diffusionUm2PerS: e.diffusionUm2PerS,
                                                              temperatureCelsius: p.temperatureCelsius,
                                                              viscosityMillipascalSeconds: p.effectiveViscosity)
            relVar[id] = e.varianceUm4PerS2 / (e.diffusionUm2PerS * e.diffusionUm2PerS)
        }
        let points = try TrackIntensities(tracks: grouped.tracks, diametersByTrack: diameters,
                                          relativeDiffusionVarianceByTrack: relVar)
        let c = try IntensityClassifier.classify(points, replicates: 100)
        let truth = Self.truth(v)
        print("INTENSITY estimated: \(c.vesicleLike) \(c.dense) \(c.vesicleLikeFractionInWindow) \(c.vesicleLikeFractionInWindowCI) truth \(truth) ratio \(c.polarisabilityRatio) tracks \(c.tracksInWindow)")
        // Against the realised box: within 4 interval SEs (see IntervalCheck).
        let se = IntervalCheck.standardError(lower: c.vesicleLikeFractionInWindowCI[0], upper: c.vesicleLikeFractionInWindowCI[1])
        #expect(abs(c.vesicleLikeFractionInWindow - truth) <= 4 * se, "\(c.vesicleLikeFractionInWindow) vs \(truth), SE \(se)")
        let kEV = Simulator.rayleighFactor(1.39 / 1.333), kDebris = Simulator.rayleighFactor(1.55 / 1.333)
        #expect(abs(log(c.polarisabilityRatio) - log(kDebris / kEV)) < 0.3, "ratio \(c.polarisabilityRatio) vs \(kDebris / kEV)")
        #expect(!c.poorlySeparated)
    }

    /// With true sizes the classes are well separated and the interval covers the truth.
    @Test func trueSizes() throws {
        let v = Self.video
        let grouped = TrackGrouping.group(v.table, nanometersPerPixel: v.parameters.nanometersPerPixel, minTrackLength: 5)
        let points = try TrackIntensities(tracks: grouped.tracks, diametersByTrack: truthDiameters(v))
        let c = try IntensityClassifier.classify(points, replicates: 100)
        let truth = Self.truth(v)
        print("INTENSITY true sizes: \(c.vesicleLikeFractionInWindow) \(c.vesicleLikeFractionInWindowCI) truth \(truth) \(c.vesicleLike) \(c.dense)")
        // Against the realised box (truth): within 4 interval SEs (see IntervalCheck).
        let se = IntervalCheck.standardError(lower: c.vesicleLikeFractionInWindowCI[0], upper: c.vesicleLikeFractionInWindowCI[1])
        #expect(abs(c.vesicleLikeFractionInWindow - truth) <= 4 * se, "\(c.vesicleLikeFractionInWindow) vs \(truth), SE \(se)")
        #expect(throws: PopulationError.self) {
            try TrackIntensities(tracks: TrackSet(particleIDs: [], offsets: [0], frame: [], xNanometers: [], yNanometers: []),
                                 diametersByTrack: [:])
        }
    }
}

/// Intensity–size points of a simulated video with one-lag MSD sizes (tracks ≥ 10 localisations).
func estimatedIntensityPoints(_ v: SimulatedVideo) throws -> TrackIntensities {
    let p = v.parameters
    let grouped = TrackGrouping.group(v.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 10)
    let context = EstimationContext(frameIntervalSeconds: p.frameIntervalSeconds)
    var diameters = [Int64: Double](), relVar = [Int64: Double]()
    for t in 0..<grouped.tracks.trackCount {
        guard let e = grouped.tracks.withSample(of: t, { OneLagMSDEstimator().estimate($0, context: context) }),
              e.diffusionUm2PerS > 0 else { continue }
        let id = grouped.tracks.particleIDs[t]
        diameters[id] = StokesEinstein.diameterNanometers(diffusionUm2PerS: e.diffusionUm2PerS,
                                                          temperatureCelsius: p.temperatureCelsius,
                                                          viscosityMillipascalSeconds: p.effectiveViscosity)
        relVar[id] = e.varianceUm4PerS2 / (e.diffusionUm2PerS * e.diffusionUm2PerS)
    }
    return try TrackIntensities(tracks: grouped.tracks, diametersByTrack: diameters,
                                relativeDiffusionVarianceByTrack: relVar)
}

@Suite struct IntensityClassifierBalancedTests {
    /// Vesicles and dense debris of the same sizes, half and half, three 30-s
    /// videos: the fraction is estimated (not defaulted to the majority) within
    /// 0.05 of the sample's, and the frame-and-track interval covers the
    /// realised truth of the simulated boxes.
    @Test func sameSizeDebris() throws {
        var p = SimulationParameters(mixture: SizeMixture([
            SizeComponent(name: "vesicles", weight: 0.5, medianNanometers: 95, geometricSD: 1.25, refractiveIndex: 1.39),
            SizeComponent(name: "debris", weight: 0.5, medianNanometers: 95, geometricSD: 1.25, refractiveIndex: 1.55),
        ]))
        p.frameCount = 900
        p.concentrationPerMl = 1e9
        p.marginMicrometers = 12
        var videos: [IntensityClassifier.Video] = []
        var inWindow = 0.0, low = 0.0
        var model: CountCorrelationModel?
        for s in 0..<3 {
            p.seed = UInt64(5 + s)
            let v = Simulator.run(p)
            model = model ?? correlationModel(v)
            videos.append(.init(points: try estimatedIntensityPoints(v), rows: v.table.rows, frames: 0..<900))
            let truth = IntensityClassifierTests.truth(v)
            let n = Double(v.particleDiametersNanometers.filter { $0 >= 30 && $0 <= 150 }.count)
            inWindow += n; low += truth * n
        }
        var o = ConcentrationOptions()
        o.correlationModel = model
        let c = try IntensityClassifier.classify(videos: videos, options: o, replicates: 100)
        let realised = low / inWindow
        let sample = 0.5
        print("INTENSITY balanced: \(c.vesicleLikeFractionInWindow) \(c.vesicleLikeFractionInWindowCI) realised \(realised)")
        let se = IntervalCheck.standardError(lower: c.vesicleLikeFractionInWindowCI[0], upper: c.vesicleLikeFractionInWindowCI[1])
        // Against the realised boxes: 4 interval SEs. Against the sample's 0.5: the boxes' own binomial
        // sampling of the window's particles adds √(f(1 − f)/n) in quadrature (k = 4).
        #expect(abs(c.vesicleLikeFractionInWindow - realised) <= 4 * se, "\(c.vesicleLikeFractionInWindow) vs realised \(realised), SE \(se)")
        let boxSE = IntervalCheck.binomialStandardError(fraction: sample, count: inWindow)
        #expect(abs(c.vesicleLikeFractionInWindow - sample) <= 4 * (se * se + boxSE * boxSE).squareRoot(),
                "\(c.vesicleLikeFractionInWindow) vs sample \(sample), SE \(se), box SE \(boxSE)")
        #expect(c.intervalSource == "framesAndTracks")
    }
}
