import NTATracks

/// What an estimator needs to know about the acquisition.
public struct EstimationContext: Sendable, Hashable {
    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// Motion-blur coefficient R (0 for an instantaneous exposure, τₑ/(6Δt)
    /// for a shutter open τₑ per frame). A camera has τₑ ≤ Δt, so R ≤ 1/6, the
    /// clamp of ``VideoNuisance/blurCoefficientRange`` and of the resolved
    /// settings; the motion model itself needs only R < 1/4, where the step
    /// variance 2DΔt(1 − 4R) of the fastest mode would vanish.
    public var blurCoefficient: Double
    /// Per-axis localisation variance σ², nm², when known (e.g. pooled over a video).
    public var localisationVarianceNm2: Double?
    /// Variance of that σ² estimate, nm⁴ (0 when σ² is known exactly).
    public var localisationVarianceVarianceNm4: Double

    /// A context of frame interval Δt (s), blur coefficient R, and optionally σ² (nm²) with the variance of its
    /// estimate (nm⁴).
    public init(frameIntervalSeconds: Double, blurCoefficient: Double = 0,
                localisationVarianceNm2: Double? = nil, localisationVarianceVarianceNm4: Double = 0) {
        self.frameIntervalSeconds = frameIntervalSeconds
        self.blurCoefficient = blurCoefficient
        self.localisationVarianceNm2 = localisationVarianceNm2
        self.localisationVarianceVarianceNm4 = localisationVarianceVarianceNm4
    }
}

/// One track's diffusion coefficient estimate with its variance.
public struct DiffusionEstimate: Sendable, Hashable {
    /// Estimated diffusion coefficient D, µm²/s. May be ≤ 0 for noise-corrected
    /// estimators on short, noisy tracks; callers decide what to do with it.
    public var diffusionUm2PerS: Double
    /// Variance of the estimate, (µm²/s)², from the estimator's theory
    /// evaluated at the estimate.
    public var varianceUm4PerS2: Double
    /// Number of displacement steps used.
    public var stepCount: Int

    /// An estimate D (µm²/s) with its variance ((µm²/s)²) from `stepCount` steps.
    public init(diffusionUm2PerS: Double, varianceUm4PerS2: Double, stepCount: Int) {
        self.diffusionUm2PerS = diffusionUm2PerS
        self.varianceUm4PerS2 = varianceUm4PerS2
        self.stepCount = stepCount
    }

    /// Standard error of the estimate, µm²/s.
    public var standardErrorUm2PerS: Double { varianceUm4PerS2.squareRoot() }
}

/// The positions of one track, valid only inside the closure that hands it out.
public struct TrackSample {
    /// Frame index of each localisation (strictly increasing).
    public var frames: UnsafeBufferPointer<Int32>
    /// x positions, nm.
    public var xNanometers: UnsafeBufferPointer<Double>
    /// y positions, nm.
    public var yNanometers: UnsafeBufferPointer<Double>

    /// A sample viewing `frames` (strictly increasing) and positions (nm) of equal length.
    public init(frames: UnsafeBufferPointer<Int32>, xNanometers: UnsafeBufferPointer<Double>,
                yNanometers: UnsafeBufferPointer<Double>) {
        self.frames = frames
        self.xNanometers = xNanometers
        self.yNanometers = yNanometers
    }

    /// Number of localisations.
    public var count: Int { frames.count }
}

/// A per-track estimator of the 2D diffusion coefficient.
///
/// Estimators are gap-aware: frames need not be consecutive.
public protocol DiffusionEstimator: Sendable {
    /// Short stable identifier used on the command line and in reports (e.g. `msd1`, `cve`).
    var identifier: String { get }
    /// Estimates D for one track, or returns `nil` when the track has too few
    /// usable steps for this estimator.
    func estimate(_ track: TrackSample, context: EstimationContext) -> DiffusionEstimate?
}

extension TrackSet {
    /// Calls `body` with track `t`'s sample.
    @inlinable
    public func withSample<R>(of t: Int, _ body: (TrackSample) throws -> R) rethrows -> R {
        let r = rows(of: t)
        return try frame.withUnsafeBufferPointer { f in
            try xNanometers.withUnsafeBufferPointer { x in
                try yNanometers.withUnsafeBufferPointer { y in
                    try body(TrackSample(
                        frames: UnsafeBufferPointer(rebasing: f[r]),
                        xNanometers: UnsafeBufferPointer(rebasing: x[r]),
                        yNanometers: UnsafeBufferPointer(rebasing: y[r])))
                }
            }
        }
    }
}
