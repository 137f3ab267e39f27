import Foundation
import Testing
import NTA
@testable import NTADistribution

/// A simulated video reduced to what the deconvolution needs.
struct DeconvolutionFixture {
    var video: SimulatedVideo
    var moments: [StepMoments]
    var lengths: [Int]
    var sigma2: Double
    var blur: Double
    static let minimumTrackLength = 10

    init(_ mixture: SizeMixture, frames: Int, concentrationPerMl: Double = 1e10, exposureMilliseconds: Double = 0,
         sigmaNanometers: Double = 30, seed: UInt64) {
        var p = SimulationParameters(mixture: mixture)
        p.seed = seed
        p.frameCount = frames
        p.concentrationPerMl = concentrationPerMl
        p.exposureMilliseconds = exposureMilliseconds
        p.localisationSigmaNanometers = sigmaNanometers
        video = Simulator.run(p)
        let tracks = TrackGrouping.group(video.table, nanometersPerPixel: p.nanometersPerPixel,
                                         minTrackLength: Self.minimumTrackLength).tracks
        moments = (0..<tracks.trackCount).map { t in tracks.withSample(of: t) { StepMoments($0) } }
        lengths = (0..<tracks.trackCount).map { tracks.length(of: $0) }
        blur = min(exposureMilliseconds * 1e-3 * p.frameRateHz, 1) / 6
        var pooled = StepMoments()
        for m in moments { pooled.add(m) }
        sigma2 = max(CVEEstimator.localisationVarianceNm2(pooled, blurCoefficient: blur) ?? 0, 0)
    }

    var parameters: SimulationParameters { video.parameters }

    var fieldOfViewMicrometers: (width: Double, height: Double) {
        (Double(parameters.fieldWidthPixels) * parameters.nanometersPerPixel / 1000,
         Double(parameters.fieldHeightPixels) * parameters.nanometersPerPixel / 1000)
    }

    /// The noise- and blur-aware one-lag likelihood with the pooled σ² and the exposure's R.
    var awareModel: OneLagGammaLikelihood {
        OneLagGammaLikelihood(moments: moments, frameIntervalSeconds: parameters.frameIntervalSeconds,
                              blurCoefficient: blur, localisationVarianceNm2: sigma2)
    }

    /// The likelihood matrix of ``awareModel`` on the default grid.
    var awareMatrix: LikelihoodMatrix {
        let grid = DiameterGrid()
        return LikelihoodMatrix(
            model: awareModel, framesPerTrack: lengths, grid: grid,
            diffusionNm2PerS: grid.diffusionNm2PerS(temperatureCelsius: parameters.temperatureCelsius,
                                                    viscosityMillipascalSeconds: parameters.effectiveViscosity))
    }

    func deconvolve<Model: TrackLikelihoodModel>(_ model: Model, bootstrap: Int = 0) -> DeconvolvedSizeDistribution {
        DeconvolvedSizeDistribution(
            model: model, framesPerTrack: lengths, frameIntervalSeconds: parameters.frameIntervalSeconds,
            temperatureCelsius: parameters.temperatureCelsius,
            viscosityMillipascalSeconds: parameters.effectiveViscosity,
            minimumTrackLength: Self.minimumTrackLength, fieldOfViewMicrometers: fieldOfViewMicrometers,
            bootstrapReplicates: bootstrap, seed: 11)
    }

    /// Median of the sample (every particle in the box).
    var sampleMedianNanometers: Double {
        let d = video.particleDiametersNanometers.sorted()
        return d[d.count / 2]
    }

    /// Number fraction of the sample in 30–150 nm.
    var sampleWindowFraction: Double {
        let d = video.particleDiametersNanometers
        return Double(d.filter { $0 >= 30 && $0 <= 150 }.count) / Double(d.count)
    }
}

@Suite struct DeconvolutionTests {
    /// Shared fixtures (simulated once per test run).
    static let mono100 = DeconvolutionFixture(.monodisperse(100), frames: 300, seed: 3)
    static let evMix = DeconvolutionFixture(.evLike, frames: 1000, seed: 4)

    /// A fit at a fixed λ started from a neighbouring solution (the AIC fit of the same tracks with the blur
    /// coefficient 0.01 lower, as the pipeline's refit for R's uncertainty starts from the fit at R) reaches the
    /// maximum the fit from uniform weights reaches, in fewer E-steps. Each stops after a Newton step that gained
    /// less than the tolerance (0.01), which on a locally quadratic objective leaves less than that to the
    /// maximum: the two penalised objectives differ by less than twice the tolerance.
    @Test func fixedLambdaFitFromANeighbouringSolutionReachesTheSameMaximum() throws {
        let f = Self.evMix
        let grid = DiameterGrid()
        let d = grid.diffusionNm2PerS(temperatureCelsius: f.parameters.temperatureCelsius,
                                      viscosityMillipascalSeconds: f.parameters.effectiveViscosity)
        func matrix(blur: Double) -> LikelihoodMatrix {
            LikelihoodMatrix(model: OneLagGammaLikelihood(moments: f.moments, frameIntervalSeconds: f.parameters.frameIntervalSeconds,
                                                          blurCoefficient: blur, localisationVarianceNm2: f.sigma2),
                             framesPerTrack: f.lengths, grid: grid, diffusionNm2PerS: d)
        }
        let neighbour = SizeDeconvolution(matrix: matrix(blur: 0.02))
        let shifted = matrix(blur: 0.03)
        var options = DeconvolutionOptions()
        options.smoothing = .fixed(neighbour.lambda)
        let cold = SizeDeconvolution(matrix: shifted, options: options)
        options.start = neighbour.beta
        let warm = SizeDeconvolution(matrix: shifted, options: options)
        let solver = PenalisedEM(matrix: shifted, order: options.penaltyOrder)
        func objective(_ fit: SizeDeconvolution) -> Double {
            fit.logLikelihood - 0.5 * fit.lambda * solver.penaltyValue(fit.beta)
        }
        #expect(abs(objective(warm) - objective(cold)) < 2 * options.tolerance)
        #expect(warm.evaluations < cold.evaluations)
        // A start of the wrong length is ignored: the fit from uniform weights, bit for bit.
        options.start = [Double](repeating: 0.5, count: grid.count + 1)
        #expect(SizeDeconvolution(matrix: shifted, options: options).beta == cold.beta)
    }

    @Test func thirdDifferencePenaltyVanishesOnLogNormalShapes() {
        let m = 40
        let p = PenalisedEM.differencePenalty(m, order: 3)
        // β quadratic in the node index (a log-normal in ln d): zero penalty.
        let quadratic: [Double] = (0..<m).map { i in
            let x = Double(i)
            return -0.02 * (x - 17) * (x - 17) + 0.3 * x + 1
        }
        let cubic = (0..<m).map { 0.001 * pow(Double($0), 3) }
        func form(_ b: [Double]) -> Double {
            var s = 0.0
            for i in 0..<m { for j in 0..<m { s += b[i] * p[i * m + j] * b[j] } }
            return s
        }
        #expect(abs(form(quadratic)) < 1e-9)
        // A cubic has constant third difference 6·0.001 on each of the m − 3 rows.
        #expect(abs(form(cubic) - Double(m - 3) * 0.006 * 0.006) < 1e-9)
    }

    @Test func walkerLikelihoodPeaksAtTheOneLagEstimate() {
        // Σ|Δr|² = 20 steps × 4DΔt with D = 4e6 nm²/s, Δt = 1/30 s: the ML D is 4e6.
        let dt = 1.0 / 30, d = 4e6, k = 20
        let model = OneLagGammaLikelihood(sumSquared2DNm2: [Double(k) * 4 * d * dt], steps: [k],
                                          frameIntervalSeconds: dt, shapeRule: .steps, logResolution: 0)
        let grid = (0..<401).map { d * exp(Double($0 - 200) * 0.001) }
        var out = [Double](repeating: 0, count: grid.count)
        model.logLikelihood(model.summary(ofTrack: 0), diffusionNm2PerS: grid, into: &out)
        let best = out.indices.max { out[$0] < out[$1] }!
        #expect(best == 200)
    }

    @Test func matchedShapeReducesToStepsWithoutNoiseOrBlur() {
        let dt = 1.0 / 30
        let walker = OneLagGammaLikelihood(sumSquared2DNm2: [5e6], steps: [12], frameIntervalSeconds: dt,
                                           shapeRule: .steps, logResolution: 0)
        let matched = OneLagGammaLikelihood(sumSquared2DNm2: [5e6], steps: [12], frameIntervalSeconds: dt,
                                            shapeRule: .matchedVariance, logResolution: 0)
        let ds = [1e6, 3e6, 1e7]
        var a = [Double](repeating: 0, count: 3), b = a
        walker.logLikelihood(walker.summary(ofTrack: 0), diffusionNm2PerS: ds, into: &a)
        matched.logLikelihood(matched.summary(ofTrack: 0), diffusionNm2PerS: ds, into: &b)
        for i in 0..<3 { #expect(abs(a[i] - b[i]) < 1e-9) }
    }

    /// Monodisperse 100 nm, ~3,000 tracks of mean ~25 steps: the per-track SD of
    /// ln D̂ is ≈ 1/√25 = 0.2, so the deconvolved peak's location has SE ≈
    /// 0.2/√3000 ≈ 0.4 %; the grid cell is ±1.3 %. 3 % (the bound) is
    /// > 4 SE beyond the cell. A monodisperse sample must come back narrow:
    /// geometric SD < 1.10, where the one-lag histogram gives ≈ 1.27.
    @Test func monodisperseRecoversMedianAndWidth() {
        let f = Self.mono100
        #expect(f.lengths.count > 2000)
        let r = f.deconvolve(f.awareModel)
        #expect(abs(r.summary.d50Nm / 100 - 1) < 0.03)
        #expect(r.summary.geometricSD < 1.10)
        #expect(abs(r.summary.modeNm / 100 - 1) < 0.03)
    }

    /// Full-frame exposure (R = 1/6) makes Walker's noise/blur-blind likelihood
    /// oversize by ≈ 1/(1 − 2R) = 1.5×; the aware likelihood must not.
    @Test func blurAwareLikelihoodRemovesTheBlurBias() {
        let f = DeconvolutionFixture(.monodisperse(100), frames: 300, exposureMilliseconds: 1000.0 / 30,
                                     sigmaNanometers: 40, seed: 5)
        let aware = f.deconvolve(f.awareModel)
        let walker = f.deconvolve(OneLagGammaLikelihood.walker(
            moments: f.moments, frameIntervalSeconds: f.parameters.frameIntervalSeconds))
        #expect(abs(aware.summary.d50Nm / 100 - 1) < 0.03)
        #expect(aware.summary.geometricSD < 1.10)
        #expect(walker.summary.d50Nm > 130)
    }

    /// EV-like mix (vesicles 100 nm, small 40 nm, debris 200 nm), ~10,700 tracks
    /// from the ~2,300 particles of the box. The tracks are repeated visits of
    /// those particles, so the data hold at most N ≈ 2,300 independent draws of
    /// the sample: the 30–150 nm fraction (f ≈ 0.76) is known to √(f(1 − f)/N) ≈
    /// 0.009, and ln d50 to 1/(2 g(ln m)√N) ≈ 1.2 % (g the mixture's density of
    /// ln d at its median m ≈ 102 nm). The bounds (0.03; 5 %) are ≈ 3.4
    /// and ≈ 4 of those SEs. Counting tracks instead of the sample must miss the
    /// window by more than 0.03 — this is what the track-length weighting fixes.
    @Test func evLikeMixRecoversTheSampleNumberDistribution() {
        let f = Self.evMix
        #expect(f.lengths.count > 8000)
        let r = f.deconvolve(f.awareModel)
        let truthFraction = f.sampleWindowFraction
        #expect(abs(r.summary.windowFraction - truthFraction) < 0.03)
        #expect(abs(r.summary.d50Nm / f.sampleMedianNanometers - 1) < 0.05)
        let tracks = GridSizeSummary(weights: r.deconvolution.trackWeights, grid: r.deconvolution.grid,
                                         window: .exosome)
        #expect(tracks.windowFraction - truthFraction > 0.03)
        // The 1-nm binned number distribution gives the same median as the grid (within a cell).
        let binned = r.deconvolution.numberStatistics
        #expect(abs(binned.d50Nm / r.summary.d50Nm - 1) < r.deconvolution.grid.logSpacing)
    }

    /// The bootstrap is reproducible by seed, its replicates centre on the
    /// estimate, and its SE of d50 for ~3,000 tracks of a monodisperse sample
    /// matches the theory (SE ≈ 0.2/√3000 ≈ 0.4 % of d).
    @Test func bootstrapIsDeterministicAndPlausible() {
        let f = Self.mono100
        let grid = DiameterGrid()
        let p = f.parameters
        let matrix = LikelihoodMatrix(
            model: f.awareModel, framesPerTrack: f.lengths, grid: grid,
            diffusionNm2PerS: grid.diffusionNm2PerS(temperatureCelsius: p.temperatureCelsius,
                                                    viscosityMillipascalSeconds: p.effectiveViscosity))
        let fit = SizeDeconvolution(matrix: matrix)
        let estimate = fit.summary()
        let a = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 6, seed: 21)
        let b = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 6, seed: 21)
        let c = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 2, seed: 22)
        #expect(a.replicates == b.replicates)
        #expect(a.replicates[0] != c.replicates[0])
        // The mean of 6 replicates lies within 4 of its standard errors (s/√6) of the full-data estimate
        // ((mean − estimate)/(s/√6) ~ t₅, P(|t₅| > 4) = 0.01; the bootstrap's own bias is O(1/N), N ≈ 3,000: negligible).
        let replicateMean = a.replicates.map(\.d50Nm).reduce(0, +) / Double(a.replicates.count)
        #expect(abs(replicateMean - estimate.d50Nm) < 4 * a.d50Nm.standardError / Double(a.replicates.count).squareRoot(),
                "replicate mean \(replicateMean) vs estimate \(estimate.d50Nm), SE \(a.d50Nm.standardError)")
        // 6 replicates: 5s²/σ² ~ χ²₅, and P(χ²₅ < 5·0.25²) = 0.003, P(χ²₅ > 5·3.75²) ≈ 1e-13, so with σ ≈ 0.4 % the
        // SE lies in [0.25σ, 3.75σ] = [0.1 %, 1.5 %] with probability > 0.99.
        let relativeSE = a.d50Nm.standardError / estimate.d50Nm
        #expect(relativeSE > 0.001 && relativeSE < 0.015)
    }

    /// The mono 100 nm fixture's likelihood matrix (its noise-aware model on the default grid).
    static func monoMatrix() -> LikelihoodMatrix { Self.mono100.awareMatrix }

    /// Issue 12: one E-step and one SQUAREM serve the single fit and the bootstrap's batches, and a
    /// member's iterates depend on its own weights only: each member of a batch of three (the data,
    /// and two resamplings of its rows, from different starts) ends bit for bit where the same fit
    /// run alone ends, with the same number of E-steps.
    @Test func batchedFitsEqualSingleFits() {
        let matrix = Self.monoMatrix()
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let rows = matrix.rowCount, m = matrix.grid.count
        var rng = SeededGenerator(seed: 5, stream: 0)
        var weightings = [matrix.rowTrackCount]
        for _ in 0..<2 {
            var w = [Double](repeating: 0, count: rows)
            for _ in 0..<matrix.trackCount { w[Int(matrix.trackRow[rng.nextInt(below: matrix.trackCount)])] += 1 }
            weightings.append(w)
        }
        let tilted: [Double] = (0..<m).map { i in -0.001 * Double(i) }
        let parabola: [Double] = (0..<m).map { i in
            let x = Double(i - 60)
            return -1e-4 * x * x
        }
        let starts = [[Double](repeating: 0, count: m), tilted, parabola]
        var flat = [Double](repeating: 0, count: PenalisedEM.rowEntryCount(rows: rows, batch: 3))
        for j in 0..<rows { for k in 0..<3 { flat[PenalisedEM.rowEntry(j, member: k, batch: 3)] = weightings[k][j] } }
        let batch = solver.fit(starts: starts, lambda: 1e4, weights: flat, members: [true, true, true],
                               tolerance: 0.01, maxEvaluations: 3000)
        for k in 0..<3 {
            let single = solver.fit(start: starts[k], lambda: 1e4, weights: weightings[k], tolerance: 0.01,
                                    maxEvaluations: 3000)
            #expect(batch[k]?.beta == single.beta)
            #expect(batch[k]?.evaluations == single.evaluations)
            #expect(batch[k]?.objective == single.objective)
        }
        // A member left out is not fitted and does not change the others.
        let two = solver.fit(starts: starts, lambda: 1e4, weights: flat, members: [true, false, true],
                             tolerance: 0.01, maxEvaluations: 3000)
        #expect(two[1] == nil)
        #expect(two[0]?.beta == batch[0]?.beta && two[2]?.beta == batch[2]?.beta)
    }

    /// Issue 11: replicate b depends on the seed and b only — not on how many replicates were asked
    /// for, hence not on its slot, on the replicates sharing its passes or on which worker (core) fitted
    /// it; nor on whether the 32 slots are shared by the cores, whose E-step sums fixed chunks of 2,048
    /// rows: with fewer rows than that, one chunk, the very same sums.
    @Test func bootstrapReplicatesDoNotDependOnBatchesOrWorkers() throws {
        let matrix = Self.monoMatrix()
        let fit = SizeDeconvolution(matrix: matrix)
        let few = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 3, seed: 31)
        let many = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 20, seed: 31)
        #expect(Array(many.replicates[0..<3]) == few.replicates)
        #expect(many.replicates[3] != many.replicates[0])
        try #require(matrix.rowCount <= 2048)
        let shared = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 20, seed: 31, level: 0.95,
                                            window: .exosome, options: DeconvolutionOptions(),
                                            maxEvaluationsPerReplicate: 300, sharesSlots: true,
                                            foldsFinalEStep: true)
        #expect(shared.replicates == many.replicates)
        #expect(shared.evaluations == many.evaluations)
    }

    /// Issue 11: a replicate whose fit ends at an E-step that carried the frames (its likely last) takes no
    /// final E-step after it: the same sums at the same point, so every replicate, its E-steps and the band
    /// are the same bit for bit whether or not the final step is folded; and folding saves some (else this
    /// shows nothing), while without it every replicate takes its own.
    @Test func foldingTheFinalEStepChangesNoReplicate() {
        let matrix = Self.evMix.awareMatrix
        let fit = SizeDeconvolution(matrix: matrix)
        func bootstrap(folds: Bool) -> DeconvolutionBootstrap {
            DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 16, seed: 5, level: 0.95,
                                   window: .exosome, options: DeconvolutionOptions(), maxEvaluationsPerReplicate: 300,
                                   sharesSlots: nil, foldsFinalEStep: folds)
        }
        let folding = bootstrap(folds: true), plain = bootstrap(folds: false)
        #expect(folding.replicates == plain.replicates)
        #expect(folding.evaluations == plain.evaluations)
        #expect(folding.numberDistributionBand == plain.numberDistributionBand)
        #expect(plain.finalEStepsTaken == 16)
        #expect(folding.finalEStepsTaken < 16)
    }

    /// Issue 11: the bootstrap reads each row only where its terms at the full fit exceed e⁻³⁰ of its
    /// largest. The E-step on those bands equals the full one to the Float sums' rounding (the terms left
    /// out are below 200·e⁻³⁰ of a row's total; the sums carry ≲ 10⁻⁵ relative rounding: 10⁻⁵ allowed),
    /// at the fit and at weights a thousand-fold off in the tails, and reads fewer blocks.
    @Test func trimmedRowsGiveTheSameExpectation() {
        let matrix = Self.evMix.awareMatrix
        let fit = SizeDeconvolution(matrix: matrix)
        let weights = PenalisedEM.softmax(fit.beta)
        let trimmed = matrix.trimmed(at: weights, logRatio: -30)
        #expect(trimmed.bandBytes < matrix.bandBytes, "blocks read: \(trimmed.bandBytes) of \(matrix.bandBytes)")
        let full = PenalisedEM(matrix: matrix, order: 3), narrow = PenalisedEM(matrix: trimmed, order: 3)
        let top = weights.max() ?? 0
        var moved = weights.map { $0 < 1e-3 * top ? $0 * 1000 : $0 }
        let total = moved.reduce(0, +)
        moved = moved.map { $0 / total }
        for p in [weights, moved] {
            let a = full.expectation(p, weights: matrix.rowTrackCount, frames: matrix.rowFrames)
            let b = narrow.expectation(p, weights: matrix.rowTrackCount, frames: matrix.rowFrames)
            let scale = a.counts.reduce(0, +)
            for i in a.counts.indices {
                #expect(abs(a.counts[i] - b.counts[i]) <= 1e-5 * scale)
                #expect(abs(a.frames![i] - b.frames![i]) <= 1e-5 * a.frames!.reduce(0, +))
            }
            #expect(abs(a.logLikelihood - b.logLikelihood) <= 1e-5 * abs(a.logLikelihood))
        }
    }

    /// Issue 11: a replicate is a vector of multiplicities over the tracks summed per pooled row
    /// (the bootstrap's draws: `SeededGenerator(seed:stream: b)`, n draws of a track index). Its
    /// problem must be that of the explicitly resampled tracks, each drawn track its own likelihood
    /// row. The E-steps agree: a track's row holds the same Float values pooled or not, so every
    /// row sum sⱼ is the same Float and ln L differs only by the order of Double products (10⁻⁹
    /// relative allowed); the posterior counts are Float sums flushed to Double every 256 rows
    /// (≤ 256·2⁻²⁴ ≈ 1.5·10⁻⁵ of the total per flush; 10⁻⁴ allowed). The weights enter the fit only
    /// through the E-step (the M-step sees the counts), so this is the whole statement; comparing two
    /// fits instead would compare SQUAREM paths, whose extrapolations amplify that Float noise.
    @Test func multinomialWeightsEqualResampledTracks() {
        let f = Self.mono100
        let matrix = Self.monoMatrix()
        let full = SizeDeconvolution(matrix: matrix)
        let model = f.awareModel
        let n = f.lengths.count
        let grid = DiameterGrid()
        var rng = SeededGenerator(seed: 17, stream: 3)
        let drawn = (0..<n).map { _ in rng.nextInt(below: n) }
        var multiplicities = [Double](repeating: 0, count: matrix.rowCount)
        for t in drawn { multiplicities[Int(matrix.trackRow[t])] += 1 }
        let explicit = FunctionTrackLikelihood(trackCount: n) { i, d, out in
            model.logLikelihood(model.summary(ofTrack: drawn[i]), diffusionNm2PerS: d, into: &out)
        }
        let explicitMatrix = LikelihoodMatrix(
            model: explicit, framesPerTrack: drawn.map { f.lengths[$0] }, grid: grid,
            diffusionNm2PerS: grid.diffusionNm2PerS(temperatureCelsius: f.parameters.temperatureCelsius,
                                                    viscosityMillipascalSeconds: f.parameters.effectiveViscosity))
        #expect(explicitMatrix.rowCount == n)
        let pooledSolver = PenalisedEM(matrix: matrix, order: 3)
        let explicitSolver = PenalisedEM(matrix: explicitMatrix, order: 3)
        let ones = [Double](repeating: 1, count: n)
        let uniform = [Double](repeating: 1 / Double(grid.count), count: grid.count)
        for p in [full.trackWeights, uniform] {
            let a = pooledSolver.expectation(p, weights: multiplicities)
            let b = explicitSolver.expectation(p, weights: ones)
            #expect(abs(a.logLikelihood - b.logLikelihood) < 1e-9 * abs(b.logLikelihood))
            let total = b.counts.reduce(0, +)
            #expect(abs(total - Double(n)) < 1e-4 * Double(n))
            #expect(zip(a.counts, b.counts).allSatisfy { abs($0 - $1) < 1e-4 * total })
        }
    }

    /// The visit model: no loss without a cut; small particles lose more in-view
    /// frames to the cut than large ones; and for the simulated 100 nm video the
    /// fraction of in-view frames in visits ≥ 10 frames matches the simulation
    /// with the field's lateral edges modelled, within 4 standard errors of the
    /// simulated ratio plus the share of frames in visits cut by the video's ends
    /// (which the model does not describe), and the sheet-only model, which
    /// ignores lateral exits, is worse.
    @Test func visitModelMatchesSimulatedTrackLoss() {
        let f = Self.mono100
        let p = f.parameters
        var model = VisitLengthModel(sheetThicknessMicrometers: p.sheetThicknessMicrometers, minimumTrackLength: 10,
                                     frameIntervalSeconds: p.frameIntervalSeconds,
                                     temperatureCelsius: p.temperatureCelsius,
                                     viscosityMillipascalSeconds: p.effectiveViscosity)
        let sheetOnly = model.visits(diameterNanometers: 100).retainedFrameFraction
        model.fieldWidthMicrometers = f.fieldOfViewMicrometers.width
        model.fieldHeightMicrometers = f.fieldOfViewMicrometers.height
        var noCut = model
        noCut.minimumTrackLength = 1
        #expect(abs(noCut.visits(diameterNanometers: 100).retainedFrameFraction - 1) < 1e-12)
        let small = model.visits(diameterNanometers: 40).retainedFrameFraction
        let large = model.visits(diameterNanometers: 300).retainedFrameFraction
        #expect(small < large)
        // Simulated: every visit of the 100 nm video, frames in visits ≥ 10 / all in-view frames.
        let all = TrackGrouping.group(f.video.table, nanometersPerPixel: p.nanometersPerPixel,
                                      minTrackLength: 1).tracks
        var kept = 0, total = 0, atVideoEnds = 0
        let lastFrame = Int32(p.frameCount - 1)
        for t in 0..<all.trackCount {
            let l = all.length(of: t)
            total += l
            if l >= 10 { kept += l }
            let rows = all.rows(of: t)
            if all.frame[rows.lowerBound] == 0 || all.frame[rows.upperBound - 1] == lastFrame { atVideoEnds += l }
        }
        let simulated = Double(kept) / Double(total)
        // SE of the ratio estimator Σ lᵢ·[lᵢ ≥ 10] / Σ lᵢ over independent visits: √(Σ lᵢ²([lᵢ ≥ 10] − f)²) / Σ lᵢ.
        var sumSquares = 0.0
        for t in 0..<all.trackCount {
            let l = Double(all.length(of: t))
            sumSquares += pow(l * ((l >= 10 ? 1 : 0) - simulated), 2)
        }
        let standardError = sumSquares.squareRoot() / Double(total)
        // A visit cut by the video's first or last frame can at most change class: its frames bound that bias.
        let censoredShare = Double(atVideoEnds) / Double(total)
        let modelled = model.visits(diameterNanometers: 100).retainedFrameFraction
        #expect(abs(modelled - simulated) < 4 * standardError + censoredShare,
                "modelled \(modelled) vs simulated \(simulated) ± \(standardError), censored share \(censoredShare)")
        #expect(abs(modelled - simulated) < abs(sheetOnly - simulated))
    }

    /// The pieces captures leave of the visits, in closed form, against a count over every placement of every
    /// visit relative to a capture (frames inside = the overlap): visits of 1 … 400 frames with geometric
    /// probabilities, captures shorter than some visits and longer than all, cuts of 1, 5 and 10. The sums are
    /// exact in Double to rounding.
    @Test func captureEndsCutVisitsAsCountedOverEveryPlacement() {
        for (lmin, t) in [(10, 60), (10, 300), (5, 9), (1, 50), (10, 10_000)] {
            let lengths = Array(1...400)
            let probability = lengths.map { pow(0.97, Double($0 - 1)) * 0.03 }
            var k = 0.0, f = 0.0, v = 0.0, pieces = 0.0, pieceFrames = 0.0
            for (l, p) in zip(lengths, probability) {
                v += p * Double(l)
                if l >= lmin { k += p; f += p * Double(l) }
                for start in (1 - l)..<t {
                    let overlap = min(start + l, t) - max(start, 0)
                    if overlap >= lmin { pieces += p; pieceFrames += p * Double(overlap) }
                }
            }
            let closed = VisitLengthModel.piecesWithinCaptures(longVisits: k, longVisitFrames: f, allFrames: v,
                                                               minimumLength: lmin, captureFrames: Double(t))
            #expect(abs(closed.meanLength - pieceFrames / pieces) < 1e-9 * closed.meanLength, "lmin \(lmin), T \(t)")
            #expect(abs(closed.frameFraction - pieceFrames / (Double(t) * v)) < 1e-9, "lmin \(lmin), T \(t)")
        }
    }

    /// The visit model with the captures' ends against simulated 100 nm videos: one capture of 300 frames, and
    /// six captures of 60 numbered on in one file (found by ``CaptureWindows``). The mean length of the tracks of
    /// at least 10 localisations, and their share of all in-view frames, are each within 4 standard errors of
    /// the simulation's (the SE of a mean over the tracks, and of the ratio estimator as in
    /// ``visitModelMatchesSimulatedTrackLoss()``); on the short captures the model without their ends misses
    /// the mean length by more than that.
    @Test func visitModelWithCaptureEndsMatchesSimulatedTracks() throws {
        var short = SimulationParameters(mixture: .monodisperse(100))
        short.seed = 5
        short.frameCount = 60
        short.captureCount = 6
        short.captureFrameNumbering = .continuing
        for (video, capturesMatter) in [(Self.mono100.video, false), (Simulator.run(short), true)] {
            let p = video.parameters
            let all = TrackGrouping.group(video.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 1).tracks
            let windows = try #require(CaptureWindows.detect(all))
            #expect(windows.frameCounts == [Int](repeating: p.frameCount, count: p.captures))
            var model = VisitLengthModel(sheetThicknessMicrometers: p.sheetThicknessMicrometers, minimumTrackLength: 10,
                                         frameIntervalSeconds: p.frameIntervalSeconds,
                                         temperatureCelsius: p.temperatureCelsius,
                                         viscosityMillipascalSeconds: p.effectiveViscosity)
            model.fieldWidthMicrometers = Double(p.fieldWidthPixels) * p.nanometersPerPixel / 1000
            model.fieldHeightMicrometers = Double(p.fieldHeightPixels) * p.nanometersPerPixel / 1000
            let unbounded = model.visits(diameterNanometers: 100)
            model.captureFrames = windows.meanFrames
            let cut = model.visits(diameterNanometers: 100)
            let lengths = (0..<all.trackCount).map { Double(all.length(of: $0)) }
            let kept = lengths.filter { $0 >= 10 }
            let total = lengths.reduce(0, +), keptFrames = kept.reduce(0, +)
            let meanLength = keptFrames / Double(kept.count)
            let lengthSE = (kept.reduce(0) { $0 + ($1 - meanLength) * ($1 - meanLength) } / Double(kept.count - 1)
                / Double(kept.count)).squareRoot()
            let share = keptFrames / total
            let shareSE = lengths.reduce(0) { $0 + pow($1 * (($1 >= 10 ? 1 : 0) - share), 2) }.squareRoot() / total
            #expect(abs(cut.meanRetainedLength - meanLength) < 4 * lengthSE,
                    "\(p.frameCount) frames: modelled \(cut.meanRetainedLength) vs simulated \(meanLength) ± \(lengthSE)")
            #expect(abs(cut.retainedFrameFraction - share) < 4 * shareSE,
                    "\(p.frameCount) frames: modelled \(cut.retainedFrameFraction) vs simulated \(share) ± \(shareSE)")
            if capturesMatter {
                #expect(abs(unbounded.meanRetainedLength - meanLength) > 4 * lengthSE,
                        "without the captures' ends \(unbounded.meanRetainedLength) vs \(meanLength) ± \(lengthSE)")
            }
        }
    }

    /// Walker's model is exact for noise-free Brownian steps: 2,000 tracks of 20
    /// steps of one D must deconvolve to a narrow peak at that D. The peak's SE
    /// in ln d is ≈ (1/√20)/√2000 = 0.5 %; 2 % leaves room for the ±1.3 % cell.
    /// Pooling tracks (default resolution) must agree with the unpooled
    /// likelihood (each track its own row, through ``FunctionTrackLikelihood``):
    /// at k = 20 the rounding moves a track's ln Δ by at most δ/2 = 0.1/√20 ≈ 2.2 %,
    /// independently of the track, so the median moves by ≈ (δ/√12)/√2000 ≈ 0.03 %;
    /// 0.3 % is ten of those.
    @Test func walkerIsExactOnNoiseFreeTracksAndPoolingIsHarmless() {
        let dt = 1.0 / 30, t = 22.0, eta = 0.9544
        let dUm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: 150, temperatureCelsius: t,
                                                    viscosityMillipascalSeconds: eta)
        let tracks = Simulator.fixedLengthTracks(count: 2000, positions: 21, diffusionUm2PerS: dUm2,
                                                 frameIntervalSeconds: dt, sigmaNanometers: 0, seed: 8)
        let moments = (0..<tracks.trackCount).map { i in tracks.withSample(of: i) { StepMoments($0) } }
        let frames = [Int](repeating: 21, count: moments.count)
        let pooled = OneLagGammaLikelihood.walker(moments: moments, frameIntervalSeconds: dt)
        let exact = OneLagGammaLikelihood(moments: moments, frameIntervalSeconds: dt, shapeRule: .steps,
                                          logResolution: 0)
        let unpooled = FunctionTrackLikelihood(trackCount: exact.trackCount) { n, d, out in
            exact.logLikelihood(exact.summary(ofTrack: n), diffusionNm2PerS: d, into: &out)
        }
        func run<M: TrackLikelihoodModel>(_ model: M) -> DeconvolvedSizeDistribution {
            DeconvolvedSizeDistribution(model: model, framesPerTrack: frames, frameIntervalSeconds: dt,
                                        temperatureCelsius: t, viscosityMillipascalSeconds: eta,
                                        minimumTrackLength: nil)
        }
        let a = run(pooled), b = run(unpooled)
        #expect(a.pooledRows < b.pooledRows)
        #expect(b.pooledRows == 2000)
        #expect(abs(b.summary.d50Nm / 150 - 1) < 0.02)
        #expect(b.summary.geometricSD < 1.10)
        #expect(abs(a.summary.d50Nm / b.summary.d50Nm - 1) < 0.003)
    }

    /// Pooling videos: the mono 100 nm tracks split into two "videos" with the
    /// same settings give exactly the single-video likelihood rows; a video
    /// declared 10 °C warmer sees every grid diameter diffuse faster by
    /// (T₂/η₂)/(T₁/η₁) ≈ 1.3 (water, 22 → 32 °C), the reference video by 1.
    @Test func pooledVideosShareTheGrid() {
        let f = Self.mono100
        let p = f.parameters
        let dt = p.frameIntervalSeconds
        let half = f.moments.count / 2
        let first = Array(f.moments[..<half]), second = Array(f.moments[half...])
        func model(_ m: [StepMoments]) -> OneLagGammaLikelihood {
            OneLagGammaLikelihood(moments: m, frameIntervalSeconds: dt, localisationVarianceNm2: f.sigma2)
        }
        let same = (temperatureCelsius: p.temperatureCelsius, viscosityMillipascalSeconds: p.effectiveViscosity)
        let pooled = PooledVideosLikelihood(videos: [model(first), model(second)], conditions: [same, same],
                                            reference: same)
        let single = model(f.moments)
        #expect(pooled.trackCount == single.trackCount)
        let d = DiameterGrid().diffusionNm2PerS(temperatureCelsius: same.0, viscosityMillipascalSeconds: same.1)
        var a = [Double](repeating: 0, count: d.count), b = a
        for n in [0, half - 1, half, single.trackCount - 1] {
            pooled.logLikelihood(pooled.summary(ofTrack: n), diffusionNm2PerS: d, into: &a)
            single.logLikelihood(single.summary(ofTrack: n), diffusionNm2PerS: d, into: &b)
            #expect(a == b)
        }
        let warmT = p.temperatureCelsius + 10
        let warm = (temperatureCelsius: warmT,
                    viscosityMillipascalSeconds: ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: warmT))
        let mixed = PooledVideosLikelihood(videos: [model(first), model(second)], conditions: [same, warm],
                                           reference: same)
        let scale = mixed.diffusionScale[1]
        // Stokes–Einstein D ∝ T/η: the scale is (T₂/η₂)/(T₁/η₁) in kelvin, computed here from the two conditions.
        let expected = ((warmT + 273.15) / warm.viscosityMillipascalSeconds)
            / ((p.temperatureCelsius + 273.15) / p.effectiveViscosity)
        #expect(abs(scale / expected - 1) < 1e-12, "scale \(scale) vs \(expected)")
        #expect(scale > 1.2 && scale < 1.4)  // the ≈ 1.3 of water from 22 to 32 °C (IAPWS: η 0.954 → 0.765 mPa·s)
        #expect(mixed.diffusionScale[0] == 1)
    }

    /// The bootstrap sums a replicate's multiplicities row by row over each row's tracks in ascending order
    /// (the order a pass over the tracks adds them): every track once, in its own row, ascending.
    @Test func tracksByRowListEachRowsTracksAscending() {
        var rng = SeededGenerator(seed: 31)
        let rows = 37
        let trackRow = (0..<2_000).map { _ in Int32(rng.nextInt(below: rows - 1)) }  // the last row has no track
        let (start, tracks) = DeconvolutionBootstrap.tracksByRow(trackRow, rows: rows)
        #expect(start.count == rows + 1 && start[0] == 0 && start[rows] == trackRow.count)
        for j in 0..<rows {
            let listed = tracks[start[j]..<start[j + 1]].map(Int.init)
            #expect(listed == trackRow.indices.filter { trackRow[$0] == Int32(j) })
        }
        #expect(start[rows] == start[rows - 1])
        #expect(DeconvolutionBootstrap.tracksByRow([], rows: 0) == ([0], []))
    }

    /// Issue 11: a replicate's row sums, counted in bytes and summed without branches, are bit for bit those of
    /// the plain rule (n draws from the replicate's stream, then per row, over its tracks in ascending order,
    /// Σ m and Σ m·frames over the tracks drawn), in its slot's entries only; and so are those recounted in 32
    /// bits when a track reaches the byte limit (lowered here to reach it).
    @Test func replicateRowSumsEqualThePlainRule() {
        var rng = SeededGenerator(seed: 5)
        let rows = 23, n = 3_000, slots = 3, slot = 1
        // Rows of very different sizes (most tracks in a few rows), frames with fractions.
        let trackRow = (0..<n).map { _ in Int32(min(rows - 1, Int(-log(rng.nextUniform()) * 4))) }
        let trackFrames = (0..<n).map { _ in Double(10 + rng.nextInt(below: 500)) + rng.nextUniform() }
        let byRow = DeconvolutionBootstrap.tracksByRow(trackRow, rows: rows)
        let framesByRow = byRow.tracks.map { trackFrames[Int($0)] }
        for (stream, limit) in [(UInt64(7), UInt8.max), (8, .max), (9, 2)] {
            var draw = SeededGenerator(seed: 77, stream: stream)
            var m = [Int](repeating: 0, count: n)
            for _ in 0..<n { m[draw.nextInt(below: n)] += 1 }
            let entries = PenalisedEM.rowEntryCount(rows: rows, batch: slots)
            var expectedW = [Double](repeating: -1, count: entries), expectedF = expectedW
            for j in 0..<rows {
                var sw = 0.0, sf = 0.0
                for t in 0..<n where trackRow[t] == Int32(j) && m[t] > 0 { sw += Double(m[t]); sf += Double(m[t]) * trackFrames[t] }
                expectedW[PenalisedEM.rowEntry(j, member: slot, batch: slots)] = sw
                expectedF[PenalisedEM.rowEntry(j, member: slot, batch: slots)] = sf
            }
            var w = [Double](repeating: -1, count: entries), f = w
            var counts = [UInt8](repeating: 9, count: n)
            counts.withUnsafeMutableBufferPointer { c in
                w.withUnsafeMutableBufferPointer { wb in
                    f.withUnsafeMutableBufferPointer { fb in
                        DeconvolutionBootstrap.drawReplicate(
                            seed: 77, stream: stream, counts: c, tracksByRow: byRow, framesByRow: framesByRow,
                            slot: slot, of: slots, weights: wb.baseAddress!, frames: fb.baseAddress!, byteLimit: limit)
                    }
                }
            }
            #expect(w.map(\.bitPattern) == expectedW.map(\.bitPattern), "stream \(stream)")
            #expect(f.map(\.bitPattern) == expectedF.map(\.bitPattern), "stream \(stream)")
            #expect(m.max()! >= 3, "a track is drawn past the lowered limit")
        }
    }
}
