import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// One video in a report: an input file of trajectories, or one video of an instrument summary.
package struct VideoReport: Sendable, Encodable {
    package var name: String
    package var file: String
    /// The input's format (`trajectories`, `nanoSightExperimentSummary`, `zetaViewSize`, …).
    package var format: String
    /// How this video's distribution was formed.
    package var distribution: String
    package var size: SizeReport
    package var window: WindowReport
    /// Particles per mL of the original sample, or `null` when unknown.
    @Nullable package var concentrationPerMl: Double? = nil
    /// The dilution applied to reach `concentrationPerMl` and where it came from; `null` when none is known.
    @Nullable package var dilution: DilutionRecord? = nil
    /// Track and row counts (trajectory inputs only; `null` for summaries).
    @Nullable package var tracks: TrackCounts? = nil
    @Nullable package var rows: RowCounts? = nil
    package var settings: [String: ReportedSetting]
    package var warnings: [String]
    /// Video-level quantities estimated from the data (trajectory inputs only).
    @Nullable package var diagnostics: Diagnostics? = nil
    /// The per-track estimator used for this video (`null` for summaries; `instrument` for per-track exports).
    @Nullable package var estimator: String? = nil
    /// Video-level nuisance parameters with their uncertainties (trajectory inputs only).
    @Nullable package var nuisance: NuisanceReport? = nil
    /// This video's track histogram figures (trajectory inputs only).
    @Nullable package var histogram: HistogramReport? = nil
    /// How this video's distribution was deconvolved (`null` unless deconvolved).
    @Nullable package var deconvolution: DeconvolutionReport? = nil

    package struct Diagnostics: Sendable, Encodable {
        /// Pooled per-axis localisation error σ (CVE over all tracks), nm; null when not estimable.
        @Nullable package var localisationSigmaNm: Double? = nil
        /// Mean number of localisations per used track.
        @Nullable package var meanTrackLength: Double? = nil

    }

    package init(_ v: VideoResult) {
        name = v.name
        file = v.file
        format = v.format
        distribution = v.distributionKind.rawValue
        let deconvolved = v.analysis?.deconvolved
        // A deconvolution the data do not support (a misfit, too few tracks) has no figures, and so no intervals of them.
        let supported = v.analysis?.deconvolvedFiguresUnsupported != true
        let bootstrap = supported ? deconvolved?.bootstrap : nil
        size = SizeReport(v.size, bootstrap: bootstrap, geometricSD: supported ? deconvolved?.summary.geometricSD : nil)
        window = WindowReport(v.window, fraction: v.windowFraction, bootstrap: bootstrap)
        concentrationPerMl = v.concentrationPerMl.flatMap(finiteOrNil)
        dilution = v.dilution
        settings = v.settings
        warnings = v.warnings
        if let a = v.analysis {
            tracks = TrackCounts(read: a.tracksRead, used: a.tracksUsed, dropped: a.droppedTracks)
            rows = RowCounts(read: a.rowsRead, dropped: a.droppedRows)
            let lengths = a.tracks.lengths
            estimator = a.estimator?.rawValue ?? "instrument"
            histogram = HistogramReport(size: SizeReport(a.histogramSize),
                                        window: WindowReport(a.window, fraction: a.histogramWindowFraction))
            deconvolution = a.deconvolved.map { d in
                let trend = d.deconvolution.trackLengthTrend()
                return DeconvolutionReport(
                    likelihood: a.likelihood.rawValue, lambda: finiteOrNil(d.deconvolution.lambda),
                    effectiveDimension: finiteOrNil(d.deconvolution.effectiveDimension),
                    sheetThicknessMicrometers: d.deconvolution.visitModel.flatMap { finiteOrNil($0.sheetThicknessMicrometers) },
                    pooledRows: d.pooledRows, bootstrapReplicates: d.bootstrap?.replicates.count ?? 0,
                    confidenceLevel: d.bootstrap?.level,
                    trackLengthTrendSlope: trend.flatMap { finiteOrNil($0.slope) },
                    trackLengthTrendStandardError: trend.flatMap { finiteOrNil($0.standardError) },
                    // The power law's γ, when a power law is the model (the intensities' shape is none).
                    sheetThicknessExponent: d.deconvolution.detectionDepthSource == .intensities
                        ? nil : d.deconvolution.visitModel.map(\.sheetThicknessExponent),
                    detectionDepthSource: d.deconvolution.detectionDepthSource.rawValue,
                    detectionLimitNanometers: a.detectionLimitNanometers.flatMap(finiteOrNil),
                    intensityThresholdSlope: a.intensityThresholdSignature.flatMap { finiteOrNil($0.slope) },
                    intensityThresholdSlopeStandardError: a.intensityThresholdSignature.flatMap {
                        finiteOrNil($0.standardError)
                    },
                    intensityThresholdTracks: a.intensityThresholdSignature?.tracks,
                    captureFrames: d.deconvolution.visitModel?.captureFrames.flatMap(finiteOrNil),
                    tracks: d.deconvolution.trackCount,
                    trackingLimitNanometers: d.deconvolution.trackingLimitNanometers.flatMap(finiteOrNil))
            }
            nuisance = a.nuisance.map(NuisanceReport.init)
            diagnostics = Diagnostics(
                localisationSigmaNm: a.localisationSigmaNanometers.flatMap(finiteOrNil),
                meanTrackLength: lengths.isEmpty ? nil : Double(lengths.reduce(0, +)) / Double(lengths.count))
        }
    }

}
