import Foundation
import NTACore
import NTADiffusion

/// How the roughness penalty's strength λ is chosen.
public enum SmoothingChoice: Sendable, Hashable {
    /// λ minimising Akaike's criterion AIC = −2 ln L + 2·ED, ED the effective
    /// dimension tr((I + λP)⁻¹I), over λ = 10^q, q from `maxExponent` down to
    /// `minExponent` (Eilers & Borgdorff 2007's rule for penalised
    /// composite-link models). The search walks down whole decades from the
    /// smoothest fit; a smaller λ replaces the current best only if it lowers AIC
    /// by more than 2 (smaller differences are not meaningful; ties go to the
    /// smoother fit); it stops after two decades without such a gain, then tries
    /// the half decades either side of the best the same way.
    case aic(maxExponent: Double = 9, minExponent: Double = -1)
    /// A fixed λ.
    case fixed(Double)
}

/// Options of ``SizeDeconvolution``.
public struct DeconvolutionOptions: Sendable, Hashable {
    /// Order q of the difference penalty on ln p over the grid (3: log-normal shapes are unpenalised).
    public var penaltyOrder: Int = 3
    /// How the penalty strength λ is chosen (default: by AIC over a λ scan).
    public var smoothing: SmoothingChoice = .aic()
    /// Stop when the penalised log-likelihood gains less than this per SQUAREM cycle
    /// (log-likelihood units: 0.01 is far below the 0.5 that one standard error moves it).
    public var tolerance: Double = 0.01
    /// Tolerance while scanning λ (the chosen λ is then refined to ``tolerance``).
    public var searchTolerance: Double = 0.1
    /// Cap on E-steps per fit.
    public var maxEvaluations: Int = 3000
    /// Where a fit at a ``SmoothingChoice/fixed(_:)`` λ starts: β on the grid (the log weights up to a constant,
    /// e.g. a fit of the same tracks with a nuisance parameter moved, ``SizeDeconvolution/beta``); `nil`, or a
    /// count other than the grid's: uniform weights.
    public var start: [Double]? = nil
    /// Correction for the visits the minimum-track-length cut removed (see ``VisitLengthModel``);
    /// `nil` applies none.
    public var visitModel: VisitLengthModel? = nil
    /// When true (and ``visitModel`` is set), the model's sheet thickness is
    /// replaced by the one the observed track lengths imply
    /// (``VisitLengthModel/fittedSheetThickness(diametersNanometers:trackWeights:meanFramesPerTrack:minimumTrackLength:frameIntervalSeconds:temperatureCelsius:viscosityMillipascalSeconds:fieldWidthMicrometers:fieldHeightMicrometers:captureFrames:)``).
    public var fitsSheetThickness: Bool = true
    /// When true, the intensities show detection through a threshold (`DetectionDepth.ThresholdSignature` in
    /// NTADiffusion): the tracks' intensity depths are used whether or not the track lengths show depth growing
    /// with size (a video's short captures can hide that trend). Needs `trackDetectionDepths`.
    public var depthFollowsIntensities: Bool = false

    /// The defaults: third-order penalty, λ by AIC, tolerance 0.01, sheet thickness fitted.
    public init() {}
}

/// A size distribution deconvolved from per-track likelihoods (SCIENCE.md §3).
///
/// Two distributions come out of one fit:
/// - ``trackWeights``: the fraction of *tracks* (visits that passed the
///   track-length cut) per grid node — the penalised maximum-likelihood
///   mixing weights of the per-track likelihoods (Walker 2012's EM, with a
///   roughness penalty in place of early stopping);
/// - ``numberWeights``: the sample's *number* distribution. A stationary
///   sample seen through a detection volume: each particle spends on average
///   the same fraction of time in view whatever its size, but small ones make
///   more, shorter visits. So the number in view per size is ∝ tracks × mean
///   frames per track (``meanFramesPerTrack``, the posterior-weighted mean of
///   the tracks' frame counts at each node), divided by the fraction of
///   in-view frames that passed the track-length cut (``retainedFrameFraction``,
///   1 when no ``VisitLengthModel`` is given).
///
/// Assumptions: the per-track likelihood is right (Stokes–Einstein spheres,
/// known Δt, R, σ², T, η); the detection depth is one for every size unless the
/// track lengths show it growing with size (then ``detectionDepthSource``), and a
/// detection limit in the smallest sizes removes particles the deconvolution
/// cannot restore; track length is treated as ancillary in the
/// size likelihood (P(k | d) is not modelled in the EM).
public struct SizeDeconvolution: Sendable {
    /// The log-spaced diameter grid the distribution lives on.
    public var grid: DiameterGrid
    /// Fraction of tracks per node (sums to 1).
    public var trackWeights: [Double]
    /// Posterior mean frames per track at each node (NaN where no track has weight).
    public var meanFramesPerTrack: [Double]
    /// Fraction of in-view frames at each node's size that belong to visits
    /// long enough to pass the cut (1 without a visit model).
    public var retainedFrameFraction: [Double]
    /// The sample's number distribution per node (sums to 1).
    public var numberWeights: [Double]
    /// The visit model used for the cut correction (with the fitted sheet
    /// thickness when fitted), or `nil` when none was applied.
    public var visitModel: VisitLengthModel?
    /// Each node's effective sheet thickness relative to the reference size's (1 unless the track
    /// lengths showed detection depth growing with size; see ``trackLengthTrend()``): the number
    /// distribution divides by it, since a deeper detection volume sees proportionally more particles.
    public var relativeDetectionDepth: [Double]
    /// Where ``relativeDetectionDepth`` came from.
    public var detectionDepthSource: DetectionDepthSource = .uniform
    /// The smallest diameter detected at the sheet's centre, nm, when the depth came from the intensities
    /// (``DetectionDepthSource/intensities``): the track-weighted median over the nodes under 150 nm of
    /// d·exp(−h²/6), with h² = ln(B/T) from the node's depth (`DetectionDepth.thresholdDiameterNanometers` in
    /// NTADiffusion). ``numberWeights`` are zero below it: nothing there can be detected, so nothing is
    /// restored. `nil` otherwise.
    public var detectionLimitNanometers: Double?
    /// The smallest size whose particles the tracks can count, nm: below it so few of a particle's visits last the
    /// minimum track length (``retainedFrameFraction`` under 1/N, N the tracks weighed) that one track's weight there
    /// would stand for more particles than all N tracks together: the number there rests on less than one track.
    /// ``numberWeights`` are zero below it. `nil` when the grid's first node is above it
    /// (``trackingLimit(diametersNanometers:retainedFrameFraction:trackCount:)``).
    public var trackingLimitNanometers: Double?

    /// How the detection depth's dependence on size was found.
    public enum DetectionDepthSource: String, Sendable, Hashable, Codable {
        /// One depth for every size: the track lengths showed no growth with size.
        case uniform
        /// h(d) ∝ d^γ fitted to the track lengths (``VisitLengthModel/fittedSizeDependentThickness(diametersNanometers:trackWeights:meanFramesPerTrack:)``).
        case trackLengths
        /// Each track's own depth from its intensities (``DetectionDepth``: a Gaussian sheet through an
        /// intensity threshold), used when the track lengths showed growth with size and the tracks had intensities.
        case intensities
    }
    /// The penalty strength used.
    public var lambda: Double
    /// Effective number of parameters at that λ.
    public var effectiveDimension: Double
    /// ln L of the tracks at the solution (up to a constant per track).
    public var logLikelihood: Double
    /// Number of tracks used.
    public var trackCount: Int
    /// E-steps spent (all λ tried included).
    public var evaluations: Int
    /// The β (ln p up to a constant) of the solution, for warm starts (``DeconvolutionOptions/start``).
    public internal(set) var beta: [Double]

    /// In-view frames of all visits per in-view frame of the tracks kept:
    /// Σₘ pₘℓ̄ₘ/rₘ / Σₘ pₘℓ̄ₘ (r the ``retainedFrameFraction``). Multiplying the
    /// observed mean number of tracked particles per frame by it restores the
    /// particles the track-length cut hid (for a concentration).
    public var cutFrameCorrection: Double {
        var kept = 0.0, all = 0.0
        for m in trackWeights.indices where trackWeights[m] > 0 {
            let f = trackWeights[m] * meanFramesPerTrack[m]
            kept += f
            all += f / max(retainedFrameFraction[m], 1e-6)
        }
        return kept > 0 ? all / kept : .nan
    }

    /// The number distribution on 1-nm bins, scaled to `total` (e.g. a
    /// concentration or a particle count).
    public func numberDistribution(total: Double = 1) -> BinnedDistribution {
        grid.binned(numberWeights.map { $0 * total })
    }

    /// The track distribution on 1-nm bins, scaled to `total`.
    public func trackDistribution(total: Double = 1) -> BinnedDistribution {
        grid.binned(trackWeights.map { $0 * total })
    }

    /// NanoSight-style statistics of the number distribution (1-nm bins).
    public var numberStatistics: SizeStatistics { SizeStatistics(numberDistribution()) }

    /// Summary of the number distribution: quantiles, mode and window fraction of its 1-nm bins
    /// (as the reported statistics), and the geometric SD on the grid.
    public func summary(window: SizeWindow = .exosome) -> GridSizeSummary {
        GridSizeSummary(weights: numberWeights, grid: grid, window: window)
    }

    /// Deconvolves the tracks behind `matrix`: λ by ``DeconvolutionOptions/smoothing``, each fit by
    /// SQUAREM-accelerated EM; the chosen fit is then finished by Newton steps on the penalised
    /// objective (EM's steps shrink where the penalty dominates the data, so its stopping rule can
    /// stop well short of the maximiser: a narrow sample at a large λ read too wide).
    ///
    /// `trackDetectionDepths` gives each track's relative detection depth from its intensities
    /// (``DetectionDepth`` in NTADiffusion; positive, one per track, or `nil`), asked for only when the
    /// track lengths show depth growing with size or ``DeconvolutionOptions/depthFollowsIntensities`` is set.
    public init(matrix: LikelihoodMatrix, options: DeconvolutionOptions = DeconvolutionOptions(),
                trackDetectionDepths: (() -> [Double]?)? = nil) {
        let solver = PenalisedEM(matrix: matrix, order: options.penaltyOrder)
        let weights = matrix.rowTrackCount
        let m = matrix.grid.count
        var evaluations = 0
        var best: (fit: PenalisedEM.Fit, lambda: Double, ed: Double, aic: Double)?
        switch options.smoothing {
        case .fixed(let lambda):
            let start = options.start.flatMap { $0.count == m && $0.allSatisfy(\.isFinite) ? $0 : nil }
            let fit = solver.fit(start: start ?? [Double](repeating: 0, count: m), lambda: lambda, weights: weights,
                                 tolerance: options.tolerance, maxEvaluations: options.maxEvaluations)
            evaluations += fit.evaluations
            let ed = solver.effectiveDimension(fit.weights, lambda: lambda, weights: weights)
            best = (fit, lambda, ed, -2 * fit.logLikelihood + 2 * ed)
        case .aic(let qMax, let qMin):
            // Whole decades from qMax down while AIC improves (stopping three decades past the
            // best), then the half decades on either side of the best.
            var start = [Double](repeating: 0, count: m)
            var fits: [Double: (fit: PenalisedEM.Fit, lambda: Double, ed: Double, aic: Double)] = [:]
            func evaluate(_ q: Double, from beta: [Double]) -> (fit: PenalisedEM.Fit, lambda: Double, ed: Double, aic: Double) {
                if let known = fits[q] { return known }
                let lambda = pow(10, q)
                let fit = solver.fit(start: beta, lambda: lambda, weights: weights,
                                     tolerance: options.searchTolerance, maxEvaluations: options.maxEvaluations)
                evaluations += fit.evaluations
                let ed = solver.effectiveDimension(fit.weights, lambda: lambda, weights: weights)
                let result = (fit, lambda, ed, -2 * fit.logLikelihood + 2 * ed)
                fits[q] = result
                return result
            }
            var q = qMax
            var bestQ = qMax
            var sinceBest = 0
            while q >= qMin - 1e-9 {
                let r = evaluate(q, from: start)
                // A smaller λ must lower AIC by more than 2 to be preferred (differences below 2
                // are not meaningful, Burnham & Anderson 2002): ties go to the smoother fit.
                if best == nil || r.aic < best!.aic - 2 {
                    best = r
                    bestQ = q
                    sinceBest = 0
                } else {
                    sinceBest += 1
                    if sinceBest >= 2 { break }
                }
                start = r.fit.beta
                q -= 1
            }
            for half in [bestQ + 0.5, bestQ - 0.5] where half <= qMax && half >= qMin {
                let r = evaluate(half, from: best!.fit.beta)
                if r.aic < best!.aic - 2 { best = r }
            }
            StageTimings.shared.mark("deconvolution: λ scan")
            // Refine the chosen fit to the final tolerance.
            let refined = solver.refine(best!.fit, lambda: best!.lambda, weights: weights,
                                        tolerance: options.tolerance, maxEvaluations: options.maxEvaluations)
            evaluations += refined.evaluations
            best!.fit = refined
        }
        // Newton steps finish what SQUAREM's stopping rule left (see PenalisedEM.newtonPolish).
        let polished = solver.newtonPolish(best!.fit, lambda: best!.lambda, weights: weights, tolerance: options.tolerance)
        evaluations += polished.evaluations - best!.fit.evaluations
        best!.fit = polished
        StageTimings.shared.mark("deconvolution: refine and polish")
        let chosen = best!
        self.init(solver: solver, fit: chosen.fit, lambda: chosen.lambda, effectiveDimension: chosen.ed,
                  rowWeights: weights, rowFrames: matrix.rowFrames, trackCount: matrix.trackCount,
                  evaluations: evaluations, visitModel: options.visitModel,
                  fitsSheetThickness: options.fitsSheetThickness, depthFollowsIntensities: options.depthFollowsIntensities,
                  trackDetectionDepths: trackDetectionDepths)
    }

    /// Assembles a result from a converged fit, with the full-grid E-step (posterior frames included) at it.
    init(solver: PenalisedEM, fit: PenalisedEM.Fit, lambda: Double, effectiveDimension: Double,
         rowWeights: [Double], rowFrames: [Double], trackCount: Int, evaluations: Int,
         visitModel: VisitLengthModel?, fitsSheetThickness: Bool = false, depthFollowsIntensities: Bool = false,
         trackDetectionDepths: (() -> [Double]?)? = nil) {
        let e = solver.expectation(fit.weights, weights: rowWeights, frames: rowFrames)
        // Each node's depth from its tracks' own (intensities), asked for only when the track lengths show
        // depth growing with size or the intensities show a threshold (`depthFollowsIntensities`): the
        // frame-weighted mean of 1/h as a function of size, regressed through the tracks' posteriors
        // (``PosteriorRegression``: a node's posterior tracks are largely other sizes', whose depths a plain
        // posterior average would report), inverted: the depth the node's in-view frames were seen in.
        let intensityDepth: (() -> [Double]?)? = trackDetectionDepths.map { depths in
            {
                guard let h = depths(), h.count == solver.matrix.trackCount, !h.isEmpty else { return nil }
                let inverse = h.map { 1 / $0 }
                guard let lowest = inverse.min(), let highest = inverse.max(), lowest > 0, highest.isFinite,
                      let fitted = PosteriorRegression.fit(solver.matrix, at: fit.weights, rowWeights: rowFrames,
                                                           rowTargets: solver.matrix.rowFramesTimes(inverse),
                                                           serial: solver.serial)
                else { return nil }
                return fitted.map { 1 / min(max($0.isFinite ? $0 : highest, lowest), highest) }
            }
        }
        self.init(grid: solver.matrix.grid, fit: fit, expectation: e,
                  hasData: rowWeights.contains { $0 > 0 }, lambda: lambda, effectiveDimension: effectiveDimension,
                  trackCount: trackCount, evaluations: evaluations, visitModel: visitModel,
                  fitsSheetThickness: fitsSheetThickness, depthFollowsIntensities: depthFollowsIntensities,
                  intensityDepth: intensityDepth)
    }

    /// Assembles a result from a converged fit and the full-grid E-step `e` at it, which must carry the
    /// posterior frames (the bootstrap computes it for a batch of replicates at once). `intensityDepth`
    /// gives each node's detection depth from its tracks' intensities, asked for (and used, normalised at
    /// the reference size, instead of the power law's) only when the track lengths show depth growing with size
    /// or `depthFollowsIntensities` says the intensities show a threshold.
    init(grid: DiameterGrid, fit: PenalisedEM.Fit, expectation e: PenalisedEM.Expectation, hasData: Bool,
         lambda: Double, effectiveDimension: Double, trackCount: Int, evaluations: Int,
         visitModel: VisitLengthModel?, fitsSheetThickness: Bool = false, depthFollowsIntensities: Bool = false,
         retainedFrameFraction precomputed: [Double]? = nil, relativeDetectionDepth precomputedDepth: [Double]? = nil,
         detectionLimitNanometers precomputedLimit: Double? = nil, intensityDepth: (() -> [Double]?)? = nil) {
        let p = fit.weights
        var meanFrames = [Double](repeating: .nan, count: grid.count)
        if let frames = e.frames {
            for i in 0..<grid.count where e.counts[i] > 0 { meanFrames[i] = frames[i] / e.counts[i] }
        }
        // Where a node has (almost) no posterior tracks its mean length is ill-determined;
        // those nodes carry (almost) no track weight either. Fill from the nearest defined node.
        SizeDeconvolution.fillUndefined(&meanFrames, counts: e.counts)
        var model = visitModel
        var source = DetectionDepthSource.uniform
        var limit = precomputedLimit
        if var v = model, fitsSheetThickness, precomputed == nil {
            let h = VisitLengthModel.fittedSheetThickness(
                diametersNanometers: grid.diametersNanometers, trackWeights: p, meanFramesPerTrack: meanFrames,
                minimumTrackLength: v.minimumTrackLength, frameIntervalSeconds: v.frameIntervalSeconds,
                temperatureCelsius: v.temperatureCelsius, viscosityMillipascalSeconds: v.viscosityMillipascalSeconds,
                fieldWidthMicrometers: v.fieldWidthMicrometers, fieldHeightMicrometers: v.fieldHeightMicrometers,
                captureFrames: v.captureFrames)
            if h.isFinite { v.sheetThicknessMicrometers = h }
            // Detection depth growing with size (a Gaussian sheet seen through an intensity threshold):
            // only when the track lengths show it clearly does the thickness become a function of size.
            // Or when the intensities show detection through a threshold, which makes depth grow with
            // brightness whether or not short captures let the track lengths show it.
            let lengthsShowIt = SizeDeconvolution.showsSizeDependentDepth(SizeDeconvolution.trackLengthTrend(
                model: v, grid: grid, trackWeights: p, meanFrames: meanFrames, trackCount: trackCount))
            if lengthsShowIt || (depthFollowsIntensities && intensityDepth != nil) {
                if let fromIntensities = intensityDepth?() {
                    // The thickness takes the shape the intensities give (relative to the node nearest the
                    // reference size a power law would use) and its scale from the track lengths: the visits
                    // the cut removes and the volume each size is seen in then follow the same depth.
                    let nodes = VisitLengthModel.fittingNodes(trackWeights: p, meanFramesPerTrack: meanFrames)
                    if nodes.count >= 3 {
                        v.referenceDiameterNanometers = VisitLengthModel.referenceDiameter(
                            nodes: nodes, diametersNanometers: grid.diametersNanometers, trackWeights: p)
                    }
                    let reference = grid.diametersNanometers.indices.min {
                        abs(log(grid.diametersNanometers[$0] / v.referenceDiameterNanometers))
                            < abs(log(grid.diametersNanometers[$1] / v.referenceDiameterNanometers))
                    } ?? 0
                    v = v.fittedScale(ofProfile: fromIntensities.map { $0 / fromIntensities[reference] },
                                      diametersNanometers: grid.diametersNanometers, trackWeights: p,
                                      meanFramesPerTrack: meanFrames)
                    source = .intensities
                    // The intensities' depth is √ln(B/T): it also says below which size nothing is detected.
                    limit = DetectionDepth.thresholdDiameterNanometers(
                        diameters: grid.diametersNanometers, depths: fromIntensities,
                        weights: p.map { $0 * Double(trackCount) })
                } else if lengthsShowIt {
                    v = v.fittedSizeDependentThickness(diametersNanometers: grid.diametersNanometers, trackWeights: p,
                                                       meanFramesPerTrack: meanFrames)
                    source = .trackLengths
                }
            }
            model = v
        }
        let retained = precomputed ?? model?.retainedFrameFraction(diametersNanometers: grid.diametersNanometers)
            ?? [Double](repeating: 1, count: grid.count)
        let depth = precomputedDepth ?? grid.diametersNanometers.map { d in
            model.map { $0.sheetThickness(diameterNanometers: d) / $0.sheetThicknessMicrometers } ?? 1
        }
        // Below the detection limit no particle is seen at any depth, and below the tracking limit (almost) none stays
        // in view for the minimum track length: the little track weight the fit puts there is the neighbouring sizes'
        // scatter, which a depth or a retained fraction near zero would multiply without bound.
        let tracking = SizeDeconvolution.trackingLimit(diametersNanometers: grid.diametersNanometers,
                                                       retainedFrameFraction: retained, trackCount: trackCount)
        var number = (0..<grid.count).map { i -> Double in
            if let limit, grid.diametersNanometers[i] < limit { return 0 }
            if let tracking, grid.diametersNanometers[i] < tracking { return 0 }
            return p[i] * meanFrames[i] / (max(retained[i], 1e-6) * depth[i])
        }
        let total = number.reduce(0, +)
        if total > 0 { for i in number.indices { number[i] /= total } }
        // Without tracks there is no distribution: all weights zero, statistics NaN.
        let trackP = hasData ? p : [Double](repeating: 0, count: grid.count)
        if !hasData { number = trackP }
        self.grid = grid
        trackWeights = trackP
        meanFramesPerTrack = meanFrames
        retainedFrameFraction = retained
        relativeDetectionDepth = depth
        detectionDepthSource = source
        detectionLimitNanometers = limit
        trackingLimitNanometers = tracking
        self.visitModel = model
        numberWeights = number
        self.lambda = lambda
        self.effectiveDimension = effectiveDimension
        logLikelihood = fit.logLikelihood
        self.trackCount = trackCount
        self.evaluations = evaluations + 1
        beta = fit.beta
    }

    /// The ``trackingLimitNanometers`` of a grid whose nodes keep `retainedFrameFraction` of their in-view frames in
    /// tracks of at least the minimum length, for `trackCount` tracks: the first node that keeps at least 1/N (at
    /// r < 1/N a track's weight p = 1/N becomes p·ℓ̄/r > ℓ̄ after the cut's correction, more than the whole sample's
    /// Σ pℓ̄/r ≈ ℓ̄ where r ≈ 1; r grows with size, as slower particles stay longer); `nil` when that is the grid's
    /// first node, and beyond the last node (nothing countable) when none keeps that much.
    static func trackingLimit(diametersNanometers d: [Double], retainedFrameFraction r: [Double],
                              trackCount: Int) -> Double? {
        guard trackCount > 0 else { return nil }
        let floor = 1 / Double(trackCount)
        guard let first = r.firstIndex(where: { $0 >= floor }) else { return d.last.map { $0.nextUp } }
        return first == 0 ? nil : d[first]
    }

    /// How the observed mean track length departs from the fitted visit model across sizes: the
    /// weighted least-squares slope of ln(ℓ̄ₘ/ℓ̂ₘ) on ln dₘ over the nodes carrying ≥ 0.1 % of the
    /// tracks (weights: tracks per node), with its standard error taking each track's ln ℓ as of
    /// unit variance (an optimistic SE: neighbouring nodes share posterior tracks).
    ///
    /// A clearly positive slope means large particles stay in view longer than one sheet thickness
    /// explains — e.g. brighter particles detected deeper in a Gaussian light sheet — so the number
    /// distribution over-weights large sizes. `nil` without a visit model or with fewer than 3 nodes.
    public func trackLengthTrend() -> (slope: Double, standardError: Double)? {
        guard var model = visitModel else { return nil }
        // Judged against one thickness for every size (the model the slope is a departure from).
        model.sheetThicknessExponent = 0
        model.thicknessProfile = nil
        return SizeDeconvolution.trackLengthTrend(model: model, grid: grid, trackWeights: trackWeights,
                                                  meanFrames: meanFramesPerTrack, trackCount: trackCount)
    }

    /// The slope (``trackLengthTrend()``) above which (and above 5 SE) the thickness is fitted as a
    /// function of size: 0.1, 7 % longer tracks per doubling of size than one thickness explains.
    /// Simulated uniform sheets gave −0.06 … −0.03 on mixtures (SE 0.01–0.04); a Gaussian sheet with an
    /// intensity threshold +0.18 … +0.36 (lower when short captures truncate the long visits, which the
    /// visit model does not model).
    public static let sizeDependentDepthSlope = 0.1

    /// Whether a ``trackLengthTrend()`` shows detection depth growing with size: its slope above
    /// ``sizeDependentDepthSlope`` and above 5 standard errors (`false` without a trend).
    public static func showsSizeDependentDepth(_ trend: (slope: Double, standardError: Double)?) -> Bool {
        trend.map { $0.slope > sizeDependentDepthSlope && $0.slope > 5 * $0.standardError } ?? false
    }

    static func trackLengthTrend(model: VisitLengthModel, grid: DiameterGrid, trackWeights: [Double],
                                 meanFrames meanFramesPerTrack: [Double], trackCount: Int)
        -> (slope: Double, standardError: Double)? {
        let top = trackWeights.max() ?? 0
        let nodes = trackWeights.indices.filter { trackWeights[$0] > 1e-3 * top && meanFramesPerTrack[$0].isFinite }
        guard nodes.count >= 3 else { return nil }
        var xs: [Double] = [], rs: [Double] = [], ws: [Double] = []
        // The nodes' visit models on all cores (each is independent of the others), then taken in node order.
        let predictions = model.meanRetainedLengths(diametersNanometers: nodes.map { grid.diametersNanometers[$0] })
        for (m, predicted) in zip(nodes, predictions) {
            guard predicted.isFinite, predicted > 0 else { continue }
            xs.append(log(grid.diametersNanometers[m]))
            rs.append(log(meanFramesPerTrack[m] / predicted))
            ws.append(trackWeights[m] * Double(trackCount))
        }
        let w = ws.reduce(0, +)
        guard xs.count >= 3, w > 0 else { return nil }
        let mx = zip(xs, ws).reduce(0) { $0 + $1.0 * $1.1 } / w
        let mr = zip(rs, ws).reduce(0) { $0 + $1.0 * $1.1 } / w
        var sxx = 0.0, sxr = 0.0
        for i in xs.indices {
            sxx += ws[i] * (xs[i] - mx) * (xs[i] - mx)
            sxr += ws[i] * (xs[i] - mx) * (rs[i] - mr)
        }
        guard sxx > 0 else { return nil }
        return (sxr / sxx, 1 / sxx.squareRoot())
    }

    /// Replaces mean lengths at nodes with posterior counts below 10⁻⁶ of the
    /// largest by the value at the nearest well-determined node.
    static func fillUndefined(_ values: inout [Double], counts: [Double]) {
        let top = counts.max() ?? 0
        let good = values.indices.filter { counts[$0] > 1e-6 * top && values[$0].isFinite }
        guard !good.isEmpty else {
            for i in values.indices { values[i] = 1 }
            return
        }
        for i in values.indices where !(counts[i] > 1e-6 * top && values[i].isFinite) {
            var nearest = good[0]
            for g in good where abs(g - i) < abs(nearest - i) { nearest = g }
            values[i] = values[nearest]
        }
    }
}

/// Summary statistics of a distribution on a ``DiameterGrid``.
public struct GridSizeSummary: Sendable, Hashable, Codable {
    /// 10th percentile of the number distribution, nm (1-nm bins).
    public var d10Nm: Double
    /// Median, nm (1-nm bins).
    public var d50Nm: Double
    /// 90th percentile, nm (1-nm bins).
    public var d90Nm: Double
    /// Mode of the distribution on 1-nm bins (number per nm), NanoSight's sub-bin parabola.
    public var modeNm: Double
    /// Arithmetic mean, nm.
    public var meanNm: Double
    /// exp(SD of ln d).
    public var geometricSD: Double
    /// Number fraction inside the window.
    public var windowFraction: Double
    /// Number fraction below the window's lower edge (above its upper edge: 1 − this − ``windowFraction``).
    public var belowWindowFraction: Double

    /// The summary of number weights on `grid`, with the number fraction inside `window`; with `scale` ≠ 1, of the
    /// distribution moved to every node's diameter times `scale` (``DiameterGrid/binned(_:scaledBy:)``).
    public init(weights: [Double], grid: DiameterGrid, window: SizeWindow, scale: Double = 1) {
        // D10/D50/D90, the mode and the window fraction are those of the 1-nm bins, exactly as the
        // reported statistics (``SizeStatistics``) are computed, so a point and its bootstrap
        // interval always share one definition.
        let binned = grid.binned(weights, scaledBy: scale)
        let statistics = SizeStatistics(binned)
        d10Nm = statistics.d10Nm
        d50Nm = statistics.d50Nm
        d90Nm = statistics.d90Nm
        modeNm = statistics.modeNm
        var m1 = 0.0, total = 0.0
        for i in weights.indices {
            m1 += weights[i] * scale * grid.diametersNanometers[i] * (sinh(grid.logSpacing / 2) / (grid.logSpacing / 2))
            total += weights[i]
        }
        meanNm = total > 0 ? m1 / total : .nan
        geometricSD = grid.geometricMoments(weights).geometricSD
        windowFraction = window.fraction(of: binned)
        belowWindowFraction = binned.fraction(from: 0, to: window.minNm)
    }
}

/// A deconvolved number distribution with its bootstrap confidence intervals:
/// the one call a pipeline needs.
public struct DeconvolvedSizeDistribution: Sendable {
    /// The fewest tracks the bootstrap is run on: 6. Below it no distribution-free 95 % interval exists even for a
    /// median (the widest, from the smallest to the largest of n observations, covers with 1 − 2·0.5ⁿ < 0.95 for
    /// n ≤ 5), and resampling 1 track gives the same replicate every time (an interval of width 0).
    public static let minimumTracksForIntervals = 6

    /// The deconvolution: grid weights, λ and the fit behind them.
    public var deconvolution: SizeDeconvolution
    /// Statistics of the number distribution.
    public var summary: GridSizeSummary
    /// `nil` when no bootstrap was asked for.
    public var bootstrap: DeconvolutionBootstrap?
    /// Whether the tracks resolve the distribution's width (``WidthResolution``); `nil` for a broad distribution.
    public var widthResolution: WidthResolution?
    /// Distinct likelihood rows evaluated (tracks pooled by summary).
    public var pooledRows: Int
    /// The summary of the fit redone with a held-fixed nuisance parameter moved by one standard
    /// error, when its uncertainty was added to the intervals (see ``addUncertainty(of:)``); `nil` otherwise.
    public var nuisanceShifted: GridSizeSummary? = nil
    /// The size window ``summary``'s fraction is of.
    public var window: SizeWindow = .exosome

    /// Deconvolves tracks described by `model` (see ``TrackLikelihoodModel``).
    ///
    /// - Parameters:
    ///   - framesPerTrack: each track's time in view, frames: its number of
    ///     localisations (its frame span if tracks may have gaps).
    ///   - trackDetectionDepths: each track's relative detection depth from its intensities
    ///     (``DetectionDepth``), asked for only when the track lengths show depth growing with size.
    ///   - minimumTrackLength: the cut the tracks passed (localisations); when
    ///     given, the visits it removed are corrected for with a
    ///     ``VisitLengthModel`` whose sheet thickness is fitted to the observed
    ///     track lengths (`sheetThicknessMicrometers` is the starting value
    ///     reported if the fit fails); `nil` applies no cut correction.
    ///   - fieldOfViewMicrometers: image width and height × pixel size, for the
    ///     lateral entries and exits of the visit model; `nil` ignores them.
    ///   - captureFrames: the captures' mean length, frames, whose ends cut the visits
    ///     (``VisitLengthModel/captureFrames``); `nil` ignores them.
    ///   - bootstrapReplicates: 0 for none; none either with fewer than ``minimumTracksForIntervals`` tracks.
    public init<Model: TrackLikelihoodModel>(
        model: Model, framesPerTrack: [Int], trackDetectionDepths: (() -> [Double]?)? = nil, frameIntervalSeconds: Double,
        temperatureCelsius: Double, viscosityMillipascalSeconds: Double, minimumTrackLength: Int?,
        sheetThicknessMicrometers: Double = 5, fieldOfViewMicrometers: (width: Double, height: Double)? = nil,
        captureFrames: Double? = nil, grid: DiameterGrid = DiameterGrid(), options: DeconvolutionOptions = DeconvolutionOptions(),
        window: SizeWindow = .exosome, bootstrapReplicates: Int = 0, seed: UInt64 = 1, level: Double = 0.95
    ) {
        let matrix = LikelihoodMatrix(
            model: model, framesPerTrack: framesPerTrack, grid: grid,
            diffusionNm2PerS: grid.diffusionNm2PerS(temperatureCelsius: temperatureCelsius,
                                                    viscosityMillipascalSeconds: viscosityMillipascalSeconds))
        StageTimings.shared.mark("deconvolution: likelihood rows")
        var options = options
        if let lmin = minimumTrackLength, options.visitModel == nil {
            options.visitModel = VisitLengthModel(
                sheetThicknessMicrometers: sheetThicknessMicrometers, minimumTrackLength: lmin,
                frameIntervalSeconds: frameIntervalSeconds, temperatureCelsius: temperatureCelsius,
                viscosityMillipascalSeconds: viscosityMillipascalSeconds)
            options.visitModel?.fieldWidthMicrometers = fieldOfViewMicrometers?.width
            options.visitModel?.fieldHeightMicrometers = fieldOfViewMicrometers?.height
            options.visitModel?.captureFrames = captureFrames
        }
        let result = SizeDeconvolution(matrix: matrix, options: options, trackDetectionDepths: trackDetectionDepths)
        StageTimings.shared.mark("deconvolution: final E-step and visit model")
        deconvolution = result
        summary = result.summary(window: window)
        self.window = window
        pooledRows = matrix.rowCount
        widthResolution = WidthResolution(matrix: matrix, deconvolution: result, order: options.penaltyOrder)
        // Fewer tracks than an interval needs: none is given (the pipeline says why).
        // A width the tracks do not resolve leaves the fit a spike no refit moves from: its replicates move its
        // location only (``DeconvolutionBootstrap/init(locationOf:matrix:replicates:seed:level:window:)``).
        if bootstrapReplicates > 0 && matrix.trackCount >= Self.minimumTracksForIntervals {
            bootstrap = widthResolution?.isUnresolved == true
                ? DeconvolutionBootstrap(locationOf: result, matrix: matrix, replicates: bootstrapReplicates, seed: seed,
                                         level: level, window: window)
                : DeconvolutionBootstrap(matrix: matrix, deconvolution: result, replicates: bootstrapReplicates, seed: seed,
                                         level: level, window: window, options: options)
        } else {
            bootstrap = nil
        }
        if bootstrap != nil { StageTimings.shared.mark("bootstrap") }
    }
}
