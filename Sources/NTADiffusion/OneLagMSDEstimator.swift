/// The one-lag mean-squared-displacement estimator, D̂ = ⟨|Δr|²⟩ / (4Δt),
/// what most open NTA tools compute.
///
/// Gap-aware: a step spanning g frames has expected squared length 4DgΔt, so
/// D̂ = Σ|Δrᵢ|² / (4Δt Σgᵢ), the maximum-likelihood estimate for pure
/// Brownian motion without noise.
///
/// It is *naive*: its mean is D(1 − 2R) + σ²/Δt (SCIENCE.md §1), so motion blur
/// makes particles look larger and localisation noise smaller. Its variance
/// here is the Gaussian-step theory at the estimate:
/// var = Σᵢ (2DgᵢΔt + 2σ²)² / (4Δt²(Σgᵢ)²) plus the adjacent-step noise
/// covariance, which reduces to D²/K for K noise-free single-frame steps.
public struct OneLagMSDEstimator: DiffusionEstimator {
    /// `msd1`.
    public var identifier: String { "msd1" }

    /// The estimator; it has no options.
    public init() {}

    /// The one-lag MSD estimate of D for `track`; `nil` for a track without a step.
    public func estimate(_ track: TrackSample, context: EstimationContext) -> DiffusionEstimate? {
        estimate(StepMoments(track), context: context)
    }

    /// The estimate from a track's precomputed moments.
    public func estimate(_ m: StepMoments, context: EstimationContext) -> DiffusionEstimate? {
        guard m.steps >= 1, m.sumGaps > 0 else { return nil }
        let dt = context.frameIntervalSeconds
        let dNm2 = m.sumSquared2D / (4 * dt * Double(m.sumGaps))
        let sigma2 = context.localisationVarianceNm2 ?? 0
        // Per axis, step i has variance s_i = 2 D g_i Δt + 2σ²; Var(Δx²) = 2 s_i².
        // Two axes: Var(Σ|Δr|²) ≈ Σ 4 s_i² (with s_i at mean gap) + adjacent covariance 2·(2σ⁴)·2 per pair.
        let meanGap = Double(m.sumGaps) / Double(m.steps)
        let meanGapSq = Double(m.sumGapsSquared) / Double(m.steps)
        let a = 2 * dNm2 * dt
        let sumS2 = Double(m.steps) * (a * a * meanGapSq + 2 * a * meanGap * 2 * sigma2 + 4 * sigma2 * sigma2)
        let pairs = Double(max(m.steps - 1, 0))
        let varSum = 4 * sumS2 + 8 * sigma2 * sigma2 * pairs
        let varNm4 = varSum / (16 * dt * dt * Double(m.sumGaps) * Double(m.sumGaps))
        return DiffusionEstimate(diffusionUm2PerS: dNm2 * 1e-6, varianceUm4PerS2: varNm4 * 1e-12, stepCount: m.steps)
    }
}
