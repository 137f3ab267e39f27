import Foundation

/// Video-level nuisance parameters of the motion model, shared by every track
/// of one video, each with its uncertainty: the per-axis localisation variance
/// σ², the motion-blur coefficient R and (optionally) the drift.
///
/// Good practice for NTA (SCIENCE.md §2): estimate σ² once, pooled over all
/// tracks, then run the known-σ² CVE or maximum likelihood per track with the
/// ``context``.
///
/// - **σ²**: the CVE estimate σ̂²ₜ = R⟨Δx²⟩ₜ + (2R − 1)⟨ΔxₙΔxₙ₊₁⟩ₜ of every track
///   with at least one adjacent pair of single-frame steps, averaged with weights
///   equal to the number of adjacent pairs. Each σ̂²ₜ is unbiased whatever the
///   track's D, so the average is unbiased for a polydisperse sample too (pooling
///   the raw moments instead weights ⟨Δx²⟩ and ⟨ΔxΔx′⟩ differently across tracks
///   of different D and, with blur, can bias σ̂² by a sizeable fraction of σ²).
///   The standard error treats tracks as independent clusters:
///   SE² = Σ wₜ²(σ̂²ₜ − σ̂²)²/(Σ wₜ)² · M/(M − 1). σ̂² may come out negative when
///   σ is small compared with its SE; it is reported as estimated.
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
    public static func estimate(_ tracks: TrackSet, frameIntervalSeconds dt: Double, exposureMilliseconds: Double?,
                                drift: DriftEstimate? = nil) -> VideoNuisance? {
        let moments = (0..<tracks.trackCount).map { t in tracks.withSample(of: t) { StepMoments($0) } }
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
        guard let pooled = pooledLocalisationVariance(moments, blurCoefficient: r) else { return nil }
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

    /// The pooled σ² (see the type's documentation) from per-track moments.
    /// - Returns: the estimate, its cluster-robust standard error, the number of
    ///   tracks used and ∂σ̂²/∂R (nm²), or `nil` without any adjacent pair.
    public static func pooledLocalisationVariance(_ moments: [StepMoments], blurCoefficient r: Double)
        -> (valueNm2: Double, standardErrorNm2: Double, tracks: Int, sensitivityToBlurNm2: Double)? {
        var weights: [Double] = [], values: [Double] = []
        var sensitivity = 0.0
        for m in moments where m.adjacentPairs >= 1 && m.unitSteps >= 2 {
            let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * Double(m.unitSteps))
            let meanProd = (m.sumProductX + m.sumProductY) / (2 * Double(m.adjacentPairs))
            let w = Double(m.adjacentPairs)
            weights.append(w)
            values.append(r * meanSq + (2 * r - 1) * meanProd)
            sensitivity += w * (meanSq + 2 * meanProd)
        }
        guard !weights.isEmpty else { return nil }
        let total = weights.reduce(0, +)
        var mean = 0.0
        for i in weights.indices { mean += weights[i] * values[i] }
        mean /= total
        let count = Double(weights.count)
        var ss = 0.0
        for i in weights.indices { ss += weights[i] * weights[i] * (values[i] - mean) * (values[i] - mean) }
        let se = count > 1 ? (ss / (total * total) * count / (count - 1)).squareRoot() : .infinity
        return (mean, se, weights.count, sensitivity / total)
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
    /// localisations in consecutive frames (3 steps per half).
    /// - Returns: R̂ (unclamped), its standard error, σ̂² (nm²) and the number of
    ///   tracks used, or `nil` with fewer than 20 usable tracks.
    public static func estimateBlurCoefficient(_ tracks: TrackSet, frameIntervalSeconds dt: Double)
        -> (blurCoefficient: Double, standardError: Double, localisationVarianceNm2: Double, tracks: Int)? {
        let groups = 20
        // Per group sums: n, Z, X, c, ZX, Zc.
        var sums = [[Double]](repeating: [Double](repeating: 0, count: 6), count: groups)
        var used = 0
        for t in 0..<tracks.trackCount {
            let halves: (StepMoments, StepMoments)? = tracks.withSample(of: t) { s in
                let n = s.count
                guard n >= 9 else { return nil }
                let mid = n / 2
                func sub(_ r: Range<Int>) -> StepMoments {
                    StepMoments(TrackSample(frames: UnsafeBufferPointer(rebasing: s.frames[r]),
                                            xNanometers: UnsafeBufferPointer(rebasing: s.xNanometers[r]),
                                            yNanometers: UnsafeBufferPointer(rebasing: s.yNanometers[r])))
                }
                return (sub(0..<mid), sub((mid + 1)..<n))
            }
            guard let (a, b) = halves, a.adjacentPairs >= 2, b.adjacentPairs >= 2 else { continue }
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
