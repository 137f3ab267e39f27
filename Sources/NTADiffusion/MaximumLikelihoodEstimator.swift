import Foundation
import NTACore
import NTATracks

/// The exact maximum-likelihood estimate of D for one track, from the
/// DST-I-diagonalised Gaussian likelihood of ``TrackLikelihood`` (Berglund
/// 2010; Relich et al. 2016; SCIENCE.md §2).
///
/// Two modes:
/// - **σ² known** (``usesKnownLocalisationVariance`` and the context carries
///   σ², e.g. pooled over the video by ``VideoNuisance``): a 1-D maximisation in
///   D ≥ 0. This is the recommended NTA mode: a single track says almost
///   nothing about σ² when DΔt ≫ σ², so fixing it at the precise video-level
///   value removes a nuisance parameter at no cost in bias.
/// - **σ² unknown**: a joint maximisation in (D, σ²) over the region where the
///   step covariance is positive definite. σ̂² is *not* constrained to be ≥ 0:
///   with high-SNR NTA data a track's σ² is poorly determined and clamping it at
///   0 would bias D̂ (the same reason the CVE lets σ̂² go negative). Because
///   λⱼ = 2DΔt + 2(1 − cos θⱼ)(σ² − 2RDΔt), D̂ in this mode is exactly
///   independent of R: the mode to use when the exposure is unknown. It has
///   about twice the variance of the known-σ² mode, and an O(1/K) bias from the
///   extra parameter (+2 % at 10 localisations, < 0.3 % at 30; measured).
///
/// The blur coefficient R comes from the context (R = τₑ/(6Δt); 0 means an
/// instantaneous exposure). Maximisation is Newton's method where the
/// log-likelihood is locally concave and Fisher scoring elsewhere (for this model
/// the iteratively reweighted least-squares fit of Pⱼ/2 on (uⱼ, vⱼ) with weights
/// 1/λⱼ²), with step halving, so the log-likelihood never decreases.
///
/// **Variance**: the inverse of the *expected* Fisher information evaluated at
/// the estimate, Iₖₗ = Σⱼ (∂λⱼ/∂θₖ)(∂λⱼ/∂θₗ)/λⱼ² (both axes). With σ² known
/// it is 1/I_DD plus the propagated uncertainty of σ̂²,
/// (I_Dσ/I_DD)²·var(σ̂²) (from ``EstimationContext/localisationVarianceVarianceNm4``);
/// with σ² unknown it is [I⁻¹]_DD. Without noise or blur this is D²/K, the
/// Cramér–Rao bound. The σ² term is the same error for every track of a video
/// (a common-mode systematic): it must not be averaged down over tracks.
/// Measured calibration (empirical / reported variance over 1,200–3,000
/// simulated tracks): 0.92 at 10 localisations, 0.94–1.03 at 30–40.
///
/// Caveats, measured on a simulated EV-like video (2,000 tracks of 10–30
/// localisations, full-frame blur, σ = 40 nm): per-track z = (D̂ − D)/SE has
/// SD 1.14 with σ² known — the excess is the Gamma-like skew of D̂ on short
/// tracks, for which a symmetric SE is a poor summary (use the likelihood
/// itself for inference) — but SD 3.5 with σ² unknown: on about 2 % of short
/// tracks the free fit puts nearly all the variance into noise (D̂ ≈ 0,
/// σ̂² ≫ σ²), where the low-frequency modes have λⱼ ≈ 0 and the Fisher
/// information claims an absurd precision (|z| up to 100; a profile-likelihood
/// interval, tried, is not much better there: the likelihood itself is misled).
/// Prefer σ² known whenever the exposure is known.
///
/// Gaps: runs of consecutive frames are independent segments (see ``TrackLikelihood``).
public struct MaximumLikelihoodEstimator: DiffusionEstimator {
    /// When true and the context knows σ², use the known-σ² (1-D) mode.
    public var usesKnownLocalisationVariance: Bool

    /// An ML estimator; `usesKnownLocalisationVariance` selects the known-σ² mode when the context has σ².
    public init(usesKnownLocalisationVariance: Bool = true) {
        self.usesKnownLocalisationVariance = usesKnownLocalisationVariance
    }

    /// `ml` (known-σ² mode) or `ml-free` (σ² fitted per track).
    public var identifier: String { usesKnownLocalisationVariance ? "ml" : "ml-free" }

    /// The ML estimate of D for `track`; `nil` with too few modes (1 with σ² known, 3 with σ² fitted).
    public func estimate(_ track: TrackSample, context: EstimationContext) -> DiffusionEstimate? {
        estimate(TrackLikelihood(track), context: context)
    }

    /// Estimates every track of a set, in track order, in parallel — faster than
    /// calling ``estimate(_:context:)`` per track (the likelihoods share per-length tables).
    /// `localisationVariancesNm2`: each track's own σ², nm², in place of the context's (photon-limited
    /// localisation), used when the context has a σ²; `nil`: the context's for every track.
    public func estimateAll(_ tracks: TrackSet, context: EstimationContext,
                            localisationVariancesNm2: [Double]? = nil) -> [DiffusionEstimate?] {
        precondition(localisationVariancesNm2.map { $0.count == tracks.trackCount } ?? true)
        // Each track's modes are computed and used at once, in one reused buffer per chunk: memory
        // follows the number of tracks, not the number of localisations.
        return TrackLikelihood.mapTracks(tracks, state: { (DSTScratch(), TrackLikelihood(cosines: [], power: [], runCount: 0)) }) {
            t, state in
            tracks.withSample(of: t) { state.1.load($0, scratch: &state.0) }
            guard let own = localisationVariancesNm2?[t], context.localisationVarianceNm2 != nil else {
                return estimate(state.1, context: context)
            }
            var mine = context
            mine.localisationVarianceNm2 = own
            return estimate(state.1, context: mine)
        }
    }

    /// The estimate from a track's precomputed likelihood.
    public func estimate(_ likelihood: TrackLikelihood, context: EstimationContext) -> DiffusionEstimate? {
        let known = usesKnownLocalisationVariance ? context.localisationVarianceNm2 : nil
        guard let fit = likelihood.maximumLikelihood(
            localisationVarianceNm2: known, blurCoefficient: context.blurCoefficient,
            frameIntervalSeconds: context.frameIntervalSeconds) else { return nil }
        var variance = fit.diffusionVarianceUm4PerS2
        if known != nil {
            variance += fit.diffusionPerLocalisationVariance * fit.diffusionPerLocalisationVariance
                * context.localisationVarianceVarianceNm4
        }
        return DiffusionEstimate(diffusionUm2PerS: fit.diffusionUm2PerS, varianceUm4PerS2: variance,
                                 stepCount: likelihood.modeCount)
    }
}

/// The result of maximising a ``TrackLikelihood``.
public struct MaximumLikelihoodFit: Sendable, Hashable {
    /// D̂, µm²/s.
    public var diffusionUm2PerS: Double
    /// σ² used (known) or estimated (unknown), nm² per axis; may be negative when estimated.
    public var localisationVarianceNm2: Double
    /// Whether σ² was estimated.
    public var estimatedLocalisationVariance: Bool
    /// Var(D̂) from the expected Fisher information at the estimate, (µm²/s)²
    /// (σ² known: 1/I_DD; unknown: [I⁻¹]_DD).
    public var diffusionVarianceUm4PerS2: Double
    /// Var(σ̂²) from the expected Fisher information, nm⁴ (0 when σ² was known).
    public var localisationVarianceVarianceNm4: Double
    /// ∂D̂/∂σ² = −I_Dσ/I_DD, µm²/s per nm²: how an error in a known σ² moves D̂.
    public var diffusionPerLocalisationVariance: Double
    /// The maximised log-likelihood.
    public var logLikelihood: Double
    /// Newton / Fisher-scoring iterations used.
    public var iterations: Int
    /// False when the iteration limit was reached before convergence.
    public var converged: Bool
}

extension TrackLikelihood {
    /// Maximises the likelihood in D (σ² given) or in (D, σ²) (σ² `nil`).
    ///
    /// D is constrained to D ≥ 0 when σ² is known (the estimate is exactly 0
    /// when the likelihood decreases from D = 0). Returns `nil` when there are
    /// too few modes (1 for σ² known, 3 for σ² unknown).
    public func maximumLikelihood(localisationVarianceNm2 known: Double?, blurCoefficient r: Double,
                                  frameIntervalSeconds dt: Double) -> MaximumLikelihoodFit? {
        let m = modeCount
        guard m >= (known == nil ? 3 : 1), dt > 0 else { return nil }
        var u = [Double](repeating: 0, count: m), v = u
        for j in 0..<m {
            let oneMinusCos = 1 - cosines[j]
            u[j] = 2 * dt * (1 - 2 * r * oneMinusCos)
            v[j] = 2 * oneMinusCos
        }
        return u.withUnsafeBufferPointer { u in
            v.withUnsafeBufferPointer { v in
                power.withUnsafeBufferPointer { p in
                    if let s = known {
                        return Self.fitKnown(s: s, u: u, v: v, p: p)
                    }
                    return Self.fitFree(u: u, v: v, p: p)
                }
            }
        }
    }

    private static let maxIterations = 200
    private static let relativeTolerance = 1e-10

    /// −Σ [log λ + P/(2λ)] for λ = d·u + s·v (no 2π constant); −∞ off the domain.
    @inline(__always)
    private static func core(_ d: Double, _ s: Double, _ u: UnsafeBufferPointer<Double>,
                             _ v: UnsafeBufferPointer<Double>, _ p: UnsafeBufferPointer<Double>) -> Double {
        // Σ log λ as the log of the product (one logarithm per call), the product's binary exponent taken
        // out whenever it leaves 2^±500; a λ outside 2^±500 (which the product could not hold exactly)
        // sends the call to the sum of logarithms.
        var product = 1.0, exponent = 0, quadratic = 0.0
        for j in 0..<p.count {
            let lambda = d * u[j] + s * v[j]
            if !(lambda > 0) { return -.infinity }
            guard lambda > 0x1p-500 && lambda < 0x1p500 else { return coreBySum(d, s, u, v, p) }
            product *= lambda
            quadratic += p[j] / lambda
            if !(product > 0x1p-500 && product < 0x1p500) {
                exponent += Int(product.exponent)
                product = product.significand
            }
        }
        return -(log(product) + Double(exponent) * M_LN2) - quadratic / 2
    }

    /// ``core(_:_:_:_:_:)`` term by term.
    private static func coreBySum(_ d: Double, _ s: Double, _ u: UnsafeBufferPointer<Double>,
                                  _ v: UnsafeBufferPointer<Double>, _ p: UnsafeBufferPointer<Double>) -> Double {
        var total = 0.0
        for j in 0..<p.count {
            let lambda = d * u[j] + s * v[j]
            if !(lambda > 0) { return -.infinity }
            total -= log(lambda) + p[j] / (2 * lambda)
        }
        return total
    }

    private static func fitKnown(s: Double, u: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>,
                                 p: UnsafeBufferPointer<Double>) -> MaximumLikelihoodFit {
        let m = p.count
        // Start: the unbiased moment estimate Σ(P/2 − s·v)/Σu, kept inside the domain.
        var sumU = 0.0, sumY = 0.0, sumP = 0.0
        for j in 0..<m { sumU += u[j]; sumY += p[j] / 2 - s * v[j]; sumP += p[j] }
        let scale = max(sumP / (2 * sumU), .leastNormalMagnitude) // D if all P were signal
        var d = max(sumY / sumU, 1e-3 * scale)
        var ell = core(d, s, u, v, p)
        if !ell.isFinite { d = scale; ell = core(d, s, u, v, p) }
        var iterations = 0, converged = false
        while iterations < maxIterations {
            iterations += 1
            var score = 0.0, info = 0.0, observed = 0.0
            for j in 0..<m {
                let lambda = d * u[j] + s * v[j]
                let l2 = lambda * lambda
                score += u[j] * (p[j] / (2 * l2) - 1 / lambda)
                info += u[j] * u[j] / l2
                observed += u[j] * u[j] * (p[j] / (l2 * lambda) - 1 / l2)
            }
            // Newton (observed information) where the log-likelihood is concave, else Fisher scoring.
            var step = score / (observed > 0 ? observed : info)
            if d + step < 0 { step = -d } // the boundary D = 0
            var next = d + step, nextEll = core(next, s, u, v, p)
            var halvings = 0
            while !(nextEll >= ell), halvings < 60 {
                step /= 2; next = d + step; nextEll = core(next, s, u, v, p); halvings += 1
            }
            if !(nextEll >= ell) { converged = true; break } // no ascent possible: at the maximum
            let moved = abs(next - d)
            d = next; ell = nextEll
            if moved <= relativeTolerance * scale { converged = true; break }
        }
        var idd = 0.0, ids = 0.0
        for j in 0..<m {
            let lambda = d * u[j] + s * v[j]
            idd += u[j] * u[j] / (lambda * lambda)
            ids += u[j] * v[j] / (lambda * lambda)
        }
        return MaximumLikelihoodFit(
            diffusionUm2PerS: d * 1e-6, localisationVarianceNm2: s, estimatedLocalisationVariance: false,
            diffusionVarianceUm4PerS2: 1e-12 / idd, localisationVarianceVarianceNm4: 0,
            diffusionPerLocalisationVariance: -ids / idd * 1e-6,
            logLikelihood: ell - Double(m) * log(2 * Double.pi), iterations: iterations, converged: converged)
    }

    private static func fitFree(u: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>,
                                p: UnsafeBufferPointer<Double>) -> MaximumLikelihoodFit {
        let m = p.count
        // Start: unweighted least squares of P/2 on (u, v) (unbiased moments), pulled into the domain.
        var suu = 0.0, suv = 0.0, svv = 0.0, suy = 0.0, svy = 0.0, sumP = 0.0, sumU = 0.0
        for j in 0..<m {
            let y = p[j] / 2
            suu += u[j] * u[j]; suv += u[j] * v[j]; svv += v[j] * v[j]
            suy += u[j] * y; svy += v[j] * y; sumP += p[j]; sumU += u[j]
        }
        let scale = max(sumP / (2 * sumU), .leastNormalMagnitude)
        var d = scale, s = 0.0
        var startEll: Double?
        let det0 = suu * svv - suv * suv
        if det0 > 0 {
            let d0 = (svv * suy - suv * svy) / det0, s0 = (suu * svy - suv * suy) / det0
            let ell0 = core(d0, s0, u, v, p)
            if ell0.isFinite, d0 > 0 { d = d0; s = s0; startEll = ell0 }
        }
        var ell = startEll ?? core(d, s, u, v, p)
        var iterations = 0, converged = false
        // What puts a step in σ² on D's scale (the same at every iteration): ×(largest v)/(largest u).
        let largestV = v.reduce(0, max), largestU = max(u.reduce(0, max), .leastNormalMagnitude)
        while iterations < maxIterations {
            iterations += 1
            var gd = 0.0, gs = 0.0, idd = 0.0, ids = 0.0, iss = 0.0, odd = 0.0, ods = 0.0, oss = 0.0
            // Each mode's terms four modes at a time (their divisions in vector lanes: the same operations on each
            // mode, so the same bits), each sum then taken mode by mode in order, as one mode at a time would. A last
            // group of fewer than four modes fills its other lanes with ones, which are not added.
            @inline(__always) func add(_ uj: SIMD4<Double>, _ vj: SIMD4<Double>, _ pj: SIMD4<Double>, lanes: Int) {
                let lambda = d * uj + s * vj
                let l2 = lambda * lambda
                let dl = pj / (2 * l2) - 1 / lambda
                let curvature = pj / (l2 * lambda) - 1 / l2
                let gdTerms = uj * dl, gsTerms = vj * dl
                let iddTerms = uj * uj / l2, idsTerms = uj * vj / l2, issTerms = vj * vj / l2
                let oddTerms = uj * uj * curvature, odsTerms = uj * vj * curvature, ossTerms = vj * vj * curvature
                for lane in 0..<lanes {
                    gd += gdTerms[lane]; gs += gsTerms[lane]
                    idd += iddTerms[lane]; ids += idsTerms[lane]; iss += issTerms[lane]
                    odd += oddTerms[lane]; ods += odsTerms[lane]; oss += ossTerms[lane]
                }
            }
            var j = 0
            if let ub = u.baseAddress, let vb = v.baseAddress, let pb = p.baseAddress {
                let ur = UnsafeRawPointer(ub), vr = UnsafeRawPointer(vb), pr = UnsafeRawPointer(pb)
                while j + 4 <= m {
                    add(ur.loadUnaligned(fromByteOffset: 8 * j, as: SIMD4<Double>.self),
                        vr.loadUnaligned(fromByteOffset: 8 * j, as: SIMD4<Double>.self),
                        pr.loadUnaligned(fromByteOffset: 8 * j, as: SIMD4<Double>.self), lanes: 4)
                    j += 4
                }
            }
            if j < m {
                var uj = SIMD4<Double>(repeating: 1), vj = uj, pj = uj
                for lane in 0..<(m - j) { uj[lane] = u[j + lane]; vj[lane] = v[j + lane]; pj[lane] = p[j + lane] }
                add(uj, vj, pj, lanes: m - j)
            }
            // Newton (observed information) where the log-likelihood is locally concave, else Fisher scoring.
            if odd > 0, odd * oss - ods * ods > 0 { idd = odd; ids = ods; iss = oss }
            let det = idd * iss - ids * ids
            guard det > 0 else { break }
            var stepD = (iss * gd - ids * gs) / det
            var stepS = (idd * gs - ids * gd) / det
            var nextD = d + stepD, nextS = s + stepS
            var nextEll = core(nextD, nextS, u, v, p)
            var halvings = 0
            while !(nextEll >= ell), halvings < 60 {
                stepD /= 2; stepS /= 2
                nextD = d + stepD; nextS = s + stepS
                nextEll = core(nextD, nextS, u, v, p); halvings += 1
            }
            if !(nextEll >= ell) { converged = true; break }
            let moved = max(abs(nextD - d), abs(nextS - s) * largestV / largestU)
            d = nextD; s = nextS; ell = nextEll
            if moved <= relativeTolerance * scale { converged = true; break }
        }
        // The information at the nearest physical D (D ≥ 0): at a D̂ < 0 the modes' variances d·u + s·v fall below
        // the noise's own s·v and the information there would claim a precision no D ≥ 0 gives (static particles:
        // ±1.96 SE held 0 in 57 % of the negative estimates; BENCHMARKS.md, 2026-12-03 night).
        let dInfo = max(d, 0)
        var idd = 0.0, ids = 0.0, iss = 0.0
        for j in 0..<m {
            let l2 = (dInfo * u[j] + s * v[j]) * (dInfo * u[j] + s * v[j])
            idd += u[j] * u[j] / l2; ids += u[j] * v[j] / l2; iss += v[j] * v[j] / l2
        }
        let det = idd * iss - ids * ids
        let varD = det > 0 ? iss / det : .infinity
        let varS = det > 0 ? idd / det : .infinity
        return MaximumLikelihoodFit(
            diffusionUm2PerS: d * 1e-6, localisationVarianceNm2: s, estimatedLocalisationVariance: true,
            diffusionVarianceUm4PerS2: varD * 1e-12, localisationVarianceVarianceNm4: varS,
            diffusionPerLocalisationVariance: -ids / idd * 1e-6,
            logLikelihood: ell - Double(m) * log(2 * Double.pi), iterations: iterations, converged: converged)
    }
}
