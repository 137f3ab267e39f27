import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// The JSON report of `nta-size analyze`: a public, versioned contract.
///
/// Fields are only ever added, never renamed or repurposed; ``schemaVersion``
/// changes when fields are added. Numbers that cannot be computed (e.g. the
/// mean of an empty distribution) are `null`, never a string. The README
/// documents every field.
public struct AnalysisReport: Sendable, Encodable {
    /// Version of this JSON schema: 1 = the foundation's fields; 2 adds
    /// instrument inputs (`format`, `concentrationPerMl`, `dilution`,
    /// `replicates`, `files`, `fileReplicates`, `warnings`, `notes`), the
    /// estimators' `nuisance`, and populations (`concentrationPerMlCI`,
    /// `concentration`, `populations`, `components`, `intensity`, `fluorescence`).
    /// 3 adds the nuisance parameters' identifiability and intervals; 4 adds the nuisance's
    /// `localisationVarianceModel` and `sizingLocalisationVarianceNm2`; 5 the deconvolution's `detectionDepthSource`
    /// and `detectionLimitNanometers`; 6 its `intensityThresholdSlope`, `…StandardError` and `intensityThresholdTracks`;
    /// 7 its `captureFrames`; 8 its `tracks` and `fluorescence.captures`; 9 the nuisance's
    /// `sizingLocalisationVarianceSlopeNm2PerInverseIntensity` and `sizingMeanInverseIntensity`; 10 the deconvolution's
    /// `trackingLimitNanometers`; 11 the settings `bootstrapReplicates` and `seed`; 12 each video's `driftCorrection`;
    /// 13 `null` for the deconvolved figures the data do not support (README, "JSON output"); 14 `null` for a σ² the
    /// tracks did not measure (one track's halves), and for `diagnostics.localisationSigmaNm` when σ is not identified.
    public static let currentSchemaVersion = 14

    package var schemaVersion = AnalysisReport.currentSchemaVersion
    package var tool: ToolInfo
    /// Per-track estimator used (`msd1`, `cve`; `null` for instrument summaries).
    @Nullable package var estimator: String? = nil
    /// How the size distribution was formed (`trackHistogram`: one count per
    /// track; `instrument`: the instrument's bins).
    package var distribution: String
    /// Statistics of the pooled size distribution.
    package var size: SizeReport
    /// Number fraction in the size window, pooled.
    package var window: WindowReport
    /// The pooled track histogram's figures (one count per sized track), for comparison; `null` for summaries.
    @Nullable package var histogram: HistogramReport? = nil
    /// Particles per mL of the original sample (pooled: mean over videos), or `null` when unknown.
    @Nullable package var concentrationPerMl: Double? = nil
    /// Standard error of `concentrationPerMl` across videos or replicate files (sample SD/√n), or `null`.
    @Nullable package var concentrationStandardErrorPerMl: Double? = nil
    /// `[lower, upper]` interval of `concentrationPerMl` (trajectories with a detection volume), or `null`.
    @Nullable package var concentrationPerMlCI: [Double?]? = nil
    /// How the concentration from trajectories was obtained, or `null`.
    @Nullable package var concentration: ConcentrationReport? = nil
    /// The dilution applied to concentrations from trajectories (`--dilution`), or `null`.
    @Nullable package var dilution: DilutionRecord? = nil
    /// The count decomposition: `total`, `belowWindow`, `inWindow`, `aboveWindow`, `markerPositive`.
    @Nullable package var populations: [PopulationCountReport]? = nil
    /// Log-normal mixture components of the size distribution (number chosen by BIC).
    @Nullable package var components: [ComponentReport]? = nil
    /// Intensity–size classes: the vesicle-like share of the window.
    @Nullable package var intensity: IntensityReport? = nil
    /// Fluorescence pairing: the marker-positive share and concentration in the window, and per bin.
    @Nullable package var fluorescence: FluorescenceReport? = nil
    /// Tracks over all videos; `null` for instrument summaries, which hold no tracks (v11: they had read 0).
    @Nullable package var tracks: TrackCounts? = nil
    /// Data rows (localisations) over all videos; `null` for instrument summaries (v11: they had read 0).
    @Nullable package var rows: RowCounts? = nil
    /// Every setting used, with its source; a setting that differs between
    /// videos has `value: null` and `source: "perVideo"` here.
    package var settings: [String: ReportedSetting]
    /// Mean ± standard error of per-video figures across the videos (replicates).
    package var replicates: ReplicateReport
    /// Each input file's pooled figures.
    package var files: [FileReport]
    /// Mean ± standard error across input files (replicate measurements), from each file's pooled figures.
    package var fileReplicates: ReplicateReport
    /// Warnings about the sample as a whole.
    package var warnings: [String]
    /// What this analysis could and could not do with its inputs.
    package var notes: [String]
    package var videos: [VideoReport]

    package struct ToolInfo: Sendable, Encodable {
        package var name = "nta-size"
        package var version = NTAVersion.string
    }

    /// The report of an analysed sample; encode it with jsonData().
    public init(_ sample: SampleResult) {
        tool = ToolInfo()
        let fromTracks = sample.videos.contains { $0.analysis != nil }
        estimator = sample.estimatorName
        distribution = sample.distributionKind.rawValue
        let singleDeconvolved = sample.videos.count == 1 && !sample.deconvolvedFiguresUnsupported
            ? sample.videos[0].analysis?.deconvolved : nil
        size = SizeReport(sample.size, bootstrap: sample.bootstrap,
                          geometricSD: singleDeconvolved?.summary.geometricSD)
        window = WindowReport(sample.options.window, fraction: sample.windowFraction, bootstrap: sample.bootstrap)
        if let size = sample.histogramSize, let fraction = sample.histogramWindowFraction {
            histogram = HistogramReport(size: SizeReport(size), window: WindowReport(sample.options.window, fraction: fraction))
        }
        concentrationPerMl = sample.concentrationPerMl.flatMap(finiteOrNil)
        concentrationStandardErrorPerMl = sample.concentrationStandardErrorPerMl.flatMap(finiteOrNil)
        videos = sample.videos.map(VideoReport.init)
        let p = sample.populations
        let concentrationReport = p.concentration.map(ConcentrationReport.init)
        concentration = concentrationReport
        concentrationPerMlCI = concentrationReport?.particlesPerMlCI
        dilution = p.dilution
        populations = p.decomposition?.populations.map(PopulationCountReport.init)
        components = p.components?.components.map {
            ComponentReport(weight: finiteOrNil($0.weight), medianNm: finiteOrNil($0.medianNanometers), geometricSD: finiteOrNil($0.geometricSD))
        }
        intensity = p.intensity.map(IntensityReport.init)
        fluorescence = p.fluorescence.map { FluorescenceReport($0, captures: p.fluorescenceCaptures) }
        tracks = fromTracks ? sample.tracks : nil
        rows = fromTracks ? sample.rows : nil
        // Instrument videos with and without a known dilution give the original sample's and the cell's
        // concentrations: their mean is neither (the pooled concentration is null for the same reason).
        let unknownDilution = SampleResult.withoutKnownDilution(sample.videos).count
        let mixedUnits = sample.distributionKind == .instrument && unknownDilution > 0 && unknownDilution < sample.videos.count
        replicates = ReplicateReport(sample.videos.map { ($0.size, $0.windowFraction, mixedUnits ? nil : $0.concentrationPerMl) })
        files = sample.files.map(FileReport.init)
        fileReplicates = ReplicateReport(sample.files.map { ($0.size, $0.windowFraction, mixedUnits ? nil : $0.concentrationPerMl) })
        warnings = TextReport.sampleWarningLines(sample)
        notes = sample.notes
        var merged: [String: ReportedSetting] = [:]
        func source(_ option: AnalysisOptions.ExplicitOption) -> ReportedSetting.Source {
            sample.options.explicitlySet.contains(option) ? .flag : .default
        }
        // Drift correction, for each video from tracks: asked for, and done unless its input forbids it or its drift
        // does not stand out from its own noise (`input`, with why).
        for (i, v) in sample.videos.enumerated() {
            guard let a = v.analysis else { continue }
            videos[i].settings["driftCorrection"] = !sample.options.subtractsDrift
                ? ReportedSetting(.text("none"), source: source(.driftCorrection))
                : a.driftSkippedReason.map { ReportedSetting(.text("none"), source: .input, detail: $0) }
                    ?? ReportedSetting(.text("subtract"), source: source(.driftCorrection))
        }
        let keys = Set(videos.flatMap { $0.settings.keys })
        for k in keys {
            let values = videos.map { $0.settings[k] }
            if let first = values.first!, values.allSatisfy({ $0 == first }) { merged[k] = first }
            else { merged[k] = ReportedSetting(.null, source: .perVideo) }
        }
        if fromTracks {
            merged["estimator"] = sample.options.estimator.map { ReportedSetting(.text($0.rawValue), source: .flag) }
                ?? ReportedSetting(.text(sample.estimatorName ?? ""), source: .default,
                                   detail: "the most accurate for the settings: ml (pooled σ²) when the exposure is known, ml-free otherwise")
            // The videos' drift correction: one setting when they agree; when each skipped it for its own reason
            // (its own figures), `none` from the input (see each video); when some subtracted it, `perVideo`.
            let drifts = videos.compactMap { $0.settings["driftCorrection"] }
            if merged["driftCorrection"]?.source == .perVideo, !drifts.isEmpty, drifts.count == videos.count,
               drifts.allSatisfy({ $0.value == .text("none") && $0.source == .input }) {
                merged["driftCorrection"] = ReportedSetting(.text("none"), source: .input,
                                                            detail: "skipped in every video, each for its own reason: see each video")
            }
            merged["viscosityModel"] = ReportedSetting(.text(sample.options.viscosityModel.rawValue), source: source(.viscosityModel))
            // What a deconvolution's intervals rest on (v11): the replicates asked for (a video with too few tracks for
            // an interval runs none: see its `deconvolution.bootstrapReplicates`) and the seed, as decimal text (a
            // UInt64 is not exact as a JSON number past 2⁵³). A histogram has no bootstrap, so neither is reported.
            if sample.options.distribution == .deconvolved {
                merged["bootstrapReplicates"] = ReportedSetting(.number(Double(sample.options.bootstrapReplicates)),
                                                                source: source(.bootstrapReplicates))
            }
            // The seed of every bootstrap: the deconvolution's, and the count's, share's and pairing's (v12: also
            // for a histogram of tracks with those).
            if sample.options.distribution == .deconvolved || p.usesSeed {
                merged["seed"] = ReportedSetting(.text(String(sample.options.seed)), source: source(.seed))
            }
        }
        merged["windowMinNm"] = ReportedSetting(.number(sample.options.window.minNm), source: source(.window))
        merged["windowMaxNm"] = ReportedSetting(.number(sample.options.window.maxNm), source: source(.window))
        settings = merged
    }

    /// Encodes the report as deterministic JSON: sorted keys, two-space indentation.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}
