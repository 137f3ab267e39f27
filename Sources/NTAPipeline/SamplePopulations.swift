import Foundation
import NTACore
import NTARead
import NTAPopulations

/// The populations stage's results for a sample: how many particles, how many
/// in the size window, how many marker-positive, each with its interval.
public struct PopulationResult: Sendable {
    /// Total concentration from trajectories (needs a detection volume).
    public package(set) var concentration: ConcentrationEstimate?
    /// The count decomposition: total → below / in / above the window → marker-positive.
    public package(set) var decomposition: CountDecomposition?
    /// Log-normal mixture fitted to the size distribution (number of components by BIC).
    public package(set) var components: LogNormalMixtureFit?
    /// Intensity–size classes (trajectories with intensities, and a detection volume).
    public package(set) var intensity: IntensityClassification?
    /// Whether a bootstrap seeded by the analysis' seed gave any of these figures' intervals (the concentration's,
    /// the share's, the pairing's).
    public var usesSeed: Bool { concentration != nil || intensity != nil || fluorescence != nil }
    /// Fluorescence pairing (when a fluorescence capture was given).
    public package(set) var fluorescence: FluorescencePairing?
    /// The dilution applied to concentrations from trajectories.
    public package(set) var dilution: DilutionRecord?
    /// Each fluorescence capture as read: its file, rows and tracks with what was dropped, and its settings.
    public package(set) var fluorescenceCaptures: [FluorescenceCaptureRecord] = []
    /// Whether a fluorescence capture was given (paired or not: ``fluorescence`` is `nil` when it could not be).
    public var fluorescenceGiven: Bool { !fluorescenceCaptures.isEmpty }

    /// No populations computed yet.
    public init() {}
}

extension SampleResult {
    /// The concentration in the measured suspension above which the detection volume given is called implausible:
    /// 10¹² per mL, one particle per µm³, particles ~1 µm apart, closer than NTA's optics and tracking resolve (real
    /// measurements sit at 10⁷–10⁹ per mL in the cell).
    static let implausibleInCellPerMl = 1e12

    /// Runs the populations stage on this sample.
    ///
    /// - Trajectories with a detection volume: concentration (block bootstrap
    ///   with the count-correlation model), the decomposition, components,
    ///   intensity classes, and the fluorescence pairing if `fluorescence` is given.
    /// - Trajectories without a volume: components only; a note says what is missing.
    /// - Instrument summaries: the decomposition of the instrument's binned
    ///   concentrations (no intervals: the bins carry none), said explicitly.
    mutating func addPopulations(fluorescence: [VideoAnalysis]) throws(InputError) {
        var result = PopulationResult()
        result.fluorescenceCaptures = fluorescence.map(FluorescenceCaptureRecord.init)
        let analyses = videos.compactMap(\.analysis)
        var decompositionOptions = DecompositionOptions()
        decompositionOptions.window = options.window
        // A deconvolution the data do not support (a misfit, too few tracks) gives no distribution to decompose or fit
        // components to.
        let sizeGrid = deconvolvedFiguresUnsupported ? nil : try? SizeGrid(distribution)
        let tracksUsed = Double(tracks.used)

        if distributionKind == .instrument {
            if !fluorescence.isEmpty {
                throw InputError(file: fluorescence[0].file, message: "a fluorescence capture pairs with a scatter capture's trajectories, not with an instrument summary")
            }
            // Videos whose dilution is recorded give the original sample's concentrations, the rest the cell's: their
            // pooled bins mix the two units, so no count drawn from them is either.
            let unknown = Self.withoutKnownDilution(videos).count
            if unknown > 0, unknown < videos.count {
                notes.append("no count decomposition: \(unknown) of the \(videos.count) videos record no dilution, so the pooled bins add concentrations of the original sample to concentrations in the cell; pass --dilution F for the original sample's")
                populations = result
                return
            }
            do {
                result.decomposition = try CountDecomposition(binnedConcentrationPerMl: distribution, dilution: 1,
                                                              options: decompositionOptions)
            } catch { notes.append("populations: \(error)") }
            notes.append("the count decomposition of an instrument summary comes from its bins: no intervals (the bins carry no uncertainty), no marker-positive count and no intensity classes (they need trajectories)")
            populations = result
            return
        }

        // Counting particles per frame needs frame numbers shared across tracks.
        var withTables = analyses.filter(\.framesSharedAcrossTracks)
            .compactMap { a in a.trajectoryRows.map { AnalysedVideo(rows: $0, analysis: a) } }
        let noSharedFrames = !analyses.isEmpty && !analyses.contains(where: \.framesSharedAcrossTracks)
        if noSharedFrames {
            notes.append("no concentration: no input has frame numbers shared across tracks, which counting particles per frame needs")
        } else if options.detectionVolume != nil, !withTables.isEmpty, withTables.count < analyses.count {
            notes.append("concentration from the \(withTables.count) of \(analyses.count) videos whose frame numbers are shared across tracks only")
        }
        // A video with no row left has no frame to count particles in. Pooled with videos that have frames, it is
        // left out when its rows were read and dropped (its particles were detected but cannot be counted: its count
        // is unknown, not 0). A video with no data row at all may be one in which no particle was detected, a count of
        // 0 over frames the file does not give: left out, the concentration would read high by an unknown amount.
        var unknownConcentration = false
        let frameless = withTables.filter { $0.rows.count == 0 }
        if options.detectionVolume != nil, !frameless.isEmpty, frameless.count < withTables.count {
            let emptyVideos = analyses.filter { a in a.framesSharedAcrossTracks && a.trajectoryRows?.count == 0 }
            let unread = emptyVideos.filter { $0.rowsRead == 0 }
            if !unread.isEmpty {
                notes.append("no concentration: \(unread.map(\.name).joined(separator: ", ")) holds no data rows, so it gives neither particles per frame nor its number of frames; it may be a video in which no particle was detected (a count of 0 that the pooled mean must include), and left out the concentration would read high by an unknown amount")
                unknownConcentration = true
            } else {
                let left = emptyVideos.map { "\($0.name) (\(Self.noSizedTrackReason($0)))" }
                let one = left.count == 1
                notes.append("concentration from the \(withTables.count - frameless.count) of \(withTables.count) videos with frames to count particles in; \(left.joined(separator: "; ")) \(one ? "is" : "are") left out, with no frame to count in: \(one ? "its" : "their") particles were detected but none can be counted, so \(one ? "its count is" : "their counts are") unknown, not 0")
            }
            withTables.removeAll { $0.rows.count == 0 }
        }
        guard let volume = options.detectionVolume, !withTables.isEmpty, !unknownConcentration else {
            if let sizeGrid, tracksUsed > 0 {
                result.components = try? LogNormalMixture.fit(sizeGrid, effectiveSampleSize: tracksUsed)
                if let note = result.components?.convergenceNote { notes.append(note) }
            }
            // The vesicle-like share is a ratio of counts in the same frames and needs no volume, but its bootstrap
            // refits the classes 200 times (~30 s on 10⁷ localisations), so it runs with the count, not on every
            // default analysis: say so rather than leave it out in silence.
            if analyses.contains(where: { $0.trajectoryRows?.intensity != nil }) {
                notes.append("intensity classes (the vesicle-like share of the window) are fitted with the count: give the detection volume (--detection-volume-nl V, or --field-of-view-um WxH with --sheet-depth-um D) to have them")
            }
            if !fluorescence.isEmpty, unknownConcentration {
                warnings.append("the fluorescence capture (\(fluorescence.map(\.file).joined(separator: ", "))) is not paired: the scatter videos give no concentration (see the notes); no marker-positive figures are given")
            } else if !fluorescence.isEmpty {
                throw InputError(file: fluorescence[0].file, message: "pairing a fluorescence capture needs the detection volume: pass --detection-volume-nl V or --field-of-view-um WxH with --sheet-depth-um D")
            }
            if options.detectionVolume == nil, !noSharedFrames {
                notes.append("no concentration: it needs the detection volume (--detection-volume-nl V, or --field-of-view-um WxH with --sheet-depth-um D) and the dilution (--dilution F)")
            }
            populations = result
            return
        }
        var populationOptions = PopulationOptions(volume: volume)
        populationOptions.dilution = options.dilution ?? 1
        // `--seed` seeds every bootstrap: the count's, the share's and the pairing's, as the deconvolution's.
        populationOptions.concentration.seed = options.seed
        populationOptions.decomposition = decompositionOptions
        if distributionKind != .trackHistogram, let sizeGrid {
            populationOptions.distribution = sizeGrid
            populationOptions.distributionEffectiveSampleSize = tracksUsed
            // The deconvolution's own replicates give the fractions' intervals, so the window's fraction has one
            // interval in every table (a multinomial of the tracks' number read 75.4–77.6 % beside its 75.0–78.7 %).
            if distributionKind == .deconvolved, let b = bootstrap {
                populationOptions.distributionFractionReplicates = b.replicates.map {
                    [$0.belowWindowFraction, $0.windowFraction, max(0, 1 - $0.belowWindowFraction - $0.windowFraction)]
                }
                let w = b.windowFraction
                if w.lower <= w.upper { populationOptions.distributionWindowFractionInterval = w.lower...w.upper }
            } else if distributionKind == .deconvolved {
                // No bootstrap of this distribution (none asked for, or videos pooled, whose intervals are per video):
                // its fractions have no interval, as the window's has none, rather than a multinomial's, which held
                // two pooled videos of 79 % and 65 % to 70.4–73.1 %.
                populationOptions.distributionFractionReplicates = []
            }
        }
        var fluorescenceVideos = fluorescence.compactMap { a in a.trajectoryRows.map { AnalysedVideo(rows: $0, analysis: a) } }
        let fluorescenceFiles = fluorescence.map(\.file).joined(separator: ", ")
        warnings += Self.fluorescenceCaptureWarnings(fluorescence, scatter: analyses)
        // Marker-positive particles are counted by their tracks' sizes: a capture with localisations but no sized
        // track would read 0 % with an interval of [0, 0], a confident figure the data do not support.
        if !fluorescenceVideos.isEmpty, fluorescence.allSatisfy({ $0.tracksUsed == 0 && $0.rowsRead > 0 }) {
            let dropped = fluorescence.reduce(0) { $0 + $1.droppedTracks.total }
            warnings.append("the fluorescence capture (\(fluorescenceFiles)) has no sized track (\(dropped) dropped: see its tracks' reasons): no marker-positive figures are given")
            fluorescenceVideos = []
        }
        do {
            let summary: PopulationSummary
            do {
                summary = try PopulationAnalysis.run(scatter: withTables, fluorescence: fluorescenceVideos,
                                                     options: populationOptions)
            } catch where !fluorescenceVideos.isEmpty {
                // A fluorescence capture that cannot be paired (e.g. it holds no localisation) takes away only the
                // marker-positive figures, said in a warning, not the scatter video's concentration.
                summary = try PopulationAnalysis.run(scatter: withTables, fluorescence: [], options: populationOptions)
                warnings.append("the fluorescence capture (\(fluorescenceFiles)) could not be paired with the scatter video: \(error); no marker-positive figures are given")
            }
            result.concentration = summary.concentration
            result.decomposition = summary.decomposition
            result.components = summary.components
            result.intensity = summary.intensity
            result.fluorescence = summary.fluorescence
            notes += summary.notes
            // More marker-positive particles than particles: the two captures do not describe one sample as measured.
            if let f = summary.fluorescence?.window, f.positiveFraction > 1 {
                warnings.append(String(format: "the fluorescence capture counts %.0f %% as many particles in the window as the scatter capture: more marker-positive particles than particles, so the two captures are not of the same sample, dilution or settings (or the fluorescence mode detects what the scatter mode misses); the marker-positive figures are not a fraction of this sample", 100 * f.positiveFraction))
            }
            concentrationPerMl = finiteOrNil(summary.concentration.particlesPerMl)
            let inCell = summary.concentration.particlesPerMl / populationOptions.dilution
            if inCell.isFinite, inCell > Self.implausibleInCellPerMl {
                warnings.append(String(format: "%.3g particles/mL in the measured suspension (before the dilution): more than 10¹², where particles would sit ~1 µm apart, closer than tracking resolves them; the detection volume (%@) is likely too small (its unit is nL: 1 nL = 10⁶ µm³)", inCell, volume.description))
            }
            concentrationStandardErrorPerMl = summary.concentration.standardErrorPerMl.isFinite
                ? summary.concentration.standardErrorPerMl : nil
        } catch {
            notes.append("populations could not be computed: \(error)")
        }
        if let d = options.dilution {
            result.dilution = .flag(d)
        } else {
            result.dilution = DilutionRecord(appliedFactor: 1, recordedFactor: nil, appliedBy: .none,
                                             source: "no --dilution given: concentrations are those of the measured suspension")
        }
        populations = result
    }
}

extension AnalysedVideo {
    /// The populations stage's view of a video analysed from `rows`.
    public init(rows: TrajectoryRows, analysis: VideoAnalysis, frames: Range<Int>? = nil) {
        self.init(rows: rows, tracks: analysis.tracks, minTrackLength: analysis.settings.minTrackLength.value,
                  frameIntervalSeconds: analysis.settings.frameIntervalSeconds,
                  nanometersPerPixel: analysis.settings.nanometersPerPixel?.value, frames: frames)
    }
}

/// A fluorescence capture as read, for the report: what was counted from it and how it was sized.
public struct FluorescenceCaptureRecord: Sendable {
    /// The file, as given.
    public package(set) var file: String
    /// Its data rows, and those left out by reason.
    public package(set) var rows: RowCounts
    /// Its tracks: read, sized, and those left out by reason.
    public package(set) var tracks: TrackCounts
    /// The settings its tracks were sized with, each with its source.
    public package(set) var settings: [String: ReportedSetting]

    /// The record of an analysed capture.
    init(_ a: VideoAnalysis) {
        file = a.file
        rows = RowCounts(read: a.rowsRead, dropped: a.droppedRows)
        tracks = TrackCounts(read: a.tracksRead, used: a.tracksUsed, dropped: a.droppedTracks)
        settings = ReportedSetting.table(for: a.settings)
    }
}

extension SampleResult {
    /// Warnings on fluorescence captures that cannot be compared with the scatter capture as they stand: rows they
    /// dropped (each is a particle-frame not counted, so the marker-positive share reads low by their share) and
    /// settings that differ from the scatter capture's (the sizes that place particles in the window's bins come
    /// from each capture's own settings: one of them is likely wrong).
    static func fluorescenceCaptureWarnings(_ fluorescence: [VideoAnalysis], scatter: [VideoAnalysis]) -> [String] {
        var out: [String] = []
        for f in fluorescence {
            if f.droppedRows.total > 0 {
                let reasons = f.droppedRows.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                out.append("the fluorescence capture (\(f.file)) dropped \(f.droppedRows.total) of its \(f.rowsRead) rows (\(reasons)): the particles in them are not counted, so its particles per frame and the marker-positive share read low by their share")
            }
            guard let s = scatter.first?.settings else { continue }
            var differences: [String] = []
            func compare(_ name: String, _ unit: String, _ a: Double?, _ b: Double?) {
                guard let a, let b, a != b else { return }
                differences.append("\(name) \(plainNumber(b))\(unit) against the scatter's \(plainNumber(a))\(unit)")
            }
            let g = f.settings
            compare("frame rate", " Hz", s.frameRateHz.value, g.frameRateHz.value)
            compare("pixel size", " nm", s.nanometersPerPixel?.value, g.nanometersPerPixel?.value)
            compare("temperature", " °C", s.temperatureCelsius.value, g.temperatureCelsius.value)
            // (Water's viscosity follows the temperature: compared only where that is the same.)
            if s.temperatureCelsius.value == g.temperatureCelsius.value {
                compare("viscosity", " mPa·s", s.viscosityMillipascalSeconds.value, g.viscosityMillipascalSeconds.value)
            }
            if !differences.isEmpty {
                out.append("the fluorescence capture (\(f.file)) was sized with other settings than the scatter capture (\(differences.joined(separator: ", "))): the same sample in the same cell should share them, and the marker-positive share per size compares particles sized differently; check the settings")
            }
        }
        return out
    }
}

extension DilutionRecord {
    /// `--dilution F`, applied by this library; `fileRecordsNone` when it stands in for an instrument file's missing one
    /// (``recordedFactor`` is then `nil`: it is the factor the file recorded).
    package static func flag(_ factor: Double, fileRecordsNone: Bool = false) -> DilutionRecord {
        DilutionRecord(appliedFactor: factor, recordedFactor: fileRecordsNone ? nil : factor, appliedBy: .ntaSize,
                       source: flagSource + (fileRecordsNone ? " (the file records no dilution)" : ""))
    }

    /// The start of the ``source`` of a dilution given as `--dilution` (a sample sheet's row replaces it).
    package static let flagSource = "--dilution flag"
}
