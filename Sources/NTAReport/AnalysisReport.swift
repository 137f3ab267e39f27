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
    public static let currentSchemaVersion = 3

    public var schemaVersion = AnalysisReport.currentSchemaVersion
    public var tool: ToolInfo
    /// Per-track estimator used (`msd1`, `cve`; `null` for instrument summaries).
    @Nullable public var estimator: String? = nil
    /// How the size distribution was formed (`trackHistogram`: one count per
    /// track; `instrument`: the instrument's bins).
    public var distribution: String
    /// Statistics of the pooled size distribution.
    public var size: SizeReport
    /// Number fraction in the size window, pooled.
    public var window: WindowReport
    /// The pooled track histogram's figures (one count per sized track), for comparison; `null` for summaries.
    @Nullable public var histogram: HistogramReport? = nil
    /// Particles per mL of the original sample (pooled: mean over videos), or `null` when unknown.
    @Nullable public var concentrationPerMl: Double? = nil
    /// Standard error of `concentrationPerMl` across videos or replicate files (sample SD/√n), or `null`.
    @Nullable public var concentrationStandardErrorPerMl: Double? = nil
    /// `[lower, upper]` interval of `concentrationPerMl` (trajectories with a detection volume), or `null`.
    @Nullable public var concentrationPerMlCI: [Double?]? = nil
    /// How the concentration from trajectories was obtained, or `null`.
    @Nullable public var concentration: ConcentrationReport? = nil
    /// The dilution applied to concentrations from trajectories (`--dilution`), or `null`.
    @Nullable public var dilution: DilutionRecord? = nil
    /// The count decomposition: `total`, `belowWindow`, `inWindow`, `aboveWindow`, `markerPositive`.
    @Nullable public var populations: [PopulationCount]? = nil
    /// Log-normal mixture components of the size distribution (number chosen by BIC).
    @Nullable public var components: [ComponentReport]? = nil
    /// Intensity–size classes: the vesicle-like share of the window.
    @Nullable public var intensity: IntensityReport? = nil
    /// Fluorescence pairing: the marker-positive share and concentration in the window, and per bin.
    @Nullable public var fluorescence: FluorescenceReport? = nil
    /// Tracks over all videos.
    public var tracks: TrackCounts
    /// Data rows (localisations) over all videos.
    public var rows: RowCounts
    /// Every setting used, with its source; a setting that differs between
    /// videos has `value: null` and `source: "perVideo"` here.
    public var settings: [String: ReportedSetting]
    /// Mean ± standard error of per-video figures across the videos (replicates).
    public var replicates: ReplicateReport
    /// Each input file's pooled figures.
    public var files: [FileReport]
    /// Mean ± standard error across input files (replicate measurements), from each file's pooled figures.
    public var fileReplicates: ReplicateReport
    /// Warnings about the sample as a whole.
    public var warnings: [String]
    /// What this analysis could and could not do with its inputs.
    public var notes: [String]
    public var videos: [VideoReport]

    public struct ToolInfo: Sendable, Encodable {
        public var name = "nta-size"
        public var version = NTAVersion.string
    }

    public init(_ sample: SampleResult) {
        tool = ToolInfo()
        let fromTracks = sample.videos.contains { $0.analysis != nil }
        estimator = sample.estimatorName
        distribution = sample.distributionKind.rawValue
        let singleDeconvolved = sample.videos.count == 1 ? sample.videos[0].analysis?.deconvolved : nil
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
        populations = p.decomposition?.populations
        components = p.components?.components.map {
            ComponentReport(weight: finiteOrNil($0.weight), medianNm: finiteOrNil($0.medianNanometers), geometricSD: finiteOrNil($0.geometricSD))
        }
        intensity = p.intensity.map(IntensityReport.init)
        fluorescence = p.fluorescence.map(FluorescenceReport.init)
        tracks = sample.tracks
        rows = sample.rows
        replicates = ReplicateReport(sample.videos.map { ($0.size, $0.windowFraction, $0.concentrationPerMl) })
        files = sample.files.map(FileReport.init)
        fileReplicates = ReplicateReport(sample.files.map { ($0.size, $0.windowFraction, $0.concentrationPerMl) })
        warnings = sample.warnings + (p.decomposition?.warnings.map(\.message) ?? [])
        notes = sample.notes
        var merged: [String: ReportedSetting] = [:]
        func source(_ option: AnalysisOptions.ExplicitOption) -> ReportedSetting.Source {
            sample.options.explicitlySet.contains(option) ? .flag : .default
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
            // An input without frames shared across tracks forbids drift correction: say so, with why.
            let analyses = sample.videos.compactMap(\.analysis)
            if sample.options.subtractsDrift, let skipped = analyses.first(where: { $0.driftSkippedReason != nil }) {
                let all = analyses.allSatisfy { $0.driftSkippedReason != nil }
                merged["driftCorrection"] = ReportedSetting(.text(all ? "none" : "perVideo"), source: .input,
                                                            detail: skipped.driftSkippedReason)
            } else {
                merged["driftCorrection"] = ReportedSetting(.text(sample.options.subtractsDrift ? "subtract" : "none"),
                                                            source: source(.driftCorrection))
            }
            merged["viscosityModel"] = ReportedSetting(.text(sample.options.viscosityModel.rawValue), source: source(.viscosityModel))
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

/// Mean and standard error across videos of their own figures (NanoSight's
/// `Average` and `Standard Error`: sample SD/√n).
public struct ReplicateReport: Sendable, Encodable {
    public var count: Int
    public var meanNm: MeanAndError
    public var modeNm: MeanAndError
    public var d10Nm: MeanAndError
    public var d50Nm: MeanAndError
    public var d90Nm: MeanAndError
    public var windowFraction: MeanAndError
    public var concentrationPerMl: MeanAndError

    /// `{mean, standardError}`; `standardError` is `null` for one replicate.
    public struct MeanAndError: Sendable, Encodable {
        @Nullable public var mean: Double? = nil
        @Nullable public var standardError: Double? = nil

        init(_ values: [Double]) {
            let finiteValues = values.filter(\.isFinite)
            let r = NanoSightFigures.averageAndStandardError(finiteValues)
            mean = finiteOrNil(r.average)
            standardError = finiteOrNil(r.standardError)
        }

    }

    /// Summarises replicates given as (statistics, window fraction, concentration).
    init(_ replicates: [(size: SizeStatistics, window: Double, concentration: Double?)]) {
        count = replicates.count
        meanNm = MeanAndError(replicates.map(\.size.meanNm))
        modeNm = MeanAndError(replicates.map(\.size.modeNm))
        d10Nm = MeanAndError(replicates.map(\.size.d10Nm))
        d50Nm = MeanAndError(replicates.map(\.size.d50Nm))
        d90Nm = MeanAndError(replicates.map(\.size.d90Nm))
        windowFraction = MeanAndError(replicates.map(\.window))
        concentrationPerMl = MeanAndError(replicates.compactMap(\.concentration))
    }
}

/// One input file's pooled figures.
public struct FileReport: Sendable, Encodable {
    public var file: String
    public var videoCount: Int
    public var size: SizeReport
    @Nullable public var windowFraction: Double? = nil
    @Nullable public var concentrationPerMl: Double? = nil

    init(_ f: FileResult) {
        file = f.file
        videoCount = f.videoCount
        size = SizeReport(f.size)
        windowFraction = finiteOrNil(f.windowFraction)
        concentrationPerMl = f.concentrationPerMl.flatMap(finiteOrNil)
    }

}

/// Size statistics in a report; `null` where not computable. The `…CI`
/// fields are `[lower, upper]` bootstrap intervals (deconvolved distributions
/// with `--bootstrap N`), else `null`.
public struct SizeReport: Sendable, Encodable, Equatable {
    @Nullable public var meanNm: Double? = nil
    @Nullable public var modeNm: Double? = nil
    @Nullable public var sdNm: Double? = nil
    @Nullable public var d10Nm: Double? = nil
    @Nullable public var d50Nm: Double? = nil
    @Nullable public var d90Nm: Double? = nil
    @Nullable public var d10NmCI: [Double?]? = nil
    @Nullable public var d50NmCI: [Double?]? = nil
    @Nullable public var d90NmCI: [Double?]? = nil
    @Nullable public var modeNmCI: [Double?]? = nil
    /// Geometric standard deviation of the distribution (exp of the SD of ln d), when deconvolved.
    @Nullable public var geometricSD: Double? = nil
    @Nullable public var geometricSDCI: [Double?]? = nil

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
    public var distribution = "trackHistogram"
    public var size: SizeReport
    public var window: WindowReport
}

/// How a video's distribution was deconvolved.
public struct DeconvolutionReport: Sendable, Encodable {
    /// `gamma` or `exact` (see the README).
    public var likelihood: String
    /// Smoothing strength chosen by AIC, and the effective number of free parameters it leaves.
    @Nullable public var lambda: Double? = nil
    @Nullable public var effectiveDimension: Double? = nil
    /// Light-sheet thickness fitted to the observed track lengths (visit model), µm.
    @Nullable public var sheetThicknessMicrometers: Double? = nil
    /// Distinct likelihood rows (tracks with near-identical statistics share one).
    public var pooledRows: Int
    public var bootstrapReplicates: Int
    @Nullable public var confidenceLevel: Double? = nil
    /// Schema 3: slope of ln(observed / modelled mean track length) on ln(diameter), and its SE
    /// (``SizeDeconvolution/trackLengthTrend()``); near 0 when one sheet thickness explains the lengths.
    @Nullable public var trackLengthTrendSlope: Double? = nil
    @Nullable public var trackLengthTrendStandardError: Double? = nil
    /// Schema 3: γ of the fitted size-dependent sheet thickness h(d) ∝ d^γ (0: one thickness for every size).
    @Nullable public var sheetThicknessExponent: Double? = nil
}

/// The size window and the number fraction inside it.
public struct WindowReport: Sendable, Encodable, Equatable {
    public var minNm: Double
    public var maxNm: Double
    @Nullable public var fraction: Double? = nil
    /// `[lower, upper]` bootstrap interval of `fraction`, or `null`.
    @Nullable public var fractionCI: [Double?]? = nil

    public init(_ w: SizeWindow, fraction: Double, bootstrap: DeconvolutionBootstrap? = nil) {
        minNm = w.minNm; maxNm = w.maxNm; self.fraction = finiteOrNil(fraction)
        fractionCI = bootstrap.map { interval($0.windowFraction) }
    }

}

extension TrackCounts: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(read, forKey: .read)
        try c.encode(used, forKey: .used)
        try c.encode(dropped, forKey: .dropped)
    }

    enum CodingKeys: String, CodingKey { case read, used, dropped }
}

extension RowCounts: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(read, forKey: .read)
        try c.encode(dropped, forKey: .dropped)
    }

    enum CodingKeys: String, CodingKey { case read, dropped }
}

extension ReportedValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): try c.encode(orNull: finiteOrNil(v))
        case .text(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }
}

/// `{"value": …, "source": "flag|file|default|derived|perVideo|notNeeded", "detail": …}`; `detail` omitted when nil.
extension ReportedSetting: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(source.rawValue, forKey: .source)
        if let detail { try c.encode(detail, forKey: .detail) }
    }

    enum CodingKeys: String, CodingKey { case value, source, detail }
}

/// One video in a report: an input file of trajectories, or one video of an instrument summary.
public struct VideoReport: Sendable, Encodable {
    public var name: String
    public var file: String
    /// The input's format (`trajectories`, `nanoSightExperimentSummary`, `zetaViewSize`, …).
    public var format: String
    /// How this video's distribution was formed.
    public var distribution: String
    public var size: SizeReport
    public var window: WindowReport
    /// Particles per mL of the original sample, or `null` when unknown.
    @Nullable public var concentrationPerMl: Double? = nil
    /// The dilution applied to reach `concentrationPerMl` and where it came from; `null` when none is known.
    @Nullable public var dilution: DilutionRecord? = nil
    /// Track and row counts (trajectory inputs only; `null` for summaries).
    @Nullable public var tracks: TrackCounts? = nil
    @Nullable public var rows: RowCounts? = nil
    public var settings: [String: ReportedSetting]
    public var warnings: [String]
    /// Video-level quantities estimated from the data (trajectory inputs only).
    @Nullable public var diagnostics: Diagnostics? = nil
    /// The per-track estimator used for this video (`null` for summaries; `instrument` for per-track exports).
    @Nullable public var estimator: String? = nil
    /// Video-level nuisance parameters with their uncertainties (trajectory inputs only).
    @Nullable public var nuisance: NuisanceReport? = nil
    /// This video's track histogram figures (trajectory inputs only).
    @Nullable public var histogram: HistogramReport? = nil
    /// How this video's distribution was deconvolved (`null` unless deconvolved).
    @Nullable public var deconvolution: DeconvolutionReport? = nil

    public struct Diagnostics: Sendable, Encodable {
        /// Pooled per-axis localisation error σ (CVE over all tracks), nm; null when not estimable.
        @Nullable public var localisationSigmaNm: Double? = nil
        /// Mean number of localisations per used track.
        @Nullable public var meanTrackLength: Double? = nil

    }

    public init(_ v: VideoResult) {
        name = v.name
        file = v.file
        format = v.format
        distribution = v.distributionKind.rawValue
        let deconvolved = v.analysis?.deconvolved
        size = SizeReport(v.size, bootstrap: deconvolved?.bootstrap, geometricSD: deconvolved?.summary.geometricSD)
        window = WindowReport(v.window, fraction: v.windowFraction, bootstrap: deconvolved?.bootstrap)
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
                    sheetThicknessExponent: d.deconvolution.visitModel.map(\.sheetThicknessExponent))
            }
            nuisance = a.nuisance.map(NuisanceReport.init)
            diagnostics = Diagnostics(
                localisationSigmaNm: a.localisationSigmaNanometers.flatMap(finiteOrNil),
                meanTrackLength: lengths.isEmpty ? nil : Double(lengths.reduce(0, +)) / Double(lengths.count))
        }
    }

}

/// The package version reported in outputs.
public enum NTAVersion {
    public static let string = "0.1.0"
}


/// A video's nuisance parameters as reported: pooled localisation variance,
/// motion-blur coefficient and drift, each with its standard error (`null`
/// where not estimable).
public struct NuisanceReport: Sendable, Encodable {
    @Nullable public var localisationSigmaNm: Double? = nil
    @Nullable public var localisationVarianceNm2: Double? = nil
    @Nullable public var localisationVarianceStandardErrorNm2: Double? = nil
    @Nullable public var blurCoefficient: Double? = nil
    @Nullable public var blurCoefficientStandardError: Double? = nil
    /// `exposure` (from the exposure time), `instantaneous` (exposure 0) or `estimated` (from the data).
    public var blurSource: String
    public var tracksUsed: Int
    @Nullable public var driftVelocityXNmPerFrame: Double? = nil
    @Nullable public var driftVelocityYNmPerFrame: Double? = nil
    @Nullable public var driftVelocityStandardErrorNmPerFrame: Double? = nil
    @Nullable public var driftTotalXNm: Double? = nil
    @Nullable public var driftTotalYNm: Double? = nil
    @Nullable public var driftTotalStandardErrorNm: Double? = nil
    @Nullable public var driftSmoothingFrames: Int? = nil
    /// Schema 3: whether σ and R are separately identified (always with a known exposure). When
    /// `false`, σ, σ², R and their intervals are `null` and `note` says why.
    public var identified: Bool
    /// Schema 3: the identified combination 2RDΔt − σ², the mean adjacent-step covariance per axis, nm², with its SE.
    @Nullable public var stepCovarianceNm2: Double? = nil
    @Nullable public var stepCovarianceStandardErrorNm2: Double? = nil
    /// Schema 3: 95 % intervals `[lower, upper]` (estimate ± 1.96 SE, σ from the interval of σ² cut at 0;
    /// R cut to its physical range [0, 1/6]).
    @Nullable public var localisationSigmaNmCI: [Double]? = nil
    @Nullable public var blurCoefficientCI: [Double]? = nil
    @Nullable public var driftVelocityXNmPerFrameCI: [Double]? = nil
    @Nullable public var driftVelocityYNmPerFrameCI: [Double]? = nil
    /// Schema 3: why σ and R are not reported, or what was clamped; `null` when nothing is to be said.
    @Nullable public var note: String? = nil

    init(_ n: VideoNuisance) {
        let s = n.summary
        let z = 1.959963984540054
        identified = n.isIdentified
        stepCovarianceNm2 = finiteOrNil(n.stepCovarianceNm2)
        stepCovarianceStandardErrorNm2 = finiteOrNil(n.stepCovarianceStandardErrorNm2)
        note = n.note
        if n.isIdentified {
            localisationSigmaNm = s.localisationSigmaNanometers.flatMap(finiteOrNil)
            localisationVarianceNm2 = finiteOrNil(s.localisationVarianceNm2)
            localisationVarianceStandardErrorNm2 = finiteOrNil(s.localisationVarianceStandardErrorNm2)
            blurCoefficient = finiteOrNil(s.blurCoefficient)
            blurCoefficientStandardError = finiteOrNil(s.blurCoefficientStandardError)
            let v = s.localisationVarianceNm2, se = s.localisationVarianceStandardErrorNm2
            if v.isFinite, se.isFinite {
                localisationSigmaNmCI = [max(v - z * se, 0).squareRoot(), max(v + z * se, 0).squareRoot()]
            }
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
        driftVelocityStandardErrorNmPerFrame = s.driftVelocityStandardErrorNanometersPerFrame.flatMap(finiteOrNil)
        driftTotalXNm = s.driftTotalXNanometers.flatMap(finiteOrNil)
        driftTotalYNm = s.driftTotalYNanometers.flatMap(finiteOrNil)
        driftTotalStandardErrorNm = s.driftTotalStandardErrorNanometers.flatMap(finiteOrNil)
        driftSmoothingFrames = s.driftSmoothingFrames
        if let vx = driftVelocityXNmPerFrame, let vy = driftVelocityYNmPerFrame,
           let se = driftVelocityStandardErrorNmPerFrame {
            driftVelocityXNmPerFrameCI = [vx - z * se, vx + z * se]
            driftVelocityYNmPerFrameCI = [vy - z * se, vy + z * se]
        }
    }

}
