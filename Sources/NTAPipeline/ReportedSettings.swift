import NTACore
import NTARead

/// Track counts: read = in the file, used = sized, dropped = by reason (read = used + Σ dropped).
public struct TrackCounts: Sendable, Equatable {
    /// Tracks in the input.
    public package(set) var read: Int
    /// Tracks sized.
    public package(set) var used: Int
    /// Tracks left out, by reason.
    public package(set) var dropped: DropTally

    /// Counts from their parts.
    public init(read: Int, used: Int, dropped: DropTally) {
        self.read = read
        self.used = used
        self.dropped = dropped
    }
}

/// Row counts: read = data rows in the file, dropped = by reason.
public struct RowCounts: Sendable, Equatable {
    /// Data rows in the input.
    public package(set) var read: Int
    /// Rows left out, by reason.
    public package(set) var dropped: DropTally

    /// Counts from their parts.
    public init(read: Int, dropped: DropTally) {
        self.read = read
        self.dropped = dropped
    }
}

/// A setting's value as reported: a number, a text, or null.
public enum ReportedValue: Sendable, Equatable {
    case number(Double)
    case text(String)
    case null
}

/// One reported setting: `{"value": …, "source": "flag|file|default|derived|perVideo|notNeeded", "detail": …}`.
public struct ReportedSetting: Sendable, Equatable {
    /// Where a reported setting's value came from (JSON `source`, the raw value).
    public enum Source: String, Sendable, Hashable, CaseIterable {
        /// Given explicitly: a command-line flag, the analysis options, or a sample sheet.
        case flag
        /// A settings file or the input file itself.
        case file
        /// The analysis' default.
        case `default`
        /// Computed from other settings (e.g. viscosity from temperature).
        case derived
        /// Imposed by the input (e.g. no drift correction without frames shared across tracks).
        case input
        /// Different in different videos: see each video's settings.
        case perVideo
        /// Not needed by this input (e.g. a pixel size for positions in µm).
        case notNeeded

        /// The reported source of a resolved setting.
        public init(_ source: SettingSource) {
            switch source {
            case .flag: self = .flag
            case .file: self = .file
            case .default: self = .default
            case .derived: self = .derived
            }
        }
    }

    /// The value used.
    public package(set) var value: ReportedValue
    /// Where the value came from.
    public package(set) var source: Source
    /// Which file, sheet row or model gave it, or why it is null.
    public package(set) var detail: String?

    /// A setting reported with its value, source and an optional detail (which file, which model).
    public init(_ value: ReportedValue, source: Source, detail: String? = nil) {
        self.value = value
        self.source = source
        self.detail = detail
    }

    init<T: BinaryInteger>(_ s: SettingValue<T>) {
        self.init(.number(Double(s.value)), source: Source(s.source), detail: s.detail)
    }

    init(_ s: SettingValue<Double>) {
        self.init(.number(s.value), source: Source(s.source), detail: s.detail)
    }
}

extension ReportedSetting {
    /// The settings a video was analysed with, each with its source, keyed as in the JSON report.
    public static func table(for s: ResolvedSettings) -> [String: ReportedSetting] {
        var out: [String: ReportedSetting] = [
            "frameRateHz": ReportedSetting(s.frameRateHz),
            "temperatureCelsius": ReportedSetting(s.temperatureCelsius),
            "viscosityMillipascalSeconds": ReportedSetting(s.viscosityMillipascalSeconds),
            "exposureMilliseconds": s.exposureMilliseconds.source == .default
                ? ReportedSetting(.null, source: .default, detail: s.exposureMilliseconds.detail)
                : ReportedSetting(s.exposureMilliseconds),
            "blurCoefficient": s.exposureMilliseconds.source == .default
                ? ReportedSetting(.null, source: .derived,
                                  detail: "exposure unknown: R is estimated from the tracks where they identify it (see the video's nuisance)")
                : ReportedSetting(.number(s.blurCoefficient), source: .derived,
                                  detail: s.exposureExceedsFrameInterval
                                      ? "R = 1/6: the exposure given is longer than the frame interval, so the shutter is taken as open the whole frame"
                                      : "R = exposure / (6 × frame interval)"),
            "minTrackLength": ReportedSetting(s.minTrackLength),
        ]
        out["nanometersPerPixel"] = s.nanometersPerPixel.map(ReportedSetting.init)
            ?? ReportedSetting(.null, source: .notNeeded, detail: "positions were not in pixels")
        return out
    }
}
