import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// A video's nuisance parameters as reported: pooled localisation variance,
/// motion-blur coefficient and drift, each with its standard error (`null`
/// where not estimable).
package struct NuisanceReport: Sendable, Encodable {
    @Nullable package var localisationSigmaNm: Double? = nil
    @Nullable package var localisationVarianceNm2: Double? = nil
    @Nullable package var localisationVarianceStandardErrorNm2: Double? = nil
    @Nullable package var blurCoefficient: Double? = nil
    @Nullable package var blurCoefficientStandardError: Double? = nil
    /// `exposure` (from the exposure time), `instantaneous` (exposure 0) or `estimated` (from the data).
    package var blurSource: String
    package var tracksUsed: Int
    @Nullable package var driftVelocityXNmPerFrame: Double? = nil
    @Nullable package var driftVelocityYNmPerFrame: Double? = nil
    @Nullable package var driftVelocityStandardErrorNmPerFrame: Double? = nil
    @Nullable package var driftTotalXNm: Double? = nil
    @Nullable package var driftTotalYNm: Double? = nil
    @Nullable package var driftTotalStandardErrorNm: Double? = nil
    @Nullable package var driftSmoothingFrames: Int? = nil
    /// Schema 3: whether σ and R are separately identified (always with a known exposure). When
    /// `false`, σ, σ², R and their intervals are `null` and `note` says why. Schema 14: σ, σ², their intervals, the
    /// sizing σ² and the step covariance are also `null` when fewer than two tracks measured them (no standard error;
    /// ``VideoNuisance/isMeasured``), whatever this says; R keeps the exposure's value.
    package var identified: Bool
    /// Schema 3: the identified combination 2RDΔt − σ², the mean adjacent-step covariance per axis, nm², with its SE.
    @Nullable package var stepCovarianceNm2: Double? = nil
    @Nullable package var stepCovarianceStandardErrorNm2: Double? = nil
    /// Schema 3: 95 % intervals `[lower, upper]` (estimate ± 1.96 SE, σ from the interval of σ² cut at 0;
    /// R cut to its physical range [0, 1/6]). Schema 14: σ's with Student's t for the `tracksUsed` − 1 degrees of
    /// freedom of σ²'s standard error (its tracks are its clusters), t's 97.5 % quantile in place of 1.96.
    @Nullable package var localisationSigmaNmCI: [Double]? = nil
    @Nullable package var blurCoefficientCI: [Double]? = nil
    @Nullable package var driftVelocityXNmPerFrameCI: [Double]? = nil
    @Nullable package var driftVelocityYNmPerFrameCI: [Double]? = nil
    /// Schema 3: why σ and R are not reported, or what was clamped; `null` when nothing is to be said.
    @Nullable package var note: String? = nil
    /// Schema 4: how σ² was modelled: `photonLimited` (σ² = s₀ + s₁/I from the tracks' intensities, Thompson et
    /// al. 2002; σ and σ² above are then the mean over the file's localisations) or `constant` (one σ² for all).
    package var localisationVarianceModel: String
    /// Schema 4: the σ² the sizes used, nm²: with `photonLimited`, the model at the mean 1/I of the analysed
    /// tracks' localisations (which can differ from the file-wide σ²); otherwise σ² itself. Clamped at 0 when
    /// the exposure is known (a negative σ̂²: noise below what the tracks resolve); kept as fitted, jointly with
    /// R, when R is estimated (``Analysis/deconvolutionContext(_:blurShift:)``). `null` when σ² is.
    @Nullable package var sizingLocalisationVarianceNm2: Double? = nil
    /// Schema 9: with `photonLimited`, the model's slope s₁ (nm² per unit of 1/I, the intensity column's units) when it
    /// is positive by more than 3 standard errors: each track was then sized with the σ² of its own brightness,
    /// `sizingLocalisationVarianceNm2` + s₁·(its localisations' mean 1/I − `sizingMeanInverseIntensity`), clamped at 0
    /// as that value is; `null` when every track was sized with `sizingLocalisationVarianceNm2` (until 2026-12-03,
    /// always).
    @Nullable package var sizingLocalisationVarianceSlopeNm2PerInverseIntensity: Double? = nil
    /// Schema 9: the analysed tracks' localisations' mean 1/I at which `sizingLocalisationVarianceNm2` is taken, with
    /// the slope; `null` otherwise.
    @Nullable package var sizingMeanInverseIntensity: Double? = nil

    init(_ n: VideoNuisance) {
        let s = n.summary
        let z = 1.959963984540054
        identified = n.isIdentified
        localisationVarianceModel = n.localisationVarianceFollowsBrightness ? "photonLimited" : "constant"
        if n.isMeasured, let slope = n.sizingLocalisationVarianceSlopeNm2PerInverseIntensity.flatMap(finiteOrNil),
           let mean = n.sizingMeanInverseIntensity.flatMap(finiteOrNil) {
            sizingLocalisationVarianceSlopeNm2PerInverseIntensity = slope
            sizingMeanInverseIntensity = mean
        }
        note = n.note
        // Schema 14: a σ² the tracks did not measure (one track's halves: no standard error) is unknown, as is the step
        // covariance from the same halves; `note` says so.
        if n.isMeasured {
            stepCovarianceNm2 = finiteOrNil(n.stepCovarianceNm2)
            stepCovarianceStandardErrorNm2 = finiteOrNil(n.stepCovarianceStandardErrorNm2)
        }
        if n.isIdentified, n.isMeasured {
            localisationSigmaNm = s.localisationSigmaNanometers.flatMap(finiteOrNil)
            localisationVarianceNm2 = finiteOrNil(s.localisationVarianceNm2)
            localisationVarianceStandardErrorNm2 = finiteOrNil(s.localisationVarianceStandardErrorNm2)
            sizingLocalisationVarianceNm2 = finiteOrNil(s.localisationVarianceNm2) == nil ? nil
                : Analysis.deconvolutionContext(n).localisationVarianceNm2.flatMap(finiteOrNil)
            let v = s.localisationVarianceNm2, se = s.localisationVarianceStandardErrorNm2
            // Student's t for the tracks σ² rests on (its clusters): ±1.96 × the scaled standard error.
            let half = z * se * n.localisationVarianceSmallSampleFactor
            if v.isFinite, half.isFinite {
                localisationSigmaNmCI = [max(v - half, 0).squareRoot(), max(v + half, 0).squareRoot()]
            }
        }
        if n.isIdentified {
            blurCoefficient = finiteOrNil(s.blurCoefficient)
            blurCoefficientStandardError = finiteOrNil(s.blurCoefficientStandardError)
            let r = s.blurCoefficient, seR = s.blurCoefficientStandardError
            if r.isFinite, seR.isFinite {
                let range = VideoNuisance.blurCoefficientRange
                blurCoefficientCI = [max(r - z * seR, range.lowerBound), min(r + z * seR, range.upperBound)]
            }
        }
        blurSource = s.blurSource.rawValue
        tracksUsed = s.tracksUsed
        driftVelocityXNmPerFrame = s.driftVelocityXNanometersPerFrame.flatMap(finiteOrNil)
        driftVelocityYNmPerFrame = s.driftVelocityYNanometersPerFrame.flatMap(finiteOrNil)
        // A standard error of 0 is one no data could give: the frames had one particle each (nothing to spread).
        // Unknown, as the text says.
        driftVelocityStandardErrorNmPerFrame = s.driftVelocityStandardErrorNanometersPerFrame.flatMap(finiteOrNil)
            .flatMap { $0 > 0 ? $0 : nil }
        driftTotalXNm = s.driftTotalXNanometers.flatMap(finiteOrNil)
        driftTotalYNm = s.driftTotalYNanometers.flatMap(finiteOrNil)
        driftTotalStandardErrorNm = s.driftTotalStandardErrorNanometers.flatMap(finiteOrNil).flatMap { $0 > 0 ? $0 : nil }
        driftSmoothingFrames = s.driftSmoothingFrames
        if let vx = driftVelocityXNmPerFrame, let vy = driftVelocityYNmPerFrame,
           let se = driftVelocityStandardErrorNmPerFrame {
            driftVelocityXNmPerFrameCI = [vx - z * se, vx + z * se]
            driftVelocityYNmPerFrameCI = [vy - z * se, vy + z * se]
        }
    }

}
