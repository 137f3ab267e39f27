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
        // Finite factors whose product overflows or underflows, and volumes outside 10⁻¹⁸ … 10³ mL, are refused.
        #expect(throws: PopulationError.self) {
            try DetectionVolume(fieldWidthMicrometers: 1e200, fieldHeightMicrometers: 1e200, sheetDepthMicrometers: 1)
        }
        #expect(throws: PopulationError.self) {
            try DetectionVolume(fieldWidthMicrometers: 1e-200, fieldHeightMicrometers: 1e-200, sheetDepthMicrometers: 1)
        }
        #expect(throws: PopulationError.self) { try DetectionVolume(nanoliters: 1e-13) }
        #expect(throws: PopulationError.self) { try DetectionVolume(nanoliters: 1e10) }
        #expect(abs(try DetectionVolume(nanoliters: 1e-12).milliliters - 1e-18) < 1e-30)
        // The largest dilution over the smallest volume keeps a count of 10⁹ a frame a finite concentration.
        #expect((1e9 / DetectionVolume.smallestMilliliters * DilutionFactor.accepted.upperBound).isFinite)
        #expect(!DilutionFactor.accepted.contains(1e16) && !DilutionFactor.accepted.contains(.infinity))
        #expect(DetectionVolume.parseFieldOfView("100x80")! == (100, 80))
        #expect(DetectionVolume.parseFieldOfView("100") == nil)
    }

    @Test("one frame is one block, and a count that never changes has no spread: no interval and no standard error (unknown, not zero), and a warning that says so")
    func oneBlockHasNoInterval() throws {
        // 40 particles in one frame; then the same in three frames (three blocks of one frame, though counts
        // that close stay correlated far longer: the warning says the interval understates).
        let one = TrajectoryTable(particle: (0..<40).map(Int64.init), frame: [Int32](repeating: 0, count: 40),
                                  x: [Double](repeating: 0, count: 40), y: [Double](repeating: 0, count: 40))
        let volume = try DetectionVolume(nanoliters: 0.04)
        let c = try ConcentrationEstimate(try FrameCounts(one, frames: 0..<1), volume: volume)
        #expect(c.particlesPerMl == 40 / 4e-8 && c.degreesOfFreedom == 0)
        #expect(c.lowerPerMl.isNaN && c.upperPerMl.isNaN && c.standardErrorPerMl.isNaN)
        let derived = c.interval { $0[0] / 2 }
        #expect(derived.estimate == 20 && derived.lower.isNaN && derived.upper.isNaN && derived.standardError.isNaN)
        let grid = try SizeGrid(diametersNanometers: [100], weights: [1])
        let d = try CountDecomposition(concentration: c, distribution: grid, effectiveSampleSize: 40)
        #expect(d.inWindow.concentrationLowerPerMl.isNaN && d.inWindow.concentrationUpperPerMl.isNaN)
        #expect(d.warnings.contains { $0.code == .fewIndependentBlocks && $0.message.contains("no interval is given") })

        // 40, 38 and 41 particles in three frames.
        let perFrame = [40, 38, 41]
        let ids = perFrame.flatMap { n in (0..<n).map(Int64.init) }
        let three = TrajectoryTable(particle: ids, frame: perFrame.enumerated().flatMap { f, n in [Int32](repeating: Int32(f), count: n) },
                                    x: [Double](repeating: 0, count: ids.count), y: [Double](repeating: 0, count: ids.count))
        let c3 = try ConcentrationEstimate(try FrameCounts(three, frames: 0..<3), volume: volume)
        #expect(c3.degreesOfFreedom == 2 && c3.lowerPerMl.isFinite)
        let d3 = try CountDecomposition(concentration: c3, distribution: grid, effectiveSampleSize: 40)
        // Blocks of 1 frame where the rule asks for 3 τ_int ≥ 3 (τ_int ≥ 1 always).
        #expect(c3.blockLengthFrames == 1 && c3.integratedAutocorrelationFrames >= 1)
        #expect(d3.warnings.contains { $0.code == .fewIndependentBlocks && $0.message.contains("understates") }, "\(d3.warnings)")

        // The same 40 particles in each of 30 frames: every resample gives the mean, an interval of no width that
        // the frames cannot support: unknown, with a warning.
        let ids30 = (0..<30).flatMap { _ in (0..<40).map(Int64.init) }
        let steady = TrajectoryTable(particle: ids30, frame: (0..<30).flatMap { f in [Int32](repeating: Int32(f), count: 40) },
                                     x: [Double](repeating: 0, count: ids30.count), y: [Double](repeating: 0, count: ids30.count))
        let c30 = try ConcentrationEstimate(try FrameCounts(steady, frames: 0..<30), volume: volume)
        #expect(c30.particlesPerMl == 40 / 4e-8 && c30.degreesOfFreedom == 0)
        #expect(c30.lowerPerMl.isNaN && c30.upperPerMl.isNaN && c30.standardErrorPerMl.isNaN)
        let d30 = try CountDecomposition(concentration: c30, distribution: grid, effectiveSampleSize: 40)
        #expect(d30.warnings.contains { $0.code == .constantCount && $0.message.contains("40 in every one of the 30 frames") },
                "\(d30.warnings)")
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
        // Madras–Sokal (1988): with the window M = 6τ the estimator's variance is 2(2M + 1)/N·τ² and its bias
        // −2Σ_{k>M} φᵏ ≈ −2·0.8⁵⁵/0.2 ≈ 10⁻⁵: SD = √(2·109/40000)·9 ≈ 0.66, allowed 4 of them.
        let sd = (2 * (2 * 6 * 9 + 1) / 40_000.0).squareRoot() * 9
        #expect(abs(tau - 9) < 4 * sd, "τ_int = \(tau), SD \(sd)")
        #expect(abs(Statistics.studentTQuantile(0.975, degreesOfFreedom: 10) - 2.2281) < 1e-3)
        #expect(abs(Statistics.normalQuantile(0.975) - 1.959964) < 1e-5)
    }
}

@Suite struct ConcentrationCoverageTests {
    /// 100-nm beads at 10⁹/mL in the box, 10× diluted (10¹⁰/mL original), one 10-s video (300 frames) per seed:
    /// the 95 % interval covers the realised truth in at least `t` of `n` seeds, the exact binomial design
    /// (``BinomialCoverage``) that a correct 95 % interval passes with probability ≥ 0.99 and an 85 % one fails
    /// with probability ≥ 0.99 (n = 181, t = 165). 300 frames rather than 900 keeps 181 seeds to seconds;
    /// the block bootstrap's t-quantile widening is what keeps a short video's interval honest.
    @Test func coverageOverSeeds() throws {
        let frames = 300
        let design = BinomialCoverage.design(nominal: 0.95, alternative: 0.85)
        var covered = 0
        var relativeErrors: [Double] = []
        for s in 0..<design.seeds {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.seed = UInt64(500 + s)
            p.frameCount = frames
            p.concentrationPerMl = 1e9
            let v = Simulator.run(p)
            let truth = realisedConcentrationPerMl(v) * 10
            var o = ConcentrationOptions()
            o.replicates = 400
            o.correlationModel = correlationModel(v)
            let e = try ConcentrationEstimate(try FrameCounts(v.table, frames: 0..<frames, minTrackLength: 10),
                                              volume: try simulatedVolume(p), dilution: 10, options: o)
            if e.lowerPerMl <= truth, truth <= e.upperPerMl { covered += 1 }
            relativeErrors.append(e.particlesPerMl / truth - 1)
            // Every particle in view is detected here, so the count of all tracks is the truth per frame.
            let inView = Double(v.particlesInViewPerFrame.reduce(0, +)) / Double(frames)
            #expect(abs(e.meanParticlesPerFrameAllTracks - inView) < 1e-9)
            #expect(e.meanParticlesPerFrameLongTracks < e.meanParticlesPerFrameAllTracks)
        }
        let n = Double(relativeErrors.count)
        let mean = relativeErrors.reduce(0, +) / n
        let sd = (relativeErrors.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        print("concentration coverage \(covered)/\(design.seeds) (threshold \(design.threshold)); relative error mean \(mean) SD \(sd)")
        #expect(covered >= design.threshold, "covered \(covered)/\(design.seeds), threshold \(design.threshold)")
        // Unbiased: the mean relative error over independent seeds within 4 of its standard errors (SD/√n).
        #expect(abs(mean) < 4 * sd / n.squareRoot(), "mean relative error \(mean), SD \(sd)")
    }
}

/// The frame bootstrap's resampling, against the textbook loop it stands for.
@Suite struct BlockBootstrapResamplingTests {
    /// Each replicate's column means are those of the plain loop, bit for bit: the same block starts from the
    /// same stream (one draw per whole block, then one for the remainder), each block's sum Σ_{i<l} x[(j+i) mod T]
    /// kept by the running circular sum, and the blocks added to each column in the order drawn.
    @Test func replicatesAreThoseOfThePlainLoop() {
        var rng = SeededGenerator(seed: 3, stream: 1)
        for (t, l, width) in [(1, 1, 1), (17, 4, 3), (1000, 7, 11), (5000, 1, 2), (300, 300, 4), (250, 400, 1)] {
            let columns = (0..<width).map { _ in (0..<t).map { _ in Double(rng.nextInt(below: 50)) / 7 } }
            let got = BlockBootstrap.replicateMeans(columns: columns, blockLength: l, replicates: 5, seed: 9)
            // The plain loop.
            let length = max(1, min(l, t))
            let sums: [[Double]] = columns.map { col in
                var out = [Double](repeating: 0, count: t), s = 0.0
                for i in 0..<length { s += col[i % t] }
                for j in 0..<t { out[j] = s; s += col[(j + length) % t] - col[j] }
                return out
            }
            var draw = SeededGenerator(seed: 9, stream: 0xB100)
            let expected: [[Double]] = (0..<5).map { _ in
                var acc = [Double](repeating: 0, count: width)
                for _ in 0..<(t / length) {
                    let j = draw.nextInt(below: t)
                    for c in 0..<width { acc[c] += sums[c][j] }
                }
                if t % length > 0 {
                    let j = draw.nextInt(below: t)
                    for c in 0..<width { for i in 0..<(t % length) { acc[c] += columns[c][(j + i) % t] } }
                }
                return acc.map { $0 / Double(t) }
            }
            #expect(got == expected, "T \(t), l \(l), width \(width)")
        }
    }
}
