import CNTAKernels
import Foundation
import NTACore

/// Errors of the population and concentration stage.
public enum PopulationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A detection volume that is not a positive, finite number of mL.
    case invalidDetectionVolume(String)
    /// A dilution factor below 1 or not finite.
    case invalidDilution(Double)
    /// No frame to count particles in.
    case noFrames
    /// A size distribution with no positive amount, or grids of different lengths.
    case invalidDistribution(String)
    /// The trajectories carry no intensity column, which the intensity–size plane needs.
    case noIntensity
    /// Too few tracks for the requested fit.
    case tooFewTracks(needed: Int, found: Int)
    /// The frame numbers span far more frames than there are localisations to count
    /// (counting per frame would need memory by the frame numbers, not the rows).
    case frameRangeTooLong(frames: Int, rows: Int)

    public var description: String {
        switch self {
        case .invalidDetectionVolume(let s): return "detection volume: \(s)"
        case .invalidDilution(let f): return "dilution factor: expected 1 … 10¹⁵, found \(f)"
        case .noFrames: return "no frames to count particles in"
        case .invalidDistribution(let s): return "size distribution: \(s)"
        case .noIntensity: return "the trajectories have no intensity column; the intensity–size plane needs one"
        case .tooFewTracks(let n, let f): return "expected at least \(n) tracks, found \(f)"
        case .frameRangeTooLong(let frames, let rows):
            return "the frame numbers span \(frames) frames for \(rows) localisations (more than \(FrameCounts.maximumFrames(rows: rows))): particles per frame are not counted; are the frame numbers frame indices of one video?"
        }
    }
}

/// Circular block bootstrap of time series of per-frame values, with the block
/// length chosen from the series' integrated autocorrelation time.
///
/// Why: a particle stays in view for many frames, so successive per-frame
/// counts are strongly correlated; treating frames as independent (or the
/// count as Poisson) understates the uncertainty of their mean by a factor
/// √τ_int. Resampling whole blocks of consecutive frames keeps the correlation
/// within blocks (Politis & Romano 1992, circular blocks wrap the series
/// end to its start so every frame is equally likely).
///
/// Rules used (stated so reports can quote them):
/// - τ_int = 1 + 2 Σ_{k=1}^{M} ρ(k), with Sokal's self-consistent window: the
///   smallest M with M ≥ 6 τ_int(M) (Sokal 1997, "Monte Carlo methods in
///   statistical mechanics").
/// - Block length L = ⌈3 τ_int⌉ frames, at most T/4 (so at least 4 blocks).
///   A block of length L still misses the correlation that crosses block ends;
///   for an exponential autocorrelation of time τ (τ_int ≈ 2τ) the bootstrap
///   variance is the true one times 1 − (τ/L)(1 − e^{−L/τ}); replicate
///   deviations from the point estimate are scaled up by the inverse square
///   root of that factor.
/// - Intervals: percentile intervals of the replicates, widened about the
///   point estimate by t_{ν}/z with ν = ⌊T/L⌋ − 1 (the number of independent
///   blocks minus one), because the spread of a few blocks is itself uncertain.
public enum BlockBootstrap {
    /// Integrated autocorrelation time of `series`, in samples (1 for white noise).
    public static func integratedAutocorrelationTime(_ series: [Double]) -> Double {
        let n = series.count
        guard n > 3 else { return 1 }
        let mean = series.reduce(0, +) / Double(n)
        let centred = series.map { $0 - mean }
        var c0 = 0.0
        for v in centred { c0 += v * v }
        c0 /= Double(n)
        guard c0 > 0 else { return 1 }
        var tau = 1.0
        let maxLag = n / 2
        var k = 1
        while k <= maxLag {
            var c = 0.0
            for i in 0..<(n - k) { c += centred[i] * centred[i + k] }
            c /= Double(n)
            tau += 2 * c / c0
            if Double(k) >= 6 * tau { break }
            k += 1
        }
        return max(tau, 1)
    }

    /// The block length rule: ⌈3 τ_int⌉ frames (``ruleBlockLength(integratedTime:)``), between 1 and `frames`/4.
    public static func blockLength(frames: Int, integratedTime: Double) -> Int {
        max(1, min(ruleBlockLength(integratedTime: integratedTime), max(frames / 4, 1)))
    }

    /// The block length the rule asks for before a video's length caps it: ⌈3 τ_int⌉ frames.
    public static func ruleBlockLength(integratedTime: Double) -> Int {
        Int((3 * integratedTime).rounded(.up))
    }

    /// Variance factor of a circular block bootstrap with block length `length`
    /// for an exponential autocorrelation with integrated time `integratedTime`
    /// (see the type's discussion); 1 for uncorrelated data.
    public static func blockVarianceFactor(length: Int, integratedTime: Double) -> Double {
        let tau = max((integratedTime - 1) / 2, 0)
        guard tau > 0 else { return 1 }
        let l = Double(length)
        return max(1 - tau / l * (1 - exp(-l / tau)), 0.25)
    }

    /// Column means of `columns` (each one value per frame, all the same
    /// length T) for `replicates` circular-block resamples of the frames.
    /// Returns `[replicate][column]`. Deterministic for a given `seed`.
    public static func replicateMeans(columns: [[Double]], blockLength: Int, replicates: Int,
                                      seed: UInt64) -> [[Double]] {
        guard let t = columns.first?.count, t > 0 else { return [] }
        let l = max(1, min(blockLength, t))
        let width = columns.count
        // Circular block sums, frame-major so that one block start reads its columns from one place:
        // sums[j·width + c] = Σ_{i<l} columns[c][(j+i) mod T].
        var sums = [Double](repeating: 0, count: t * width)
        sums.withUnsafeMutableBufferPointer { out in
            for (c, col) in columns.enumerated() {
                var s = 0.0
                for i in 0..<l { s += col[i % t] }
                for j in 0..<t {
                    out[j * width + c] = s
                    s += col[(j + l) % t] - col[j]
                }
            }
        }
        let fullBlocks = t / l, remainder = t - fullBlocks * l
        var rng = SeededGenerator(seed: seed, stream: 0xB100)
        var result: [[Double]] = []
        result.reserveCapacity(replicates)
        var acc = [Double](repeating: 0, count: width)
        // Block starts drawn a batch at a time, then added in their order (nta_add_block_sums reads ahead).
        var starts = [Int64](repeating: 0, count: min(fullBlocks, 4096))
        sums.withUnsafeBufferPointer { sums in
            for _ in 0..<replicates {
                for c in 0..<width { acc[c] = 0 }
                var left = fullBlocks
                while left > 0 {
                    let batch = min(left, starts.count)
                    for k in 0..<batch { starts[k] = Int64(rng.nextInt(below: t)) }
                    nta_add_block_sums(sums.baseAddress!, Int64(width), starts, Int64(batch), &acc)
                    left -= batch
                }
                if remainder > 0 {
                    let j = rng.nextInt(below: t)
                    for c in columns.indices {
                        for i in 0..<remainder { acc[c] += columns[c][(j + i) % t] }
                    }
                }
                result.append(acc.map { $0 / Double(t) })
            }
        }
        return result
    }

    /// A two-sided interval for a statistic from its bootstrap replicates:
    /// the percentile interval at `level`, widened about `estimate` by
    /// t_ν/z (ν = `degreesOfFreedom`; `nil` for no widening) and by
    /// 1/√`varianceFactor`. A non-finite estimate gives −∞…∞ (unknown), never a trap.
    /// The ends of an ``interval(estimate:replicates:level:degreesOfFreedom:varianceFactor:)`` for a report, the lower
    /// one floored at `floor`: both NaN (unknown) for the unbounded interval that stands for none.
    public static func ends(_ interval: ClosedRange<Double>, floor: Double = -.infinity) -> (lower: Double, upper: Double) {
        guard interval.lowerBound.isFinite || interval.upperBound.isFinite else { return (.nan, .nan) }
        return (max(interval.lowerBound, floor), interval.upperBound)
    }

    public static func interval(estimate: Double, replicates: [Double], level: Double = 0.95,
                                degreesOfFreedom: Int? = nil, varianceFactor: Double = 1) -> ClosedRange<Double> {
        // An estimate that is not a number has no interval: the whole line (reported as unknown).
        guard estimate.isFinite else { return -Double.infinity ... Double.infinity }
        // Fewer than two independent blocks: no spread to read, so no interval either.
        if let nu = degreesOfFreedom, nu < 1 { return -Double.infinity ... Double.infinity }
        let finite = replicates.filter(\.isFinite).sorted()
        guard finite.count > 1 else { return estimate...estimate }
        let alpha = (1 - level) / 2
        let lo = Quantile.ofSorted(finite, alpha), hi = Quantile.ofSorted(finite, 1 - alpha)
        var widen = 1 / max(varianceFactor, 1e-6).squareRoot()
        if let nu = degreesOfFreedom {
            let z = Statistics.normalQuantile(1 - alpha)
            widen *= Statistics.studentTQuantile(1 - alpha, degreesOfFreedom: max(nu, 1)) / z
        }
        let a = estimate - widen * max(estimate - lo, 0), b = estimate + widen * max(hi - estimate, 0)
        return a...b
    }
}
