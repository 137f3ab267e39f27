import Foundation

/// Video-level nuisance parameters of the motion model, shared by every track
/// of one video, each with its uncertainty: the per-axis localisation variance
/// σ², the motion-blur coefficient R and (optionally) the drift.
///
/// Good practice for NTA (SCIENCE.md §2): estimate σ² once, pooled over all
/// tracks, then run the known-σ² CVE or maximum likelihood per track with the
/// ``context``.
///
/// - **σ²**: the CVE estimate σ̂²ₕ = R⟨Δx²⟩ₕ + (2R − 1)⟨ΔxₙΔxₙ₊₁⟩ₕ of each half h
///   of every track (≥ 7 localisations; the step joining the halves is dropped),
///   averaged with near-inverse-variance weights wₕ = pairsₕ / (⟨Δx²⟩²ₕ′ + m̃²), with
///   ⟨Δx²⟩ₕ′ the mean squared step of the *other* half and m̃ the median of
///   all halves' ⟨Δx²⟩, a temper against the proxy's own noise (Var(σ̂²ₕ) ∝ ⟨Δx²⟩²/pairs,
///   so fast particles, whose σ̂² is poor, count less; taking the weight from the
///   independent other half keeps the average unbiased). Each σ̂²ₕ is unbiased
///   whatever the track's D, so this is unbiased for a polydisperse sample (pooling
///   the raw moments instead weights ⟨Δx²⟩ and ⟨ΔxΔx′⟩ differently across tracks
///   of different D and, with blur, can bias σ̂² by a sizeable fraction of σ²).
///   The standard error treats tracks as independent clusters:
///   SE² = Σₜ (Σₕ wₕ(σ̂²ₕ − σ̂²))²/(Σ w)² · M/(M − 1). σ̂² may come out negative
///   when σ is small compared with its SE; it is reported as estimated.
/// - **R**: τₑ/(6Δt) from a known exposure τₑ (exact; SE 0), 0 for an
///   instantaneous exposure, or estimated (see ``estimateBlurCoefficient(_:frameIntervalSeconds:)``)
///   when the exposure is unknown. R is only *weakly identifiable*: a single
///   track's steps determine D and the combination σ² − 2RDΔt, never R and σ²
///   apart, so R is learnt only from how the adjacent-step covariance changes
///   with D across tracks — a monodisperse sample leaves it undetermined.
/// - **drift**: a ``DriftEstimate`` when one was computed.
public struct VideoNuisance: Sendable, Hashable {
    /// Where the blur coefficient came from.
    public enum BlurSource: String, Sendable, Hashable, Codable {
        /// R = τₑ/(6Δt) from the recorded exposure.
        case exposure
        /// An instantaneous exposure (τₑ = 0): R = 0.
        case instantaneous
        /// Estimated from the tracks (weakly identifiable; see its standard error).
        case estimated
    }

    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// Pooled per-axis localisation variance σ², nm² (may be negative when noise is negligible).
    public var localisationVarianceNm2: Double
    /// Its standard error, nm².
    public var localisationVarianceStandardErrorNm2: Double
    /// Motion-blur coefficient R used, in [0, 1/4].
    public var blurCoefficient: Double
    /// Its standard error (0 when from the exposure).
    public var blurCoefficientStandardError: Double
    public var blurSource: BlurSource
    /// Tracks that contributed to σ².
    public var tracksUsed: Int
    /// The drift, when estimated.
    public var drift: DriftEstimate?

    /// A compact, serialisable summary for reports.
    public var summary: NuisanceSummary {
        let v = drift?.meanVelocityNanometersPerFrame
        let last = drift.flatMap { $0.frameCount > 0 ? $0.frameCount - 1 : nil }
        return NuisanceSummary(
            localisationVarianceNm2: localisationVarianceNm2,
            localisationVarianceStandardErrorNm2: localisationVarianceStandardErrorNm2,
            localisationSigmaNanometers: localisationSigmaNanometers,
            blurCoefficient: blurCoefficient, blurCoefficientStandardError: blurCoefficientStandardError,
            blurSource: blurSource, tracksUsed: tracksUsed,
            driftVelocityXNanometersPerFrame: v?.x, driftVelocityYNanometersPerFrame: v?.y,
            driftVelocityStandardErrorNanometersPerFrame: v?.standardError,
            driftTotalXNanometers: last.map { drift!.xNanometers[$0] },
            driftTotalYNanometers: last.map { drift!.yNanometers[$0] },
            driftTotalStandardErrorNanometers: last.map { drift!.varianceNm2[$0].squareRoot() },
            driftSmoothingFrames: drift?.smoothingFrames)
    }

    /// Localisation σ, nm, when σ̂² > 0.
    public var localisationSigmaNanometers: Double? {
        localisationVarianceNm2 > 0 ? localisationVarianceNm2.squareRoot() : nil
    }

    /// The estimation context for known-σ² per-track estimators. σ² is clamped at
    /// 0 (a negative pooled value means "noise negligible"); its variance is carried.
    public var context: EstimationContext {
        EstimationContext(frameIntervalSeconds: frameIntervalSeconds, blurCoefficient: blurCoefficient,
                          localisationVarianceNm2: max(localisationVarianceNm2, 0),
                          localisationVarianceVarianceNm4: localisationVarianceStandardErrorNm2
                              * localisationVarianceStandardErrorNm2)
    }

    public init(frameIntervalSeconds: Double, localisationVarianceNm2: Double,
                localisationVarianceStandardErrorNm2: Double, blurCoefficient: Double,
                blurCoefficientStandardError: Double, blurSource: BlurSource, tracksUsed: Int,
                drift: DriftEstimate? = nil) {
        self.frameIntervalSeconds = frameIntervalSeconds
        self.localisationVarianceNm2 = localisationVarianceNm2
        self.localisationVarianceStandardErrorNm2 = localisationVarianceStandardErrorNm2
        self.blurCoefficient = blurCoefficient
        self.blurCoefficientStandardError = blurCoefficientStandardError
        self.blurSource = blurSource
        self.tracksUsed = tracksUsed
        self.drift = drift
    }

    /// R = τₑ/(6Δt) for a shutter open τₑ per frame, clamped to [0, 1/6].
    public static func blurCoefficient(exposureMilliseconds: Double, frameIntervalSeconds dt: Double) -> Double {
        min(max(exposureMilliseconds * 1e-3 / dt, 0), 1) / 6
    }

    /// Estimates the nuisance parameters of one video.
    ///
    /// - Parameters:
    ///   - tracks: the video's tracks (drift-corrected already, if drift matters:
    ///     a drift v per frame biases σ̂² by (3R − 1)v²).
    ///   - exposureMilliseconds: the shutter time; `0` for an instantaneous
    ///     exposure; `nil` when unknown, in which case R is estimated from the
    ///     tracks (falling back to 0 when that is impossible).
    ///   - drift: a drift estimate to carry in the result.
    /// - Returns: `nil` when no track has an adjacent pair of single-frame steps.
    ///
    /// With R estimated, prefer estimators that do not need R — the σ²-free ML
    /// (``MaximumLikelihoodEstimator`` with `usesKnownLocalisationVariance: false`),
    /// the CVE with σ² unknown, and the profile likelihood
    /// (``TrackLikelihood/profileLogLikelihoods(diffusionGridUm2PerS:frameIntervalSeconds:)``):
    /// a known-σ² fit with an estimated R is biased in proportion to the R error
    /// and to how far a track's D is from the video's average (measured on a
    /// three-population set: R̂ = 0.177 for 1/6 gave −5 %, +3 %, +4 % at
    /// D = 1.5, 4.4, 12 µm²/s).
    ///   - edge: when given, σ² pools only steps that start away from the field's edges
    ///     (``EdgeTrim``; truncation there makes adjacent steps anti-correlated and inflates σ̂²).
    public static func estimate(_ tracks: TrackSet, frameIntervalSeconds dt: Double, exposureMilliseconds: Double?,
                                drift: DriftEstimate? = nil, edge: EdgeTrim? = nil) -> VideoNuisance? {
        let r: Double, seR: Double, source: BlurSource
        if let exposure = exposureMilliseconds {
            r = blurCoefficient(exposureMilliseconds: exposure, frameIntervalSeconds: dt)
            seR = 0
            source = exposure > 0 ? .exposure : .instantaneous
        } else if let estimated = estimateBlurCoefficient(tracks, frameIntervalSeconds: dt) {
            r = min(max(estimated.blurCoefficient, 0), 0.25)
            seR = estimated.standardError
            source = .estimated
        } else {
            r = 0; seR = .infinity; source = .estimated
        }
        guard let pooled = pooledLocalisationVariance(tracks, blurCoefficient: r, edge: edge) else { return nil }
        var se = pooled.standardErrorNm2
        if seR > 0, seR.isFinite {
            // ∂σ̂²/∂R = ⟨Δx²⟩ + 2⟨ΔxΔx′⟩ = 2D̄Δt (weighted): propagate R's uncertainty (ignoring their correlation).
            se = (se * se + pooled.sensitivityToBlurNm2 * pooled.sensitivityToBlurNm2 * seR * seR).squareRoot()
        }
        return VideoNuisance(frameIntervalSeconds: dt, localisationVarianceNm2: pooled.valueNm2,
                             localisationVarianceStandardErrorNm2: se, blurCoefficient: r,
                             blurCoefficientStandardError: seR, blurSource: source, tracksUsed: pooled.tracks,
                             drift: drift)
    }

    /// The pooled σ² (see the type's documentation).
    /// - Returns: the estimate, its cluster-robust standard error, the number of
    ///   tracks used and ∂σ̂²/∂R (nm²), or `nil` when no track has two halves
    ///   with an adjacent pair of single-frame steps each.
    ///   `edge` keeps only the steps (and adjacent pairs) that start inside its margin.
    public static func pooledLocalisationVariance(_ tracks: TrackSet, blurCoefficient r: Double, edge: EdgeTrim? = nil)
        -> (valueNm2: Double, standardErrorNm2: Double, tracks: Int, sensitivityToBlurNm2: Double)? {
        // Per track: (σ̂², ⟨Δx²⟩ as a precise proxy of the step variance, adjacent pairs) of each half.
        var halves: [(a: (s: Double, x: Double, n: Double, dx: Double), b: (s: Double, x: Double, n: Double, dx: Double))] = []
        halves.reserveCapacity(tracks.trackCount)
        for t in 0..<tracks.trackCount {
            let halvesOfTrack: (StepMoments, StepMoments)?
            if let edge {
                let rows = tracks.rows(of: t)
                halvesOfTrack = tracks.withSample(of: t) { s in
                    edge.startsInside.withUnsafeBufferPointer { Self.halves(s, startsInside: UnsafeBufferPointer(rebasing: $0[rows])) }
                }
            } else {
                halvesOfTrack = tracks.withSample(of: t, { Self.halves($0) })
            }
            guard let (ma, mb) = halvesOfTrack,
                  ma.adjacentPairs >= 1, mb.adjacentPairs >= 1 else { continue }
            func stats(_ m: StepMoments) -> (s: Double, x: Double, n: Double, dx: Double) {
                let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * Double(m.unitSteps))
                let c = (m.sumProductX + m.sumProductY) / (2 * Double(m.adjacentPairs))
                return (r * meanSq + (2 * r - 1) * c, meanSq, Double(m.adjacentPairs), meanSq + 2 * c)
            }
            halves.append((stats(ma), stats(mb)))
        }
        guard !halves.isEmpty else { return nil }
        // Var(σ̂²) of a half ∝ ⟨Δx²⟩²/pairs: weight each half by its pairs over the
        // square of the *other* half's ⟨Δx²⟩ (independent of it, so no bias), tempered
        // by the median² so that the noise of the proxy costs little when D barely varies.
        let xs = halves.flatMap { [$0.a.x, $0.b.x] }.sorted()
        let median = max(xs[xs.count / 2], .leastNormalMagnitude)
        let temper = median * median
        var total = 0.0, sum = 0.0, sensitivity = 0.0
        var weights: [(Double, Double)] = []
        weights.reserveCapacity(halves.count)
        for h in halves {
            let wa = h.a.n / (h.b.x * h.b.x + temper)
            let wb = h.b.n / (h.a.x * h.a.x + temper)
            weights.append((wa, wb))
            total += wa + wb
            sum += wa * h.a.s + wb * h.b.s
            sensitivity += wa * h.a.dx + wb * h.b.dx
        }
        let mean = sum / total
        var ss = 0.0
        for (h, w) in zip(halves, weights) {
            let z = w.0 * (h.a.s - mean) + w.1 * (h.b.s - mean)
            ss += z * z
        }
        let m = Double(halves.count)
        let se = m > 1 ? (ss / (total * total) * m / (m - 1)).squareRoot() : .infinity
        return (mean, se, halves.count, sensitivity / total)
    }

    /// The moments of a track's two halves, positions [0, n/2) and [n/2 + 1, n):
    /// the step between them is dropped so that no adjacent pair straddles the
    /// halves and, given D, they are independent. `nil` below 7 localisations.
    static func halves(_ s: TrackSample, startsInside: UnsafeBufferPointer<Bool>? = nil) -> (StepMoments, StepMoments)? {
        let n = s.count
        guard n >= 7 else { return nil }
        let mid = n / 2
        func sub(_ r: Range<Int>) -> StepMoments {
            StepMoments(TrackSample(frames: UnsafeBufferPointer(rebasing: s.frames[r]),
                                    xNanometers: UnsafeBufferPointer(rebasing: s.xNanometers[r]),
                                    yNanometers: UnsafeBufferPointer(rebasing: s.yNanometers[r])),
                        startsInside: startsInside.map { UnsafeBufferPointer(rebasing: $0[r]) })
        }
        return (sub(0..<mid), sub((mid + 1)..<n))
    }

    /// Estimates R (and σ²) from the tracks when the exposure is unknown.
    ///
    /// Per track, the adjacent-step covariance obeys E[cₜ] = R·Xₜ − σ² with
    /// Xₜ = 2DₜΔt, and the CVE gives an unbiased X̂ₜ = ⟨Δx²⟩ₜ + 2cₜ whatever R
    /// and σ. Regressing cₜ on X̂ₜ directly is biased (their errors are
    /// correlated and X̂ₜ is noisy), so this is an instrumental-variable
    /// regression: each track is split into two halves with one step dropped
    /// between them (so the halves are independent given Dₜ); the first half's
    /// X̂ instruments the second half's (X̂, c) and vice versa, both equations
    /// stacked: R̂ = Σ(Z − Z̄)(c − c̄) / Σ(Z − Z̄)(X̂ − X̄). σ̂² = R̂X̄ − c̄.
    /// Consistent whenever D varies across tracks; the instrument is weak (large
    /// SE) for a nearly monodisperse sample. The standard error is a
    /// delete-a-group jackknife over 20 groups of tracks. Tracks need ≥ 7
    /// localisations with an adjacent pair of single-frame steps in each half.
    /// - Returns: R̂ (unclamped), its standard error, σ̂² (nm²) and the number of
    ///   tracks used, or `nil` with fewer than 20 usable tracks.
    public static func estimateBlurCoefficient(_ tracks: TrackSet, frameIntervalSeconds dt: Double)
        -> (blurCoefficient: Double, standardError: Double, localisationVarianceNm2: Double, tracks: Int)? {
        let groups = 20
        // Per group sums: n, Z, X, c, ZX, Zc.
        var sums = [[Double]](repeating: [Double](repeating: 0, count: 6), count: groups)
        var used = 0
        for t in 0..<tracks.trackCount {
            guard let (a, b) = tracks.withSample(of: t, { Self.halves($0) }),
                  a.adjacentPairs >= 1, b.adjacentPairs >= 1 else { continue }
            func stats(_ m: StepMoments) -> (x: Double, c: Double) {
                let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * Double(m.unitSteps))
                let c = (m.sumProductX + m.sumProductY) / (2 * Double(m.adjacentPairs))
                return (meanSq + 2 * c, c)
            }
            let sa = stats(a), sb = stats(b)
            let g = used % groups
            used += 1
            for (z, x, c) in [(sa.x, sb.x, sb.c), (sb.x, sa.x, sa.c)] {
                sums[g][0] += 1; sums[g][1] += z; sums[g][2] += x; sums[g][3] += c
                sums[g][4] += z * x; sums[g][5] += z * c
            }
        }
        guard used >= groups else { return nil }
        func solve(_ s: [Double]) -> (r: Double, sigma2: Double) {
            let n = s[0], mz = s[1] / n, mx = s[2] / n, mc = s[3] / n
            let szx = s[4] / n - mz * mx, szc = s[5] / n - mz * mc
            let r = szc / szx
            return (r, r * mx - mc)
        }
        var total = [Double](repeating: 0, count: 6)
        for g in sums { for k in 0..<6 { total[k] += g[k] } }
        let full = solve(total)
        var leaveOut: [Double] = []
        for g in sums {
            var s = total
            for k in 0..<6 { s[k] -= g[k] }
            leaveOut.append(solve(s).r)
        }
        let meanLeave = leaveOut.reduce(0, +) / Double(groups)
        var ss = 0.0
        for r in leaveOut { ss += (r - meanLeave) * (r - meanLeave) }
        let se = (ss * Double(groups - 1) / Double(groups)).squareRoot()
        return (full.r, se, full.sigma2, used)
    }
}

/// The video-level nuisance parameters as reported (all uncertainties are
/// standard errors; drift fields are `nil` when drift was not estimated).
public struct NuisanceSummary: Sendable, Hashable, Codable {
    public var localisationVarianceNm2: Double
    public var localisationVarianceStandardErrorNm2: Double
    public var localisationSigmaNanometers: Double?
    public var blurCoefficient: Double
    public var blurCoefficientStandardError: Double
    public var blurSource: VideoNuisance.BlurSource
    public var tracksUsed: Int
    public var driftVelocityXNanometersPerFrame: Double?
    public var driftVelocityYNanometersPerFrame: Double?
    public var driftVelocityStandardErrorNanometersPerFrame: Double?
    public var driftTotalXNanometers: Double?
    public var driftTotalYNanometers: Double?
    public var driftTotalStandardErrorNanometers: Double?
    public var driftSmoothingFrames: Int?
}
