import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// Size statistics in a report; `null` where not computable. The `…CI`
/// fields are `[lower, upper]` bootstrap intervals (deconvolved distributions
/// with `--bootstrap N`), else `null`.
package struct SizeReport: Sendable, Encodable, Equatable {
    @Nullable package var meanNm: Double? = nil
    @Nullable package var modeNm: Double? = nil
    @Nullable package var sdNm: Double? = nil
    @Nullable package var d10Nm: Double? = nil
    @Nullable package var d50Nm: Double? = nil
    @Nullable package var d90Nm: Double? = nil
    @Nullable package var d10NmCI: [Double?]? = nil
    @Nullable package var d50NmCI: [Double?]? = nil
    @Nullable package var d90NmCI: [Double?]? = nil
    @Nullable package var modeNmCI: [Double?]? = nil
    /// Geometric standard deviation of the distribution (exp of the SD of ln d), when deconvolved.
    @Nullable package var geometricSD: Double? = nil
    @Nullable package var geometricSDCI: [Double?]? = nil

    package init(_ s: SizeStatistics, bootstrap: DeconvolutionBootstrap? = nil, geometricSD: Double? = nil) {
        meanNm = finiteOrNil(s.meanNm); modeNm = finiteOrNil(s.modeNm); sdNm = finiteOrNil(s.sdNm)
        d10Nm = finiteOrNil(s.d10Nm); d50Nm = finiteOrNil(s.d50Nm); d90Nm = finiteOrNil(s.d90Nm)
        self.geometricSD = geometricSD.flatMap(finiteOrNil)
        if let b = bootstrap {
            d10NmCI = interval(b.d10Nm); d50NmCI = interval(b.d50Nm); d90NmCI = interval(b.d90Nm)
            modeNmCI = interval(b.modeNm)
            // A location bootstrap moves the fitted distribution without changing its shape: its geometric SD has no
            // interval from the data (the width is the smoothing's), so `null` rather than a zero-width pair.
            geometricSDCI = b.locationOnly ? [nil, nil] : interval(b.geometricSD)
        }
    }

}

func interval(_ c: ConfidenceInterval) -> [Double?] { [finiteOrNil(c.lower), finiteOrNil(c.upper)] }

/// A track histogram's figures, reported beside the deconvolved distribution for comparison.
package struct HistogramReport: Sendable, Encodable {
    package var distribution = "trackHistogram"
    package var size: SizeReport
    package var window: WindowReport
}

/// How a video's distribution was deconvolved.
package struct DeconvolutionReport: Sendable, Encodable {
    /// `gamma` or `exact` (see the README).
    package var likelihood: String
    /// Smoothing strength chosen by AIC, and the effective number of free parameters it leaves.
    @Nullable package var lambda: Double? = nil
    @Nullable package var effectiveDimension: Double? = nil
    /// Light-sheet thickness fitted to the observed track lengths (visit model), µm.
    @Nullable package var sheetThicknessMicrometers: Double? = nil
    /// Distinct likelihood rows (tracks with near-identical statistics share one).
    package var pooledRows: Int
    package var bootstrapReplicates: Int
    @Nullable package var confidenceLevel: Double? = nil
    /// Schema 3: slope of ln(observed / modelled mean track length) on ln(diameter), and its SE
    /// (``SizeDeconvolution/trackLengthTrend()``); near 0 when one sheet thickness explains the lengths.
    @Nullable package var trackLengthTrendSlope: Double? = nil
    @Nullable package var trackLengthTrendStandardError: Double? = nil
    /// Schema 3: γ of the fitted size-dependent sheet thickness h(d) ∝ d^γ (0: one thickness for every size;
    /// `null` when the thickness takes the shape read from the intensities, `detectionDepthSource` `intensities`).
    @Nullable package var sheetThicknessExponent: Double? = nil
    /// Schema 5: how the detection depth's dependence on size was found: `uniform` (one depth), `trackLengths`
    /// (h ∝ d^γ fitted to the track lengths) or `intensities` (each track's depth from its intensities).
    package var detectionDepthSource: String = "uniform"
    /// Schema 5: the smallest diameter detected at the sheet's centre, nm, when the depths came from the intensities
    /// (smaller particles are not seen at all); `null` otherwise.
    @Nullable package var detectionLimitNanometers: Double? = nil
    /// Schema 6: the slope of ln(min I) on mean ln I over the tracks seen whole, its SE and how many tracks
    /// (``DetectionDepth/ThresholdSignature``): near 0 when detection is through an intensity threshold, 1
    /// through a hard-edged sheet; `null` without intensities that resolve it.
    @Nullable package var intensityThresholdSlope: Double? = nil
    @Nullable package var intensityThresholdSlopeStandardError: Double? = nil
    @Nullable package var intensityThresholdTracks: Int? = nil
    /// Schema 7: the captures' mean length, frames, whose first and last frames the visit model cuts the visits
    /// at (``CaptureWindows``: the frame range the tracks cover, split where many tracks end and as many start
    /// with none crossing); `null` without a visit model.
    @Nullable package var captureFrames: Double? = nil
    /// Schema 8: the tracks the deconvolution weighed, each by its likelihood over the grid whatever its own
    /// estimate (a track whose D̂ ≤ 0, too short in consecutive steps for the estimator, or sized off the
    /// range still says which sizes it could be): the number distribution's total, which may exceed `tracks.used`.
    package var tracks: Int = 0
    /// Schema 10: the smallest size the tracks can count, nm (``SizeDeconvolution/trackingLimitNanometers``): below it
    /// fewer than 1 in N (the tracks weighed) of a particle's in-view frames lie in visits of the minimum track length,
    /// and the number distribution is zero there; `null` when the grid's smallest size is above it.
    @Nullable package var trackingLimitNanometers: Double? = nil
}

/// The size window and the number fraction inside it.
package struct WindowReport: Sendable, Encodable, Equatable {
    package var minNm: Double
    package var maxNm: Double
    @Nullable package var fraction: Double? = nil
    /// `[lower, upper]` bootstrap interval of `fraction`, or `null`.
    @Nullable package var fractionCI: [Double?]? = nil

    package init(_ w: SizeWindow, fraction: Double, bootstrap: DeconvolutionBootstrap? = nil) {
        minNm = w.minNm; maxNm = w.maxNm; self.fraction = finiteOrNil(fraction)
        fractionCI = bootstrap.map { interval($0.windowFraction) }
    }

}
