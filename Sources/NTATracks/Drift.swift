import NTACore
import Foundation

/// Collective drift of a video (fluid flow, stage creep), estimated from the
/// tracks themselves, with its uncertainty.
///
/// Method (trackpy's `compute_drift` semantics): for each pair of consecutive
/// frames f → f + 1, the mean displacement of all particles localised in both
/// (single-frame steps only: a step across a gap is never used); the drift at
/// frame F is the cumulative sum of those increments from the first frame
/// (drift 0 there). With `smoothingFrames` w > 1 each increment is replaced by
/// the pooled mean of the steps of the w increments centred on it (trackpy uses
/// a trailing rolling mean; a centred window does not lag a changing drift).
/// Frame pairs with no particle in both contribute 0.
///
/// **Uncertainty.** The cumulative drift is a linear combination Σ_g α_g S_g of
/// the per-frame-pair sums of displacements S_g, so per axis
/// Var = Σ_g α_g² V_g + 2 Σ_g α_g α_{g+1} C_g, with V_g the empirical variance of
/// S_g (Σᵢ (Δᵢ − d̄_g)²·n/(n − 1), averaged over x and y — valid for a
/// polydisperse sample) and C_g the empirical covariance of particles' adjacent
/// steps (non-zero with blur or noise: 2RDΔt − σ²).
///
/// **The corrected tracks.** Each particle's own steps are part of the mean the
/// drift is, and the other particles' motion is its noise: subtracted as it is, it
/// takes about 1/n of a particle's own long-lag motion (n particles per frame) and
/// adds the others' noise, a net loss of 1/n in D. ``TrackSet/subtractDrift(_:ownSteps:)``
/// corrects each track by a drift with its own steps left out or at the weight that
/// balances the two (``OwnSteps``). The pipeline subtracts a drift only when it stands
/// out from its own noise (``significance()``): otherwise the correction adds the
/// others' noise for nothing.
///
/// **Memory follows the rows, not the frame numbers.** The per-frame arrays run over the
/// frames near a localisation only: frames farther than the smoothing window from every
/// localisation carry no increment and are cut out of the axis (``segments``), so a video
/// with frame numbers 0 and 2³¹ − 1 costs a few entries, not 2³¹. Within a segment index i
/// stands for frame `segments[s].firstFrame + (i − segments[s].offset)`.
public struct DriftEstimate: Sendable, Hashable {
    /// A run of consecutive frames kept on the axis.
    public struct Segment: Sendable, Hashable {
        /// First frame of the run.
        public var firstFrame: Int
        /// Index of that frame in the per-frame arrays.
        public var offset: Int
        /// Number of frames in the run.
        public var count: Int
    }

    /// First frame covered; drift is 0 there.
    public var firstFrame: Int32
    /// Cumulative drift at each frame of the axis (see ``segments``), nm.
    public var xNanometers: [Double]
    /// Cumulative drift at each frame of the axis, nm.
    public var yNanometers: [Double]
    /// Per-axis variance of the cumulative drift at each frame, nm².
    public var varianceNm2: [Double]
    /// Number of particles with a single-frame step from each frame of the axis
    /// to the next (one fewer entry than frames).
    public var stepCounts: [Int]
    /// Smoothing window used, in increments (≤ 1: none).
    public var smoothingFrames: Int
    /// The runs of frames the arrays cover, in order; one run from ``firstFrame`` when the
    /// video's frames are contiguous enough. The drift is constant across the gaps between runs.
    public var segments: [Segment] = []
    /// Number of steps in each increment's smoothing window (``window(of:smoothingFrames:increments:)``), one
    /// entry per increment; empty when not estimated from steps. ``TrackSet/subtractDrift(_:ownSteps:)`` weighs a
    /// track's own steps in the windows with it.
    var windowStepCounts: [Int] = []
    /// Each increment's smoothed value, the pooled mean of its window's steps (x, y), nm; (0, 0) for an empty
    /// window (as ``windowStepCounts``).
    var windowMeanSteps: [SIMD2<Double>] = []

    /// Number of frames on the axis (entries of the per-frame arrays).
    public var frameCount: Int { xNanometers.count }

    /// Frames elapsed from the first frame to the last, gaps included.
    public var frameSpan: Int {
        guard let last = segments.last else { return max(frameCount - 1, 0) }
        return last.firstFrame + last.count - 1 - Int(firstFrame)
    }

    /// Index on the axis of `frame`: the last kept frame at or before it (0 before the first).
    func index(ofFrame frame: Int) -> Int {
        Self.axisIndex(ofFrame: frame, segments: segments, firstFrame: Int(firstFrame), frameCount: frameCount)
    }

    /// The axis index of `frame` over `segments` (one run of `frameCount` frames from `firstFrame`
    /// when empty): the last kept frame at or before it, 0 before the first.
    static func axisIndex(ofFrame frame: Int, segments: [Segment], firstFrame: Int, frameCount: Int) -> Int {
        guard !segments.isEmpty else { return min(max(frame - firstFrame, 0), frameCount - 1) }
        let s = segments[max(segments.partitioningIndex { $0.firstFrame > frame } - 1, 0)]
        return s.offset + min(max(frame - s.firstFrame, 0), s.count - 1)
    }

    /// Drift at `frame` (0 outside the covered range's start; the last value after its end).
    public func drift(atFrame frame: Int32) -> (x: Double, y: Double) {
        guard frameCount > 0 else { return (0, 0) }
        let i = index(ofFrame: Int(frame))
        return (xNanometers[i], yNanometers[i])
    }

    /// Mean drift velocity over the video (total drift / frames elapsed), nm per
    /// frame, with its per-axis standard error.
    public var meanVelocityNanometersPerFrame: (x: Double, y: Double, standardError: Double) {
        guard frameCount > 1, frameSpan > 0 else { return (0, 0, .nan) }
        let frames = Double(frameSpan)
        return (xNanometers[frameCount - 1] / frames, yNanometers[frameCount - 1] / frames,
                varianceNm2[frameCount - 1].squareRoot() / frames)
    }

    /// Whether the drift stands out from its own noise: two χ² tests of the cumulative drift's displacement against
    /// its variance, one over the whole axis (a steady drift) and one over consecutive blocks (a drift that turns,
    /// whose net displacement may be 0), each at half the level (Bonferroni). A stretch [a, e) of the axis moves
    /// Δ (per axis) with variance ≈ Var D(e) − Var D(a) (the increments are nearly independent; at the stretch's
    /// ends the smoothing makes this an overestimate, so the tests err towards "not detected"); with no drift,
    /// T = Σ (Δx² + Δy²)/(Var D(e) − Var D(a)) over B stretches is χ² on 2B degrees of freedom, whose upper tail is
    /// e^(−T/2) Σ_{i<B} (T/2)^i/i! exactly. Blocks: at most ``significanceBlocks`` of at least 4 windows each.
    /// `nil` when no stretch has steps.
    ///
    /// Subtracting a drift that is not there adds the other particles' noise to every track for no gain (and, with a
    /// track's own steps in the drift at full weight, took about 1/n of its own long-lag motion: ``OwnSteps``).
    public func significance() -> DriftSignificance? {
        let frames = frameCount
        guard frames > 1 else { return nil }
        let window = max(smoothingFrames, 1)
        /// T and the stretches with steps, over `count` equal stretches of the axis.
        func statistic(_ count: Int) -> (chiSquare: Double, stretches: Int) {
            var total = 0.0, used = 0
            for b in 0..<count {
                let start = b * (frames - 1) / count, end = (b + 1) * (frames - 1) / count
                let variance = varianceNm2[end] - varianceNm2[start]
                guard variance > 0, variance.isFinite else { continue }
                let dx = xNanometers[end] - xNanometers[start], dy = yNanometers[end] - yNanometers[start]
                total += (dx * dx + dy * dy) / variance
                used += 1
            }
            return (total, used)
        }
        /// P(χ² ≥ t) on 2k degrees of freedom, its terms in logarithms (no overflow at large t).
        func tail(_ t: Double, _ k: Int) -> Double {
            let half = t / 2
            var sum = 0.0
            for i in 0..<k { sum += exp(-half + (i == 0 ? 0 : Double(i) * log(half)) - lgamma(Double(i + 1))) }
            return min(sum, 1)
        }
        let steady = statistic(1)
        let blocks = statistic(max(1, min(Self.significanceBlocks, (frames - 1) / (4 * window))))
        guard steady.stretches > 0, blocks.stretches > 0, steady.chiSquare.isFinite, blocks.chiSquare.isFinite else {
            return nil
        }
        let p = min(1, 2 * min(tail(steady.chiSquare, 1), tail(blocks.chiSquare, blocks.stretches)))
        return DriftSignificance(steadyChiSquare: steady.chiSquare, chiSquare: blocks.chiSquare,
                                 degreesOfFreedom: 2 * blocks.stretches, pValue: p)
    }

    /// The most blocks ``significance()`` splits the axis into.
    public static let significanceBlocks = 10

    /// Estimates the drift of a set of tracks.
    ///
    /// - Parameter smoothingFrames: centred window, in frame increments; 1 is
    ///   trackpy's default (no smoothing). The default 15 (0.5 s at 30 fps) keeps
    ///   the self-inclusion bias of corrected steps below 1/(15·n).
    public static func estimate(_ tracks: TrackSet, smoothingFrames: Int = 15) -> DriftEstimate {
        estimate(tracks, smoothingFrames: smoothingFrames, frameRanges: nil)
    }

    /// ``estimate(_:smoothingFrames:)`` with the frame pairs split into `frameRanges` ranges, one task each
    /// (`nil`: by the cores and the frames); the result does not depend on it, to the bit.
    static func estimate(_ tracks: TrackSet, smoothingFrames: Int, frameRanges: Int?) -> DriftEstimate {
        guard tracks.rowCount > 0 else {
            return DriftEstimate(firstFrame: 0, xNanometers: [], yNanometers: [], varianceNm2: [], stepCounts: [],
                                 smoothingFrames: smoothingFrames)
        }
        var lo = Int32.max, hi = Int32.min
        for f in tracks.frame { lo = min(lo, f); hi = max(hi, f) }
        let segments = Self.segments(tracks.frame, lo: Int(lo), hi: Int(hi), reach: max(smoothingFrames, 1) + 1)
        let frames = segments.map { $0.last!.offset + $0.last!.count } ?? Int(hi) - Int(lo) + 1
        let kept = segments ?? []
        let first = Int(lo)
        let increments = frames - 1
        var sumX = [Double](repeating: 0, count: max(increments, 0)), sumY = sumX
        var count = [Int](repeating: 0, count: max(increments, 0))
        var meanX = [Double](repeating: 0, count: max(increments, 0)), meanY = meanX
        var squares = [Double](repeating: 0, count: max(increments, 0)), cross = squares
        // Two passes over every track's single-frame steps. Each core owns a range of frame pairs g and visits
        // the tracks in order, adding only the steps of its own g: every sum is taken in track order, as in one
        // pass on one core, so the bits do not depend on the number of cores. A range costs a look at every
        // track's first and last frame besides its own steps, so even a 3,000-frame video is split (16 pairs
        // a range at least): with 4,096 its two passes over 10M rows ran on one core.
        let ranges = max(1, min(frameRanges ?? Parallel.chunkCount(max(increments, 0), minimumChunk: 16),
                                max(increments, 1)))
        // The columns as buffers (no bounds checks in the two passes over every step).
        tracks.frame.withUnsafeBufferPointer { frameBuffer in
        tracks.xNanometers.withUnsafeBufferPointer { xBuffer in
        tracks.yNanometers.withUnsafeBufferPointer { yBuffer in
        tracks.offsets.withUnsafeBufferPointer { offsetBuffer in
        let columns = UncheckedSendable((frameBuffer, xBuffer, yBuffer, offsetBuffer))
        // Axis index of a localisation's frame (every localisation lies in a segment).
        @Sendable @inline(__always) func axis(_ f: Int32) -> Int {
            kept.isEmpty ? min(max(Int(f) - first, 0), frames - 1)
                : Self.axisIndex(ofFrame: Int(f), segments: kept, firstFrame: first, frameCount: frames)
        }
        @Sendable @inline(__always) func usable(_ i: Int) -> Bool {
            let (frameOf, xs, ys, _) = columns.value
            return Self.isUsableStep(i, frames: frameOf, x: xs, y: ys)
        }
        /// Calls `body(i, g, start)` for every usable step i of every track (whose first row is `start`), in
        /// track order, whose frame pair g is in `owned` (frames, and so g, increase along a track: tracks
        /// outside the range are skipped whole).
        @Sendable func steps(in owned: Range<Int>, _ body: (Int, Int, Int) -> Void) {
            let (frameOf, _, _, offsets) = columns.value
            for t in 0 ..< offsets.count - 1 {
                let start = offsets[t], end = offsets[t + 1]
                guard end - start >= 2, axis(frameOf[start]) < owned.upperBound,
                      axis(frameOf[end - 2]) >= owned.lowerBound
                else { continue }
                for i in (start + 1) ..< end where usable(i) {
                    let g = axis(frameOf[i - 1])
                    if g >= owned.upperBound { break }
                    if g >= owned.lowerBound { body(i, g, start) }
                }
            }
        }
        // Pass 1: per-frame-pair sums.
        sumX.withUnsafeMutableBufferPointer { sumX in
        sumY.withUnsafeMutableBufferPointer { sumY in
        count.withUnsafeMutableBufferPointer { count in
            let sx = SendableBuffer(base: sumX), sy = SendableBuffer(base: sumY), n = SendableBuffer(base: count)
            Parallel.forEach(count: ranges) { c in
                let (_, xs, ys, _) = columns.value
                steps(in: Parallel.chunk(c, of: ranges, count: increments)) { i, g, _ in
                    sx.base[g] += xs[i] - xs[i - 1]
                    sy.base[g] += ys[i] - ys[i - 1]
                    n.base[g] += 1
                }
            }
        } } }
        for g in 0 ..< max(increments, 0) where count[g] > 0 {
            meanX[g] = sumX[g] / Double(count[g]); meanY[g] = sumY[g] / Double(count[g])
        }
        // Pass 2: per-frame-pair variance of the sum (V_g) and adjacent covariance (C_g), per axis averaged. A
        // step's covariance with the step before it (when that one is usable too, one frame pair earlier) goes
        // to the earlier pair's C, so a core owning pairs [a, b) also reads the steps of pair b.
        let mx = meanX, my = meanY
        squares.withUnsafeMutableBufferPointer { squares in
        cross.withUnsafeMutableBufferPointer { cross in
            let sq = SendableBuffer(base: squares), cr = SendableBuffer(base: cross)
            Parallel.forEach(count: ranges) { c in
                let (_, xs, ys, _) = columns.value
                let owned = Parallel.chunk(c, of: ranges, count: increments)
                // The step visited last (its row, frame pair and residual): the step before the current one
                // when that is row i − 1 of the same track — a usable step whose pair, one earlier than g when
                // the frames run on, lies in this core's range — as testing row i − 1 afresh finds it.
                var last = (row: -1, g: 0, x: 0.0, y: 0.0)
                mx.withUnsafeBufferPointer { mx in
                my.withUnsafeBufferPointer { my in
                steps(in: owned.lowerBound ..< min(owned.upperBound + 1, increments)) { i, g, start in
                    let ex = xs[i] - xs[i - 1] - mx[g], ey = ys[i] - ys[i - 1] - my[g]
                    if g < owned.upperBound { sq.base[g] += (ex * ex + ey * ey) / 2 }
                    let previous = last
                    last = (i, g, ex, ey)
                    // The step before: row i − 1 a usable step of the same track, one frame pair earlier.
                    guard g - 1 >= owned.lowerBound, i - 1 > start, previous.row == i - 1, previous.g == g - 1
                    else { return }
                    cr.base[previous.g] += (ex * previous.x + ey * previous.y) / 2
                }
                } }
            }
        } }
        } } } }
        var totalSquares = 0.0, totalDegrees = 0
        for g in 0..<max(increments, 0) where count[g] > 1 {
            totalSquares += squares[g]; totalDegrees += count[g] - 1
        }
        let pooledStepVariance = totalDegrees > 0 ? totalSquares / Double(totalDegrees) : 0
        var v = [Double](repeating: 0, count: max(increments, 0))
        for g in 0..<max(increments, 0) {
            let n = count[g]
            v[g] = n > 1 ? squares[g] * Double(n) / Double(n - 1) : Double(n) * pooledStepVariance
        }

        // Smoothed increments: pooled mean of the steps in a centred window of w increments.
        var prefixCount = [Int](repeating: 0, count: max(increments, 0) + 1)
        var prefixX = [Double](repeating: 0, count: max(increments, 0) + 1), prefixY = prefixX
        for g in 0..<max(increments, 0) {
            prefixCount[g + 1] = prefixCount[g] + count[g]
            prefixX[g + 1] = prefixX[g] + sumX[g]
            prefixY[g + 1] = prefixY[g] + sumY[g]
        }
        var windowCounts = [Int](repeating: 0, count: max(increments, 0))
        var windowMeans = [SIMD2<Double>](repeating: .zero, count: max(increments, 0))
        var driftX = [Double](repeating: 0, count: frames), driftY = driftX, variance = driftX
        // α_g: weight of S_g in the current cumulative drift; the variance is kept up to date incrementally.
        var alpha = [Double](repeating: 0, count: max(increments, 0))
        var varianceNow = 0.0
        func contribution(_ g: Int) -> Double {
            var c = alpha[g] * alpha[g] * v[g]
            if g + 1 < increments { c += 2 * alpha[g] * alpha[g + 1] * cross[g] }
            return c
        }
        for f in 0..<max(increments, 0) {
            let win = Self.window(of: f, smoothingFrames: smoothingFrames, increments: increments)
            let n = prefixCount[win.upperBound] - prefixCount[win.lowerBound]
            var dx = 0.0, dy = 0.0
            if n > 0 {
                dx = (prefixX[win.upperBound] - prefixX[win.lowerBound]) / Double(n)
                dy = (prefixY[win.upperBound] - prefixY[win.lowerBound]) / Double(n)
                // Update α over the window; recompute the affected variance terms (g − 1 … g).
                let affected = max(win.lowerBound - 1, 0) ..< win.upperBound
                for g in affected { varianceNow -= contribution(g) }
                for g in win { alpha[g] += 1 / Double(n) }
                for g in affected { varianceNow += contribution(g) }
            }
            driftX[f + 1] = driftX[f] + dx
            driftY[f + 1] = driftY[f] + dy
            variance[f + 1] = max(varianceNow, 0)
            windowCounts[f] = n
            windowMeans[f] = SIMD2(dx, dy)
        }
        var estimate = DriftEstimate(firstFrame: lo, xNanometers: driftX, yNanometers: driftY, varianceNm2: variance,
                                     stepCounts: count, smoothingFrames: smoothingFrames)
        estimate.segments = segments ?? []
        (estimate.windowStepCounts, estimate.windowMeanSteps) = (windowCounts, windowMeans)
        return estimate
    }

    /// The increments whose steps are pooled into increment `f`'s smoothed value: the centred window of
    /// `smoothingFrames` increments (≤ 1: `f` alone; an even window reaches one further after `f` than before
    /// it), cut at the axis's ends (`increments` in all).
    @inline(__always)
    static func window(of f: Int, smoothingFrames: Int, increments: Int) -> Range<Int> {
        let before = (max(smoothingFrames, 1) - 1) / 2
        return max(f - before, 0) ..< min(f - before + max(smoothingFrames, 1), increments)
    }

    /// Whether row i − 1 → i (of one track) is a step the drift is estimated from: a single-frame step no longer
    /// than ``maximumStepNanometers`` per axis.
    @inline(__always)
    static func isUsableStep(_ i: Int, frames: UnsafeBufferPointer<Int32>, x: UnsafeBufferPointer<Double>,
                             y: UnsafeBufferPointer<Double>) -> Bool {
        Int(frames[i]) - Int(frames[i - 1]) == 1
            && abs(x[i] - x[i - 1]) <= maximumStepNanometers && abs(y[i] - y[i - 1]) <= maximumStepNanometers
    }

    /// Steps longer than this per axis (nm; 0.1 mm, a whole NTA field of view in one frame) are
    /// not Brownian motion but a mislinked or corrupt localisation; they are left out of the drift,
    /// whose mean one such step would otherwise dominate.
    public static let maximumStepNanometers = 1e5


    /// The runs of frames within `reach` of a localisation, merged where they touch, when the
    /// frame range [lo, hi] is much longer than the rows (else `nil`: one run covers it all).
    /// Frames outside every run have no single-frame step and no smoothing window that reaches
    /// one, so their increments are 0 and leaving them out changes no value.
    static func segments(_ frames: [Int32], lo: Int, hi: Int, reach: Int) -> [Segment]? {
        guard hi - lo + 1 > 4 * frames.count + 1024 else { return nil }
        var distinct = frames
        distinct.sort()
        var out: [Segment] = []
        var start = 0, end = -1  // current run [start, end], in frames
        var previous: Int32? = nil
        for f in distinct where f != previous {
            previous = f
            let a = max(Int(f) - reach, lo), b = min(Int(f) + reach, hi)
            if out.isEmpty && end < start {
                start = a; end = b
            } else if a <= end + 1 {
                end = max(end, b)
            } else {
                let offset = out.last.map { $0.offset + $0.count } ?? 0
                out.append(Segment(firstFrame: start, offset: offset, count: end - start + 1))
                start = a; end = b
            }
        }
        let offset = out.last.map { $0.offset + $0.count } ?? 0
        out.append(Segment(firstFrame: start, offset: offset, count: end - start + 1))
        return out
    }
}

extension DriftEstimate {
    /// How much of a track's own steps stays in the drift it is corrected by (``TrackSet/subtractDrift(_:ownSteps:)``).
    ///
    /// The drift's smoothed increment at frame pair f is the pooled mean S_f/N_f of the steps in its window; a track
    /// holds s_f, n_f of them. Corrected by the increment (S_f − (1 − c)s_f)/(N_f − (1 − c)n_f), own steps at weight c,
    /// a track keeps (1 − c/N)² of its own motion and gains the others' noise: with m others a step for each own one,
    /// the variance of its corrected displacement over many frames is (1 − c/(c + m))² + m/(c + m)² times its own.
    /// At c = 1 (the shared drift) that is 1 − 1/(m + 1): D reads low and sizes large by about 1/n with n particles
    /// in view (simulated, 100 nm, no drift, the correction forced: D50 +19 % at 1.6 particles a frame, +7 % at 4.1,
    /// +2.5 % at 11); at c = 0 it is 1 + 1/m, the other way (−18 %, −8 %, −2.4 %).
    public enum OwnSteps: Sendable, Hashable {
        /// c = 0: each track corrected by the drift of the others alone. Its corrected steps do not depend on its own
        /// motion, so their moments (the blur coefficient's and σ²'s, ``TrackSet/subtractDrift(_:ownSteps:)``) keep
        /// the dependence on D they had; the shared drift lowered the lag-1 covariance in proportion to D and so the
        /// estimated R (4.4 standard errors on a held-out 10M geometry, BENCHMARKS.md; 0.5 left out).
        case leftOut
        /// c = m(√(1 + 1/m) − 1) (→ ½ as m grows; 0 with no other step), the root of (1 − c/(c + m))² + m/(c + m)² = 1,
        /// with m the window's other steps per own step: the corrected long-lag displacement has the variance of the
        /// track's own, to second order, whatever the number of particles in view (simulated as above: D50 within
        /// 0.5 % of the uncorrected video's from 1.6 particles a frame to 125; with a 60 nm/frame drift within 1.2 % of
        /// the truth, where not correcting was 1.6–2 % low). For the per-track sizes.
        case balanced

        /// What a window of `count` steps, `own` of them the track's own, turns into the difference of the track's
        /// increment from the shared one: δ = k·(own·S/count − s) with S and s the window's and the track's sums of
        /// steps, k = (1 − c)/(count − (1 − c)·own) (from (S − (1 − c)s)/(count − (1 − c)·own) − S/count). Balanced,
        /// with r = √(count/(count − own)): k = r/(count + r·(count − own)), one division after the root.
        /// Requires 0 < own < count.
        @inline(__always)
        func shiftFactor(count: Int, own: Int) -> Double {
            let n = Double(count), others = Double(count - own)
            switch self {
            case .leftOut: return 1 / others
            case .balanced:
                let root = (n / others).squareRoot()
                return root / (n + root * others)
            }
        }

        /// The weight c of a window's own steps, given `others` other steps per own step (m ≥ 0).
        public func weight(othersPerOwnStep m: Double) -> Double {
            switch self {
            case .leftOut: return 0
            // m(√(1 + 1/m) − 1) written as 1/(1 + √(1 + 1/m)): no cancellation when m is large.
            case .balanced: return m > 0 ? 1 / (1 + (1 + 1 / m).squareRoot()) : 0
            }
        }
    }
}

extension TrackSet {
    /// The same tracks with the drift subtracted from every position (see ``subtractDrift(_:ownSteps:)``).
    public func subtractingDrift(_ drift: DriftEstimate, ownSteps: DriftEstimate.OwnSteps = .balanced) -> TrackSet {
        var out = self
        out.subtractDrift(drift, ownSteps: ownSteps)
        return out
    }

    /// Subtracts `drift` from every position in place (no copy of the columns when this set is their only owner),
    /// each track's own steps in the drift it is corrected by at the weight `ownSteps` gives them: with δ_f the
    /// difference of the track's increment from the shared one, x − D(k) − Σ_{f<k} δ_f. An increment whose window
    /// holds no other step is 0, as an empty window is. `drift` must come from
    /// ``DriftEstimate/estimate(_:smoothingFrames:)`` on these positions; a `drift` without its windows' step counts
    /// and means is subtracted as it is (every track at weight 1).
    public mutating func subtractDrift(_ drift: DriftEstimate, ownSteps: DriftEstimate.OwnSteps = .balanced) {
        guard drift.frameCount > 0 else { return } // no drift: (0, 0) at every frame
        let increments = drift.frameCount - 1
        let hasWindows = drift.windowStepCounts.count == increments && drift.windowMeanSteps.count == increments
        let smoothing = drift.smoothingFrames
        let window = max(smoothing, 1)
        let before = (window - 1) / 2, after = window - 1 - before
        // The shift factor of every window count N and own count n (n ≤ the window's increments, n < N), the same
        // for every track, tabled when the table is small (a sqrt and two divisions per track and increment
        // otherwise: ~5 % of the stage on a 10M file); a larger count takes
        // ``DriftEstimate/OwnSteps/shiftFactor(count:own:)`` directly.
        let tabledCounts = min(hasWindows ? drift.windowStepCounts.max() ?? 0 : 0, (1 << 20) / (window + 1))
        var factors = [Double](repeating: 0, count: (tabledCounts + 1) * (window + 1))
        for count in 0 ... tabledCounts {
            for own in 1 ... window where own < count {
                factors[count * (window + 1) + own] = ownSteps.shiftFactor(count: count, own: own)
            }
        }
        let frame = frame, offsets = offsets
        let segments = drift.segments, firstFrame = Int(drift.firstFrame), frameCount = drift.frameCount
        xNanometers.withUnsafeMutableBufferPointer { x in
        yNanometers.withUnsafeMutableBufferPointer { y in
        frame.withUnsafeBufferPointer { frames in
        offsets.withUnsafeBufferPointer { offsets in
        drift.xNanometers.withUnsafeBufferPointer { driftX in
        drift.yNanometers.withUnsafeBufferPointer { driftY in
        drift.windowStepCounts.withUnsafeBufferPointer { windowCounts in
        drift.windowMeanSteps.withUnsafeBufferPointer { sharedMean in
        factors.withUnsafeBufferPointer { factors in
            let xs = SendableBuffer(base: x), ys = SendableBuffer(base: y)
            let columns = UncheckedSendable((frames, offsets, driftX, driftY, windowCounts, sharedMean, factors))
            // Tracks are independent: chunks of tracks on all cores, each writing its own rows.
            _ = Parallel.mapChunks(count: offsets.count - 1, minimumChunk: 1024) { tracks in
                let (frames, offsets, driftX, driftY, windowCounts, sharedMean, factors) = columns.value
                let xr = UnsafeBufferPointer(xs.base), yr = UnsafeBufferPointer(ys.base)
                // Per track: its rows' axis indices, its own usable steps (their increments, and the running sums of
                // their displacements), and the running sums of the differences δ from the first increment they reach.
                var rowAxis: [Int] = [], ownG: [Int] = [], ownPrefix: [SIMD2<Double>] = []
                var shift = DriftShifts()
                for t in tracks {
                    let start = offsets[t], end = offsets[t + 1]
                    rowAxis.removeAll(keepingCapacity: true)
                    for i in start ..< end {
                        rowAxis.append(DriftEstimate.axisIndex(ofFrame: Int(frames[i]), segments: segments,
                                                               firstFrame: firstFrame, frameCount: frameCount))
                    }
                    ownG.removeAll(keepingCapacity: true)
                    ownPrefix.removeAll(keepingCapacity: true)
                    ownPrefix.append(.zero)
                    if hasWindows {
                        for i in (start + 1) ..< max(end, start + 1)
                        where DriftEstimate.isUsableStep(i, frames: frames, x: xr, y: yr) {
                            ownG.append(rowAxis[i - 1 - start])
                            ownPrefix.append(ownPrefix[ownPrefix.count - 1] + SIMD2(xr[i] - xr[i - 1], yr[i] - yr[i - 1]))
                        }
                    }
                    // Increments fLo ... fHi hold some own step in their windows.
                    var fLo = 0, fHi = -1
                    if let first = ownG.first, let last = ownG.last {
                        fLo = max(first - after, 0)
                        fHi = min(last + before, increments - 1)
                    }
                    shift.reset(from: fLo)
                    if fHi >= fLo {
                        // Own steps in the window of f: indices enter ..< leave of ownG (g within f − before ... f + after).
                        var enter = 0, leave = 0
                        for f in fLo ... fHi {
                            let win = DriftEstimate.window(of: f, smoothingFrames: smoothing, increments: increments)
                            while leave < ownG.count, ownG[leave] < win.upperBound { leave += 1 }
                            while enter < leave, ownG[enter] < win.lowerBound { enter += 1 }
                            let own = leave - enter, n = windowCounts[f]
                            guard own > 0, n > 0 else { shift.carry(); continue }
                            // δ = k·(n·S/N − s) (``DriftEstimate/OwnSteps/shiftFactor(count:own:)``), or −S/N when the
                            // window holds the track's steps alone.
                            let mine = ownPrefix[leave] - ownPrefix[enter]
                            guard own < n else { shift.add(-sharedMean[f]); continue }
                            let k = n <= tabledCounts ? factors[n * (window + 1) + own]
                                : ownSteps.shiftFactor(count: n, own: own)
                            shift.add(k * (Double(own) * sharedMean[f] - mine))
                        }
                    }
                    for i in start ..< end {
                        let k = rowAxis[i - start]
                        let s = shift.value(at: k, through: fHi)
                        xs.base[i] -= driftX[k] + s.x
                        ys.base[i] -= driftY[k] + s.y
                    }
                }
                return 0
            }
        } } } } } } } } }
    }
}

/// One track's running sums of the differences δ_f between its drift increments and the shared ones, from the first
/// increment its own steps reach (``TrackSet/subtractDrift(_:ownSteps:)``), x and y as the lanes of a `SIMD2`.
struct DriftShifts {
    /// First increment covered.
    private var first = 0
    /// Σ_{first ≤ f < first + j} δ_f at j (j = 0 … increments covered).
    private var sums: [SIMD2<Double>] = []

    @inline(__always)
    mutating func reset(from increment: Int) {
        first = increment
        sums.removeAll(keepingCapacity: true)
        sums.append(.zero)
    }

    /// An increment whose difference is 0.
    @inline(__always)
    mutating func carry() { sums.append(sums[sums.count - 1]) }

    /// The next increment, whose difference is `delta`.
    @inline(__always)
    mutating func add(_ delta: SIMD2<Double>) { sums.append(sums[sums.count - 1] + delta) }

    /// Σ δ_f over the increments before axis index `k` (those up to `last` recorded; 0 before the first).
    @inline(__always)
    func value(at k: Int, through last: Int) -> SIMD2<Double> {
        guard last >= first, k > first else { return .zero }
        return sums[min(k, last + 1) - first]
    }
}

/// The test of a ``DriftEstimate`` against its own noise (``DriftEstimate/significance()``).
public struct DriftSignificance: Sendable, Hashable {
    /// T over the whole axis (2 degrees of freedom): a steady drift.
    public var steadyChiSquare: Double
    /// T = Σ_b (Δx_b² + Δy_b²)/Var_b over the blocks.
    public var chiSquare: Double
    /// 2 × the blocks with steps.
    public var degreesOfFreedom: Int
    /// With no drift, the chance that either test reads as large as it did (twice the smaller upper tail, at most 1).
    public var pValue: Double

    /// The level below which the drift counts as detected and is subtracted: 10⁻³.
    public static let level = 1e-3

    /// Whether ``pValue`` is below ``level``.
    public var detected: Bool { pValue < Self.level }
}
