import Dispatch
import Foundation
import NTACore

/// A two-sided confidence interval with the bootstrap standard error.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double
    /// Standard deviation of the bootstrap replicates.
    public var standardError: Double

    public init(lower: Double, upper: Double, standardError: Double) {
        self.lower = lower
        self.upper = upper
        self.standardError = standardError
    }

    /// Percentile interval at `level` of `values` (NaNs ignored).
    public init(percentileOf values: [Double], level: Double) {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { self.init(lower: .nan, upper: .nan, standardError: .nan); return }
        func q(_ f: Double) -> Double {
            let x = f * Double(v.count - 1)
            let i = Int(x.rounded(.down)), t = x - Double(i)
            return i + 1 < v.count ? v[i] * (1 - t) + v[i + 1] * t : v[i]
        }
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
    public var level: Double
    public var d10Nm: ConfidenceInterval
    public var d50Nm: ConfidenceInterval
    public var d90Nm: ConfidenceInterval
    public var modeNm: ConfidenceInterval
    public var geometricSD: ConfidenceInterval
    public var windowFraction: ConfidenceInterval
    /// E-steps spent over all replicates.
    public var evaluations: Int
    /// The pointwise `level` percentile band of the replicates' number distributions on the
    /// reported 1-nm bins, each replicate normalised to a total of 1 (a fraction per bin):
    /// the uncertainty of the curve's shape, for figures.
    public var numberDistributionBand: DistributionBand

    /// Runs `replicates` bootstrap refits of `deconvolution` (which must come from `matrix`).
    ///
    /// - Parameters:
    ///   - maxEvaluationsPerReplicate: E-steps allowed per replicate (warm
    ///     starts from the full-data solution take ~30–100; a replicate that hits
    ///     the cap is used as it stands).
    public init(matrix: LikelihoodMatrix, deconvolution: SizeDeconvolution, replicates: Int, seed: UInt64,
                level: Double = 0.95, window: SizeWindow = .exosome,
                options: DeconvolutionOptions = DeconvolutionOptions(), maxEvaluationsPerReplicate: Int = 300) {
        precondition(replicates >= 1 && level > 0 && level < 1)
        var serialSolver = PenalisedEM(matrix: matrix, order: options.penaltyOrder)
        serialSolver.serial = true
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
        // Replicates are fitted in fixed batches (the batch of replicate b never depends on the
        // core count), batches in parallel.
        let batchSize = 8
        let batches = (replicates + batchSize - 1) / batchSize
        var results = [GridSizeSummary?](repeating: nil, count: replicates)
        var binnedReplicates = [[Double]](repeating: [], count: replicates)
        let grid = matrix.grid
        var evals = [Int](repeating: 0, count: replicates)
        results.withUnsafeMutableBufferPointer { rb in
            evals.withUnsafeMutableBufferPointer { eb in
            binnedReplicates.withUnsafeMutableBufferPointer { bb in
                let out = UnsafeSendable(rb), evalOut = UnsafeSendable(eb), binnedOut = UnsafeSendable(bb)
                DispatchQueue.concurrentPerform(iterations: batches) { batch in
                    let members = Array((batch * batchSize) ..< min(replicates, (batch + 1) * batchSize))
                    var ws: [[Double]] = [], fs: [[Double]] = []
                    for b in members {
                        var rng = SeededGenerator(seed: seed, stream: UInt64(b))
                        var w = [Double](repeating: 0, count: rows)
                        var f = [Double](repeating: 0, count: rows)
                        for _ in 0..<n {
                            let t = rng.nextInt(below: n)
                            let r = Int(trackRow[t])
                            w[r] += 1
                            f[r] += frames[t]
                        }
                        ws.append(w)
                        fs.append(f)
                    }
                    let fits = solver.fitBatch(starts: members.map { _ in start }, lambda: lambda, weights: ws,
                                               tolerance: tolerance, maxEvaluations: maxEvaluationsPerReplicate)
                    for (i, b) in members.enumerated() {
                        let result = SizeDeconvolution(
                            solver: solver, fit: fits[i], lambda: lambda, effectiveDimension: .nan, rowWeights: ws[i],
                            rowFrames: fs[i], trackCount: n, evaluations: fits[i].evaluations, visitModel: nil,
                            retainedFrameFraction: retained, relativeDetectionDepth: depth)
                        out.base[b] = result.summary(window: window)
                        evalOut.base[b] = result.evaluations
                        let total = result.numberWeights.reduce(0, +)
                        binnedOut.base[b] = grid.binned(result.numberWeights.map { total > 0 ? $0 / total : 0 }).values
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

/// A pointwise percentile band of binned distributions (e.g. bootstrap replicates'), on one set of bins.
public struct DistributionBand: Sendable, Hashable {
    /// The lower and upper percentile of each bin's value.
    public var lower: BinnedDistribution
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
