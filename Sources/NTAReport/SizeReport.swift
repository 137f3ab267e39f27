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
public struct SizeReport: Sendable, Encodable, Equatable {
    @Nullable public package(set) var meanNm: Double? = nil
    @Nullable public package(set) var modeNm: Double? = nil
    @Nullable public package(set) var sdNm: Double? = nil
    @Nullable public package(set) var d10Nm: Double? = nil
    @Nullable public package(set) var d50Nm: Double? = nil
    @Nullable public package(set) var d90Nm: Double? = nil
    @Nullable public package(set) var d10NmCI: [Double?]? = nil
    @Nullable public package(set) var d50NmCI: [Double?]? = nil
    @Nullable public package(set) var d90NmCI: [Double?]? = nil
    @Nullable public package(set) var modeNmCI: [Double?]? = nil
    /// Geometric standard deviation of the distribution (exp of the SD of ln d), when deconvolved.
    @Nullable public package(set) var geometricSD: Double? = nil
    @Nullable public package(set) var geometricSDCI: [Double?]? = nil

    public init(_ s: SizeStatistics, bootstrap: DeconvolutionBootstrap? = nil, geometricSD: Double? = nil) {
        meanNm = finiteOrNil(s.meanNm); modeNm = finiteOrNil(s.modeNm); sdNm = finiteOrNil(s.sdNm)
        d10Nm = finiteOrNil(s.d10Nm); d50Nm = finiteOrNil(s.d50Nm); d90Nm = finiteOrNil(s.d90Nm)
        self.geometricSD = geometricSD.flatMap(finiteOrNil)
        if let b = bootstrap {
            d10NmCI = interval(b.d10Nm); d50NmCI = interval(b.d50Nm); d90NmCI = interval(b.d90Nm)
            modeNmCI = interval(b.modeNm); geometricSDCI = interval(b.geometricSD)
        }
    }

}

func interval(_ c: ConfidenceInterval) -> [Double?] { [finiteOrNil(c.lower), finiteOrNil(c.upper)] }

/// A track histogram's figures, reported beside the deconvolved distribution for comparison.
public struct HistogramReport: Sendable, Encodable {
    public package(set) var distribution = "trackHistogram"
    public package(set) var size: SizeReport
    public package(set) var window: WindowReport
}

/// How a video's distribution was deconvolved.
public struct DeconvolutionReport: Sendable, Encodable {
    /// `gamma` or `exact` (see the README).
    public package(set) var likelihood: String
    /// Smoothing strength chosen by AIC, and the effective number of free parameters it leaves.
    @Nullable public package(set) var lambda: Double? = nil
    @Nullable public package(set) var effectiveDimension: Double? = nil
    /// Light-sheet thickness fitted to the observed track lengths (visit model), µm.
    @Nullable public package(set) var sheetThicknessMicrometers: Double? = nil
    /// Distinct likelihood rows (tracks with near-identical statistics share one).
    public package(set) var pooledRows: Int
    public package(set) var bootstrapReplicates: Int
    @Nullable public package(set) var confidenceLevel: Double? = nil
    /// Schema 3: slope of ln(observed / modelled mean track length) on ln(diameter), and its SE
    /// (``SizeDeconvolution/trackLengthTrend()``); near 0 when one sheet thickness explains the lengths.
    @Nullable public package(set) var trackLengthTrendSlope: Double? = nil
    @Nullable public package(set) var trackLengthTrendStandardError: Double? = nil
    /// Schema 3: γ of the fitted size-dependent sheet thickness h(d) ∝ d^γ (0: one thickness for every size).
    @Nullable public package(set) var sheetThicknessExponent: Double? = nil
}

/// The size window and the number fraction inside it.
public struct WindowReport: Sendable, Encodable, Equatable {
    public package(set) var minNm: Double
    public package(set) var maxNm: Double
    @Nullable public package(set) var fraction: Double? = nil
    /// `[lower, upper]` bootstrap interval of `fraction`, or `null`.
    @Nullable public package(set) var fractionCI: [Double?]? = nil

    public init(_ w: SizeWindow, fraction: Double, bootstrap: DeconvolutionBootstrap? = nil) {
        minNm = w.minNm; maxNm = w.maxNm; self.fraction = finiteOrNil(fraction)
        fractionCI = bootstrap.map { interval($0.windowFraction) }
    }

}
