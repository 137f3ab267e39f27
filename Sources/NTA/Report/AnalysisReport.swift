import Foundation

/// The JSON report of `nta-size analyze`: a public, versioned contract.
///
/// Fields are only ever added, never renamed or repurposed; ``schemaVersion``
/// changes when fields are added. Numbers that cannot be computed (e.g. the
/// mean of an empty distribution) are `null`, never a string. The README
/// documents every field.
public struct AnalysisReport: Sendable, Encodable {
    /// Version of this JSON schema.
    public static let currentSchemaVersion = 1

    public var schemaVersion = AnalysisReport.currentSchemaVersion
    public var tool: ToolInfo
    /// Per-track estimator used (`msd1`, `cve`).
    public var estimator: String
    /// How the size distribution was formed (`trackHistogram`: one count per track).
    public var distribution: String
    /// Statistics of the pooled size distribution.
    public var size: SizeReport
    /// Number fraction in the size window, pooled.
    public var window: WindowReport
    /// Tracks over all videos.
    public var tracks: TrackCounts
    /// Data rows (localisations) over all videos.
    public var rows: RowCounts
    /// Every setting used, with its source; a setting that differs between
    /// videos has `value: null` and `source: "perVideo"` here.
    public var settings: [String: ReportedSetting]
    public var videos: [VideoReport]

    public struct ToolInfo: Sendable, Encodable {
        public var name = "nta-size"
        public var version = NTAVersion.string
    }

    public init(_ analysis: SampleAnalysis) {
        tool = ToolInfo()
        estimator = analysis.options.estimator.rawValue
        distribution = "trackHistogram"
        size = SizeReport(analysis.size)
        window = WindowReport(analysis.options.window, fraction: analysis.windowFraction)
        videos = analysis.videos.map(VideoReport.init)
        var dropped = DropTally(), rowsDropped = DropTally()
        for v in analysis.videos { dropped.merge(v.droppedTracks); rowsDropped.merge(v.droppedRows) }
        tracks = TrackCounts(read: analysis.videos.reduce(0) { $0 + $1.tracksRead },
                             used: analysis.videos.reduce(0) { $0 + $1.tracksUsed }, dropped: dropped)
        rows = RowCounts(read: analysis.videos.reduce(0) { $0 + $1.rowsRead }, dropped: rowsDropped)
        var merged: [String: ReportedSetting] = [:]
        for (k, first) in videos.first?.settings ?? [:] {
            merged[k] = videos.allSatisfy({ $0.settings[k] == first }) ? first : ReportedSetting(.null, source: "perVideo")
        }
        merged["estimator"] = ReportedSetting(.text(analysis.options.estimator.rawValue),
                                              source: "flag", detail: nil)
        merged["viscosityModel"] = ReportedSetting(.text(analysis.options.viscosityModel.rawValue), source: "flag")
        merged["windowMinNm"] = ReportedSetting(.number(analysis.options.window.minNm), source: "flag")
        merged["windowMaxNm"] = ReportedSetting(.number(analysis.options.window.maxNm), source: "flag")
        settings = merged
    }

    /// Encodes the report as deterministic JSON: sorted keys, two-space indentation.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

/// Size statistics in a report; `null` where not computable.
public struct SizeReport: Sendable, Encodable, Equatable {
    public var meanNm: Double?
    public var modeNm: Double?
    public var sdNm: Double?
    public var d10Nm: Double?
    public var d50Nm: Double?
    public var d90Nm: Double?

    public init(_ s: SizeStatistics) {
        meanNm = finite(s.meanNm); modeNm = finite(s.modeNm); sdNm = finite(s.sdNm)
        d10Nm = finite(s.d10Nm); d50Nm = finite(s.d50Nm); d90Nm = finite(s.d90Nm)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(meanNm, forKey: .meanNm); try c.encode(modeNm, forKey: .modeNm)
        try c.encode(sdNm, forKey: .sdNm); try c.encode(d10Nm, forKey: .d10Nm)
        try c.encode(d50Nm, forKey: .d50Nm); try c.encode(d90Nm, forKey: .d90Nm)
    }

    enum CodingKeys: String, CodingKey { case meanNm, modeNm, sdNm, d10Nm, d50Nm, d90Nm }
}

/// The size window and the number fraction inside it.
public struct WindowReport: Sendable, Encodable, Equatable {
    public var minNm: Double
    public var maxNm: Double
    public var fraction: Double?

    public init(_ w: SizeWindow, fraction: Double) {
        minNm = w.minNm; maxNm = w.maxNm; self.fraction = finite(fraction)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(minNm, forKey: .minNm); try c.encode(maxNm, forKey: .maxNm)
        try c.encode(fraction, forKey: .fraction)
    }

    enum CodingKeys: String, CodingKey { case minNm, maxNm, fraction }
}

/// Track counts: read = in the file, used = sized, dropped = by reason (read = used + Σ dropped).
public struct TrackCounts: Sendable, Encodable, Equatable {
    public var read: Int
    public var used: Int
    public var dropped: DropTally
}

/// Row counts: read = data rows in the file, dropped = by reason.
public struct RowCounts: Sendable, Encodable, Equatable {
    public var read: Int
    public var dropped: DropTally
}

/// A setting's value as reported: a number, a text, or null.
public enum ReportedValue: Sendable, Encodable, Equatable {
    case number(Double)
    case text(String)
    case null

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): if v.isFinite { try c.encode(v) } else { try c.encodeNil() }
        case .text(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }
}

/// One reported setting: `{"value": …, "source": "flag|file|default|derived|perVideo", "detail": …}`.
public struct ReportedSetting: Sendable, Encodable, Equatable {
    public var value: ReportedValue
    public var source: String
    public var detail: String?

    public init(_ value: ReportedValue, source: String, detail: String? = nil) {
        self.value = value
        self.source = source
        self.detail = detail
    }

    init<T: BinaryInteger>(_ s: SettingValue<T>) {
        self.init(.number(Double(s.value)), source: s.source.rawValue, detail: s.detail)
    }

    init(_ s: SettingValue<Double>) {
        self.init(.number(s.value), source: s.source.rawValue, detail: s.detail)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(source, forKey: .source)
        if let detail { try c.encode(detail, forKey: .detail) }
    }

    enum CodingKeys: String, CodingKey { case value, source, detail }
}

/// One video (input file) in a report.
public struct VideoReport: Sendable, Encodable {
    public var name: String
    public var file: String
    public var size: SizeReport
    public var window: WindowReport
    public var tracks: TrackCounts
    public var rows: RowCounts
    public var settings: [String: ReportedSetting]
    /// Video-level quantities estimated from the data.
    public var diagnostics: Diagnostics

    public struct Diagnostics: Sendable, Encodable {
        /// Pooled per-axis localisation error σ (CVE over all tracks), nm; null when not estimable.
        public var localisationSigmaNm: Double?
        /// Mean number of localisations per used track.
        public var meanTrackLength: Double?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(localisationSigmaNm, forKey: .localisationSigmaNm)
            try c.encode(meanTrackLength, forKey: .meanTrackLength)
        }

        enum CodingKeys: String, CodingKey { case localisationSigmaNm, meanTrackLength }
    }

    public init(_ v: VideoAnalysis) {
        name = v.name
        file = v.file
        size = SizeReport(v.size)
        window = WindowReport(v.window, fraction: v.windowFraction)
        tracks = TrackCounts(read: v.tracksRead, used: v.tracksUsed, dropped: v.droppedTracks)
        rows = RowCounts(read: v.rowsRead, dropped: v.droppedRows)
        settings = VideoReport.settings(v.settings)
        let lengths = v.tracks.lengths
        diagnostics = Diagnostics(
            localisationSigmaNm: v.localisationSigmaNanometers.flatMap(finite),
            meanTrackLength: lengths.isEmpty ? nil : Double(lengths.reduce(0, +)) / Double(lengths.count))
    }

    static func settings(_ s: ResolvedSettings) -> [String: ReportedSetting] {
        var out: [String: ReportedSetting] = [
            "frameRateHz": ReportedSetting(s.frameRateHz),
            "temperatureCelsius": ReportedSetting(s.temperatureCelsius),
            "viscosityMillipascalSeconds": ReportedSetting(s.viscosityMillipascalSeconds),
            "exposureMilliseconds": ReportedSetting(s.exposureMilliseconds),
            "blurCoefficient": ReportedSetting(.number(s.blurCoefficient), source: "derived",
                                               detail: "R = exposure / (6 × frame interval)"),
            "minTrackLength": ReportedSetting(s.minTrackLength),
        ]
        out["nanometersPerPixel"] = s.nanometersPerPixel.map(ReportedSetting.init)
            ?? ReportedSetting(.null, source: "notNeeded", detail: "positions were not in pixels")
        return out
    }
}

/// The package version reported in outputs.
public enum NTAVersion {
    public static let string = "0.1.0"
}

@inline(__always)
func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
