import Foundation
import Testing
import NTA

/// Truth of a simulated video: particles per mL in the simulated box (the
/// realised sample: a whole number of particles in a known volume).
func realisedConcentrationPerMl(_ v: SimulatedVideo) -> Double {
    let p = v.parameters
    let m = p.marginMicrometers
    let w = Double(p.fieldWidthPixels) * p.nanometersPerPixel * 1e-3 + 2 * m
    let h = Double(p.fieldHeightPixels) * p.nanometersPerPixel * 1e-3 + 2 * m
    let z = p.sheetThicknessMicrometers + 2 * m
    return Double(v.particleDiametersNanometers.count) / (w * h * z * 1e-12)
}

func simulatedVolume(_ p: SimulationParameters) throws -> DetectionVolume {
    try DetectionVolume(fieldWidthMicrometers: Double(p.fieldWidthPixels) * p.nanometersPerPixel * 1e-3,
                        fieldHeightMicrometers: Double(p.fieldHeightPixels) * p.nanometersPerPixel * 1e-3,
                        sheetDepthMicrometers: p.sheetThicknessMicrometers)
}

/// The count-correlation model of a simulated video, from its tracks' true
/// diffusion coefficients weighted by their lengths.
func correlationModel(_ v: SimulatedVideo) -> CountCorrelationModel {
    let p = v.parameters
    var lengths = [Int64: Int]()
    for id in v.table.particle { lengths[id, default: 0] += 1 }
    return CountCorrelationModel(
        fieldWidthMicrometers: Double(p.fieldWidthPixels) * p.nanometersPerPixel * 1e-3,
        fieldHeightMicrometers: Double(p.fieldHeightPixels) * p.nanometersPerPixel * 1e-3,
        sheetDepthMicrometers: p.sheetThicknessMicrometers, frameIntervalSeconds: p.frameIntervalSeconds,
        trackDiffusionUm2PerS: v.tracks.map(\.diffusionUm2PerS), trackLengths: v.tracks.map { lengths[$0.trackID] ?? 0 })
}

@Suite struct ConcentrationTests {
    @Test func volumeUnits() throws {
        #expect(abs(try DetectionVolume(nanoliters: 0.08).milliliters - 8e-8) < 1e-20)
        #expect(abs(try DetectionVolume(fieldWidthMicrometers: 100, fieldHeightMicrometers: 80,
                                        sheetDepthMicrometers: 10).milliliters - 8e-8) < 1e-20)
        #expect(throws: PopulationError.self) { try DetectionVolume(nanoliters: -1) }
        #expect(DetectionVolume.parseFieldOfView("100x80")! == (100, 80))
        #expect(DetectionVolume.parseFieldOfView("100") == nil)
    }

    @Test func countsDistinctParticlesPerFrame() throws {
        // Track 1: frames 0,1,2 with frame 1 twice: ambiguous, dropped as sizing drops it;
        // track 2: frame 2 only (short, still counted in `all`); frame 4 empty.
        let table = TrajectoryTable(particle: [1, 1, 1, 1, 2], frame: [0, 1, 1, 2, 2], x: [0, 0, 0, 0, 0],
                                    y: [0, 0, 0, 0, 0])
        let c = try FrameCounts(table, frames: 0..<5, minTrackLength: 2, diametersByTrack: [1: 100],
                                classEdgesNanometers: [30, 150])
        #expect(c.all == [0, 0, 1, 0, 0])
        #expect(c.longTracks == [0, 0, 0, 0, 0])
        #expect(c.bySize[1] == [0, 0, 0, 0, 0])
        #expect(c.droppedTracks[.duplicateFrame] == 1 && c.shortTrackCount == 1 && c.trackCount == 2)
    }

    /// Counting and sizing agree on what a track is: the tracks counted as long
    /// are exactly those TrackGrouping keeps at the same length cut, and a track
    /// sizing drops (repeated frame, gap too long) is counted nowhere.
    @Test func countsTheTracksSizingKeeps() throws {
        // Track 5: frames 3,1,2 (rows out of order), long. Track 7: frames 0,1,1,2, repeated frame.
        // Track 9: frames 2,3, shorter than 3. Track 11: frames 0,1,1102, a gap of 1101 > 1001 frames.
        let table = TrajectoryTable(particle: [5, 7, 7, 9, 5, 7, 11, 5, 7, 9, 11, 11],
                                    frame: [3, 0, 1, 2, 1, 1, 0, 2, 2, 3, 1, 1102],
                                    x: [Double](repeating: 0, count: 12), y: [Double](repeating: 0, count: 12))
        let c = try FrameCounts(table, frames: 0..<5, minTrackLength: 3, diametersByTrack: [5: 80, 7: 200, 9: 300],
                                classEdgesNanometers: [150])
        #expect(c.all == [0, 1, 2, 2, 0])
        #expect(c.longTracks == [0, 1, 1, 1, 0])
        #expect(c.bySize == [[0, 1, 1, 1, 0], [0, 0, 1, 1, 0]])
        #expect(c.trackCount == 4 && c.shortTrackCount == 1)
        #expect(c.droppedTracks == DropTally(["duplicateFrame": 1, "gapTooLong": 1]))
        // Sizing's grouping at the same cut keeps track 5 alone, and drops the others for the same reasons.
        let sized = TrackGrouping.group(table, nanometersPerPixel: 100, minTrackLength: 3)
        #expect(sized.tracks.particleIDs == [5])
        #expect(sized.dropped == DropTally(["tooShort": 1, "duplicateFrame": 1, "gapTooLong": 1]))
        var sizedPerFrame = [Double](repeating: 0, count: 5)
        for f in sized.tracks.frame where f < 5 { sizedPerFrame[Int(f)] += 1 }
        #expect(sizedPerFrame == c.longTracks)
    }

    @Test func integratedTimeOfAR1() {
        // AR(1) with φ = 0.8: τ_int = (1 + φ)/(1 − φ) = 9.
        var rng = SeededGenerator(seed: 7)
        var x = 0.0, s: [Double] = []
        for _ in 0..<40_000 { x = 0.8 * x + rng.nextGaussian(); s.append(x) }
        let tau = BlockBootstrap.integratedAutocorrelationTime(s)
        #expect(abs(tau - 9) < 1.2, "τ_int = \(tau)")
        #expect(abs(Statistics.studentTQuantile(0.975, degreesOfFreedom: 10) - 2.2281) < 1e-3)
        #expect(abs(Statistics.normalQuantile(0.975) - 1.959964) < 1e-5)
    }
}

@Suite struct ConcentrationCoverageTests {
    /// 20 seeds of a 30-s video of 100-nm beads at 10⁸/mL measured, 10× diluted
    /// (10⁹/mL original): the interval covers the realised truth in ≥ 18 of 20
    /// and the rms relative error stays below 10 %.
    @Test func coverageOverSeeds() throws {
        var covered = 0, sumSq = 0.0
        for s in 0..<20 {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.seed = UInt64(500 + s)
            p.frameCount = 900
            p.concentrationPerMl = 1e9
            let v = Simulator.run(p)
            let truth = realisedConcentrationPerMl(v) * 10
            var o = ConcentrationOptions()
            o.replicates = 400
            o.correlationModel = correlationModel(v)
            let e = try ConcentrationEstimate(try FrameCounts(v.table, frames: 0..<900, minTrackLength: 10),
                                              volume: try simulatedVolume(p), dilution: 10, options: o)
            if e.lowerPerMl <= truth, truth <= e.upperPerMl { covered += 1 }
            sumSq += pow(e.particlesPerMl / truth - 1, 2)
            // Every particle in view is detected here, so the count of all tracks is the truth per frame.
            let inView = Double(v.particlesInViewPerFrame.reduce(0, +)) / 900
            #expect(abs(e.meanParticlesPerFrameAllTracks - inView) < 1e-9)
            #expect(e.meanParticlesPerFrameLongTracks < e.meanParticlesPerFrameAllTracks)
        }
        let rms = (sumSq / 20).squareRoot()
        #expect(covered >= 18, "covered \(covered)/20")
        #expect(rms < 0.10, "rms relative error \(rms)")
    }
}
