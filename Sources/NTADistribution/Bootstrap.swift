import Dispatch
import Foundation
import NTACore

/// A two-sided confidence interval with the bootstrap standard error.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    /// Lower end, in the estimate's unit.
    public var lower: Double
    /// Upper end, in the estimate's unit.
    public var upper: Double
    /// Standard deviation of the bootstrap replicates.
    public var standardError: Double

    /// An interval from its ends and the replicates' standard deviation.
    public init(lower: Double, upper: Double, standardError: Double) {
        self.lower = lower
        self.upper = upper
        self.standardError = standardError
    }

    /// Percentile interval at `level` of `values` (NaNs ignored).
    public init(percentileOf values: [Double], level: Double) {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { self.init(lower: .nan, upper: .nan, standardError: .nan); return }
        func q(_ f: Double) -> Double { Quantile.ofSorted(v, f) }
        let mean = v.reduce(0, +) / Double(v.count)
        let sd = v.count > 1 ? (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)).squareRoot() : 0
        self.init(lower: q((1 - level) / 2), upper: q((1 + level) / 2), standardError: sd)
    }
}

/// Bootstrap over tracks of a ``SizeDeconvolution``: confidence intervals for
/// the number distribution's D10, D50, D90, mode, geometric SD and window fraction.
///
/// Each replicate resamples the N tracks with replacement (track i drawn
/// from `SeededGenerator(seed:stream: replicate)`, so the result depends only on
/// the seed, not on the number of cores), refits at the full-data λ (the
/// penalty strength is held fixed: the intervals do not include the
/// uncertainty of its choice) from the full-data solution, and converts to
/// the number distribution with the replicate's own posterior track lengths
/// and the full-data cut correction (whose own uncertainty is not propagated).
/// Replicates run in parallel. Percentile intervals.
///
/// Tracks are resampled as independent; repeated visits of one particle are
/// not independent, so intervals are somewhat optimistic when particles
/// return to view often (dilute samples in long videos).
public struct DeconvolutionBootstrap: Sendable {
    /// Summary of each replicate's number distribution.
    public var replicates: [GridSizeSummary]
    /// Two-sided level of the intervals (0.95: the 2.5th and 97.5th percentiles of the replicates).
    public var level: Double
    /// Interval of the number distribution's D10, nm (1-nm bins, as the point estimate).
    public var d10Nm: ConfidenceInterval
    /// Interval of the D50 (median), nm.
    public var d50Nm: ConfidenceInterval
    /// Interval of the D90, nm.
    public var d90Nm: ConfidenceInterval
    /// Interval of the mode, nm.
    public var modeNm: ConfidenceInterval
    /// Interval of the geometric SD, exp(SD of ln d).
    public var geometricSD: ConfidenceInterval
    /// Interval of the number fraction inside the size window (0–1).
    public var windowFraction: ConfidenceInterval
    /// E-steps spent over all replicates.
    public var evaluations: Int
    /// The replicates whose final E-step (with the frames) was taken after their fit, not folded into its last.
    var finalEStepsTaken: Int
    /// Whether the replicates moved the distribution's location only (its width unresolved; see
    /// ``init(locationOf:matrix:replicates:seed:level:window:)``) rather than refitting it.
    public var locationOnly: Bool
    /// The pointwise `level` percentile band of the replicates' number distributions on the
    /// reported 1-nm bins, each replicate normalised to a total of 1 (a fraction per bin):
    /// the uncertainty of the curve's shape, for figures.
    public var numberDistributionBand: DistributionBand

    /// Runs `replicates` bootstrap refits of `deconvolution` (which must come from `matrix`).
    ///
    /// A replicate is a vector of integer multiplicities over the tracks (track i drawn n times
    /// from `SeededGenerator(seed:stream: replicate)`), summed per pooled likelihood row: tracks
    /// sharing a row are weighted, never repeated, and the replicate depends on its own stream
    /// only. Replicates are fitted in slots that share each pass over the likelihood rows: 8 slots per
    /// worker, one worker per core (each E-step on its worker's thread), or, when the rows' non-zero
    /// blocks exceed 16 MiB (more than the cores' caches hold), 32 slots with each E-step split over
    /// fixed chunks of rows for all cores, which halves the memory traffic per replicate. A slot whose
    /// replicate has finished takes the next one at once, so the passes stay full while replicates take
    /// different numbers of E-steps. Weight buffers are allocated once. No replicate's result depends on
    /// its slot, its worker, the other replicates or the number of cores.
    ///
    /// Each replicate is refitted at the full-data λ (the penalty strength is held fixed: the
    /// intervals do not include the uncertainty of its choice) from the full-data solution β̂ by a
    /// quasi-Newton method seeded with the full data's curvature at β̂, shared by all replicates
    /// (``QuasiNewtonIteration`` with its ``QuasiNewtonIteration/Rule/bootstrapReplicate`` rule: Powell's
    /// damping, stopped by the model's remaining gain; SQUAREM from its best point if it cannot step).
    /// SQUAREM alone from β̂, or a stop on one step's gain, stopped short along the objective's flat
    /// directions, leaving replicates too close to β̂ and the intervals too narrow. It is converted to the number distribution with its own posterior track
    /// lengths (a last E-step with the frames) and the full-data cut correction (whose own uncertainty is
    /// not propagated).
    ///
    /// - Parameters:
    ///   - maxEvaluationsPerReplicate: E-steps allowed per replicate (replicates take ~5–40; a
    ///     replicate that hits the cap is used at its best point).
    public init(matrix: LikelihoodMatrix, deconvolution: SizeDeconvolution, replicates: Int, seed: UInt64,
                level: Double = 0.95, window: SizeWindow = .exosome,
                options: DeconvolutionOptions = DeconvolutionOptions(), maxEvaluationsPerReplicate: Int = 300) {
        self.init(matrix: matrix, deconvolution: deconvolution, replicates: replicates, seed: seed, level: level,
                  window: window, options: options, maxEvaluationsPerReplicate: maxEvaluationsPerReplicate,
                  sharesSlots: nil, foldsFinalEStep: true)
    }

    /// The bootstrap with the slots chosen (`sharesSlots`: 32 slots over both cores, or 8 per worker;
    /// `nil`: by the matrix's size, as the public initializer does), and whether a replicate's likely last
    /// E-step carries the frames, to stand for its final one (`foldsFinalEStep`; the public initializer
    /// does: the results are the same either way, only ``finalEStepsTaken`` differs).
    init(matrix: LikelihoodMatrix, deconvolution: SizeDeconvolution, replicates: Int, seed: UInt64,
         level: Double, window: SizeWindow, options: DeconvolutionOptions, maxEvaluationsPerReplicate: Int,
         sharesSlots: Bool?, foldsFinalEStep: Bool) {
        precondition(replicates >= 1 && level > 0 && level < 1)
        // A matrix larger than a core's share of the cache is read by both cores at once: 32 slots, each
        // E-step split over fixed row chunks (half the memory traffic per replicate). A smaller one goes
        // 8 slots per worker, each E-step on its worker's thread. The choice depends on the data only, so
        // results do not depend on the machine.
        let shared = sharesSlots ?? (matrix.bandBytes > DeconvolutionBootstrap.sharedSlotsBytes)
        // Replicates stay near the full fit: each row is read only where its terms at β̂ are above e⁻³⁰ of
        // its largest (``LikelihoodMatrix/trimmed(at:logRatio:)``: the rest is far below Float rounding).
        var serialSolver = PenalisedEM(matrix: matrix.trimmed(at: PenalisedEM.softmax(deconvolution.beta),
                                                              logRatio: DeconvolutionBootstrap.trimLogRatio),
                                       order: options.penaltyOrder)
        serialSolver.serial = !shared
        let solver = serialSolver
        let n = matrix.trackCount
        let rows = matrix.rowCount
        let lambda = deconvolution.lambda
        let start = deconvolution.beta
        let frames = matrix.trackFrames
        // A replicate's multiplicities are summed row by row, in the order a pass over the tracks would add them.
        let tracksByRow = DeconvolutionBootstrap.tracksByRow(matrix.trackRow, rows: rows)
        // Each track's frames in that order, read in sequence.
        let framesByRow = tracksByRow.tracks.map { frames[Int($0)] }
        let tolerance = options.tolerance
        let retained = deconvolution.retainedFrameFraction
        let depth = deconvolution.relativeDetectionDepth
        let limit = deconvolution.detectionLimitNanometers
        // The full data's curvature at β̂, shared by every replicate's first step.
        let curvature = solver.negativeHessian(at: start, lambda: lambda, weights: matrix.rowTrackCount)
        let slotCount = shared ? 32 : 8
        let workers = shared ? 1 : max(1, min((replicates + slotCount - 1) / slotCount, Parallel.workerCount))
        let nextReplicate = IndexCounter()
        var results = [GridSizeSummary?](repeating: nil, count: replicates)
        var binnedReplicates = [[Double]](repeating: [], count: replicates)
        let grid = matrix.grid
        var evals = [Int](repeating: 0, count: replicates)
        var folded = [Bool](repeating: false, count: replicates)
        results.withUnsafeMutableBufferPointer { rb in
            evals.withUnsafeMutableBufferPointer { eb in
            folded.withUnsafeMutableBufferPointer { fb in
            binnedReplicates.withUnsafeMutableBufferPointer { bb in
                let out = UnsafeSendable(rb), evalOut = UnsafeSendable(eb), binnedOut = UnsafeSendable(bb)
                let foldedOut = UnsafeSendable(fb)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    // The slots' multiplicities and frames, slot k's of row j at PenalisedEM.rowEntry(j, member: k, batch: B).
                    let entries = PenalisedEM.rowEntryCount(rows: rows, batch: slotCount)
                    var w = [Double](repeating: 0, count: entries)
                    var f = [Double](repeating: 0, count: entries)
                    // One draw buffer per thread that draws (one when the slots' E-steps run on this worker's thread).
                    let drawers = shared ? Parallel.workerCount : 1
                    var drawn = [UInt8](repeating: 0, count: n * drawers)
                    var slots = [ReplicateSlot?](repeating: nil, count: slotCount)
                    /// Slots without a replicate take the next ones (drawn in parallel when the E-steps are).
                    func refill() {
                        var taken = [Int?](repeating: nil, count: slotCount)
                        for k in 0..<slotCount where slots[k] == nil { taken[k] = nextReplicate.take(below: replicates) }
                        let fills = (0..<slotCount).filter { taken[$0] != nil }
                        guard !fills.isEmpty else { return }
                        let streams = taken
                        w.withUnsafeMutableBufferPointer { wb in
                        f.withUnsafeMutableBufferPointer { fb in
                        drawn.withUnsafeMutableBufferPointer { db in
                            let wOut = UnsafeSendable(wb), fOut = UnsafeSendable(fb), dOut = UnsafeSendable(db)
                            // Slots write disjoint elements (slot k's entries of w and f); each drawing thread takes the
                            // next slot to fill and draws it in its own buffer.
                            let nextFill = IndexCounter()
                            DispatchQueue.concurrentPerform(iterations: min(drawers, fills.count)) { drawer in
                                while let fill = nextFill.take(below: fills.count) {
                                    let k = fills[fill]
                                    let mine = UnsafeMutableBufferPointer(rebasing: dOut.base[(drawer * n)..<((drawer + 1) * n)])
                                    DeconvolutionBootstrap.drawReplicate(
                                        seed: seed, stream: UInt64(streams[k]!), counts: mine, tracksByRow: tracksByRow,
                                        framesByRow: framesByRow, slot: k, of: slotCount, weights: wOut.base.baseAddress!,
                                        frames: fOut.base.baseAddress!)
                                }
                            }
                        }
                        }
                        }
                        for k in fills {
                            // Quasi-Newton steps from β̂ seeded with the full data's curvature (SQUAREM when it
                            // could not be factorised).
                            let iteration: any PenalisedEMFitIteration = curvature.map {
                                QuasiNewtonIteration(start: start, curvature: $0, tolerance: tolerance,
                                                     maxEvaluations: maxEvaluationsPerReplicate, rule: .bootstrapReplicate)
                            } ?? SquaremIteration(start: start, tolerance: tolerance,
                                                  maxEvaluations: maxEvaluationsPerReplicate)
                            slots[k] = ReplicateSlot(replicate: taken[k]!, iteration: iteration, folds: foldsFinalEStep)
                        }
                    }
                    refill()
                    while slots.contains(where: { $0 != nil }) {
                        // One pass over the rows for every slot: its fit's next E-step (with the frames when it is
                        // likely the fit's last), or (once fitted, unless that last one had them) the final E-step at
                        // its fitted weights with the frames (number weights).
                        solver.pass(&slots, lambda: lambda, weights: w, frames: f,
                                    framesMembers: slots.map { $0?.wantsFrames ?? false })
                        for k in 0..<slotCount {
                            guard let slot = slots[k], let fit = slot.fit, let final = slot.final else { continue }
                            let b = slot.replicate
                            let result = SizeDeconvolution(
                                grid: grid, fit: fit, expectation: final, hasData: n > 0, lambda: lambda,
                                effectiveDimension: .nan, trackCount: n, evaluations: fit.evaluations,
                                visitModel: nil, retainedFrameFraction: retained, relativeDetectionDepth: depth,
                                detectionLimitNanometers: limit)
                            out.base[b] = result.summary(window: window)
                            evalOut.base[b] = result.evaluations
                            foldedOut.base[b] = slot.folded
                            let total = result.numberWeights.reduce(0, +)
                            binnedOut.base[b] = grid.binned(result.numberWeights.map { total > 0 ? $0 / total : 0 }).values
                            slots[k] = nil
                        }
                        refill()
                    }
                }
            }
            }
            }
        }
        self.init(replicates: results.map { $0! }, binned: binnedReplicates, level: level, grid: grid,
                  evaluations: evals.reduce(0, +), finalEStepsTaken: folded.filter { !$0 }.count, locationOnly: false)
    }

    /// The bootstrap of a distribution whose width the tracks do not resolve (``WidthResolution/isUnresolved``):
    /// what they resolve is its location, so each replicate (the tracks resampled as in the public initializer) is
    /// the distribution moved along ln d by its best single size over the full data's, s_b/ŝ (``SingleSizeFits``, the
    /// sizes between neighbouring nodes on a 1/20 lattice), its shape kept.
    ///
    /// Refitting a replicate of such a fit does not work: the likelihood is flat along the width, so the penalised
    /// fit narrows toward a spike whose nodes around it carry weights of e⁻¹⁰⁰⁰ and less, and neither EM nor the
    /// quasi-Newton steps from it move mass there: replicates stayed within 0.01 nm of the fit (10 tracks of a
    /// 524 nm sample: D50 interval 574.3–574.6 nm; 800 tracks of 100 nm beads: 99.89–99.91).
    ///
    /// The candidates span the nodes where the full data's single-size log-likelihood is within
    /// ``locationWindowLogLikelihood`` of its best (and one node beyond): a replicate's best lies farther with a
    /// chance of order Φ(−√(Δ/2)) (its log-likelihood differences fluctuate by about √(2Δ) at a gap Δ).
    init(locationOf deconvolution: SizeDeconvolution, matrix: LikelihoodMatrix, replicates: Int, seed: UInt64,
         level: Double, window: SizeWindow) {
        precondition(replicates >= 1 && level > 0 && level < 1)
        let grid = matrix.grid, m = grid.count, rows = matrix.rowCount, n = matrix.trackCount
        let full = matrix.rowTrackCount
        let nodes = SingleSizeFits.nodeLogLikelihoods(matrix, weights: full)
        let weights = deconvolution.numberWeights
        let total = weights.reduce(0, +)
        let normalised = weights.map { total > 0 ? $0 / total : 0 }
        var ratios = [Double](repeating: 1, count: replicates)
        if m >= 2, let top = nodes.indices.max(by: { nodes[$0] < nodes[$1] }), nodes[top].isFinite {
            let floor = nodes[top] - DeconvolutionBootstrap.locationWindowLogLikelihood
            var first = top, last = top
            while first > 0, nodes[first - 1] >= floor { first -= 1 }
            while last < m - 1, nodes[last + 1] >= floor { last += 1 }
            first = max(0, first - 1)
            last = min(m - 1, last + 1)
            if first == last { if first > 0 { first -= 1 } else { last += 1 } }
            let fits = SingleSizeFits(matrix: matrix, first: first, last: last, splits: 20)
            if let reference = fits.best(weights: full) {
                let centre = fits.diameterNanometers(reference.candidate)
                let tracksByRow = DeconvolutionBootstrap.tracksByRow(matrix.trackRow, rows: rows)
                let framesByRow = tracksByRow.tracks.map { matrix.trackFrames[Int($0)] }
                ratios = Parallel.map(count: replicates, minimumChunk: 1) { b in
                    var counts = [UInt8](repeating: 0, count: n)
                    var w = [Double](repeating: 0, count: PenalisedEM.rowEntryCount(rows: rows, batch: 1))
                    var f = w
                    counts.withUnsafeMutableBufferPointer { c in
                        w.withUnsafeMutableBufferPointer { wb in
                            f.withUnsafeMutableBufferPointer { fb in
                                DeconvolutionBootstrap.drawReplicate(
                                    seed: seed, stream: UInt64(b), counts: c, tracksByRow: tracksByRow,
                                    framesByRow: framesByRow, slot: 0, of: 1, weights: wb.baseAddress!, frames: fb.baseAddress!)
                            }
                        }
                    }
                    let rowWeights = (0..<rows).map { w[PenalisedEM.rowEntry($0, member: 0, batch: 1)] }
                    guard let best = fits.best(weights: rowWeights) else { return 1 }
                    return fits.diameterNanometers(best.candidate) / centre
                }
            }
        }
        let summaries = ratios.map { GridSizeSummary(weights: weights, grid: grid, window: window, scale: $0) }
        let binned = ratios.map { grid.binned(normalised, scaledBy: $0).values }
        self.init(replicates: summaries, binned: binned, level: level, grid: grid, evaluations: 0, finalEStepsTaken: 0,
                  locationOnly: true)
    }

    /// The intervals and band of `replicates` (their summaries) and `binned` (their normalised 1-nm bins).
    private init(replicates summaries: [GridSizeSummary], binned: [[Double]], level: Double, grid: DiameterGrid,
                 evaluations: Int, finalEStepsTaken: Int, locationOnly: Bool) {
        self.replicates = summaries
        self.level = level
        d10Nm = ConfidenceInterval(percentileOf: summaries.map(\.d10Nm), level: level)
        d50Nm = ConfidenceInterval(percentileOf: summaries.map(\.d50Nm), level: level)
        d90Nm = ConfidenceInterval(percentileOf: summaries.map(\.d90Nm), level: level)
        modeNm = ConfidenceInterval(percentileOf: summaries.map(\.modeNm), level: level)
        geometricSD = ConfidenceInterval(percentileOf: summaries.map(\.geometricSD), level: level)
        windowFraction = ConfidenceInterval(percentileOf: summaries.map(\.windowFraction), level: level)
        self.evaluations = evaluations
        self.finalEStepsTaken = finalEStepsTaken
        self.locationOnly = locationOnly
        numberDistributionBand = DistributionBand(replicates: binned, level: level,
                                                  template: grid.binned([Double](repeating: 0, count: grid.count)))
    }
}

extension DeconvolutionBootstrap {
    /// Each row's terms below e^this of its largest at the full fit are left out of the replicates' E-steps.
    static let trimLogRatio = -30.0

    /// How far below its best the full data's single-size log-likelihood may fall at a node the location bootstrap
    /// searches: 50 (a replicate's best lies beyond with a chance of order Φ(−5) ≈ 3·10⁻⁷).
    static let locationWindowLogLikelihood = 50.0

    /// Each row's tracks, ascending (a stable counting sort of the tracks by row): row j's are
    /// `tracks[start[j] ..< start[j + 1]]`.
    static func tracksByRow(_ trackRow: [Int32], rows: Int) -> (start: [Int], tracks: [Int32]) {
        var start = [Int](repeating: 0, count: rows + 1)
        for r in trackRow { start[Int(r) + 1] += 1 }
        for j in 0..<rows { start[j + 1] += start[j] }
        var tracks = [Int32](repeating: 0, count: trackRow.count)
        var next = start
        for t in trackRow.indices {
            let r = Int(trackRow[t])
            tracks[next[r]] = Int32(t)
            next[r] += 1
        }
        return (start, tracks)
    }

    /// Likelihood-row bytes above which replicates share their slots across the cores (see the initializer).
    static let sharedSlotsBytes = 16 << 20

    /// Draws one replicate and writes its row sums as member `slot` of `slots` in `weights` and `frames`
    /// (``PenalisedEM/rowEntry(_:member:batch:)``): n draws of a track, uniform, from `SeededGenerator(seed:stream:)`, counted
    /// in `counts` (one byte per track, in cache), then per row, over its tracks in ascending order, the
    /// multiplicities' sum and the multiplicity-weighted sum of the tracks' frames (`framesByRow`, in the
    /// order of `tracksByRow.tracks`). A track drawn more than 255 times (`byteLimit`, lowered by tests; never
    /// in practice: a multiplicity is close to Poisson(1), and P(> 255) < 10⁻⁵⁰⁰) has its replicate counted
    /// again in 32 bits. Every sum is the one a pass over the tracks adding the drawn ones would make, bit for
    /// bit: whole multiplicities add exactly, and a track not drawn adds +0 to the frames (whole numbers).
    static func drawReplicate(seed: UInt64, stream: UInt64, counts: UnsafeMutableBufferPointer<UInt8>,
                              tracksByRow: (start: [Int], tracks: [Int32]), framesByRow: [Double], slot: Int,
                              of slots: Int, weights: UnsafeMutablePointer<Double>, frames: UnsafeMutablePointer<Double>,
                              byteLimit: UInt8 = .max) {
        let n = counts.count
        counts.update(repeating: 0)
        var rng = SeededGenerator(seed: seed, stream: stream)
        var saturated = false
        for _ in 0..<n {
            let t = rng.nextInt(below: n)
            saturated = saturated || counts[t] >= byteLimit
            counts[t] &+= 1
        }
        if saturated {
            var wide = [UInt32](repeating: 0, count: n)
            var again = SeededGenerator(seed: seed, stream: stream)
            for _ in 0..<n { wide[again.nextInt(below: n)] += 1 }
            wide.withUnsafeBufferPointer { sumRows($0, tracksByRow, framesByRow, slot, slots, weights, frames) }
        } else {
            sumRows(UnsafeBufferPointer(counts), tracksByRow, framesByRow, slot, slots, weights, frames)
        }
    }

    /// Per row, the sum of `counts` over its tracks and the `counts`-weighted sum of their frames, into
    /// member `slot`'s entries of `weights` and `frames` (see ``drawReplicate(seed:stream:counts:tracksByRow:framesByRow:slot:of:weights:frames:)``).
    @inline(__always)
    private static func sumRows<Count: FixedWidthInteger>(
        _ counts: UnsafeBufferPointer<Count>, _ tracksByRow: (start: [Int], tracks: [Int32]), _ framesByRow: [Double],
        _ slot: Int, _ slots: Int, _ weights: UnsafeMutablePointer<Double>, _ frames: UnsafeMutablePointer<Double>
    ) {
        tracksByRow.start.withUnsafeBufferPointer { start in
        tracksByRow.tracks.withUnsafeBufferPointer { tracks in
        framesByRow.withUnsafeBufferPointer { trackFrames in
            for j in 0..<(start.count - 1) {
                var multiplicity = 0, rowFrames = 0.0
                for i in start[j]..<start[j + 1] {
                    let times = Int(counts[Int(tracks[i])])
                    multiplicity &+= times
                    rowFrames += Double(times) * trackFrames[i]
                }
                let entry = PenalisedEM.rowEntry(j, member: slot, batch: slots)
                weights[entry] = Double(multiplicity)
                frames[entry] = rowFrames
            }
        }}}
    }
}

/// A pointwise percentile band of binned distributions (e.g. bootstrap replicates'), on one set of bins.
public struct DistributionBand: Sendable, Hashable {
    /// The lower percentile of each bin's value.
    public var lower: BinnedDistribution
    /// The upper percentile of each bin's value.
    public var upper: BinnedDistribution
    /// The two-sided level of the band (0.95: the 2.5th and 97.5th percentiles).
    public var level: Double

    /// The band of `replicates` (each a bin-value array on `template`'s bins; shorter ones are padded with 0).
    public init(replicates: [[Double]], level: Double, template: BinnedDistribution) {
        let bins = max(replicates.map(\.count).max() ?? 0, template.values.count)
        var lo = [Double](repeating: .nan, count: bins), hi = lo
        var column = [Double]()
        column.reserveCapacity(replicates.count)
        for i in 0..<bins {
            column.removeAll(keepingCapacity: true)
            for r in replicates { column.append(i < r.count ? r[i] : 0) }
            let ci = ConfidenceInterval(percentileOf: column, level: level)
            lo[i] = ci.lower
            hi[i] = ci.upper
        }
        lower = BinnedDistribution(firstCentreNanometers: template.firstCentreNanometers,
                                   binWidthNanometers: template.binWidthNanometers, values: lo)
        upper = BinnedDistribution(firstCentreNanometers: template.firstCentreNanometers,
                                   binWidthNanometers: template.binWidthNanometers, values: hi)
        self.level = level
    }
}

/// One bootstrap replicate in a slot of the E-step passes: its fit, then the final E-step at the fitted
/// weights with the frames (its number weights); it asks for nothing once that has arrived. The fit ends
/// at its last E-step's point, so when that E-step was asked with the frames (its iteration expected it
/// to be the last, ``PenalisedEMFitIteration/likelyLast``) it is the final E-step, the very same sums, and
/// none is taken again.
private struct ReplicateSlot: PenalisedEMIteration {
    /// The replicate's index (its random stream).
    let replicate: Int
    var iteration: any PenalisedEMFitIteration
    /// The fit, once finished.
    private(set) var fit: PenalisedEM.Fit?
    /// The final E-step (with frames), once taken.
    private(set) var final: PenalisedEM.Expectation?
    /// Whether the fit's likely last E-step carries the frames.
    let folds: Bool
    /// Whether the final E-step was the fit's last.
    private(set) var folded = false

    init(replicate: Int, iteration: any PenalisedEMFitIteration, folds: Bool) {
        self.replicate = replicate
        self.iteration = iteration
        self.folds = folds
    }

    var request: [Double]? {
        guard final == nil else { return nil }
        if let fit { return fit.beta }
        return iteration.request
    }

    /// Whether the next E-step should carry the frames: the final one, or the fit's likely last (when folding).
    var wantsFrames: Bool { final == nil && (fit != nil || (folds && iteration.likelyLast)) }

    mutating func receive(_ e: PenalisedEM.Expectation, solver: PenalisedEM, lambda: Double) {
        guard fit == nil else { final = e; return }
        let point = iteration.request
        iteration.receive(e, solver: solver, lambda: lambda)
        guard iteration.request == nil else { return }
        let fitted = iteration.fit(solver, lambda: lambda)
        fit = fitted
        if e.frames != nil, fitted.beta == point {
            final = e
            folded = true
        }
    }
}

