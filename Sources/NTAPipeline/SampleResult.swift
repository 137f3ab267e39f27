import Foundation
import NTACore
import NTARead
import NTADistribution

/// What one video contributes to a report, whatever its source: trajectories
/// analysed here, per-track exports, or an instrument's binned summary.
public struct VideoResult: Sendable {
    /// Video name: the file name, or the instrument's video name for summaries.
    public package(set) var name: String
    /// The file it came from, as given.
    public package(set) var file: String
    /// The input's format (an ``InstrumentFormat`` raw value, or `trajectories`).
    public package(set) var format: String
    /// How ``distribution`` was formed: deconvolved, one count per track in 1-nm bins, or the
    /// instrument's own bins (particles/mL).
    public package(set) var distributionKind: DistributionKind
    /// The number-weighted size distribution.
    public package(set) var distribution: BinnedDistribution
    /// Mean, SD, mode and D10/D50/D90 of distribution, nm.
    public package(set) var size: SizeStatistics
    /// Share of distribution inside window (0–1).
    public package(set) var windowFraction: Double
    /// The size window ``windowFraction`` is of.
    public package(set) var window: SizeWindow
    /// Particles per mL of the original sample, when known (as measured in the cell when ``dilution`` is not known).
    public package(set) var concentrationPerMl: Double?
    /// The dilution applied to reach ``concentrationPerMl``, and where it came from.
    public package(set) var dilution: DilutionRecord?
    /// The settings this video was analysed with, each with its source, keyed as in the JSON report.
    public package(set) var settings: [String: ReportedSetting]
    /// Warnings about this video's input or analysis, one line each.
    public package(set) var warnings: [String]
    /// The track-level analysis, for trajectory and per-track inputs.
    public package(set) var analysis: VideoAnalysis?

    /// A video analysed from trajectories or per-track data.
    public init(_ v: VideoAnalysis, format: String) {
        name = v.name
        file = v.file
        self.format = format
        distributionKind = v.distributionKind
        distribution = v.distribution
        size = v.size
        windowFraction = v.windowFraction
        window = v.window
        concentrationPerMl = nil
        dilution = nil
        settings = ReportedSetting.table(for: v.settings)
        warnings = v.warnings
        analysis = v
    }

    /// One video of an instrument's binned export. `statistics` overrides the
    /// statistics computed from the bins (to report exactly what the instrument printed).
    public init(_ v: SummaryVideo, file: String, format: InstrumentFormat, window: SizeWindow,
                statistics: SizeStatistics? = nil) {
        name = v.name
        self.file = file
        self.format = format.rawValue
        distributionKind = .instrument
        distribution = v.numberDistribution
        size = statistics ?? SizeStatistics(v.numberDistribution)
        windowFraction = window.fraction(of: v.numberDistribution)
        self.window = window
        concentrationPerMl = v.concentrationPerMl
        dilution = v.dilution
        var s: [String: ReportedSetting] = [:]
        func put(_ key: String, _ value: Double?) {
            if let value { s[key] = ReportedSetting(.number(value), source: .file, detail: format.displayName) }
        }
        put("frameRateHz", v.settings.frameRateHz)
        put("temperatureCelsius", v.settings.temperatureCelsius)
        put("viscosityMillipascalSeconds", v.settings.viscosityMillipascalSeconds)
        put("nanometersPerPixel", v.settings.nanometersPerPixel)
        put("exposureMilliseconds", v.settings.exposureMilliseconds)
        put("minTrackLength", v.settings.minTrackLength.map(Double.init))
        settings = s
        warnings = v.warnings
        analysis = nil
    }
}

/// One input file's pooled figures (a replicate measurement of the sample).
public struct FileResult: Sendable {
    /// The file, as given.
    public package(set) var file: String
    /// Videos in the file (one for trajectories; several in an instrument summary).
    public package(set) var videoCount: Int
    /// Statistics of the file's pooled distribution.
    public package(set) var size: SizeStatistics
    /// Share of the file's pooled distribution inside the size window (0–1).
    public package(set) var windowFraction: Double
    /// The file's concentration (mean over its videos), particles/mL of the original sample.
    public package(set) var concentrationPerMl: Double?
}

/// Several videos analysed together: each one, and the pooled sample.
public struct SampleResult: Sendable {
    /// Every video analysed, in input order.
    public package(set) var videos: [VideoResult]
    /// Each input file's pooled figures, in input order.
    public package(set) var files: [FileResult]
    /// The options the sample was analysed with.
    public package(set) var options: AnalysisOptions
    /// How the pooled distribution was formed (see ``VideoResult/distributionKind``).
    public package(set) var distributionKind: DistributionKind
    /// The pooled distribution: the sum of the videos' track histograms, or the
    /// mean of the instrument's per-video distributions (NanoSight's average).
    public package(set) var distribution: BinnedDistribution
    /// Mean, SD, mode and D10/D50/D90 of the pooled distribution, nm.
    public package(set) var size: SizeStatistics
    /// Share of the pooled distribution inside options' size window (0–1).
    public package(set) var windowFraction: Double
    /// Pooled concentration of the original sample (mean over videos/files), particles/mL.
    public package(set) var concentrationPerMl: Double?
    /// Standard error of ``concentrationPerMl`` (sample SD/√n), when n ≥ 2.
    public package(set) var concentrationStandardErrorPerMl: Double?
    /// Warnings about the sample as a whole.
    public package(set) var warnings: [String]
    /// Statements about what this analysis could and could not do with its inputs.
    public package(set) var notes: [String]
    /// Concentration, count decomposition, components, intensity classes and fluorescence pairing.
    public package(set) var populations = PopulationResult()
    /// The pooled track histogram (one count per sized track), for trajectory inputs.
    public package(set) var histogram: BinnedDistribution?
    /// Statistics and window fraction of ``histogram`` (see ``SizeStatistics/init(trackHistogram:)``).
    public package(set) var histogramSize: SizeStatistics?
    /// Share of histogram inside the size window (0–1).
    public package(set) var histogramWindowFraction: Double?
    /// Bootstrap intervals of the pooled deconvolved statistics (one video; per video otherwise).
    public package(set) var bootstrap: DeconvolutionBootstrap?
    /// Whether the pooled deconvolved figures are unknown: a video's deconvolution does not describe its tracks
    /// (``VideoAnalysis/deconvolutionMisfit``), or the videos' deconvolutions weighed too few tracks in all
    /// (``DeconvolvedSizeDistribution/minimumTracksForIntervals``). ``size`` and ``windowFraction`` are then NaN,
    /// ``bootstrap`` `nil`, and the populations take the tracks' own sizes, as for a histogram.
    public var deconvolvedFiguresUnsupported: Bool { deconvolvedFiguresUnknownReason != nil }
    /// Why the pooled deconvolved figures are unknown (see ``deconvolvedFiguresUnsupported``), in a few words; `nil`
    /// when they are known.
    public package(set) var deconvolvedFiguresUnknownReason: String? = nil

    /// A warning when two pooled videos give identical results — the same tracks read and sized, and D10, D50 and D90
    /// to the last bit — as the same data given twice do (two real captures never agree so): the replicates' spread,
    /// and the standard errors from it, then understate the uncertainty. `nil` otherwise.
    static func identicalVideosWarning(_ videos: [VideoAnalysis]) -> String? {
        var first: [String: String] = [:]
        var pairs: [String] = []
        for v in videos where v.tracksUsed > 0 {
            // The track histogram's median too: a deconvolution that does not fit reports no figures (all NaN).
            let key = "\(v.tracksRead) \(v.tracksUsed) \(v.size.d10Nm.bitPattern) \(v.size.d50Nm.bitPattern) \(v.size.d90Nm.bitPattern) \(v.histogramSize.d50Nm.bitPattern)"
            if let earlier = first[key] { pairs.append("\(earlier) and \(v.file)") } else { first[key] = v.file }
        }
        guard !pairs.isEmpty else { return nil }
        return "\(pairs.joined(separator: "; ")) give identical results (the same tracks read and sized, and D10, D50 and D90 to the last digit), as the same data given twice do: the videos' spread, and the replicates' standard errors from it, understate the uncertainty; give each video once"
    }

    /// Pools loaded inputs. Trajectory-based videos and instrument summaries
    /// cannot be pooled with each other (their distributions count different
    /// things); that is an error naming the first file of the other kind.
    ///
    /// `fluorescence` holds fluorescence-mode captures of the same sample (trajectories), paired
    /// with the scatter captures in `inputs` for the marker-positive count.
    public init(_ inputs: [LoadedInput], fluorescence: [LoadedInput] = [], options: AnalysisOptions) throws(InputError) {
        self.options = options
        var trajectories: [VideoAnalysis] = []
        var summaries: [(DistributionSummary, String, [SizeStatistics]?)] = []
        for input in inputs {
            switch input {
            case .video(let v): trajectories.append(v)
            case .summary(let s, let file, let printed): summaries.append((s, file, printed))
            }
        }
        if !trajectories.isEmpty, let (_, file, _) = summaries.first {
            throw InputError(file: file, message: "an instrument summary cannot be pooled with trajectory files (\(trajectories[0].file)): their distributions count different things; analyse them in separate calls")
        }
        warnings = []
        notes = []
        if summaries.isEmpty {
            videos = trajectories.map { VideoResult($0, format: "trajectories") }
            for v in trajectories {
                notes += v.notes
                if let why = v.driftSkippedReason { notes.append("\(v.name): \(why)") }
            }
            // A video with no sized track adds nothing to the pool (its distribution is empty): it does not decide
            // how the pooled distribution was formed, and a note names it and says why.
            let contributing = trajectories.filter { $0.tracksUsed > 0 }
            let kinds = Set((contributing.isEmpty ? trajectories : contributing).map(\.distributionKind))
            distributionKind = kinds.count == 1 ? kinds.first! : .mixed
            if !contributing.isEmpty, contributing.count < trajectories.count {
                let without = trajectories.filter { $0.tracksUsed == 0 }.map { "\($0.name) (\(Self.noSizedTrackReason($0)))" }
                notes.append("the pooled distribution is that of the \(contributing.count) of \(trajectories.count) videos with sized tracks; no sized track came from \(without.joined(separator: "; "))")
            }
            var pooled = BinnedDistribution(values: [])
            var pooledHistogram = BinnedDistribution(values: [])
            for v in trajectories {
                pooled.add(v.distribution)
                pooledHistogram.add(v.histogram)
            }
            distribution = pooled
            size = distributionKind == .trackHistogram ? SizeStatistics(trackHistogram: pooled) : SizeStatistics(pooled)
            histogram = pooledHistogram
            histogramSize = SizeStatistics(trackHistogram: pooledHistogram)
            histogramWindowFraction = options.window.fraction(of: pooledHistogram)
            // One video with sized tracks is the whole pool: its intervals are the pool's.
            if trajectories.count == 1 || contributing.count == 1 {
                bootstrap = (contributing.first ?? trajectories[0]).deconvolved?.bootstrap
            } else if distributionKind == .deconvolved {
                notes.append("the pooled distribution is the sum of the videos' deconvolved distributions; intervals are reported per video")
            }
            // A video whose deconvolution does not describe its tracks has no figures (its warning says why), and the sum
            // it joins has none either; nor has a sum of too few tracks (each video with too few has a note; with enough
            // in all, the sum stands).
            let misfits = contributing.filter { $0.deconvolutionMisfit != nil }
            if !misfits.isEmpty {
                deconvolvedFiguresUnknownReason = "the deconvolution's likelihood model does not describe these tracks (see the warnings)"
                let which = trajectories.count == 1 ? "the video's" : "\(misfits.map(\.name).joined(separator: ", "))'s"
                notes.append("the deconvolved size figures, window fraction, components and their intervals are unknown: \(which) deconvolution does not describe its tracks (see the warning); the one-count-per-track histogram reported beside it gives the tracks' own sizes, broadened by their estimation noise (with a detection volume, the count's size fractions and components are taken from those sizes, as for a histogram)\(misfits.count < contributing.count ? "; the replicates' means and standard errors are of the other \(contributing.count - misfits.count) videos" : "")")
            } else if contributing.contains(where: { $0.deconvolved != nil }) {
                let weighed = contributing.reduce(0) { $0 + ($1.deconvolved?.deconvolution.trackCount ?? 0) }
                if weighed < DeconvolvedSizeDistribution.minimumTracksForIntervals {
                    deconvolvedFiguresUnknownReason = "\(weighed) track\(weighed == 1 ? "" : "s") cannot support the deconvolved figures: no 95 % interval exists for fewer than \(DeconvolvedSizeDistribution.minimumTracksForIntervals), and the distribution rests on its smoothing"
                    if trajectories.count > 1 {
                        notes.append("the pooled deconvolved figures are unknown: the videos' deconvolutions weighed \(weighed) tracks in all, fewer than the \(DeconvolvedSizeDistribution.minimumTracksForIntervals) that support them")
                    }
                }
            }
            if deconvolvedFiguresUnknownReason != nil {
                size = .unknown
                bootstrap = nil
            }
            if options.distribution == .histogram {
                // `--seed` also seeds the count's and the share's intervals: judged once they are known (below).
                let unused = Self.unusedBootstrapFlags(options).filter { $0 != "--seed" }
                if !unused.isEmpty {
                    warnings.append("\(unused.joined(separator: ", ")) not used: a histogram of tracks has no bootstrap intervals; they are the deconvolved distribution's (--distribution deconvolved, the default)")
                }
            }
            concentrationPerMl = nil
            concentrationStandardErrorPerMl = nil
            files = videos.map { v in
                FileResult(file: v.file, videoCount: 1, size: v.size, windowFraction: v.windowFraction,
                           concentrationPerMl: v.concentrationPerMl)
            }
            if let text = Self.identicalVideosWarning(trajectories) { warnings.append(text) }
        } else {
            // --dilution acts on the videos whose file records no dilution (their concentrations are the cell's).
            var dilutionApplied = 0
            if let d = options.dilution {
                for k in summaries.indices {
                    dilutionApplied += try summaries[k].0.applyDilution(.flag(d, fileRecordsNone: true), fileName: summaries[k].1)
                }
            }
            var results: [VideoResult] = []
            for (summary, file, printed) in summaries {
                for (k, v) in summary.videos.enumerated() {
                    results.append(VideoResult(v, file: file, format: summary.format, window: options.window,
                                               statistics: printed?[k]))
                }
            }
            videos = results
            files = summaries.map { summary, file, printed in
                let size = summary.videos.count == 1 ? (printed?[0] ?? SizeStatistics(summary.pooled)) : SizeStatistics(summary.pooled)
                return FileResult(file: file, videoCount: summary.videos.count, size: size,
                                  windowFraction: options.window.fraction(of: summary.pooled),
                                  concentrationPerMl: summary.concentrationPerMl)
            }
            let combined = try DistributionSummary.replicates(summaries.map(\.0), fileNames: summaries.map(\.1))
            distributionKind = .instrument
            distribution = combined.pooled
            // One video is its own pool: report its figures (as the instrument printed them) at the top too.
            size = results.count == 1 ? results[0].size : SizeStatistics(combined.pooled)
            concentrationPerMl = combined.concentrationPerMl
            concentrationStandardErrorPerMl = combined.concentrationStandardErrorPerMl.flatMap(finiteOrNil)
            warnings = summaries.count == 1 ? summaries[0].0.warnings : combined.warnings
            let unknown = Self.withoutKnownDilution(results)
            if unknown.count == results.count {
                notes.append("concentrations are those measured in the cell, not the original sample's: the file records no dilution (see each video's dilution); pass --dilution F for the original sample's")
            } else if !unknown.isEmpty {
                // An average of the original sample's and the cell's concentrations is neither.
                concentrationPerMl = nil
                concentrationStandardErrorPerMl = nil
                warnings.append("\(unknown.count) of the \(results.count) videos record no dilution (\(unknown.map(\.name).joined(separator: ", "))): their concentrations are those measured in the cell, the others' the original sample's, so the pooled concentration is unknown; pass --dilution F for the original sample's")
            }
            if dilutionApplied > 0, dilutionApplied < results.count {
                notes.append("--dilution applied to the \(dilutionApplied) of \(results.count) videos whose file records no dilution; the others keep the dilution their file recorded")
            }
            notes.append("size distributions are the instrument's own bins; without trajectories there are no per-track estimates, track counts, deconvolution or nuisance parameters")
            if summaries.contains(where: { $0.0.format == .nanoSightExperimentSummary }) {
                notes.append("per-video statistics are reported as NanoSight printed them; pooled statistics are computed from the average distribution's bins")
            }
            // Settings given as flags have nothing to act on: the instrument sized the particles with its own.
            let given = options.settings
            let ignored = [("--fps", given.frameRateHz != nil), ("--nm-per-pixel", given.nanometersPerPixel != nil),
                           ("--temperature", given.temperatureCelsius != nil), ("--viscosity", given.viscosityMillipascalSeconds != nil),
                           ("--exposure-ms", given.exposureMilliseconds != nil), ("--min-track-length", given.minTrackLength != nil),
                           ("--dilution", options.dilution != nil && dilutionApplied == 0),
                           // What only trajectories use: the instrument counted and sized from its own tracks.
                           ("--detection-volume-nl (or --field-of-view-um with --sheet-depth-um)", options.detectionVolume != nil),
                           ("--estimator", options.estimator != nil),
                           ("--distribution", options.distribution != .deconvolved),
                           ("--likelihood", options.likelihood != .gamma),
                           ("--no-drift-correction", options.explicitlySet.contains(.driftCorrection))]
                .filter(\.1).map(\.0)
            if !ignored.isEmpty {
                let dilution = ignored.contains("--dilution")
                warnings.append("\(ignored.joined(separator: ", ")) not used: an instrument summary's sizes and concentrations were computed with the settings\(dilution ? " and dilution" : "") the instrument recorded (reported under settings, source file\(dilution ? ", and dilution" : ""))")
            }
            let unresampled = Self.unusedBootstrapFlags(options)
            if !unresampled.isEmpty {
                warnings.append("\(unresampled.joined(separator: ", ")) not used: an instrument summary has no tracks to resample, so its figures have no bootstrap intervals (its bins carry no uncertainty)")
            }
        }
        windowFraction = deconvolvedFiguresUnknownReason != nil ? .nan : options.window.fraction(of: distribution)
        var fluorescenceVideos: [VideoAnalysis] = []
        for input in fluorescence {
            switch input {
            case .video(let v): fluorescenceVideos.append(v)
            case .summary(_, let file, _):
                throw InputError(file: file, message: "a fluorescence capture must be trajectories (the scatter capture's counterpart), not an instrument summary")
            }
        }
        try addPopulations(fluorescence: fluorescenceVideos)
        if options.distribution == .histogram, options.explicitlySet.contains(.seed), !populations.usesSeed,
           videos.contains(where: { $0.analysis != nil }) {
            warnings.append("--seed not used: a histogram of tracks has no bootstrap intervals, and no concentration or vesicle-like share was computed whose intervals it would seed")
        }
    }

    /// `--bootstrap` (when it asked for replicates) and `--seed`, when chosen, for an analysis with nothing to
    /// resample: the bootstrap resamples a deconvolution's tracks and the seed seeds it; `--bootstrap 0` asks for nothing.
    static func unusedBootstrapFlags(_ options: AnalysisOptions) -> [String] {
        [("--bootstrap", options.explicitlySet.contains(.bootstrapReplicates) && options.bootstrapReplicates > 0),
         ("--seed", options.explicitlySet.contains(.seed))].filter(\.1).map(\.0)
    }

    /// Why video `v` has no sized track, in a few words: no data rows, every row dropped (with the reasons),
    /// or every track dropped (with the reasons).
    static func noSizedTrackReason(_ v: VideoAnalysis) -> String {
        func reasons(_ d: DropTally) -> String {
            d.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        if v.rowsRead == 0 { return "no data rows were read" }
        if v.droppedRows.total >= v.rowsRead {
            return "all \(v.rowsRead) data row\(v.rowsRead == 1 ? " was" : "s were") dropped: \(reasons(v.droppedRows))"
        }
        return "\(v.tracksRead) track\(v.tracksRead == 1 ? "" : "s") read, all dropped: \(reasons(v.droppedTracks))"
    }

    /// The instrument videos whose dilution was neither recorded nor given (``DilutionRecord/isKnown``): their
    /// concentrations are those in the cell.
    package static func withoutKnownDilution(_ videos: [VideoResult]) -> [VideoResult] {
        videos.filter { $0.dilution?.isKnown != true }
    }

    /// Whether the concentrations are the original sample's: every dilution behind them was recorded in the file or
    /// given (``DilutionRecord/isKnown``). `false` when they are those measured in the cell.
    public var concentrationIsOfOriginalSample: Bool {
        if distributionKind == .instrument { return Self.withoutKnownDilution(videos).isEmpty }
        return populations.dilution?.isKnown == true
    }

    /// The per-track estimator used: its identifier when every trajectory video
    /// used the same one, `perVideo` when they differ, `instrument` for per-track
    /// exports (the instrument's estimate), `nil` without tracks.
    public var estimatorName: String? {
        let names = Set(videos.compactMap(\.analysis).map { $0.estimator?.rawValue ?? "instrument" })
        guard let first = names.first else { return nil }
        return names.count == 1 ? first : "perVideo"
    }

    /// Tracks over all trajectory-based videos (zero for summaries).
    public var tracks: TrackCounts {
        var dropped = DropTally()
        var read = 0, used = 0
        for v in videos.compactMap(\.analysis) {
            dropped.merge(v.droppedTracks)
            read += v.tracksRead
            used += v.tracksUsed
        }
        return TrackCounts(read: read, used: used, dropped: dropped)
    }

    /// Rows over all trajectory-based videos.
    public var rows: RowCounts {
        var dropped = DropTally()
        var read = 0
        for v in videos.compactMap(\.analysis) {
            dropped.merge(v.droppedRows)
            read += v.rowsRead
        }
        return RowCounts(read: read, dropped: dropped)
    }
}
