import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution

/// Which reader to use for an input file.
public enum InputFormatChoice: String, Sendable, CaseIterable, Hashable {
    /// Recognise the format from the file's content.
    case auto
    /// A delimited trajectory file (trackpy's columns, or any with a column mapping).
    case trajectories
    /// NanoSight NTA 3.x `-ExperimentSummary.csv`.
    case nanosightSummary = "nanosight-summary"
    /// NanoSight `_ParticleData.csv` (one row per track).
    case nanosightParticles = "nanosight-particles"
    /// NanoSight `_AllTracks.csv` (one row per particle per frame).
    case nanosightAllTracks = "nanosight-alltracks"
    /// NanoSight NTA 2.x `-alltracks.csv` (one row per step, no frame numbers).
    case nanosightSteps = "nanosight-steps"
    /// ZetaView `_size_*.txt`.
    case zetaview
    /// TrackMate spots CSV.
    case trackmate

    /// The instrument format this choice insists on, if any.
    var required: InstrumentFormat? {
        switch self {
        case .auto, .trajectories: return nil
        case .nanosightSummary: return .nanoSightExperimentSummary
        case .nanosightParticles: return .nanoSightParticleData
        case .nanosightAllTracks: return .nanoSightAllTracks
        case .nanosightSteps: return .nanoSightTrackSteps
        case .zetaview: return .zetaViewSize
        case .trackmate: return .trackMateSpots
        }
    }
}

/// One input file, read and analysed as far as its content allows.
public enum LoadedInput: Sendable {
    /// Trajectories or per-track data: analysed track by track.
    case video(VideoAnalysis)
    /// An instrument's binned export: distributions, concentrations and settings as the instrument wrote them,
    /// with the per-video statistics exactly as the instrument prints them when it prints them (NanoSight).
    case summary(DistributionSummary, file: String, printed: [SizeStatistics]?)
}

extension Analysis {
    /// Reads `file`, recognising its format from content (or as `format` says),
    /// and analyses it: trajectories and per-track exports through the
    /// tracking pipeline, instrument summaries as binned distributions.
    ///
    /// Settings: `options.settings` (flags) override the `<file>.settings.json`
    /// sidecar, which overrides what the file itself records. The video is named `name`, or by the file's name.
    public static func load(
        file: String, format: InputFormatChoice = .auto, mapping: ColumnMapping? = nil, options: AnalysisOptions,
        name given: String? = nil
    ) throws -> LoadedInput {
        let url = URL(fileURLWithPath: file)
        let name = given ?? url.lastPathComponent
        if format == .trajectories || mapping != nil {
            return .video(try analyzeTrajectoryFile(at: url, displayName: file, mapping: mapping, options: options, name: name))
        }
        let reading = try format.required.map { required throws(InputError) in
            try InstrumentReading.read(contentsOf: url, displayName: file, requiring: required) { found in
                InputError(file: file, message: "expected a \(required.displayName) (--format \(format.rawValue)), but the content is a \(found.displayName)")
            }
        } ?? InstrumentReading.read(contentsOf: url, displayName: file)
        let sidecar = try SettingsSidecar.load(for: url)
        // Consumed: a binding kept alive would share the parsed columns with `read` below, and the pipeline's first
        // change to them would copy every column (+160 MB on a 10M-row file).
        switch consume reading {
        case .trajectories(var read, let kind):
            StageTimings.shared.mark("read")
            var (fromFile, detail) = try fileSettings(for: url, sidecar: sidecar, nanoSightExport: kind == .nanoSightAllTracks)
            // What the table itself records comes last: below the sidecar (and the flags).
            if let recorded = read.recordedSettings {
                fromFile = fromFile.map { recorded.overridden(by: $0) } ?? recorded
                detail = [detail, read.recordedSettingsDetail].compactMap { $0 }.joined(separator: ", else ")
            }
            let settings = try ResolvedSettings.resolve(
                file: file, flags: options.settings, fromFile: fromFile, needsPixelSize: read.table.positionUnit == .pixels,
                viscosityModel: options.viscosityModel, defaultMinTrackLength: options.defaultMinTrackLength,
                fileDetail: detail)
            // A value given that overrides a different one of the file's (sidecar, NanoSight experiment file) is said.
            read.warnings += overrideWarnings(flags: options.settings, fromFile: fromFile, fileDetail: detail,
                                              skippingFrameRate: read.recordedSettings?.frameRateHz != nil)
            // A frame rate given otherwise that disagrees with the table's own by more than 1 % is worth a word.
            if let recorded = read.recordedSettings?.frameRateHz, abs(settings.frameRateHz.value / recorded - 1) > 0.01 {
                let given = settings.frameRateHz.source == .flag ? "--fps" : "the settings sidecar"
                read.warnings.append("the frame rate used, \(plainNumber(settings.frameRateHz.value)) Hz (\(given)), differs from the \(String(format: "%.6g", recorded)) Hz of the file's \(read.recordedSettingsDetail ?? "times"); the sizes follow the rate used")
            }
            return .video(try analyze(consume read, settings: settings, name: name, file: file, options: options))
        case .nanoSightParticleData(let data):
            let (fromFile, detail) = try fileSettings(for: url, sidecar: sidecar, nanoSightExport: true)
            let settings = try ResolvedSettings.resolve(
                file: file, flags: options.settings, fromFile: fromFile, needsPixelSize: false,
                viscosityModel: options.viscosityModel, defaultMinTrackLength: options.defaultMinTrackLength,
                fileDetail: detail)
            var video = analyzeParticleData(data, settings: settings, name: name, file: file, options: options)
            video.warnings += overrideWarnings(flags: options.settings, fromFile: fromFile, fileDetail: detail)
            return .video(video)
        case .nanoSightSummary(let summary):
            let printed = (0..<summary.videos.count).map { summary.figures(video: $0)?.statistics }
            return .summary(try DistributionSummary(summary, fileName: file), file: file,
                            printed: printed.contains(where: { $0 == nil }) ? nil : printed.map { $0! })
        case .zetaViewSize(let measurement):
            // ZetaView prints its median of the Number column (interpolated between listed sizes).
            let summary = try DistributionSummary(measurement, fileName: file)
            let printed = summary.videos.map { v -> SizeStatistics in
                var s = SizeStatistics(v.numberDistribution)
                if let median = measurement.medianNumberNanometers { s.d50Nm = median }
                return s
            }
            return .summary(summary, file: file, printed: printed)
        case .nanoSightExperimentFile:
            throw InputError(file: file, message: "this is a NanoSight experiment file (.nano): it holds settings, not measurements; analyse the -ExperimentSummary.csv or the per-particle export, and pass its settings (e.g. --nm-per-pixel, --fps)")
        case .zetaViewPositions:
            throw InputError(file: file, message: "this is a ZetaView per-position table (_11pos.txt); analyse the _size_ file of the same measurement")
        }
    }

    /// One warning per setting given (`flags`) that overrides a value of the file's own (`fromFile`, from
    /// `fileDetail`) that differs from it: by more than 1 % (0.5 °C for the temperature). The value given is used; a
    /// user who passed `--fps 30` for a file whose sidecar says 60 Hz sizes it at twice the diameter, and should hear
    /// so. `skippingFrameRate`: the frame rate is checked elsewhere (a table's own times).
    static func overrideWarnings(flags: AcquisitionSettings, fromFile: AcquisitionSettings?, fileDetail: String?,
                                 skippingFrameRate: Bool = false) -> [String] {
        guard let fromFile else { return [] }
        let units: [(SettingLimit, String)] = [(.frameRateHz, "Hz"), (.nanometersPerPixel, "nm"), (.temperatureCelsius, "°C"),
                                               (.viscosityMillipascalSeconds, "mPa·s"), (.exposureMilliseconds, "ms")]
        return units.compactMap { setting, unit in
            guard !(skippingFrameRate && setting == .frameRateHz), let given = flags.value(of: setting),
                  let recorded = fromFile.value(of: setting) else { return nil }
            let differs = setting == .temperatureCelsius ? abs(given - recorded) > 0.5
                                                         : abs(given - recorded) > 0.01 * max(abs(given), abs(recorded))
            guard differs else { return nil }
            return "the \(setting.name) given, \(plainNumber(given)) \(unit), overrides the \(plainNumber(recorded)) \(unit) of the \(fileDetail ?? "file's settings"); the sizes follow the value given"
        }
    }

    /// Settings recorded beside a data file: its `<file>.settings.json` sidecar
    /// and, for NanoSight per-particle exports, the `.nano` experiment file in
    /// the same folder whose `[Filenames]` lists the export's video (or the only
    /// `.nano` there when it holds one video). The sidecar overrides the `.nano`.
    static func fileSettings(for url: URL, sidecar: AcquisitionSettings?, nanoSightExport: Bool)
        throws(InputError) -> (AcquisitionSettings?, String?) {
        guard nanoSightExport else { return (sidecar, sidecar == nil ? nil : "settings sidecar") }
        let folder = url.deletingLastPathComponent()
        let nanoFiles = ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension.lowercased() == "nano" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var found: (AcquisitionSettings, String)?
        for nano in nanoFiles {
            let experiment = try NanoSightExperimentFileReader().read(contentsOf: nano, displayName: nano.path)
            if let k = experiment.videoIndex(matching: url.lastPathComponent) {
                found = (experiment.acquisitionSettings(video: k), nano.lastPathComponent)
                break
            }
            if nanoFiles.count == 1, experiment.acquisitionSettings(video: 0) == experiment.acquisitionSettings(video: 1) {
                found = (experiment.acquisitionSettings(video: 0), nano.lastPathComponent)
            }
        }
        guard let (nanoSettings, nanoName) = found else { return (sidecar, sidecar == nil ? nil : "settings sidecar") }
        let merged = sidecar.map { nanoSettings.overridden(by: $0) } ?? nanoSettings
        return (merged, sidecar == nil ? "NanoSight experiment file \(nanoName)" : "settings sidecar, else NanoSight experiment file \(nanoName)")
    }

    /// Sizes the tracks of a NanoSight `_ParticleData.csv`: each track's
    /// diffusion coefficient as NTA estimated it, re-sized with these settings'
    /// temperature and viscosity. NTA's estimator is not documented; the
    /// per-track variance reported is the one-lag theory, D²/K for K = length − 1.
    public static func analyzeParticleData(
        _ data: NanoSightParticleData, settings: ResolvedSettings, name: String, file: String, options: AnalysisOptions
    ) -> VideoAnalysis {
        var dropped = DropTally()
        var result = TrackEstimates()
        var records: [TrackRecord] = []
        var instrument: [InstrumentTrackEstimate] = []
        let t = settings.temperatureCelsius.value, eta = settings.viscosityMillipascalSeconds.value
        for k in 0..<data.count {
            let length = Int(data.trackLengthFrames[k])
            let d = data.diffusionCoefficientSquareNanometersPerSecond[k] * 1e-6
            instrument.append(InstrumentTrackEstimate(particleID: data.particleID[k], diffusionUm2PerS: d,
                                                      diameterNanometers: data.sizeNanometers[k]))
            var record = TrackRecord(particleID: data.particleID[k], localisations: length, steps: max(length - 1, 0))
            record.meanIntensity = Foundation.exp(data.lnAdjustedIntensity[k])
            defer { records.append(record) }
            guard length >= settings.minTrackLength.value else { dropped.add(.tooShort); record.reason = .tooShort; continue }
            record.diffusionUm2PerS = d
            record.diffusionStandardErrorUm2PerS = d / Double(max(length - 1, 1)).squareRoot()
            guard d.isFinite, d > 0 else { dropped.add(.nonPositiveDiffusion); record.reason = .nonPositiveDiffusion; continue }
            let size = StokesEinstein.diameterNanometers(diffusionUm2PerS: d, temperatureCelsius: t, viscosityMillipascalSeconds: eta)
            record.diameterNanometers = size
            guard options.keepsDiameter(size) else {
                dropped.add(.diameterOutOfRange); record.reason = .diameterOutOfRange; continue
            }
            result.particleIDs.append(data.particleID[k])
            result.lengths.append(length)
            result.diffusionUm2PerS.append(d)
            result.diffusionVarianceUm4PerS2.append(d * d / Double(max(length - 1, 1)))
            result.diametersNanometers.append(size)
        }
        var video = finish(result, dropped: dropped, settings: settings, name: name, file: file, rowsRead: data.count,
                           droppedRows: DropTally(), tracksRead: data.count, estimator: nil, nuisance: nil, deconvolved: nil,
                           deconvolvedTracks: 0, options: options)
        video.trackRecords = records
        video.instrumentTracks = instrument
        // NTA's own selection is not applied (the pipeline makes its own), but it is said.
        let excluded = data.includedInDistribution.indices.filter { !data.includedInDistribution[$0] }
        if !excluded.isEmpty {
            let sized = Set(result.particleIDs)
            let kept = excluded.filter { sized.contains(data.particleID[$0]) }.count
            video.notes.append("\(name): NanoSight left \(excluded.count) of the file's \(data.count) tracks out of its own distribution (\"Included in distribution?\" false); nta-size makes its own selection instead (the tracks it drops are counted with their reasons), which sized \(kept) of those \(excluded.count)")
        }
        return video
    }

    /// Builds a video's distribution and statistics from its sized tracks.
    static func finish(
        _ tracks: TrackEstimates, dropped: DropTally, settings: ResolvedSettings, name: String, file: String,
        rowsRead: Int, droppedRows: DropTally, tracksRead: Int, estimator: EstimatorChoice?, nuisance: VideoNuisance?,
        deconvolved: DeconvolvedSizeDistribution?, deconvolvedTracks: Int, options: AnalysisOptions
    ) -> VideoAnalysis {
        let upper = max(1000, ((tracks.diametersNanometers.max() ?? 0) + 1).rounded(.up))
        let histogram = BinnedDistribution.histogram(diametersNanometers: tracks.diametersNanometers, upperNanometers: upper)
        let histogramSize = SizeStatistics(trackHistogram: histogram)
        let histogramWindow = options.window.fraction(of: histogram)
        var distribution = histogram, kind = DistributionKind.trackHistogram, size = histogramSize, window = histogramWindow
        if let deconvolved {
            distribution = deconvolved.deconvolution.numberDistribution(total: Double(deconvolvedTracks))
            kind = .deconvolved
            size = SizeStatistics(distribution)
            window = options.window.fraction(of: distribution)
        }
        return VideoAnalysis(
            name: name, file: file, settings: settings, rowsRead: rowsRead, droppedRows: droppedRows,
            tracksRead: tracksRead, droppedTracks: dropped, tracks: tracks, distribution: distribution,
            distributionKind: kind, size: size, windowFraction: window, deconvolved: deconvolved,
            histogram: histogram, histogramSize: histogramSize, histogramWindowFraction: histogramWindow,
            nuisance: nuisance, window: options.window, trajectoryRows: nil, estimator: estimator)
    }
}
