import Foundation

/// The mean-squared-displacement fit with the optimal number of lags
/// (Michalet 2010, Phys Rev E 82:041914; Michalet & Berglund 2012, Phys Rev E
/// 85:061916; SCIENCE.md §2).
///
/// An unweighted least-squares line MSDₙ = α + β·n is fitted over lags n = 1…p
/// (lags in frames; ``MSDCurve``, gap-aware; lags with no observed pair are
/// skipped). E[MSDₙ] = 4DΔt·n + 4σ² − 8RDΔt, so D̂ = β/(4Δt) whatever σ and R,
/// and the reduced localisation error is x̂ = α/β = σ²/(DΔt) − 2R.
/// p follows Michalet's formula for the slope,
/// p = ⌊f·L/(f³ + L³)^(1/3)⌋, f = 2 + 1.35·x^0.6, L = 0.8 + 0.564·N
/// (N localisations, x clamped at 0, p ≥ 2), iterated x ↔ p from p = 2 until p
/// repeats (on a cycle the last p is kept).
///
/// **Variance**, exact under the Gaussian model rather than Michalet's
/// approximate expressions: β̂ is a quadratic form ΔᵀAΔ per axis in the
/// single-frame steps Δ over the track's whole frame span (a pair (i, j)
/// contributes the block of the steps between its frames, with weight
/// wₙ/cₙ from the least-squares slope weights wₙ and the pair count cₙ; the
/// noise of unobserved frames telescopes away). Δ has the tridiagonal
/// covariance T (diagonal 2DΔt + 2s, off-diagonal −s, with s = σ² − 2RDΔt),
/// so per axis Var(β̂) = 2 tr(ATAT), and var(D̂) = 4·tr((AT)²)/(16Δt²) for the
/// two axes. It is evaluated at D̂ and at s from the context's σ² when known,
/// otherwise from the fitted intercept (s = α/4). A is banded (width 2p − 1),
/// so this costs O(N·p²).
public struct OptimalLagMSDEstimator: DiffusionEstimator {
    /// `msd-optimal`.
    public var identifier: String { "msd-optimal" }

    /// Upper bound on the x ↔ p iterations.
    public var maximumIterations: Int
    /// When set, always fit lags 1…`fixedLagCount` (≥ 2) instead of iterating.
    ///
    /// The iteration makes p depend on the track's own noisy x̂, which correlates
    /// with the slope's error: measured on 4,000 simulated tracks of 40
    /// localisations at x ≈ 1.35 (low SNR), the iterated estimate is biased by
    /// +3 % and its variance is 14 % above the fixed-p theory, while p = 2 fixed is
    /// unbiased. At NTA's high SNR (x ≈ −0.3 with full-frame blur) p stays 2 and
    /// both agree.
    public var fixedLagCount: Int?

    /// An estimator iterating x ↔ p at most `maximumIterations` times, or fitting lags 1…`fixedLagCount` (raised to
    /// 2) when given.
    public init(maximumIterations: Int = 20, fixedLagCount: Int? = nil) {
        self.maximumIterations = maximumIterations
        self.fixedLagCount = fixedLagCount.map { max($0, 2) }
    }

    /// Michalet's optimal number of lags for the slope, for reduced error `x`
    /// and `n` localisations (≥ 2).
    public static func optimalLagCount(reducedError x: Double, localisations n: Int) -> Int {
        let f = 2 + 1.35 * pow(max(x, 0), 0.6)
        let l = 0.8 + 0.564 * Double(n)
        let p = (f * l / pow(f * f * f + l * l * l, 1.0 / 3)).rounded(.down)
        return max(2, p.isFinite ? Int(min(p, 1e6)) : 2)
    }

    /// The optimal-lag MSD estimate of D for `track`; `nil` below 3 localisations or without a usable line fit.
    public func estimate(_ track: TrackSample, context: EstimationContext) -> DiffusionEstimate? {
        let n = track.count
        guard n >= 3 else { return nil }
        let dt = context.frameIntervalSeconds
        let span = Int(track.frames[n - 1]) - Int(track.frames[0])
        var curve = MSDCurve(track, maxLag: min(span, max(16, fixedLagCount ?? 0)))
        var p = fixedLagCount ?? 2
        var seen: Set<Int> = []
        var fit: (slope: Double, intercept: Double, lags: [Int])? = nil
        for _ in 0..<(fixedLagCount == nil ? max(maximumIterations, 1) : 1) {
            if p > curve.maxLag, curve.maxLag < span { curve = MSDCurve(track, maxLag: min(span, 2 * p)) }
            guard let f = Self.lineFit(curve, upTo: p) else { break }
            fit = f
            seen.insert(p)
            guard f.slope > 0 else { break }
            let next = min(Self.optimalLagCount(reducedError: f.intercept / f.slope, localisations: n), span)
            if next == p || seen.contains(next) || next < 2 { break }
            p = next
        }
        guard let fit else { return nil }
        let dNm2 = fit.slope / (4 * dt)
        // Model parameters for the variance: s = σ² − 2RDΔt.
        let dPos = max(dNm2, 1e-9 * max(abs(dNm2), 1))
        var s: Double
        if let sigma2 = context.localisationVarianceNm2 {
            s = sigma2 - 2 * context.blurCoefficient * dPos * dt
        } else {
            s = fit.intercept / 4
        }
        s = max(s, -0.45 * dPos * dt) // keep T positive definite (needs s > −DΔt/2)
        let trace = Self.traceATAT(track, lags: fit.lags, span: span, diagonal: 2 * dPos * dt + 2 * s,
                                   offDiagonal: -s)
        let varNm4 = trace / (4 * dt * dt)
        return DiffusionEstimate(diffusionUm2PerS: dNm2 * 1e-6, varianceUm4PerS2: varNm4 * 1e-12,
                                 stepCount: curve.pairCounts.count > 1 ? curve.pairCounts[1] : 0)
    }

    /// Ordinary least squares of MSDₙ on n over the lags 1…p that have pairs.
    static func lineFit(_ curve: MSDCurve, upTo p: Int) -> (slope: Double, intercept: Double, lags: [Int])? {
        let top = min(p, curve.maxLag)
        guard top >= 1 else { return nil }
        let lags = (1...top).filter { curve.pairCounts[$0] > 0 }
        guard lags.count >= 2 else { return nil }
        let mean = Double(lags.reduce(0, +)) / Double(lags.count)
        var sxx = 0.0, sxy = 0.0, my = 0.0
        for l in lags { my += curve.meanSquaredDisplacementNm2[l] }
        my /= Double(lags.count)
        for l in lags {
            let dx = Double(l) - mean
            sxx += dx * dx
            sxy += dx * (curve.meanSquaredDisplacementNm2[l] - my)
        }
        let slope = sxy / sxx
        return (slope, my - slope * mean, lags)
    }

    /// tr(ATAT) for the per-axis quadratic form of the least-squares slope over `lags`.
    static func traceATAT(_ track: TrackSample, lags: [Int], span: Int, diagonal a: Double,
                          offDiagonal b: Double) -> Double {
        let steps = span // steps over the whole frame span
        guard steps >= 1, let pMax = lags.max() else { return .nan }
        let first = Int(track.frames[0])
        var observed = [Bool](repeating: false, count: span + 1)
        for i in 0..<track.count { observed[Int(track.frames[i]) - first] = true }
        // Least-squares slope weights.
        let mean = Double(lags.reduce(0, +)) / Double(lags.count)
        var sxx = 0.0
        for l in lags { sxx += (Double(l) - mean) * (Double(l) - mean) }
        // Band storage of symmetric A: aBand[k * width + (j − k + h)], |j − k| ≤ h.
        let h = pMax
        let width = 2 * h + 1
        var aBand = [Double](repeating: 0, count: steps * width)
        var prefix = [Int](repeating: 0, count: span + 2)
        for n in lags {
            // prefix[s + 1] = number of observed pairs (t, t + n) with t ≤ s.
            var pairs = 0
            prefix[0] = 0
            for t in 0...span {
                if t + n <= span, observed[t], observed[t + n] { pairs += 1 }
                prefix[t + 1] = pairs
            }
            guard pairs > 0 else { continue }
            let c = (Double(n) - mean) / sxx / Double(pairs)
            // A[k][k + d] += c · #{pairs starting in [k + d − n + 1, k]}, 0 ≤ d < n.
            for k in 0..<steps {
                for d in 0..<n where k + d < steps {
                    let lo = max(k + d - n + 1, 0)
                    let count = prefix[k + 1] - prefix[lo]
                    if count == 0 { continue }
                    let v = c * Double(count)
                    aBand[k * width + d + h] += v
                    if d > 0 { aBand[(k + d) * width - d + h] += v }
                }
            }
        }
        @inline(__always) func aAt(_ k: Int, _ j: Int) -> Double {
            let d = j - k
            guard k >= 0, k < steps, j >= 0, j < steps, abs(d) <= h else { return 0 }
            return aBand[k * width + d + h]
        }
        // M = A·T, half-bandwidth h + 1.
        let hm = h + 1, widthM = 2 * hm + 1
        var m = [Double](repeating: 0, count: steps * widthM)
        for k in 0..<steps {
            for d in -hm...hm {
                let j = k + d
                guard j >= 0, j < steps else { continue }
                m[k * widthM + d + hm] = a * aAt(k, j) + b * (aAt(k, j - 1) + aAt(k, j + 1))
            }
        }
        var trace = 0.0
        for k in 0..<steps {
            for d in -hm...hm {
                let j = k + d
                guard j >= 0, j < steps else { continue }
                trace += m[k * widthM + d + hm] * m[j * widthM - d + hm]
            }
        }
        return trace
    }
}
