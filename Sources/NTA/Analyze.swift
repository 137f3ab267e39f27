/// The files of one sample, as ``analyze(_:options:)`` reads them.
public struct SampleInput: Sendable {
    /// Scatter-mode inputs, pooled as replicates of one sample: trajectory files
    /// (trackpy, TrackMate, NanoSight track exports, any delimited file with
    /// ``columns``) or instrument exports (NanoSight ExperimentSummary, ZetaView size files).
    /// Paths are relative to the working directory or absolute.
    public var files: [String]
    /// Fluorescence-mode captures (trajectories) of the same sample, for the
    /// marker-positive count; they need a detection volume in the options.
    public var fluorescence: [String]
    /// The input format; `.auto` recognises it from the content.
    public var format: InputFormatChoice
    /// Which columns hold particle, frame, x, y (and intensity) in a delimited file
    /// of another tracker; `nil` reads the known formats' own headers.
    public var columns: ColumnMapping?

    /// A sample of `files`, with optional fluorescence captures, format and column mapping.
    public init(files: [String], fluorescence: [String] = [], format: InputFormatChoice = .auto,
                columns: ColumnMapping? = nil) {
        self.files = files
        self.fluorescence = fluorescence
        self.format = format
        self.columns = columns
    }
}

/// Reads and analyses one sample: every stage from the files to the populations.
///
/// This is the whole of `nta-size analyze` (the command calls it): settings from
/// `options.settings`, else each file's `<file>.settings.json` sidecar, else what the
/// file records; per-track diffusion and Stokes–Einstein sizes; the deconvolved (or
/// histogram) size distribution with `options.bootstrapReplicates` replicates for its
/// intervals; the size-window fraction; and, with `options.detectionVolume`, the
/// concentration and its decomposition. Render the result with ``AnalysisReport``,
/// ``TextReport`` or ``HTMLReport``.
///
/// - Throws: ``NTAError`` naming the file and what was wrong with it or with a setting.
public func analyze(_ input: SampleInput, options: AnalysisOptions = AnalysisOptions()) throws(NTAError) -> SampleResult {
    do {
        let result = try SampleResult.analyze(files: input.files, fluorescence: input.fluorescence, format: input.format,
                                              mapping: input.columns, options: options)
        StageTimings.shared.mark("sample: pooling, populations, concentration")
        return result
    } catch {
        throw NTAError(error, file: input.files.first ?? "")
    }
}

/// Reads and analyses one file as a sample of its own (see ``analyze(_:options:)``).
///
/// - Throws: ``NTAError`` naming the file and what was wrong with it or with a setting.
public func analyze(file: String, options: AnalysisOptions = AnalysisOptions()) throws(NTAError) -> SampleResult {
    try analyze(SampleInput(files: [file]), options: options)
}
