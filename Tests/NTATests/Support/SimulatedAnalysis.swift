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
