import Foundation
import NTACore
import NTADiffusion

/// The per-track likelihood a size-distribution deconvolution needs:
/// log P(track data | D) at each diffusion coefficient of a grid.
///
/// Tracks whose likelihood functions are identical (or identical to within a
/// stated resolution) may share a ``Summary``; the deconvolution evaluates one
/// likelihood row per distinct summary and weights it by how many tracks share
/// it, which is what makes 10⁵–10⁶ tracks cheap. A model that cannot pool
/// tracks uses the track index as its summary.
///
/// Conforming types: ``OneLagGammaLikelihood`` (Walker 2012 and its noise- and
/// blur-aware variant). An exact per-track likelihood (DST-I, SCIENCE.md §2)
/// conforms by returning `Summary = Int` (the track) and filling the row with
/// its log L(D) at the known σ² and R.
public protocol TrackLikelihoodModel: Sendable {
    /// What the likelihood of a track depends on.
    associatedtype Summary: Hashable & Sendable
    /// Number of tracks.
    var trackCount: Int { get }
    /// The summary of track `n` (tracks with equal summaries share a likelihood row).
    func summary(ofTrack n: Int) -> Summary
    /// Writes log P(data | Dₘ) for data with `summary` into `out[m]`, for every
    /// `diffusionNm2PerS[m]` (nm²/s). Any additive constant independent of D
    /// may be dropped. Values may be `-infinity` where the likelihood is zero.
    func logLikelihood(_ summary: Summary, diffusionNm2PerS: [Double], into out: inout [Double])

    /// What the rows of many summaries share, computed once for all of them before the rows are
    /// evaluated (e.g. per-node constants common to tracks of one step count); `Void` by default.
    associatedtype RowContext: Sendable = Void
    /// The shared part of the rows of `summaries` on the grid `diffusionNm2PerS`.
    func rowContext(_ summaries: [Summary], diffusionNm2PerS: [Double]) -> RowContext
    /// ``logLikelihood(_:diffusionNm2PerS:into:)`` with the shared part taken from `context` (made by
    /// ``rowContext(_:diffusionNm2PerS:)`` for these summaries and this grid): the same values.
    func logLikelihood(_ summary: Summary, context: RowContext, diffusionNm2PerS: [Double], into out: inout [Double])
    /// ``logLikelihood(_:context:diffusionNm2PerS:into:)`` for a row that keeps only the nodes within `drop` of
    /// its largest value (``LikelihoodMatrix``): a node whose value is certainly lower than that, or not a
    /// number, may be written as `-infinity` without being computed; every other node gets the same value.
    func logLikelihood(_ summary: Summary, context: RowContext, diffusionNm2PerS: [Double], into out: inout [Double],
                       droppingBelowLargestBy drop: Double)
}

extension TrackLikelihoodModel {
    /// Every node computed.
    public func logLikelihood(_ summary: Summary, context: RowContext, diffusionNm2PerS: [Double], into out: inout [Double],
                              droppingBelowLargestBy drop: Double) {
        logLikelihood(summary, context: context, diffusionNm2PerS: diffusionNm2PerS, into: &out)
    }
}

extension TrackLikelihoodModel where RowContext == Void {
    /// Nothing shared.
    public func rowContext(_ summaries: [Summary], diffusionNm2PerS: [Double]) {}

    /// Each row on its own (``logLikelihood(_:diffusionNm2PerS:into:)``).
    public func logLikelihood(_ summary: Summary, context: Void, diffusionNm2PerS: [Double], into out: inout [Double]) {
        logLikelihood(summary, diffusionNm2PerS: diffusionNm2PerS, into: &out)
    }
}

/// The one-lag 2D MSD likelihood: per track, Δ = Σ|Δr|²/Σg (mean squared step
/// per frame, nm²) over k steps spanning Σg frames, modelled as
/// Gamma(shape κ, mean θ(D)).
///
/// - Walker 2012 (Meas Sci Technol 23:065605; the basis of NanoSight's FTLA):
///   no noise, no blur, κ = k, θ = 4DΔt. Exact for Brownian steps without noise.
/// - Noise- and blur-aware (SCIENCE.md §1), with per-axis step variance
///   a = 2DΔt(ḡ − 2R) + 2σ² (ḡ = Σg/k) and adjacent-step covariance
///   b = 2RDΔt − σ²: θ = 2a/ḡ (Δ is per frame, Σ|Δr|² has mean 2a per step); with ``ShapeRule/matchedVariance``
///   κ = k / (1 + 2((k − 1)/k)(b/a)²), which matches the variance of Σ|Δr|² for
///   correlated Gaussian steps, 4(k a² + 2(k − 1) b²); with ``ShapeRule/steps``
///   κ = k as Walker. The Gamma form is an approximation once b ≠ 0 (the exact
///   likelihood is the DST-I one); it is used until that is available.
///
/// Pooling: tracks share a row when their ln Δ agree to within a resolution δ(k) =
/// max(``logResolution``, ``relativeLogResolution``/√k) (rounded to that grid), their
/// step counts agree (exactly up to ``exactStepLimit``, to within ``stepResolution``
/// relative above it) and so does their number of gap frames Σg − k. The rounding's
/// variance δ²/12 is a fixed fraction of a track's own variance of ln D̂ ≈ 1/k: at
/// the defaults (0.01, 0.2) 0.33 % up to k = 400 and under 1 % up to k = 1,200; and
/// the Gamma shape of tracks over 50 steps moves by at most ±1 %. Set
/// ``logResolution`` and ``stepResolution`` to 0 to pool only exact ties.
public struct OneLagGammaLikelihood: TrackLikelihoodModel {
    /// How the Gamma shape is chosen.
    public enum ShapeRule: String, Sendable, Hashable, Codable {
        /// κ = k (Walker 2012).
        case steps
        /// κ matched to the variance of Σ|Δr|² under the correlated-step theory.
        case matchedVariance
    }

    /// Pooling key: step count, frames spanned, and quantised ln Δ (or its exact bits).
    public struct Summary: Hashable, Sendable {
        /// Step count k (rounded to ``stepResolution`` above ``exactStepLimit``).
        var steps: Int32
        /// Frames spanned by the steps, Σg (with the pooled step count).
        var gapFrames: Int32
        /// ln Δ quantised to ``logResolution`` (Δ's exact bits when it is 0).
        var key: Int64
        /// The track's ``OneLagGammaLikelihood/localisationVarianceOffsetsNm2`` quantised (see
        /// ``OneLagGammaLikelihood/varianceQuantum(_:)``; its exact bits when ``logResolution`` is 0); 0 without offsets.
        var varianceKey: Int64 = 0
    }

    /// Σ(Δx² + Δy²) over each track's steps, nm².
    public var sumSquared2DNm2: [Double]
    /// Steps per track.
    public var steps: [Int]
    /// Frames spanned by each track's steps (Σg; equals `steps` without gaps).
    public var sumGaps: [Int]
    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// Motion-blur coefficient R (0 = instantaneous exposure), in [0, 0.24].
    public var blurCoefficient: Double
    /// Per-axis localisation variance σ², nm² (0 = noise-free); may be an effective, negative value
    /// that carries the identified adjacent-step covariance when R and σ² are not identified apart.
    public var localisationVarianceNm2: Double
    /// Each track's σ² less ``localisationVarianceNm2``, nm² (photon-limited localisation: a dim track's σ² is
    /// larger); `nil`: one σ² for every track. Pooled to within a quarter of the ln Δ resolution's effect
    /// (``varianceQuantum(_:)``).
    public var localisationVarianceOffsetsNm2: [Double]?
    /// How the Gamma shape κ is chosen.
    public var shapeRule: ShapeRule
    /// Pooling resolution in ln Δ (0 = exact ties only).
    public var logResolution: Double
    /// Pooling resolution in ln Δ relative to a track's own spread: tracks of k steps pool to within
    /// `relativeLogResolution`/√k when that is coarser than ``logResolution`` (the SD of ln Δ is ≈ 1/√k,
    /// so the rounding's variance, δ²/12, is 0.33 % of a track's own at the default 0.2).
    public var relativeLogResolution: Double = 0.2
    /// Relative pooling resolution of step counts above ``exactStepLimit`` (0 = exact).
    public var stepResolution: Double = 0.02
    /// Step counts up to this are never pooled with others.
    public var exactStepLimit: Int = 50

    /// A likelihood from per-track sums. Every track needs `steps[n] ≥ 1` (a
    /// programming error otherwise) and should have a finite `sumSquared2DNm2[n] > 0`
    /// (degenerate tracks are clamped, not trapped on; drop them upstream). A non-finite R or σ² is
    /// taken as 0, and R is clamped into [0, 0.24] (at 1/4 the step variance vanishes).
    public init(sumSquared2DNm2: [Double], steps: [Int], sumGaps: [Int]? = nil, frameIntervalSeconds: Double,
                blurCoefficient: Double = 0, localisationVarianceNm2: Double = 0,
                shapeRule: ShapeRule = .matchedVariance, logResolution: Double = 0.01) {
        precondition(sumSquared2DNm2.count == steps.count && (sumGaps?.count ?? steps.count) == steps.count)
        precondition(steps.allSatisfy { $0 >= 1 }, "every track needs at least one step")
        self.sumSquared2DNm2 = sumSquared2DNm2
        self.steps = steps
        self.sumGaps = sumGaps ?? steps
        self.frameIntervalSeconds = frameIntervalSeconds
        // Documented clamps: R into [0, 1/4) (1/4 makes the step variance vanish), σ² finite.
        self.blurCoefficient = blurCoefficient.isFinite ? min(max(blurCoefficient, 0), 0.24) : 0
        self.localisationVarianceNm2 = localisationVarianceNm2.isFinite ? localisationVarianceNm2 : 0
        self.shapeRule = shapeRule
        self.logResolution = logResolution
    }

    /// From each track's ``StepMoments`` (uses `steps`, `sumGaps`, `sumSquared2D`).
    public init(moments: [StepMoments], frameIntervalSeconds: Double, blurCoefficient: Double = 0,
                localisationVarianceNm2: Double = 0, shapeRule: ShapeRule = .matchedVariance,
                logResolution: Double = 0.01) {
        self.init(sumSquared2DNm2: moments.map(\.sumSquared2D), steps: moments.map(\.steps),
                  sumGaps: moments.map(\.sumGaps), frameIntervalSeconds: frameIntervalSeconds,
                  blurCoefficient: blurCoefficient, localisationVarianceNm2: localisationVarianceNm2,
                  shapeRule: shapeRule, logResolution: logResolution)
    }

    /// Walker 2012: Gamma(k, 4DΔt), blind to noise and blur.
    public static func walker(moments: [StepMoments], frameIntervalSeconds: Double,
                              logResolution: Double = 0.01) -> OneLagGammaLikelihood {
        OneLagGammaLikelihood(moments: moments, frameIntervalSeconds: frameIntervalSeconds, shapeRule: .steps,
                              logResolution: logResolution)
    }

    /// Number of tracks.
    public var trackCount: Int { steps.count }

    /// Track `n`'s pooling key (see ``Summary``).
    public func summary(ofTrack n: Int) -> Summary {
        // Degenerate tracks (no displacement, or non-finite sums) should be dropped upstream;
        // here they are clamped so they cannot trap: they then favour the grid's extremes.
        let raw = sumSquared2DNm2[n] / Double(max(sumGaps[n], 1))
        let delta = raw.isFinite ? max(raw, 1e-300) : 1e300
        var k = steps[n]
        if stepResolution > 0 && k > exactStepLimit {
            let step = log1p(stepResolution)
            k = Int(exp((log(Double(k)) / step).rounded() * step).rounded())
        }
        let resolution = logResolution(steps: k)
        let key: Int64 = resolution > 0 ? Int64((log(delta) / resolution).rounded())
                                        : Int64(bitPattern: delta.bitPattern)
        var summary = Summary(steps: Int32(clamping: k), gapFrames: Int32(clamping: k + sumGaps[n] - steps[n]), key: key)
        if let offset = localisationVarianceOffsetsNm2?[n], offset.isFinite, offset != 0 {
            if resolution > 0 {
                let quanta = (offset / varianceQuantum(summary)).rounded()
                summary.varianceKey = quanta.isFinite ? Int64(max(min(quanta, 0x1p62), -0x1p62)) : 0
            } else {
                summary.varianceKey = Int64(bitPattern: offset.bitPattern)
            }
        }
        return summary
    }

    /// The step of the σ² offsets' pooling for tracks of summary `s`, nm²: δ·Δ/4 with δ its ln Δ resolution and Δ
    /// the mean squared step it stands for. Δ ≈ 2a/ḡ with a = 2DΔt(ḡ − 2R) + 2σ², so an offset rounded by at most
    /// half the step moves ln a by at most ≈ δ/2: no more than the rounding of ln Δ itself.
    func varianceQuantum(_ s: Summary) -> Double {
        logResolution(steps: Int(s.steps)) * delta(s) / 4
    }

    /// The σ² of the tracks of summary `s`, nm²: ``localisationVarianceNm2`` plus their quantised offset.
    func localisationVarianceNm2(_ s: Summary) -> Double {
        guard s.varianceKey != 0 else { return localisationVarianceNm2 }
        let offset = logResolution(steps: Int(s.steps)) > 0 ? Double(s.varianceKey) * varianceQuantum(s)
                                                            : Double(bitPattern: UInt64(bitPattern: s.varianceKey))
        return localisationVarianceNm2 + offset
    }

    /// The pooling resolution in ln Δ of tracks with `k` (pooled) steps: ``logResolution``, or
    /// ``relativeLogResolution``/√k when that is coarser (0 when ``logResolution`` is 0).
    func logResolution(steps k: Int) -> Double {
        guard logResolution > 0 else { return 0 }
        return max(logResolution, relativeLogResolution / Double(max(k, 1)).squareRoot())
    }

    /// The Δ (nm²) a summary stands for.
    func delta(_ s: Summary) -> Double {
        let resolution = logResolution(steps: Int(s.steps))
        return resolution > 0 ? exp(Double(s.key) * resolution) : Double(bitPattern: UInt64(bitPattern: s.key))
    }

    /// Writes the log Gamma density of Δ for `s` at each D (nm²/s) into `out` (constants in D kept).
    ///
    /// A pooled summary stands for every Δ in its bin of width δ in ln Δ (``logResolution(steps:)``),
    /// so its likelihood is that of the rounded statistic, P(ln Δ ∈ bin | D) = ∫ Δ·Gamma(Δ) d ln Δ over
    /// the bin (three-point Gauss–Legendre; the density is smooth on the scale of δ ≤ 0.2/√k): unlike
    /// the density at the bin's centre, it adds no spread (δ²/12 in ln D̂) to the deconvolved sizes.
    /// With exact ties only (δ = 0) it is the density of Δ itself.
    public func logLikelihood(_ s: Summary, diffusionNm2PerS: [Double], into out: inout [Double]) {
        logLikelihood(s, shape: nil, diffusionNm2PerS: diffusionNm2PerS, into: &out)
    }

    /// The Gamma shape κ, mean θ (nm² per frame) and log-normalisation κ·ln(κ/θ) − ln Γ(κ) at each D of
    /// the grid for tracks of `steps` (pooled) steps spanning `gapFrames` frames: everything but Δ. Shared
    /// by every summary with those two numbers.
    public struct Shape: Sendable {
        var kappa: [Double], theta: [Double], normalisation: [Double]
    }

    /// The shapes of the distinct (steps, gap frames) among `summaries` (see ``Shape``), when they are few
    /// enough for sharing to pay (at most a quarter as many as the summaries); `nil` otherwise.
    public struct Shapes: Sendable {
        let index: [Key: Int]
        let shapes: [Shape]

        func shape(of s: Summary) -> Shape? { index[Shapes.key(s)].map { shapes[$0] } }
        /// Steps and gap frames in one word, and the σ² offset's key.
        struct Key: Hashable, Sendable { var counts: Int64, variance: Int64 }
        static func key(_ s: Summary) -> Key {
            Key(counts: Int64(s.steps) << 32 | Int64(UInt32(bitPattern: s.gapFrames)), variance: s.varianceKey)
        }
    }

    /// The shapes the rows of `summaries` share (``Shapes``), computed in parallel.
    public func rowContext(_ summaries: [Summary], diffusionNm2PerS: [Double]) -> Shapes? {
        var index: [Shapes.Key: Int] = [:]
        var firsts: [Summary] = []
        for s in summaries where index[Shapes.key(s)] == nil {
            index[Shapes.key(s)] = firsts.count
            firsts.append(s)
        }
        guard !firsts.isEmpty, 4 * firsts.count <= summaries.count else { return nil }
        let distinct = firsts
        let shapes = Parallel.map(count: distinct.count, minimumChunk: 16) { i in
            shape(steps: Double(distinct[i].steps), gbar: Double(distinct[i].gapFrames) / Double(distinct[i].steps),
                  localisationVarianceNm2: localisationVarianceNm2(distinct[i]), diffusionNm2PerS: diffusionNm2PerS)
        }
        return Shapes(index: index, shapes: shapes)
    }

    /// ``logLikelihood(_:diffusionNm2PerS:into:)`` with the summary's ``Shape`` taken from `context`.
    public func logLikelihood(_ s: Summary, context: Shapes?, diffusionNm2PerS: [Double], into out: inout [Double]) {
        logLikelihood(s, shape: context?.shape(of: s), diffusionNm2PerS: diffusionNm2PerS, into: &out)
    }

    /// ``logLikelihood(_:context:diffusionNm2PerS:into:)`` with the nodes far below the row's largest not computed:
    /// each node's value is its largest Gauss–Legendre term plus the log of a sum between 1 and 3, so the
    /// terms alone bound it within ln 3 (see ``logLikelihood(_:shape:diffusionNm2PerS:into:droppingBelowLargestBy:)``).
    public func logLikelihood(_ s: Summary, context: Shapes?, diffusionNm2PerS: [Double], into out: inout [Double],
                              droppingBelowLargestBy drop: Double) {
        logLikelihood(s, shape: context?.shape(of: s), diffusionNm2PerS: diffusionNm2PerS, into: &out,
                      droppingBelowLargestBy: drop)
    }

    /// The ``Shape`` of tracks of k steps spanning k·ḡ frames at each D (nm²/s).
    func shape(steps k: Double, gbar: Double, localisationVarianceNm2 s2: Double, diffusionNm2PerS: [Double]) -> Shape {
        var kappa = [Double](repeating: 0, count: diffusionNm2PerS.count), theta = kappa, normalisation = kappa
        for m in diffusionNm2PerS.indices {
            (kappa[m], theta[m], normalisation[m]) = nodeShape(steps: k, gbar: gbar, localisationVarianceNm2: s2,
                                                                diffusionNm2PerS: diffusionNm2PerS[m])
        }
        return Shape(kappa: kappa, theta: theta, normalisation: normalisation)
    }

    /// κ, θ and κ·ln(κ/θ) − ln Γ(κ) at one D (nm²/s): see the type's summary.
    @inline(__always)
    private func nodeShape(steps k: Double, gbar: Double, localisationVarianceNm2 s2: Double, diffusionNm2PerS d: Double)
        -> (kappa: Double, theta: Double, normalisation: Double) {
        let dt = frameIntervalSeconds, r = blurCoefficient
        // With an effective (negative) σ², a D too small for the observed covariance would give a
        // non-positive variance: floor it at 10⁻⁶ of the diffusive part, so such D are just very unlikely.
        let diffusive = 2 * d * dt * (gbar - 2 * r)
        let a = max(diffusive + 2 * s2, 1e-6 * diffusive, .leastNormalMagnitude)
        // Δ is per frame: E[Σ|Δr|²] = 2a per step, so E[Δ] = 2a·k/Σg = 2a/ḡ.
        let theta = 2 * a / gbar
        var kappa = k
        if shapeRule == .matchedVariance {
            let b = 2 * r * d * dt - s2
            let ratio = b / a
            kappa = k / (1 + 2 * (k - 1) / k * ratio * ratio)
        }
        return (kappa, theta, kappa * log(kappa / theta) - lgamma(kappa))
    }

    /// The row of `s`, its shape from `shape` when given (else computed node by node: the same values).
    ///
    /// With a finite `drop`, a node's exponentials and logarithm are skipped when its value is certainly more
    /// than `drop` below the row's largest: the value is top + ln(e₀ + e₁ + e₂) with top the largest of the
    /// three terms, whose exponential is exactly 1, so it lies within [top, top + ln 3] (up to rounding, allowed
    /// for: 1.1 and 2⁻⁵⁰ of the magnitudes); such a node is written as −∞. The row's largest value is at least
    /// the largest lower bound, so the nodes kept within `drop` of it are all computed, as before.
    private func logLikelihood(_ s: Summary, shape: Shape?, diffusionNm2PerS: [Double], into out: inout [Double],
                               droppingBelowLargestBy drop: Double = .infinity) {
        let k = Double(s.steps)
        let gbar = Double(s.gapFrames) / k
        let s2 = localisationVarianceNm2(s)
        let delta = delta(s)
        let logDelta = log(delta)
        let resolution = logResolution(steps: Int(s.steps))
        guard resolution > 0 else {
            for m in diffusionNm2PerS.indices {
                let (kappa, theta, normalisation) = shape.map { ($0.kappa[m], $0.theta[m], $0.normalisation[m]) }
                    ?? nodeShape(steps: k, gbar: gbar, localisationVarianceNm2: s2, diffusionNm2PerS: diffusionNm2PerS[m])
                // log Gamma density of Δ with shape κ and mean θ (rate κ/θ).
                out[m] = normalisation + (kappa - 1) * logDelta - kappa * delta / theta
            }
            return
        }
        // Gauss–Legendre nodes and weights on [−1, 1] (3 points), mapped to the bin in ln Δ.
        let node = 0.6.squareRoot()
        let logNodes = (logDelta - 0.5 * resolution * node, logDelta, logDelta + 0.5 * resolution * node)
        let nodes = (exp(logNodes.0), exp(logNodes.1), exp(logNodes.2))
        let logWeights = (log(5.0 / 9), log(8.0 / 9), log(5.0 / 9))
        // log ∫ over the bin of the density of ln Δ, κ·ln Δ − κΔ/θ + normalisation (constants in D dropped):
        // node m's normalisation and three terms.
        @inline(__always) func terms(_ m: Int) -> (normalisation: Double, t0: Double, t1: Double, t2: Double) {
            let (kappa, theta, normalisation) = shape.map { ($0.kappa[m], $0.theta[m], $0.normalisation[m]) }
                ?? nodeShape(steps: k, gbar: gbar, localisationVarianceNm2: s2, diffusionNm2PerS: diffusionNm2PerS[m])
            return (normalisation,
                    logWeights.0 + kappa * logNodes.0 - kappa * nodes.0 / theta,
                    logWeights.1 + kappa * logNodes.1 - kappa * nodes.1 / theta,
                    logWeights.2 + kappa * logNodes.2 - kappa * nodes.2 / theta)
        }
        @inline(__always) func value(_ normalisation: Double, _ t0: Double, _ t1: Double, _ t2: Double) -> Double {
            let top = max(t0, t1, t2)
            // A finite largest term's exp(t − top) is exp(+0) = 1 exactly: not computed (the same sum, term by
            // term; an infinite top keeps exp's NaN).
            let finite = top.isFinite
            let e0 = finite && t0 == top ? 1 : exp(t0 - top)
            let e1 = finite && t1 == top ? 1 : exp(t1 - top)
            let e2 = finite && t2 == top ? 1 : exp(t2 - top)
            return normalisation + top + log(e0 + e1 + e2)
        }
        let count = diffusionNm2PerS.count
        if drop.isFinite {
            // Each node's lower bound normalisation + top, and the largest of them.
            var largest = -Double.infinity
            for m in 0..<count {
                let t = terms(m)
                let bound = t.normalisation + max(t.t0, t.t1, t.t2)
                out[m] = bound
                if bound.isFinite, bound > largest { largest = bound }
            }
            if largest.isFinite {
                let cut = largest - drop - 0x1p-50 * abs(largest)
                for m in 0..<count {
                    let bound = out[m]
                    if bound + 1.1 + 0x1p-50 * abs(bound) < cut || bound == -.infinity {
                        out[m] = -.infinity
                    } else {
                        let t = terms(m)
                        out[m] = value(t.normalisation, t.t0, t.t1, t.t2)
                    }
                }
                return
            }
        }
        for m in 0..<count {
            let t = terms(m)
            out[m] = value(t.normalisation, t.t0, t.t1, t.t2)
        }
    }
}

/// A per-track likelihood given by a function, with no pooling (each track is
/// its own summary): the adapter for likelihoods computed elsewhere, e.g. the
/// exact DST-I likelihood of each track at the video's σ² and R.
public struct FunctionTrackLikelihood: TrackLikelihoodModel {
    /// A track's summary is its index (no pooling).
    public typealias Summary = Int
    /// Number of tracks.
    public let trackCount: Int
    /// Writes log P(track | Dₘ) for every Dₘ (nm²/s) of the grid into the buffer.
    public let evaluate: @Sendable (_ track: Int, _ diffusionNm2PerS: [Double], _ out: inout [Double]) -> Void

    /// A likelihood of `trackCount` tracks whose log P(track | D) `evaluate` writes.
    public init(trackCount: Int,
                evaluate: @escaping @Sendable (_ track: Int, _ diffusionNm2PerS: [Double], _ out: inout [Double]) -> Void) {
        self.trackCount = trackCount
        self.evaluate = evaluate
    }

    /// The track index itself.
    public func summary(ofTrack n: Int) -> Int { n }

    /// Calls ``evaluate`` for track `summary`.
    public func logLikelihood(_ summary: Int, diffusionNm2PerS: [Double], into out: inout [Double]) {
        evaluate(summary, diffusionNm2PerS, &out)
    }
}

/// Tracks from several videos deconvolved together: each video keeps its own
/// likelihood (its own Δt, R, σ²) and its own temperature and viscosity.
///
/// The grid's D values are those of the reference conditions (the temperature
/// and viscosity used to build the ``LikelihoodMatrix``); a particle of a
/// given diameter diffuses in video v with D scaled by
/// ``diffusionScale``[v] = (T_v/η_v)/(T_ref/η_ref) (Stokes–Einstein, T in kelvin),
/// so the size grid is shared while each video's likelihood sees its own D.
/// Tracks are numbered video by video, in order.
public struct PooledVideosLikelihood<Model: TrackLikelihoodModel>: TrackLikelihoodModel {
    /// A video's index and its model's summary of the track.
    public struct Summary: Hashable, Sendable {
        /// Index of the video.
        var video: Int
        /// The track's summary in its video's model.
        var inner: Model.Summary
    }

    /// Each video's likelihood, in order.
    public let videos: [Model]
    /// Per video, the factor (T_v/η_v)/(T_ref/η_ref) applied to the grid's D (Stokes–Einstein, T in kelvin).
    public let diffusionScale: [Double]
    /// First track of each video, and the total at the end.
    let offsets: [Int]

    /// - Parameters:
    ///   - conditions: each video's temperature (°C) and viscosity (mPa·s).
    ///   - reference: the conditions the grid's D values are computed for.
    public init(videos: [Model], conditions: [(temperatureCelsius: Double, viscosityMillipascalSeconds: Double)],
                reference: (temperatureCelsius: Double, viscosityMillipascalSeconds: Double)) {
        precondition(videos.count == conditions.count)
        self.videos = videos
        // D ∝ k_B·T/η at a fixed size (Stokes–Einstein): the ratio of two media's D for any one diameter.
        func mobility(_ c: (temperatureCelsius: Double, viscosityMillipascalSeconds: Double)) -> Double {
            StokesEinstein.diffusionUm2PerS(diameterNanometers: 100, temperatureCelsius: c.temperatureCelsius,
                                            viscosityMillipascalSeconds: c.viscosityMillipascalSeconds)
        }
        let ref = mobility(reference)
        diffusionScale = conditions.map { mobility($0) / ref }
        var offsets = [0]
        for v in videos { offsets.append(offsets.last! + v.trackCount) }
        self.offsets = offsets
    }

    /// Number of tracks over all videos.
    public var trackCount: Int { offsets.last! }

    /// Track `n`'s video and its summary there (tracks numbered video by video).
    public func summary(ofTrack n: Int) -> Summary {
        // The last video starting at or before track n.
        let lo = max(offsets[..<videos.count].partitioningIndex { $0 > n } - 1, 0)
        return Summary(video: lo, inner: videos[lo].summary(ofTrack: n - offsets[lo]))
    }

    /// Track summary `s`'s log-likelihood from its video's model, at each grid D scaled by ``diffusionScale``.
    public func logLikelihood(_ s: Summary, diffusionNm2PerS: [Double], into out: inout [Double]) {
        let scale = diffusionScale[s.video]
        let d = scale == 1 ? diffusionNm2PerS : diffusionNm2PerS.map { $0 * scale }
        videos[s.video].logLikelihood(s.inner, diffusionNm2PerS: d, into: &out)
    }
}

/// The exact likelihood of every track's steps (NTADiffusion) as a per-track likelihood for the deconvolution.
extension ExactTrackLikelihoods: TrackLikelihoodModel {}
