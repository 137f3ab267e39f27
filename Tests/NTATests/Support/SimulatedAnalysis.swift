import NTA

/// The settings a simulated video records, resolved as a file's would be
/// (source `file`, viscosity from IAPWS water, minimum track length 10).
func resolvedSettings(of video: SimulatedVideo, name: String = "sim") throws -> ResolvedSettings {
    try ResolvedSettings.resolve(file: name, flags: AcquisitionSettings(), fromFile: video.parameters.acquisitionSettings,
                                 needsPixelSize: true, viscosityModel: .iapws, defaultMinTrackLength: 10)
}

/// Analyses a simulated video's trajectories directly (no CSV round trip).
func analyzeSimulated(_ video: SimulatedVideo, name: String = "sim", options: AnalysisOptions = AnalysisOptions()) throws
    -> VideoAnalysis {
    let read = TrajectoryReadResult(table: video.table, rowsRead: video.table.count)
    return try Analysis.analyze(read, settings: try resolvedSettings(of: video, name: name), name: name, file: name,
                            options: options)
}

/// Monodisperse 100 nm beads over 300 frames at `concentrationPerMl`, as `nta-size simulate --mixture 100 --frames 300
/// --concentration C --seed S` writes them (σ = 30 nm, exposure 0 recorded), analysed with `options`; with the
/// simulation, whose truth the analysis is judged against.
func simulatedBeads(seed: UInt64, concentrationPerMl: Double, options: AnalysisOptions) throws
    -> (video: VideoAnalysis, truth: SimulatedVideo) {
    var p = SimulationParameters(mixture: .monodisperse(100))
    p.seed = seed
    p.frameCount = 300
    p.concentrationPerMl = concentrationPerMl
    let v = Simulator.run(p)
    return (try analyzeSimulated(v, options: options), v)
}

/// A simulated video of `mixture` (seed, frames), its analysis options with a detection volume of `nanoliters`
/// (changed by `configure`), and the sample of it alone.
func simulatedSample(_ mixture: SizeMixture, seed: UInt64, frames: Int = 600, nanoliters: Double,
                     name: String = "sim", configure: (inout AnalysisOptions) -> Void = { _ in }) throws
    -> (video: SimulatedVideo, options: AnalysisOptions, sample: SampleResult) {
    var p = SimulationParameters(mixture: mixture)
    p.seed = seed
    p.frameCount = frames
    let v = Simulator.run(p)
    var options = AnalysisOptions()
    options.detectionVolume = try DetectionVolume(nanoliters: nanoliters)
    configure(&options)
    let sample = try SampleResult([.video(try analyzeSimulated(v, name: name, options: options))], options: options)
    return (v, options, sample)
}

/// Analyses a simulated video as a user without its recorded exposure would: the exposure left out of the file's
/// settings and `exposureFlag` given as `--exposure-ms` (`nil`: the exposure unknown); no bootstrap.
func analyzeSimulated(_ video: SimulatedVideo, withheldExposureGiven exposureFlag: Double?, name: String = "sim") throws
    -> VideoAnalysis {
    var recorded = video.parameters.acquisitionSettings
    recorded.exposureMilliseconds = nil
    var flags = AcquisitionSettings()
    flags.exposureMilliseconds = exposureFlag
    let settings = try ResolvedSettings.resolve(file: name, flags: flags, fromFile: recorded, needsPixelSize: true,
                                                viscosityModel: .iapws, defaultMinTrackLength: 10)
    var options = AnalysisOptions()
    options.bootstrapReplicates = 0
    return try Analysis.analyze(TrajectoryReadResult(table: video.table, rowsRead: video.table.count),
                                settings: settings, name: name, file: name, options: options)
}
