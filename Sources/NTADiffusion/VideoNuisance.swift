import Foundation
import CNTAKernels
import NTACore
import NTATracks

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
///   σ is not one number when localisation is photon-limited: dim particles localise worse
///   (σ² ∝ 1/photons), and in a polydisperse sample they are the small, fast ones the weights
///   discount, so a weighted mean falls short of the localisations' mean σ²: without intensities the
///   reported σ² weights each half by its pairs instead (the mean over the localisations of the tracks
///   that can be split), while the sizes keep the weighted mean. With intensities,
///   σ²ₕ = s₀ + s₁·ũₕ is fitted instead, with ũₕ the mean 1/I of the localisations whose σ² the half's
///   statistic measures (its steps' ends with weight 2R, its adjacent pairs' shared localisations with
///   1 − 2R: tracks start and end dim at the sheet's wings), reported at the mean brightness of the
///   file's localisations and used for sizing at the analysed tracks' (``sizingLocalisationVarianceNm2``), or,
///   when s₁ is positive beyond its noise, at each track's own (``sizingLocalisationVarianceNm2(meanInverseIntensity:)``);
///   the blur regression carries the same term (with the pairs' ũ).
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
        /// Unknown exposure, and the tracks cannot tell R from σ² (e.g. a monodisperse sample):
        /// only their combination ``VideoNuisance/stepCovarianceNm2`` is reported.
        case notIdentified
    }

    /// Largest standard error of an estimated R for which R (and so σ²) counts as identified:
    /// a 95 % interval (±1.96 SE) no wider than R's physical range [0, 1/6].
    public static let blurIdentificationStandardErrorLimit = 1.0 / (6 * 2 * 1.96)

    /// The physical range of R = τₑ/(6Δt): a shutter open from 0 to the whole frame interval.
    public static let blurCoefficientRange: ClosedRange<Double> = 0 ... 1.0 / 6

    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// Pooled per-axis localisation variance σ², nm² (may be negative when noise is negligible).
    public var localisationVarianceNm2: Double
    /// Its standard error, nm².
    public var localisationVarianceStandardErrorNm2: Double
    /// Motion-blur coefficient R used, in [0, 1/6] (0 as a working value when not identified).
    public var blurCoefficient: Double
    /// Its standard error (0 when from the exposure).
    public var blurCoefficientStandardError: Double
    /// Where ``blurCoefficient`` came from.
    public var blurSource: BlurSource
    /// Whether σ² and R are separately identified: always with a known exposure; with the
    /// exposure unknown, only when R̂'s 95 % interval is narrower than R's physical range
    /// [0, 1/6] and consistent with it (``blurIdentificationStandardErrorLimit``). When not,
    /// ``blurCoefficient`` is 0 and ``localisationVarianceNm2`` is −``stepCovarianceNm2``: the
    /// working values that reproduce the one identified combination, not measurements of R and σ².
    public var isIdentified: Bool = true
    /// Whether the tracks measured σ² (or, when it is not told from R, their step covariance) with a standard error:
    /// at least ``minimumTracksForStandardError`` tracks gave halves. One track's two halves give a value with no
    /// error to judge it by (a 3-track video of 100 nm beads with σ = 30 nm read σ ≈ 486 nm from its one track long
    /// enough, and its sizes, fitted with that σ², read 110–257 nm): when not measured, nothing uses it: the
    /// ``context`` carries no σ², so each track's noise is fitted with its D (and the pipeline's deconvolution profiles
    /// it out, or takes σ² = 0 with the one-lag Gamma likelihood), and the report gives σ, σ² and the step covariance
    /// as unknown, with a note.
    public var isMeasured: Bool = true
    /// The fewest tracks whose halves measure σ² with a standard error (the tracks are its clusters: one gives none).
    public static let minimumTracksForStandardError = 2

    /// Student's t quantile over the normal one at 97.5 % for σ²'s standard error, whose ``tracksUsed`` = m tracks are
    /// its clusters (m − 1 degrees of freedom): ±1.96 × (this × SE) is the 95 % t interval (Cameron & Miller 2015,
    /// J. Human Resources 50:317, on few clusters). 6.5 at m = 2, 1.31 at 6, 1.04 at 30, → 1; infinite when σ² was
    /// not measured.
    public var localisationVarianceSmallSampleFactor: Double {
        guard isMeasured, tracksUsed >= Self.minimumTracksForStandardError else { return .infinity }
        return Statistics.studentTQuantile(0.975, degreesOfFreedom: tracksUsed - 1) / Statistics.normalQuantile(0.975)
    }
    /// The mean covariance of adjacent single-frame steps per axis, nm²: E = 2RDΔt − σ²
    /// averaged over tracks (half-track weights as for σ²). Identified whatever the exposure.
    public var stepCovarianceNm2: Double = .nan
    /// Its standard error (tracks as clusters), nm².
    public var stepCovarianceStandardErrorNm2: Double = .nan
    /// σ² and ∂σ²/∂R at the mean brightness of the tracks' own localisations, when that differs from the
    /// reported σ²'s (see ``sizingLocalisationVarianceNm2``).
    var sizingVarianceNm2: Double?
    /// Its ∂/∂R, nm², likewise.
    var sizingVarianceSensitivityNm2: Double?
    /// Its standard error, nm², likewise.
    var sizingVarianceStandardErrorNm2: Double?
    /// The σ² the sizes use, nm²: with photon-limited σ² (``localisationVarianceFollowsBrightness``), the
    /// model at the mean brightness of the analysed tracks' localisations, whereas ``localisationVarianceNm2``
    /// describes every localisation of the file (short tracks, which are dimmer, included); with one σ², the
    /// near-inverse-variance weighted mean over the tracks' halves, whereas ``localisationVarianceNm2`` is
    /// their mean over localisations (each half weighted by its pairs).
    public var sizingLocalisationVarianceNm2: Double { sizingVarianceNm2 ?? localisationVarianceNm2 }
    /// ∂(``sizingLocalisationVarianceNm2``)/∂R, nm² (see ``localisationVarianceSensitivityToBlurNm2``).
    public var sizingLocalisationVarianceSensitivityToBlurNm2: Double {
        sizingVarianceSensitivityNm2 ?? localisationVarianceSensitivityToBlurNm2
    }
    /// The standard error of ``sizingLocalisationVarianceNm2``, nm².
    public var sizingLocalisationVarianceStandardErrorNm2: Double {
        sizingVarianceStandardErrorNm2 ?? localisationVarianceStandardErrorNm2
    }
    /// With photon-limited σ² (``localisationVarianceFollowsBrightness``), the model's slope s₁ in σ² = s₀ + s₁/I,
    /// nm² per unit of 1/I, at the blur the sizes use; `nil` with one σ² for every localisation.
    public var sizingLocalisationVarianceSlopeNm2PerInverseIntensity: Double?
    /// The mean 1/I of the analysed tracks' localisations, at which ``sizingLocalisationVarianceNm2`` is taken (with
    /// ``sizingLocalisationVarianceSlopeNm2PerInverseIntensity``).
    public var sizingMeanInverseIntensity: Double?

    /// The σ² a track whose localisations have mean 1/I `meanInverseIntensity` is sized with, nm²: the
    /// photon-limited model σ² = s₀ + s₁/I at its own brightness (a dim track's σ² is larger), i.e.
    /// ``sizingLocalisationVarianceNm2`` + s₁·(u − ū); the shared value when σ² is one number or `u` is not a
    /// positive finite number (a track without usable intensities).
    public func sizingLocalisationVarianceNm2(meanInverseIntensity u: Double) -> Double {
        guard let slope = sizingLocalisationVarianceSlopeNm2PerInverseIntensity, let mean = sizingMeanInverseIntensity,
              u.isFinite, u > 0 else { return sizingLocalisationVarianceNm2 }
        return sizingLocalisationVarianceNm2 + slope * (u - mean)
    }

    /// Whether σ² was modelled as photon-limited from the tracks' intensities (σ² = s₀ + s₁/I, reported
    /// as the mean over localisations) rather than as one number.
    public var localisationVarianceFollowsBrightness = false
    /// ∂σ̂²/∂R, nm²: the pooled σ̂² is linear in the R it is pooled at, so σ² at R + ΔR is
    /// ``localisationVarianceNm2`` + this × ΔR (a weighted mean of 2DΔt over the tracks).
    public var localisationVarianceSensitivityToBlurNm2: Double = .nan
    /// Why R and σ² are not reported, or what was clamped; `nil` when nothing is to be said.
    public var note: String?
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
    /// When σ² and R are not identified, or σ² was not measured (``isMeasured``), the context carries no σ², so
    /// known-σ² estimators fall back to fitting σ² per track (whose D does not depend on R).
    public var context: EstimationContext {
        guard isIdentified, isMeasured else {
            return EstimationContext(frameIntervalSeconds: frameIntervalSeconds, blurCoefficient: blurCoefficient)
        }
        return EstimationContext(frameIntervalSeconds: frameIntervalSeconds, blurCoefficient: blurCoefficient,
                                 localisationVarianceNm2: max(sizingLocalisationVarianceNm2, 0),
                                 localisationVarianceVarianceNm4: sizingLocalisationVarianceStandardErrorNm2
                                     * sizingLocalisationVarianceStandardErrorNm2)
    }

    /// Nuisance parameters given value by value (uncertainties are standard errors).
    init(frameIntervalSeconds: Double, localisationVarianceNm2: Double,
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
    ///     tracks when they identify it (see ``isIdentified``; otherwise 0 as a working value, with a note).
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
                                drift: DriftEstimate? = nil, edge: EdgeTrim? = nil,
                                localisationInverseIntensity: Double? = nil) -> VideoNuisance? {
        // The identified combination: σ̂² at R = 0 is −(mean adjacent-step covariance).
        let halves = WeightedHalves(halfStatistics(tracks, edge: edge))
        // Photon-limited σ² is reported at the mean brightness of the localisations it describes (every one
        // in the file when given), and sized with at the mean brightness of the tracks' own localisations.
        // (Only the brightness model has a use for either mean.)
        let tracksInverseIntensity = halves.brightnessScale == nil ? nil : tracks.intensity.map { meanInverseIntensity($0, 0 ..< $0.count) }
        let inverseIntensity = localisationInverseIntensity ?? tracksInverseIntensity
        func sizing(_ r: Double) -> (valueNm2: Double, sensitivityToBlurNm2: Double, slopeNm2PerInverseIntensity: Double)? {
            pooledLocalisationVariance(halves, blurCoefficient: r, localisationInverseIntensity: tracksInverseIntensity)
                .map { ($0.valueNm2, $0.sensitivityToBlurNm2, $0.slopeNm2PerInverseIntensity) }
        }
        guard let combination = pooledLocalisationVariance(halves, blurCoefficient: 0,
                                                           localisationInverseIntensity: inverseIntensity),
              combination.valueNm2.isFinite else { return nil }
        let blurEstimate = exposureMilliseconds == nil ? estimateBlurCoefficient(halves) : nil
        var r = 0.0, seR = 0.0, source = BlurSource.instantaneous, note: String? = nil, identified = true
        if let exposure = exposureMilliseconds {
            r = blurCoefficient(exposureMilliseconds: exposure, frameIntervalSeconds: dt)
            source = exposure > 0 ? .exposure : .instantaneous
        } else if let e = blurEstimate,
                  e.blurCoefficient.isFinite, e.standardError.isFinite,
                  e.standardError <= blurIdentificationStandardErrorLimit,
                  e.blurCoefficient >= blurCoefficientRange.lowerBound - 3 * e.standardError,
                  e.blurCoefficient <= blurCoefficientRange.upperBound + 3 * e.standardError {
            r = min(max(e.blurCoefficient, blurCoefficientRange.lowerBound), blurCoefficientRange.upperBound)
            seR = e.standardError
            source = .estimated
            if r != e.blurCoefficient {
                note = "the estimated blur coefficient \(threeSignificantDigits(e.blurCoefficient)) ± \(threeSignificantDigits(e.standardError)) lies outside its physical range 0–1/6 and was clamped to \(threeSignificantDigits(r))"
            }
        } else {
            identified = false
            source = .notIdentified
            let e = blurEstimate
            let why: String
            if let e, e.standardError.isFinite, e.standardError > blurIdentificationStandardErrorLimit {
                why = "its estimate from the tracks (\(threeSignificantDigits(e.blurCoefficient)) ± \(threeSignificantDigits(e.standardError))) is no more precise than its physical range 0–1/6, as for a nearly monodisperse sample, or where σ²'s photon-limited model (∝ 1/brightness) takes up the size dependence the blur gives"
            } else if let e, e.blurCoefficient.isFinite, e.standardError.isFinite {
                why = "its estimate from the tracks (\(threeSignificantDigits(e.blurCoefficient)) ± \(threeSignificantDigits(e.standardError))) is inconsistent with its physical range 0–1/6 (the constant-σ model does not fit)"
            } else {
                why = "too few tracks (≥ 20 with 7 localisations) vary enough in D to estimate it"
            }
            note = "exposure unknown: the motion blur R and the localisation error σ are not separately identifiable (\(why)); only their combination, the adjacent-step covariance 2RDΔt − σ² = \(threeSignificantDigits(-combination.valueNm2)) \(combination.standardErrorNm2.isFinite ? "± \(threeSignificantDigits(combination.standardErrorNm2))" : "(standard error unknown)") nm², is reported; the default per-track estimator (σ²-free maximum likelihood) and the deconvolution use only that combination, so the sizes do not depend on R or σ apart (the combination is one number for every size: right for a nearly monodisperse sample). Give the exposure time to estimate σ."
        }
        var value = combination.valueNm2, se = combination.standardErrorNm2, used = combination.tracks
        var sensitivity = combination.sensitivityToBlurNm2
        /// Takes a σ² pooled at R = r as the reported one, its SE with R's uncertainty propagated:
        /// ∂σ̂²/∂R = ⟨Δx²⟩ + 2⟨ΔxΔx′⟩ = 2D̄Δt (weighted), their correlation ignored.
        func report(_ pooled: (valueNm2: Double, standardErrorNm2: Double, tracks: Int, sensitivityToBlurNm2: Double,
                               usesBrightness: Bool, slopeNm2PerInverseIntensity: Double)) {
            value = pooled.valueNm2
            se = pooled.standardErrorNm2
            sensitivity = pooled.sensitivityToBlurNm2
            if seR > 0 { se = (se * se + sensitivity * sensitivity * seR * seR).squareRoot() }
        }
        if identified && r != 0 {
            guard let pooled = pooledLocalisationVariance(halves, blurCoefficient: r,
                                                          localisationInverseIntensity: inverseIntensity) else { return nil }
            report(pooled)
            used = pooled.tracks
        }
        // The same at the tracks' own brightness, for sizing (the reported one unless the brightness model is
        // used and reported at another brightness; r is 0 when not identified).
        let forSizing = combination.usesBrightness && localisationInverseIntensity != nil
            ? sizing(r) ?? (value, sensitivity, 0) : (value, sensitivity, 0)
        let sizingStandardError = se
        if identified && !combination.usesBrightness {
            // Without intensities the sizes keep the precision-weighted mean (the slow, bright tracks whose
            // σ² matters most for their sizes count most); the report gives the mean over localisations,
            // each half weighted by its pairs (unbiased too: the weights do not depend on its noise).
            var byLocalisations = halves
            byLocalisations.weights = halves.halves.map { (a: $0.a.n, b: $0.b.n) }
            if let pooled = pooledLocalisationVariance(byLocalisations, blurCoefficient: r), pooled.valueNm2.isFinite {
                report(pooled)
            }
        }
        var n = VideoNuisance(frameIntervalSeconds: dt, localisationVarianceNm2: value,
                              localisationVarianceStandardErrorNm2: se, blurCoefficient: r,
                              blurCoefficientStandardError: seR, blurSource: source, tracksUsed: used, drift: drift)
        n.isIdentified = identified
        n.localisationVarianceSensitivityToBlurNm2 = sensitivity
        n.localisationVarianceFollowsBrightness = combination.usesBrightness
        n.sizingVarianceNm2 = forSizing.0
        n.sizingVarianceSensitivityNm2 = forSizing.1
        n.sizingVarianceStandardErrorNm2 = sizingStandardError
        if combination.usesBrightness, let u = tracksInverseIntensity, u.isFinite, u > 0, forSizing.2 != 0 {
            n.sizingLocalisationVarianceSlopeNm2PerInverseIntensity = forSizing.2
            n.sizingMeanInverseIntensity = u
        }
        n.stepCovarianceNm2 = -combination.valueNm2
        n.stepCovarianceStandardErrorNm2 = combination.standardErrorNm2
        if identified && !combination.usesBrightness {
            // Without intensities σ² is one number: the tracks' weighted mean, in which well-localised tracks
            // count more. Photon-limited localisation makes dim particles' σ² larger than that.
            // Say why: no intensities at all, or intensities the model could not use (and how many were not finite
            // and positive: a column with NaN or 0 in many rows leaves too few tracks with usable halves).
            let why: String
            if let intensity = tracks.intensity {
                let unusable = intensity.reduce(0) { $0 + ($1.isFinite && $1 > 0 ? 0 : 1) }
                why = "the file's intensities do not support a photon-limited model, σ² ∝ 1/brightness: \(unusable) of \(intensity.count) localisations have no finite, positive intensity, and fewer than 95 % of the tracks had one throughout both halves, or the tracks hardly differ in brightness"
            } else {
                why = "the file has no intensities to model photon-limited localisation, σ² ∝ 1/brightness"
            }
            let constant = "σ² is one value for every localisation (\(why)): the mean over the localisations of the tracks long enough to measure it (7 or more); the sizes used a mean in which well-localised tracks count more (sizingLocalisationVarianceNm2). Where dim particles localise worse, the shortest tracks' localisations, which are dimmer, have a larger σ² than this"
            note = note.map { $0 + "; " + constant } ?? constant
        }
        if combination.tracks < minimumTracksForStandardError || !combination.standardErrorNm2.isFinite {
            // One track's halves give σ² no error to judge it by: a guess, which nothing uses (``isMeasured``).
            n.isMeasured = false
            let k = combination.tracks
            note = "σ² not measured: \(k) track\(k == 1 ? "" : "s") long enough to split (7 or more localisations away from the field's edges) gave it, too few for a standard error (each track is one observation of it), so σ, σ² and the step covariance are unknown and nothing uses them: the estimators that take the video's σ² fit or take each track's own instead"
        }
        n.note = note
        return n
    }

    /// The pooled σ² (see the type's documentation).
    /// - Returns: the estimate, its cluster-robust standard error, the number of
    ///   tracks used and ∂σ̂²/∂R (nm²), or `nil` when no track has two halves
    ///   with an adjacent pair of single-frame steps each.
    ///   `edge` keeps only the steps (and adjacent pairs) that start inside its margin.
    public static func pooledLocalisationVariance(_ tracks: TrackSet, blurCoefficient r: Double, edge: EdgeTrim? = nil)
        -> (valueNm2: Double, standardErrorNm2: Double, tracks: Int, sensitivityToBlurNm2: Double)? {
        pooledLocalisationVariance(WeightedHalves(halfStatistics(tracks, edge: edge)), blurCoefficient: r,
                                   localisationInverseIntensity: tracks.intensity.map { meanInverseIntensity($0, 0 ..< $0.count) })
            .map { ($0.valueNm2, $0.standardErrorNm2, $0.tracks, $0.sensitivityToBlurNm2) }
    }

    /// One half of a track: its mean squared step per axis `x`, mean adjacent-step product `c`, number
    /// of adjacent pairs `n` (the moments σ̂² is pooled from), and the mean 1/intensity of the localisations
    /// those moments see (NaN without intensities): `u` over the adjacent pairs' shared localisations
    /// (the σ² in `c`) and `uSteps` over both ends of each single-frame step (the σ² in `x`). A track
    /// enters and leaves the light sheet dim, so its ends are noisier than its middle, and the half's
    /// plain mean 1/I over-states the brightness behind `c` (σ² came out 8–10 % low, BENCHMARKS.md).
    typealias Half = (x: Double, c: Double, n: Double, u: Double, uSteps: Double)
    /// Per track with two usable halves, the two halves' statistics.
    typealias HalfStatistics = (a: Half, b: Half)

    static func halfStatistics(_ tracks: TrackSet, edge: EdgeTrim?) -> [HalfStatistics] {
        // Per track in parallel, a track without two usable halves marked by a NaN and then removed in place
        // (no second array: this runs while every column is in memory); the tracks keep their order. The
        // columns the 1/I means read are opened once, not per half.
        let unusable: Half = (.nan, .nan, 0, .nan, .nan)
        let hasIntensity = tracks.intensity != nil, hasEdge = edge != nil
        return tracks.frame.withUnsafeBufferPointer { frameBuffer in
        (tracks.intensity ?? []).withUnsafeBufferPointer { intensityBuffer in
        (edge?.startsInside ?? []).withUnsafeBufferPointer { insideBuffer in
            let columns = UncheckedSendable((frameBuffer, intensityBuffer, insideBuffer))
            var all = Parallel.map(count: tracks.trackCount) { t -> HalfStatistics in
                guard let (ma, mb) = Self.halves(of: t, in: tracks, edge: edge),
                      ma.adjacentPairs >= 1, mb.adjacentPairs >= 1 else { return (unusable, unusable) }
                // The halves are positions [0, n/2) and [n/2 + 1, n) (see `halves(_:)`).
                let rows = tracks.rows(of: t), mid = rows.count / 2
                let (frames, intensity, inside) = columns.value
                func stats(_ m: StepMoments, _ positions: Range<Int>) -> Half {
                    let meanSq = (m.sumSquaredX + m.sumSquaredY) / (2 * Double(m.unitSteps))
                    let c = (m.sumProductX + m.sumProductY) / (2 * Double(m.adjacentPairs))
                    // The mean 1/I behind the moments (rows in frame order whatever the file's order).
                    let inverse = hasIntensity
                        ? inverseIntensityMoments(frames: frames, intensity: intensity,
                                                  startsInside: hasEdge ? inside : nil, positions)
                        : (pairs: .nan, steps: .nan)
                    return (meanSq, c, Double(m.adjacentPairs), inverse.pairs, inverse.steps)
                }
                let a = stats(ma, rows.lowerBound ..< rows.lowerBound + mid)
                let b = stats(mb, rows.lowerBound + mid + 1 ..< rows.upperBound)
                guard a.x.isFinite, a.c.isFinite, b.x.isFinite, b.c.isFinite else { return (unusable, unusable) }
                return (a, b)
            }
            all.removeAll { $0.a.x.isNaN }
            return all
        } } }
    }

    /// The mean 1/I of the localisations behind a half's moments (``StepMoments`` over `rows`, the steps
    /// `startsInside` keeps): `pairs` over the shared localisation of each adjacent pair of single-frame
    /// steps, `steps` over both ends of each single-frame step; NaN when none has a finite I > 0 (a
    /// localisation without one is left out of the mean).
    static func inverseIntensityMoments(frames: UnsafeBufferPointer<Int32>, intensity all: UnsafeBufferPointer<Double>,
                                        startsInside: UnsafeBufferPointer<Bool>?,
                                        _ rows: Range<Int>) -> (pairs: Double, steps: Double) {
        var pairSum = 0.0, pairCount = 0, stepSum = 0.0, stepCount = 0
        let intensity = UnsafeBufferPointer(rebasing: all[rows])
        func inverse(_ r: Int) -> Double? {
            let i = intensity[r]
            return i.isFinite && i > 0 ? 1 / i : nil
        }
        // The steps and pairs ``StepMoments`` takes over the same rows.
        StepMoments.forEachStep(frames: UnsafeBufferPointer(rebasing: frames[rows]),
                                startsInside: startsInside.map { UnsafeBufferPointer(rebasing: $0[rows]) }) {
            k, g, closesPair in
            guard g == 1 else { return }
            if let a = inverse(k - 1), let b = inverse(k) { stepSum += a + b; stepCount += 2 }
            if closesPair, let m = inverse(k - 1) { pairSum += m; pairCount += 1 }
        }
        let pairs = pairCount > 0 && pairSum.isFinite ? pairSum / Double(pairCount) : .nan
        let steps = stepCount > 0 && stepSum.isFinite ? stepSum / Double(stepCount) : .nan
        return (pairs, steps)
    }

    /// The mean of 1/I over `rows` with a finite I > 0; NaN without intensities or without such a row.
    /// Independent of the rows' order, to the bit: each 1/I is rounded to 2⁻³² of the largest and the
    /// multiples are summed exactly as integers (rows up to 2³¹), so a shuffled file gives the same σ².
    public static func meanInverseIntensity(_ intensity: [Double]?, _ rows: Range<Int>) -> Double {
        guard let intensity else { return .nan }
        return intensity.withUnsafeBufferPointer { all in
            let values = UncheckedSendable(UnsafeBufferPointer(rebasing: all[rows]))
            // Both passes in CNTAKernels (on the widest vectors the machine has, the scalar rule's numbers).
            @Sendable func smallestAndCount(_ range: Range<Int>) -> (smallest: Double, count: Int) {
                var smallest = Double.infinity, count: Int64 = 0
                nta_smallest_positive(values.value.baseAddress.map { $0 + range.lowerBound }, Int64(range.count),
                                      &smallest, &count)
                return (smallest, Int(count))
            }
            @Sendable func quanta(_ range: Range<Int>, _ perQuantum: Double) -> Int64 {
                nta_inverse_quanta(values.value.baseAddress.map { $0 + range.lowerBound }, Int64(range.count), perQuantum)
            }
            // Large inputs in chunks over the cores, a track's half in one chunk on this thread (without the
            // per-chunk arrays: the halves are many): the largest 1/I and the count, then the integer sums,
            // exact, so the chunking cannot show.
            let n = values.value.count, minimumChunk = 1 << 16
            let oneChunk = Parallel.chunkCount(n, minimumChunk: minimumChunk) == 1
            let (smallest, count) = oneChunk ? smallestAndCount(0..<n)
                : Parallel.mapChunks(count: n, minimumChunk: minimumChunk, smallestAndCount)
                    .reduce((Double.infinity, 0)) { (min($0.0, $1.smallest), $0.1 + $1.count) }
            let largest = 1 / smallest
            guard count > 0, largest.isFinite, largest > 0, count < 1 << 31 else { return .nan }
            let quantum = largest / 4_294_967_296
            guard quantum > 0 else { return .nan }
            // 1/I in quanta, rounded half up (all are ≥ 0): at most 2³² each.
            let perQuantum = 1 / quantum
            let sum = oneChunk ? quanta(0..<n, perQuantum)
                : Parallel.mapChunks(count: n, minimumChunk: minimumChunk) { quanta($0, perQuantum) }.reduce(0, +)
            return Double(sum) * quantum / Double(count)
        }
    }

    /// The track halves the σ² pooling and the blur regression use, with what both need, prepared once per
    /// video (each is a sort of every half): the halves kept (all, or those the brightness model is fitted
    /// to, ``brightnessModel(_:)``), their ``halfWeights(_:)``, and the scale of the brightness regressor
    /// (the median `u`; `nil`: one σ²).
    struct WeightedHalves {
        var halves: [HalfStatistics]
        var weights: [(a: Double, b: Double)]
        /// The median of the kept halves' `u`, when the brightness model is used (`nil`: one σ²).
        var brightnessScale: Double?

        /// Each half's regressor ũ at blur `r`, `nil` without the brightness model: σ̂²ₕ = R⟨Δx²⟩ₕ + (2R − 1)cₕ
        /// measures the σ² of its steps' ends with weight 2R and of its pairs' shared localisations with weight
        /// 1 − 2R, so ũ weighs their mean 1/I (``Half/uSteps``, ``Half/u``) alike, over the scale (exact for σ²
        /// linear in 1/I).
        func brightness(at r: Double) -> [(a: Double, b: Double)]? {
            brightnessScale.map { scale in
                func u(_ h: Half) -> Double { (2 * r * h.uSteps + (1 - 2 * r) * h.u) / scale }
                return halves.map { (a: u($0.a), b: u($0.b)) }
            }
        }

        init(_ all: [HalfStatistics]) {
            let model = VideoNuisance.brightnessModel(all)
            let halves = model?.halves ?? all
            self.halves = halves
            weights = VideoNuisance.halfWeights(halves)
            brightnessScale = model?.scale
        }
    }

    /// `value` of every track's first half and then its second, track by track: one array, not one per track.
    static func bothHalves(_ halves: [HalfStatistics], _ value: (Half) -> Double) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(2 * halves.count)
        for h in halves { out.append(value(h.a)); out.append(value(h.b)) }
        return out
    }

    /// The halves the photon-limited σ² model is fitted to, with the median of their mean 1/I (the scale of
    /// the regressor ũ = u/median), or `nil` when the model cannot be used: fewer than 95 % of the tracks
    /// have a positive intensity in both halves (a file without intensities has none), or ũ has no spread
    /// (relative SD < 1 %). The few tracks left out (a dim particle's intensities rounded to 0, say) are
    /// left out of σ² and R too: the model is fitted and reported for the rest.
    static func brightnessModel(_ halves: [HalfStatistics]) -> (halves: [HalfStatistics], scale: Double)? {
        func valid(_ u: Double) -> Bool { u.isFinite && u > 0 }
        func usable(_ h: HalfStatistics) -> Bool { valid(h.a.u) && valid(h.b.u) && valid(h.a.uSteps) && valid(h.b.uSteps) }
        // Usually every half is usable: then the halves are shared, not copied (this runs while every column is
        // in memory, at the analysis's peak).
        let kept = halves.allSatisfy(usable) ? halves : halves.filter(usable)
        guard !kept.isEmpty, Double(kept.count) >= 0.95 * Double(halves.count) else { return nil }
        var us = bothHalves(kept) { $0.u }
        let median = Selection.kthSmallest(&us, us.count / 2)
        guard median > 0, median.isFinite else { return nil }
        let scaled = kept.map { (a: $0.a.u / median, b: $0.b.u / median) }
        let mean = scaled.reduce(0) { $0 + $1.a + $1.b } / Double(2 * scaled.count)
        let variance = scaled.reduce(0) { $0 + ($1.a - mean) * ($1.a - mean) + ($1.b - mean) * ($1.b - mean) }
            / Double(2 * scaled.count)
        guard mean.isFinite, variance.isFinite, variance.squareRoot() >= 0.01 * mean else { return nil }
        return (kept, median)
    }

    /// How many standard errors (tracks as clusters) the photon-limited model's slope s₁ must be above 0 for each
    /// track to be sized with the σ² of its own brightness: 3 (a slope of noise passes with odds of 0.13 %).
    static let brightnessSlopeStandardErrors = 3.0

    /// σ̂² at blur `r` from the half-track moments (see the type's documentation).
    ///
    /// Each half gives an unbiased σ̂²ₕ = R⟨Δx²⟩ₕ + (2R − 1)cₕ of its own σ². With intensities, σ² is
    /// modelled as photon-limited, σ²ₕ = s₀ + s₁ũₕ (ũ the half's ``WeightedHalves/brightness(at:)``; a
    /// localisation's variance goes as 1/photons, Thompson et al. 2002, with a constant for
    /// background and pixelation), fitted by weighted least squares and reported at the localisations'
    /// mean ũ: the mean σ² over localisations. Without intensities it is the weighted mean (s₁ = 0).
    /// Either way the weights (``halfWeights(_:)``) do not depend on a half's own noise, so the
    /// estimate is unbiased; the SE treats tracks as independent clusters.
    /// - Parameter localisationInverseIntensity: the mean 1/I over every localisation the σ² is to
    ///   describe (also those of tracks too short to split); `nil`: the halves' own, weighted by pairs.
    /// - Returns: also the model's slope s₁ per unit of 1/I (nm²·intensity) when it is positive by more than
    ///   ``brightnessSlopeStandardErrors`` standard errors, else 0.
    static func pooledLocalisationVariance(_ prepared: WeightedHalves, blurCoefficient r: Double,
                                           localisationInverseIntensity: Double? = nil)
        -> (valueNm2: Double, standardErrorNm2: Double, tracks: Int, sensitivityToBlurNm2: Double, usesBrightness: Bool,
            slopeNm2PerInverseIntensity: Double)? {
        let halves = prepared.halves, weights = prepared.weights, brightness = prepared.brightness(at: r)
        guard !halves.isEmpty else { return nil }
        func sigma2(_ h: Half) -> Double { r * h.x + (2 * r - 1) * h.c }
        let p = brightness == nil ? 1 : 2
        // Normal equations Σ w d dᵀ over the halves' designs d = (1[, ũ]); the target t = (1[, ū]) with ū
        // the localisation-weighted mean ũ (pairs as the localisations' weight).
        // Every half with its weight and regressor (0 without brightness), track by track.
        func forEachTrack(_ body: (_ a: (Half, Double, Double), _ b: (Half, Double, Double)) -> Void) {
            for k in halves.indices {
                let h = halves[k], w = weights[k], u = brightness?[k] ?? (a: 0, b: 0)
                body((h.a, w.a, u.a), (h.b, w.b, u.b))
            }
        }
        var n00 = 0.0, n01 = 0.0, n11 = 0.0, pairs = 0.0, pairsU = 0.0
        forEachTrack { a, b in
            func add(_ e: (half: Half, w: Double, u: Double)) {
                n00 += e.w; n01 += e.w * e.u; n11 += e.w * e.u * e.u
                pairs += e.half.n; pairsU += e.half.n * e.u
            }
            add(a); add(b)
        }
        let normal = p == 1 ? [n00] : [n00, n01, n01, n11]
        var target = p == 1 ? [1.0] : [1.0, pairsU / pairs]
        if p == 2, let u = localisationInverseIntensity, u.isFinite, u > 0, let scale = prepared.brightnessScale {
            target[1] = u / scale
        }
        // σ̂² = Σ ℓₕ σ̂²ₕ with ℓₕ = wₕ dₕ·v, v = (Σ w d dᵀ)⁻¹ t: linear in the halves' statistics.
        guard pairs > 0, let v = DenseLinearSystem.solve(normal, target, p) else { return nil }
        let v1 = p == 1 ? 0 : v[1]
        var value = 0.0, sensitivity = 0.0, m0 = 0.0, m1 = 0.0
        forEachTrack { a, b in
            func add(_ e: (half: Half, w: Double, u: Double)) {
                let l = e.w * (v[0] + e.u * v1), y = sigma2(e.half)
                value += l * y
                sensitivity += l * (e.half.x + 2 * e.half.c)
                m0 += e.w * y; m1 += e.w * e.u * y
            }
            add(a); add(b)
        }
        guard value.isFinite, let beta = DenseLinearSystem.solve(normal, p == 1 ? [m0] : [m0, m1], p) else { return nil }
        let beta1 = p == 1 ? 0 : beta[1]
        // The slope s₁ = e₁ᵀβ is linear in the halves' statistics too, with coefficients wₕ dₕ·v′, v′ = (Σ w d dᵀ)⁻¹e₁.
        let slopeCoefficients = p == 2 ? DenseLinearSystem.solve(normal, [0, 1], 2) : nil
        var ss = 0.0, ssSlope = 0.0
        forEachTrack { a, b in
            func residual(_ e: (half: Half, w: Double, u: Double), _ c: (Double, Double)) -> Double {
                e.w * (c.0 + e.u * c.1) * (sigma2(e.half) - (beta[0] + beta1 * e.u))
            }
            let z = residual(a, (v[0], v1)) + residual(b, (v[0], v1))
            ss += z * z
            if let c = slopeCoefficients {
                let zs = residual(a, (c[0], c[1])) + residual(b, (c[0], c[1]))
                ssSlope += zs * zs
            }
        }
        let m = Double(halves.count)
        let se = m > 1 ? (ss * m / (m - 1)).squareRoot() : .infinity
        let seSlope = m > 1 ? (ssSlope * m / (m - 1)).squareRoot() : .infinity
        // s₁ per unit of ũ = u/scale, so per unit of 1/I it is s₁/scale. Kept only when it stands out from its own noise
        // (``brightnessSlopeStandardErrors``): one σ² otherwise, as a slope of noise would only add it to every track.
        // And only when positive, as shot noise makes it: a σ² falling with 1/I is something else that follows the
        // brightness (blur, whose share grows with D, in the covariance a working R of 0 leaves), not localisation.
        let scale = prepared.brightnessScale ?? .nan
        let significant = p == 2 && slopeCoefficients != nil && beta1 > brightnessSlopeStandardErrors * seSlope
        let slope = significant ? beta1 / scale : 0
        return (value, se, halves.count, sensitivity, brightness != nil, slope.isFinite ? slope : 0)
    }

    /// Each half's weight in the pooled σ² and in the blur regression: the variance of a half's
    /// covariance-based statistics grows as ⟨Δx²⟩²/pairs, so a half weighs its pairs over the square
    /// of the *other* half's ⟨Δx²⟩ (independent of it given D, so no bias), tempered by the median²
    /// of all halves' ⟨Δx²⟩ so that the noise of the proxy costs little when D barely varies.
    static func halfWeights(_ halves: [HalfStatistics]) -> [(a: Double, b: Double)] {
        guard !halves.isEmpty else { return [] }
        var xs = bothHalves(halves) { $0.x }
        let median = max(Selection.kthSmallest(&xs, xs.count / 2), .leastNormalMagnitude)
        let temper = median * median
        return halves.map { h in (h.a.n / (h.b.x * h.b.x + temper), h.b.n / (h.a.x * h.a.x + temper)) }
    }

    /// The two halves' moments of track `t`, with only the steps `edge` keeps when given.
    static func halves(of t: Int, in tracks: TrackSet, edge: EdgeTrim?) -> (StepMoments, StepMoments)? {
        guard let edge else { return tracks.withSample(of: t, { Self.halves($0) }) }
        let rows = tracks.rows(of: t)
        return tracks.withSample(of: t) { s in
            edge.startsInside.withUnsafeBufferPointer { Self.halves(s, startsInside: UnsafeBufferPointer(rebasing: $0[rows])) }
        }
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
    /// between them (so the halves are independent given Dₜ), and each half's
    /// equation cₕ = R·X̂ₕ − σ² + εₕ is instrumented by the *other* half's mean
    /// squared step Zₕ′ = ⟨Δx²⟩ₕ′ (affine in D, independent of εₕ).
    ///
    /// Weighted: εₕ's variance grows as ⟨Δx²⟩²/pairs (a fast particle's covariance
    /// is noisy), so the instruments are (w, w·Z) with the pooled σ²'s half weights
    /// w = pairsₕ/(Zₕ′² + m̃²) (``halfWeights(_:)``): for this heteroscedasticity the efficient
    /// instruments are (pairs/Z, pairs/Z²), which these span up to the temper.
    /// Solving both moment conditions gives the weighted covariance ratio
    /// R̂ = Cov_w(Z, c)/Cov_w(Z, X̂) and σ̂² = R̂·X̄_w − c̄_w. Without the weights the same
    /// ratio let the fast, noisiest tracks dominate: its standard error was 2–7 times
    /// larger on polydisperse samples (BENCHMARKS.md, issue 8).
    /// With intensities, σ² is photon-limited, σ²ₕ = s₀ + s₁ũₕ (ũ the half's mean 1/I over the
    /// median's), and the regression gains that term with w·ũ as its instrument: without it, a σ²
    /// that falls with size (bright particles are large and slow) tilts the covariance line and
    /// biases R̂. Needs brightness to vary within a size as well (depth in the sheet), or R and s₁
    /// are not told apart (a large SE says so).
    /// Consistent whenever D varies across tracks; the
    /// instrument is weak (large SE) for a nearly monodisperse sample. The standard
    /// error is a delete-a-group jackknife over 20 groups of tracks. Tracks need ≥ 7
    /// localisations with an adjacent pair of single-frame steps in each half.
    /// - Returns: R̂ (unclamped), its standard error, σ̂² (nm²) and the number of
    ///   tracks used, or `nil` with fewer than 20 usable tracks.
    public static func estimateBlurCoefficient(_ tracks: TrackSet, frameIntervalSeconds dt: Double, edge: EdgeTrim? = nil)
        -> (blurCoefficient: Double, standardError: Double, localisationVarianceNm2: Double, tracks: Int)? {
        estimateBlurCoefficient(WeightedHalves(halfStatistics(tracks, edge: edge)))
    }

    static func estimateBlurCoefficient(_ prepared: WeightedHalves)
        -> (blurCoefficient: Double, standardError: Double, localisationVarianceNm2: Double, tracks: Int)? {
        let groups = 20
        // ũ of the pairs (c's own σ²); the steps' share, 2R(ũ_steps − ũ_pairs), is a product with the unknown R,
        // of second order (ends and middles of a half differ little) and left out.
        let halves = prepared.halves, weights = prepared.weights, brightness = prepared.brightness(at: 0)
        guard halves.count >= groups else { return nil }
        // Unknowns (R, s₀[, s₁]) of cₕ = R·X̂ₕ − s₀ − s₁ũₕ; instruments (w, wZ[, wũ]). Statistics are in
        // units of the median ⟨Δx²⟩ so the moment equations are well scaled (R is a ratio, unchanged).
        let p = brightness == nil ? 2 : 3
        var firstHalves = halves.map(\.a.x)
        let scale = max(Selection.kthSmallest(&firstHalves, halves.count / 2), .leastNormalMagnitude)
        // Per group: the p × p moment matrix Σ g·(X̂, −1[, −ũ]) and Σ g·c, row-major then the right side.
        var sums = [[Double]](repeating: [Double](repeating: 0, count: p * p + p), count: groups)
        var meanU = 0.0, pairs = 0.0
        for (k, (h, hw)) in zip(halves, weights).enumerated() {
            let g = k % groups
            let ua = brightness?[k].a ?? 0, ub = brightness?[k].b ?? 0
            // X̂ = ⟨Δx²⟩ + 2c is the CVE's unbiased 2DΔt of each half; Z the other half's ⟨Δx²⟩.
            for (z, half, u, w) in [(h.a.x, h.b, ub, hw.b), (h.b.x, h.a, ua, hw.a)] {
                guard w.isFinite else { continue }
                let x = (half.x + 2 * half.c) / scale, c = half.c / scale, zs = z / scale
                let instruments = p == 2 ? [w, w * zs] : [w, w * zs, w * u]
                let regressors = p == 2 ? [x, -1] : [x, -1, -u]
                for i in 0..<p {
                    for j in 0..<p { sums[g][i * p + j] += instruments[i] * regressors[j] }
                    sums[g][p * p + i] += instruments[i] * c
                }
                meanU += half.n * u
                pairs += half.n
            }
        }
        meanU /= max(pairs, .leastNormalMagnitude)
        // Degenerate data (all tracks stationary, identical positions) give a singular system: no estimate.
        func solve(_ s: [Double]) -> (r: Double, sigma2: Double) {
            guard let x = DenseLinearSystem.solve(Array(s[0 ..< p * p]), Array(s[(p * p)...]), p) else { return (.nan, .nan) }
            return (x[0], (x[1] + (p == 3 ? x[2] * meanU : 0)) * scale)
        }
        var total = [Double](repeating: 0, count: p * p + p)
        for g in sums { for k in total.indices { total[k] += g[k] } }
        let full = solve(total)
        var leaveOut: [Double] = []
        for g in sums {
            var s = total
            for k in s.indices { s[k] -= g[k] }
            leaveOut.append(solve(s).r)
        }
        let meanLeave = leaveOut.reduce(0, +) / Double(groups)
        var ss = 0.0
        for r in leaveOut { ss += (r - meanLeave) * (r - meanLeave) }
        let se = (ss * Double(groups - 1) / Double(groups)).squareRoot()
        return (full.r, se, full.sigma2, halves.count)
    }
}

/// The video-level nuisance parameters as reported (all uncertainties are
/// standard errors; drift fields are `nil` when drift was not estimated).
public struct NuisanceSummary: Sendable, Hashable, Codable {
    /// Pooled per-axis localisation variance σ², nm² (may be negative when noise is negligible).
    public var localisationVarianceNm2: Double
    /// Standard error of σ², nm².
    public var localisationVarianceStandardErrorNm2: Double
    /// Localisation σ, nm; `nil` when σ² ≤ 0.
    public var localisationSigmaNanometers: Double?
    /// Motion-blur coefficient R = τₑ/(6Δt) used (dimensionless, in [0, 1/6]).
    public var blurCoefficient: Double
    /// Standard error of R (0 when from the exposure).
    public var blurCoefficientStandardError: Double
    /// Where R came from.
    public var blurSource: VideoNuisance.BlurSource
    /// Tracks that contributed to σ².
    public var tracksUsed: Int
    /// Mean drift velocity along x over the video, nm per frame.
    public var driftVelocityXNanometersPerFrame: Double?
    /// Mean drift velocity along y over the video, nm per frame.
    public var driftVelocityYNanometersPerFrame: Double?
    /// Per-axis standard error of the mean drift velocity, nm per frame.
    public var driftVelocityStandardErrorNanometersPerFrame: Double?
    /// Cumulative drift along x from the first frame to the last, nm.
    public var driftTotalXNanometers: Double?
    /// Cumulative drift along y from the first frame to the last, nm.
    public var driftTotalYNanometers: Double?
    /// Per-axis standard error of the cumulative drift at the last frame, nm.
    public var driftTotalStandardErrorNanometers: Double?
    /// Smoothing window of the drift estimate, in frame increments (≤ 1: none).
    public var driftSmoothingFrames: Int?
}
