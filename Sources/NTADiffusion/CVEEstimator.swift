/// The covariance-based estimator (CVE) of Vestergaard, Blainey & Flyvbjerg,
/// Phys Rev E 89:022726 (2014).
///
/// Per axis, with ⟨Δx²⟩ the mean squared single-frame step and ⟨ΔxₙΔxₙ₊₁⟩
/// the mean product of adjacent steps:
///
/// - σ² unknown: D̂ = ⟨Δx²⟩/(2Δt) + ⟨ΔxₙΔxₙ₊₁⟩/Δt — unbiased whatever the
///   localisation noise σ and motion-blur coefficient R;
///   var = D²[(6 + 4ε + 2ε²)/K + 4(1 + ε)²/K²], ε = σ²/(DΔt) − 2R.
/// - σ² known (e.g. pooled over the video): D̂ = (⟨Δx²⟩ − 2σ²)/(2(1 − 2R)Δt);
///   var = D²(2 + 4ε + 3ε²)/(K(1 − 2R)²) + var(σ̂²)/((1 − 2R)²Δt²).
///
/// The x and y estimates are averaged, which halves both variances. Only
/// single-frame steps are used (a gap splits a track into runs; adjacent
/// products never straddle a gap), following Vestergaard 2016's advice to
/// avoid mixing intervals.
public struct CVEEstimator: DiffusionEstimator {
    /// `cve`.
    public var identifier: String { "cve" }

    /// When true and the context knows σ², use the known-σ² form.
    public var usesKnownLocalisationVariance: Bool

    /// A CVE; `usesKnownLocalisationVariance` selects the known-σ² form when the context has σ².
    public init(usesKnownLocalisationVariance: Bool = false) {
        self.usesKnownLocalisationVariance = usesKnownLocalisationVariance
    }

    /// The CVE of D for `track`; `nil` without enough single-frame steps (1 with σ² known; 2 and an adjacent pair
    /// otherwise).
    public func estimate(_ track: TrackSample, context: EstimationContext) -> DiffusionEstimate? {
        estimate(StepMoments(track), context: context)
    }

    /// The estimate from a track's precomputed moments.
    public func estimate(_ m: StepMoments, context: EstimationContext) -> DiffusionEstimate? {
        let dt = context.frameIntervalSeconds
        let r = context.blurCoefficient
        let k = Double(m.unitSteps)
        if usesKnownLocalisationVariance, let sigma2 = context.localisationVarianceNm2 {
            guard m.unitSteps >= 1 else { return nil }
            let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * k)
            let dNm2 = (meanSq - 2 * sigma2) / (2 * (1 - 2 * r) * dt)
            let dPos = max(dNm2, .leastNonzeroMagnitude)
            let eps = sigma2 / (dPos * dt) - 2 * r
            let oneMinus = (1 - 2 * r) * (1 - 2 * r)
            let perAxis = dPos * dPos * (2 + 4 * eps + 3 * eps * eps) / (k * oneMinus)
            let fromSigma = context.localisationVarianceVarianceNm4 / (oneMinus * dt * dt)
            // Averaging x and y halves the statistical part; σ̂² is shared by both axes.
            let varNm4 = perAxis / 2 + fromSigma
            return DiffusionEstimate(diffusionUm2PerS: dNm2 * 1e-6, varianceUm4PerS2: varNm4 * 1e-12,
                                     stepCount: m.unitSteps)
        }
        guard m.unitSteps >= 2, m.adjacentPairs >= 1 else { return nil }
        let p = Double(m.adjacentPairs)
        let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * k)
        let meanProd = (m.sumProductX + m.sumProductY) / (2 * p)
        let dNm2 = meanSq / (2 * dt) + meanProd / dt
        let sigma2 = max(r * meanSq + (2 * r - 1) * meanProd, 0)
        let dPos = max(dNm2, .leastNonzeroMagnitude)
        let eps = sigma2 / (dPos * dt) - 2 * r
        let perAxis = dPos * dPos * ((6 + 4 * eps + 2 * eps * eps) / k + 4 * (1 + eps) * (1 + eps) / (k * k))
        return DiffusionEstimate(diffusionUm2PerS: dNm2 * 1e-6, varianceUm4PerS2: perAxis / 2 * 1e-12,
                                 stepCount: m.unitSteps)
    }

    /// The CVE estimate of the per-axis localisation variance σ², nm², from
    /// summed moments (σ̂² = R⟨Δx²⟩ + (2R − 1)⟨ΔxₙΔxₙ₊₁⟩). Summing the moments
    /// of all tracks first gives the pooled, video-level estimate.
    public static func localisationVarianceNm2(_ m: StepMoments, blurCoefficient r: Double) -> Double? {
        guard m.unitSteps >= 1, m.adjacentPairs >= 1 else { return nil }
        let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * Double(m.unitSteps))
        let meanProd = (m.sumProductX + m.sumProductY) / (2 * Double(m.adjacentPairs))
        return r * meanSq + (2 * r - 1) * meanProd
    }
}
