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
    /// The pointwise `level` percentile band of the replicates' number distributions on the
    /// reported 1-nm bins, each replicate normalised to a total of 1 (a fraction per bin):
    /// the uncertainty of the curve's shape, for figures.
    public var numberDistributionBand: DistributionBand

    /// Runs `replicates` bootstrap refits of `deconvolution` (which must come from `matrix`).
    ///
    /// A replicate is a vector of integer multiplicities over the tracks (track i drawn n times
    /// from `SeededGenerator(seed:stream: replicate)`), summed per pooled likelihood row: tracks
    /// sharing a row are weighted, never repeated, and the replicate depends on its own stream
    /// only. Replicates are fitted in fixed batches in lockstep, so each E-step reads the likelihood
    /// rows once per batch: batches of 8 taken in turn by one worker per core (each E-step on its
    /// worker's thread), or, when the rows' non-zero blocks exceed 16 MiB (more than the cores'
    /// caches hold), batches of 32 one at a time with each E-step split over fixed chunks of rows for
    /// all cores, which halves the memory traffic per replicate. Weight buffers are allocated once. No
    /// replicate's result depends on its batch, its worker, or the number of cores.
    ///
    /// Each replicate is refitted at the full-data λ (the penalty strength is held fixed: the
    /// intervals do not include the uncertainty of its choice) from the full-data solution β̂: one
    /// Newton step on the replicate's own gradient at β̂ with the full data's curvature there (shared
    /// by all replicates), then SQUAREM as the full fit was fitted (same stopping rule, the rows' full
    /// stored blocks; `PenalisedEM.newtonStartedFit`). SQUAREM alone from β̂ stopped short along
    /// the objective's flat directions, leaving replicates too close to β̂ and the intervals too narrow. It is
    /// converted to the number distribution with its own posterior track lengths and the full-data
    /// cut correction (whose own uncertainty is not propagated).
    ///
    /// - Parameters:
    ///   - maxEvaluationsPerReplicate: E-steps allowed per replicate (Newton-started
    ///     replicates take ~10–25; a replicate that hits the cap is used as it stands).
    public init(matrix: LikelihoodMatrix, deconvolution: SizeDeconvolution, replicates: Int, seed: UInt64,
                level: Double = 0.95, window: SizeWindow = .exosome,
                options: DeconvolutionOptions = DeconvolutionOptions(), maxEvaluationsPerReplicate: Int = 300) {
        self.init(matrix: matrix, deconvolution: deconvolution, replicates: replicates, seed: seed, level: level,
                  window: window, options: options, maxEvaluationsPerReplicate: maxEvaluationsPerReplicate,
                  sharesBatches: nil)
    }

    /// The bootstrap with the batching chosen (`sharesBatches`: one batch of 32 over both cores, or batches of 8
    /// per worker; `nil`: by the matrix's size, as the public initializer does).
    init(matrix: LikelihoodMatrix, deconvolution: SizeDeconvolution, replicates: Int, seed: UInt64,
         level: Double, window: SizeWindow, options: DeconvolutionOptions, maxEvaluationsPerReplicate: Int,
         sharesBatches: Bool?) {
        precondition(replicates >= 1 && level > 0 && level < 1)
        // A matrix larger than a core's share of the cache is read by both cores at once: one batch of 32
        // at a time, each E-step split over fixed row chunks (half the memory traffic per replicate). A
        // smaller one goes one batch of 8 per worker, each E-step on its worker's thread. The choice depends
        // on the data only, so results do not depend on the machine.
        let shared = sharesBatches ?? (matrix.bandBytes > DeconvolutionBootstrap.sharedBatchBytes)
        var serialSolver = PenalisedEM(matrix: matrix, order: options.penaltyOrder)
        serialSolver.serial = !shared
        let solver = serialSolver
        let n = matrix.trackCount
        let rows = matrix.rowCount
        let lambda = deconvolution.lambda
        let start = deconvolution.beta
        let frames = matrix.trackFrames
        let trackRow = matrix.trackRow
        let tolerance = options.tolerance
        let retained = deconvolution.retainedFrameFraction
        let depth = deconvolution.relativeDetectionDepth
        let pHat = PenalisedEM.softmax(start)
        // The full data's curvature at β̂, shared by every replicate's first step.
        let curvature = solver.negativeHessian(at: start, lambda: lambda, weights: matrix.rowTrackCount)
        let batchSize = shared ? 32 : 8
        let batches = (replicates + batchSize - 1) / batchSize
        let workers = shared ? 1 : max(1, min(batches, Parallel.workerCount))
        let nextBatch = BatchCounter()
        var results = [GridSizeSummary?](repeating: nil, count: replicates)
        var binnedReplicates = [[Double]](repeating: [], count: replicates)
        let grid = matrix.grid
        var evals = [Int](repeating: 0, count: replicates)
        results.withUnsafeMutableBufferPointer { rb in
            evals.withUnsafeMutableBufferPointer { eb in
            binnedReplicates.withUnsafeMutableBufferPointer { bb in
                let out = UnsafeSendable(rb), evalOut = UnsafeSendable(eb), binnedOut = UnsafeSendable(bb)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    // Row-major multiplicities and frames of the batch: w[j·B + k] for member k, row j.
                    var w = [Double](repeating: 0, count: rows * batchSize)
                    var f = [Double](repeating: 0, count: rows * batchSize)
                    // One draw buffer per member drawn at once (all of them when the batch is shared).
                    let drawers = shared ? batchSize : 1
                    var drawn = [UInt32](repeating: 0, count: n * drawers)
                    while let batch = nextBatch.take(below: batches) {
                        let first = batch * batchSize
                        let members = (0..<batchSize).map { first + $0 < replicates }
                        w.withUnsafeMutableBufferPointer { wb in
                            f.withUnsafeMutableBufferPointer { fb in
                                wb.update(repeating: 0)
                                fb.update(repeating: 0)
                                drawn.withUnsafeMutableBufferPointer { db in
                                    let wOut = UnsafeSendable(wb), fOut = UnsafeSendable(fb), dOut = UnsafeSendable(db)
                                    // Members write disjoint elements (column k of w and f).
                                    DispatchQueue.concurrentPerform(iterations: drawers) { d in
                                        for k in stride(from: d, to: batchSize, by: drawers) where members[k] {
                                            // Multiplicities over tracks first (a small array, in cache), then
                                            // summed per row in one pass: the same whole numbers, exactly.
                                            let mine = UnsafeMutableBufferPointer(rebasing: dOut.base[(d * n)..<((d + 1) * n)])
                                            mine.update(repeating: 0)
                                            var rng = SeededGenerator(seed: seed, stream: UInt64(first + k))
                                            for _ in 0..<n { mine[rng.nextInt(below: n)] &+= 1 }
                                            for t in 0..<n where mine[t] > 0 {
                                                let j = Int(trackRow[t]) * batchSize + k
                                                let times = Double(mine[t])
                                                wOut.base[j] += times
                                                fOut.base[j] += times * frames[t]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        // A Newton step from β̂ with the full data's curvature, then SQUAREM.
                        let starts = [[Double]](repeating: start, count: batchSize)
                        let fits = curvature.map {
                            solver.newtonStartedFit(start: start, curvature: $0, lambda: lambda, weights: w,
                                                    members: members, tolerance: tolerance,
                                                    maxEvaluations: maxEvaluationsPerReplicate)
                        } ?? solver.fit(starts: starts, lambda: lambda, weights: w, members: members,
                                        tolerance: tolerance, maxEvaluations: maxEvaluationsPerReplicate)
                        // The replicate's final E-step at its fitted weights, with the frames (number weights).
                        let final = solver.expectation((0..<batchSize).map { fits[$0]?.weights ?? pHat }, weights: w,
                                                       frames: f, members: members)
                        for k in 0..<batchSize {
                            guard let fit = fits[k], let e = final[k] else { continue }
                            let b = first + k
                            let result = SizeDeconvolution(
                                grid: grid, fit: fit, expectation: e, hasData: n > 0, lambda: lambda,
                                effectiveDimension: .nan, trackCount: n, evaluations: fit.evaluations,
                                visitModel: nil, retainedFrameFraction: retained, relativeDetectionDepth: depth)
                            out.base[b] = result.summary(window: window)
                            evalOut.base[b] = result.evaluations
                            let total = result.numberWeights.reduce(0, +)
                            binnedOut.base[b] = grid.binned(result.numberWeights.map { total > 0 ? $0 / total : 0 }).values
                        }
                    }
                }
            }
            }
        }
        let summaries = results.map { $0! }
        self.replicates = summaries
        self.level = level
        d10Nm = ConfidenceInterval(percentileOf: summaries.map(\.d10Nm), level: level)
        d50Nm = ConfidenceInterval(percentileOf: summaries.map(\.d50Nm), level: level)
        d90Nm = ConfidenceInterval(percentileOf: summaries.map(\.d90Nm), level: level)
        modeNm = ConfidenceInterval(percentileOf: summaries.map(\.modeNm), level: level)
        geometricSD = ConfidenceInterval(percentileOf: summaries.map(\.geometricSD), level: level)
        windowFraction = ConfidenceInterval(percentileOf: summaries.map(\.windowFraction), level: level)
        evaluations = evals.reduce(0, +)
        numberDistributionBand = DistributionBand(replicates: binnedReplicates, level: level,
                                                  template: grid.binned([Double](repeating: 0, count: grid.count)))
    }
}

extension DeconvolutionBootstrap {
    /// Likelihood-row bytes above which replicates share one batch across the cores (see the initializer).
    static let sharedBatchBytes = 16 << 20
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

/// Hands out batch indices 0, 1, 2, … to concurrent workers, each index once.
private final class BatchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
