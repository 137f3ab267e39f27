import ArgumentParser
import Foundation
import NTA

/// `nta-size analyze`: size the particles in one or more trajectory files.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Size the particles in trajectory files (one file per video; several are pooled).",
        discussion: """
            Settings come from flags, else from a <file>.settings.json sidecar beside each file, else \
            from defaults; the report says which. Exit status 1 on bad input or missing settings.
            """)

    @Argument(help: "Input files: trajectories (trackpy, TrackMate, NanoSight AllTracks, NanoSight NTA 2.x -alltracks.csv; any delimited file with --columns), NanoSight ParticleData or ExperimentSummary, ZetaView size files.")
    var files: [String]

    @OptionGroup var analysis: AnalysisFlags

    @Option(help: "A fluorescence-mode capture (trajectories) of the same sample, for the marker-positive count; repeatable.")
    var fluorescence: [String] = []

    @Option(help: "Output: text, json, csv (the size distribution), tracks (one CSV row per track: our D and size, whether used and why not), html (a self-contained report page) or svg (the size-distribution figure).")
    var output: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the output to this file instead of standard output.")
    var outputFile: String?

    @Flag(help: "Print the wall-clock time of each stage (reading, grouping, per-track estimates, deconvolution, bootstrap, report) and the process's CPU time in it (CPU / wall: the cores it kept busy) on standard error, for profiling; the output is unchanged.")
    var timings = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json, csv, tracks, html, svg }

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("expected at least one file to analyse") }
        // One file given twice would count as two videos of the sample.
        let inputs = files + fluorescence
        if let problem = OutputPath.repeatedInput(inputs) { throw ValidationError(problem) }
        if let outputFile {
            // Not over an input, its settings sidecar or a fluorescence capture.
            try OutputPath.check(outputFile, flag: "-o", inputs: inputs + inputs.map { $0 + ".settings.json" })
        }
    }

    func run() throws {
        if timings { StageTimings.shared.start() }
        let analysis = try NTA.analyze(
            SampleInput(files: files, fluorescence: fluorescence, format: self.analysis.format,
                        columns: try self.analysis.mapping()),
            options: try self.analysis.options())
        let data: Data
        switch output {
        case .json: data = try AnalysisReport(analysis).jsonData()
        case .text: data = Data(TextReport.render(analysis).utf8)
        case .csv: data = Data(TextReport.distributionCSV(analysis).utf8)
        case .tracks: data = Data(TrackTable.csv(analysis).utf8)
        case .html: data = Data(HTMLReport.render(analysis).utf8)
        case .svg: data = Data(SizeDistributionFigure.svg(analysis).utf8)
        }
        // A table or a figure has no place for the report's warnings, nor for why its figures are unknown: standard error.
        if [.csv, .tracks, .svg].contains(output) {
            var lines = TextReport.warningLines(analysis).map { "nta-size: warning: \($0)" }
            if let why = analysis.deconvolvedFiguresUnknownReason {
                lines.append("nta-size: the deconvolved distribution and its figures are unknown: \(why)")
            }
            if !lines.isEmpty { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
        }
        if let outputFile {
            do { try FileWriting.write(data, to: URL(fileURLWithPath: outputFile)) } catch {
                throw CLIError("cannot write \(outputFile): \(error.localizedDescription)")
            }
        } else {
            do { try FileWriting.write(data, to: FileHandle.standardOutput) } catch {
                throw CLIError("cannot write to standard output: \(error.localizedDescription)")
            }
        }
        if timings {
            StageTimings.shared.mark("report")
            let entries = StageTimings.shared.finish()
            var lines = entries.map {
                "nta-size: timing: \($0.stage): " + String(format: "%.3f s (CPU %.3f s)", $0.seconds, $0.cpuSeconds)
            }
            lines.append(String(format: "nta-size: timing: total (after start-up): %.3f s (CPU %.3f s)",
                                entries.reduce(0) { $0 + $1.seconds }, entries.reduce(0) { $0 + $1.cpuSeconds }))
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}

/// The analysis flags `analyze` and `batch` share (reading, settings, estimator, distribution, window,
/// concentration), with their validation and their translation into ``AnalysisOptions``.
struct AnalysisFlags: ParsableArguments {
    @Option(help: "Input format: auto (recognised from content), trajectories, nanosight-summary, nanosight-particles, nanosight-alltracks, nanosight-steps (NTA 2.x -alltracks.csv), zetaview or trackmate.")
    var format: InputFormatChoice = .auto

    @Option(help: "Column mapping for other trackers: particle=…,frame=…,x=…,y=…[,intensity=…][,video=…|none][,unit=px|nm|um]. A video column (video, capture, movie, … by default) splits one file into the videos it holds.")
    var columns: String?

    @Option(name: .customLong("fps"), parsing: .unconditional, help: "Frame rate, Hz.")
    var frameRateHz: Double?

    @Option(name: .customLong("nm-per-pixel"), parsing: .unconditional, help: "Pixel size in the sample plane, nm.")
    var nanometersPerPixel: Double?

    @Option(name: .customLong("temperature"), parsing: .unconditional, help: "Sample temperature, °C.")
    var temperatureCelsius: Double?

    @Option(name: .customLong("viscosity"), parsing: .unconditional, help: "Medium viscosity, mPa·s (overrides the water model).")
    var viscosityMillipascalSeconds: Double?

    @Option(name: .customLong("viscosity-model"), help: "Water viscosity from temperature: iapws (default), nanosight or vogel.")
    var viscosityModel: ViscosityModel?

    @Option(name: .customLong("exposure-ms"), parsing: .unconditional, help: "Exposure (shutter open) time per frame, ms; sets the blur model.")
    var exposureMilliseconds: Double?

    @Option(name: .customLong("min-track-length"), parsing: .unconditional, help: "Minimum localisations per track (default 10).")
    var minTrackLength: Int?

    @Option(help: "Per-track estimator: ml (exact maximum likelihood, pooled σ²), ml-free (σ² per track), cve, cve-pooled, msd-optimal or msd1 (one-lag MSD). Default: ml when the exposure is known, else ml-free.")
    var estimator: EstimatorChoice?

    @Option(help: "Size distribution: deconvolved (the sample's number distribution) or histogram (one count per track).")
    var distribution: DistributionChoice = .deconvolved

    @Option(help: "Per-track likelihood for the deconvolution: gamma (fast, noise- and blur-aware one-lag) or exact.")
    var likelihood: LikelihoodChoice = .gamma

    @Option(parsing: .unconditional, help: "Bootstrap replicates (over tracks) for intervals of the deconvolved statistics: 0 for none, else 2 … 10000 (default 100).")
    var bootstrap: Int?

    @Option(parsing: .unconditional, help: "Random seed of every bootstrap: the size distribution's, the concentration's, the vesicle-like share's (default 1): the same seed gives the same output.")
    var seed: UInt64?

    /// Replicates when `--bootstrap` is not given: 100, enough for the 2.5th and 97.5th percentiles of a 95 % interval
    /// (40 is the least that has them) with standard errors good to ~7 %.
    static let defaultBootstrapReplicates = 100

    @Flag(name: .customLong("no-drift-correction"), help: "Do not estimate and subtract the video's drift.")
    var noDriftCorrection = false

    @Option(parsing: .unconditional, help: "Size window MIN-MAX in nm for the number fraction, 0 ≤ MIN < MAX (default 30-150; an en or em dash, 30–150, also separates).")
    var window: String?

    @Option(name: .customLong("detection-volume-nl"), parsing: .unconditional, help: "Detection volume, nL (for concentration from trajectories).")
    var detectionVolumeNanoliters: Double?

    @Option(name: .customLong("field-of-view-um"), help: "Field of view WxH, µm (with --sheet-depth-um, instead of --detection-volume-nl).")
    var fieldOfView: String?

    @Option(name: .customLong("sheet-depth-um"), parsing: .unconditional, help: "Effective light-sheet (detection) depth, µm.")
    var sheetDepthMicrometers: Double?

    @Option(parsing: .unconditional, help: "Times the original sample was diluted before measuring (applied to concentrations from trajectories).")
    var dilution: Double?

    func validate() throws {
        _ = try sizeWindow()
        let settings: [(SettingLimit, Double?)] = [
            (.frameRateHz, frameRateHz), (.nanometersPerPixel, nanometersPerPixel),
            (.temperatureCelsius, temperatureCelsius), (.viscosityMillipascalSeconds, viscosityMillipascalSeconds),
            (.exposureMilliseconds, exposureMilliseconds), (.minTrackLength, minTrackLength.map(Double.init)),
        ]
        for case let (limit, value?) in settings {
            if let problem = limit.problem(value) { throw ValidationError("\(limit.flag): \(problem)") }
        }
        // One replicate makes no interval (its 2.5th and 97.5th percentiles are the replicate itself).
        if let bootstrap, bootstrap != 0, !(2...10_000).contains(bootstrap) {
            throw ValidationError("--bootstrap: expected 0 (no intervals) or 2 … 10000 replicates, found \(bootstrap)")
        }
        if let d = dilution, !DilutionFactor.accepted.contains(d) {
            throw ValidationError("--dilution: expected a factor of 1 … 10¹⁵, found \(d)")
        }
        if detectionVolumeNanoliters != nil, fieldOfView != nil || sheetDepthMicrometers != nil {
            throw ValidationError("give either --detection-volume-nl or --field-of-view-um with --sheet-depth-um, not both")
        }
        if (fieldOfView == nil) != (sheetDepthMicrometers == nil) {
            throw ValidationError("--field-of-view-um and --sheet-depth-um go together")
        }
        _ = try detectionVolume()
        _ = try mapping()
    }

    /// The size window `--window` gives, if any.
    func sizeWindow() throws -> SizeWindow? {
        do { return try window.map { text throws(SizeWindowParseError) in try SizeWindow.parse(text) } } catch {
            throw ValidationError("--window: \(error)")
        }
    }

    /// The column mapping `--columns` describes, if any.
    func mapping() throws -> ColumnMapping? {
        do { return try columns.map { spec in try ColumnMapping(parsing: spec) } } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The analysis options these flags describe (valid after ``validate()``).
    func options() throws -> AnalysisOptions {
        var options = AnalysisOptions()
        options.estimator = estimator
        if noDriftCorrection { options.subtractsDrift = false }
        options.distribution = distribution
        options.likelihood = likelihood
        options.bootstrapReplicates = bootstrap ?? Self.defaultBootstrapReplicates
        // The CLI's default is not the user's choice: reports give its source as `default`, and an instrument summary,
        // which has nothing to bootstrap, names only what was asked for as unused.
        if bootstrap == nil { options.explicitlySet.remove(.bootstrapReplicates) }
        if let seed { options.seed = seed }
        options.detectionVolume = try detectionVolume()
        options.dilution = dilution
        if let window = try sizeWindow() { options.window = window }
        if let viscosityModel { options.viscosityModel = viscosityModel }
        options.settings = AcquisitionSettings(
            frameRateHz: frameRateHz, nanometersPerPixel: nanometersPerPixel, temperatureCelsius: temperatureCelsius,
            viscosityMillipascalSeconds: viscosityMillipascalSeconds, exposureMilliseconds: exposureMilliseconds,
            minTrackLength: minTrackLength)
        return options
    }

    /// The detection volume the flags describe, if any.
    func detectionVolume() throws -> DetectionVolume? {
        /// The volume's own message, after the flags that gave it.
        func named(_ flags: String, _ make: () throws(PopulationError) -> DetectionVolume) throws -> DetectionVolume {
            do { return try make() } catch {
                if case .invalidDetectionVolume(let what) = error { throw ValidationError("\(flags): \(what)") }
                throw ValidationError("\(flags): \(error)")
            }
        }
        if let nl = detectionVolumeNanoliters {
            return try named("--detection-volume-nl") { () throws(PopulationError) in try DetectionVolume(nanoliters: nl) }
        }
        if let fov = fieldOfView, let depth = sheetDepthMicrometers {
            guard let (w, h) = DetectionVolume.parseFieldOfView(fov) else {
                throw ValidationError("--field-of-view-um: expected WxH in µm, e.g. 100x80, found \"\(fov)\"")
            }
            return try named("--field-of-view-um, --sheet-depth-um") { () throws(PopulationError) in
                try DetectionVolume(fieldWidthMicrometers: w, fieldHeightMicrometers: h, sheetDepthMicrometers: depth)
            }
        }
        return nil
    }
}

extension EstimatorChoice: ExpressibleByArgument {}
extension InputFormatChoice: ExpressibleByArgument {}
extension DistributionChoice: ExpressibleByArgument {}
extension LikelihoodChoice: ExpressibleByArgument {}
extension ViscosityModel: ExpressibleByArgument {}

/// An error the CLI reports as one line on standard error, with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
