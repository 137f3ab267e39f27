/// The acquisition settings of one video, as far as they are known.
///
/// Every field is optional here: a value can come from a command-line flag,
/// from a settings file (the `<file>.settings.json` sidecar, or an instrument
/// export), or from a default. ``ResolvedSettings`` holds the values an
/// analysis actually used and where each came from.
///
/// The JSON form of this type is the sidecar format:
/// ```json
/// {"frameRateHz": 30, "nanometersPerPixel": 160, "temperatureCelsius": 22}
/// ```
public struct AcquisitionSettings: Sendable, Hashable, Codable {
    /// Camera frame rate, Hz. The frame interval Δt is its inverse.
    public var frameRateHz: Double?
    /// Size of one camera pixel in the sample plane, nm.
    public var nanometersPerPixel: Double?
    /// Sample temperature, °C.
    public var temperatureCelsius: Double?
    /// Dynamic viscosity of the medium, mPa·s (= cP). When absent it is
    /// computed from the temperature for water.
    public var viscosityMillipascalSeconds: Double?
    /// Camera exposure (shutter open) time per frame, ms. Sets the motion-blur
    /// coefficient R = τₑ/(6Δt).
    public var exposureMilliseconds: Double?
    /// Minimum number of localisations a track needs to be used.
    public var minTrackLength: Int?

    /// Settings with the given values; a `nil` is unknown (to be filled by another source or a default).
    public init(
        frameRateHz: Double? = nil,
        nanometersPerPixel: Double? = nil,
        temperatureCelsius: Double? = nil,
        viscosityMillipascalSeconds: Double? = nil,
        exposureMilliseconds: Double? = nil,
        minTrackLength: Int? = nil
    ) {
        self.frameRateHz = frameRateHz
        self.nanometersPerPixel = nanometersPerPixel
        self.temperatureCelsius = temperatureCelsius
        self.viscosityMillipascalSeconds = viscosityMillipascalSeconds
        self.exposureMilliseconds = exposureMilliseconds
        self.minTrackLength = minTrackLength
    }

    /// The value of the setting `limit` checks (``SettingLimit``'s raw value is its key here), `nil` when unknown.
    public func value(of limit: SettingLimit) -> Double? {
        switch limit {
        case .frameRateHz: return frameRateHz
        case .nanometersPerPixel: return nanometersPerPixel
        case .temperatureCelsius: return temperatureCelsius
        case .viscosityMillipascalSeconds: return viscosityMillipascalSeconds
        case .exposureMilliseconds: return exposureMilliseconds
        case .minTrackLength: return minTrackLength.map(Double.init)
        }
    }

    /// Returns these settings with every value that `other` has replacing ours.
    public func overridden(by other: AcquisitionSettings) -> AcquisitionSettings {
        AcquisitionSettings(
            frameRateHz: other.frameRateHz ?? frameRateHz,
            nanometersPerPixel: other.nanometersPerPixel ?? nanometersPerPixel,
            temperatureCelsius: other.temperatureCelsius ?? temperatureCelsius,
            viscosityMillipascalSeconds: other.viscosityMillipascalSeconds ?? viscosityMillipascalSeconds,
            exposureMilliseconds: other.exposureMilliseconds ?? exposureMilliseconds,
            minTrackLength: other.minTrackLength ?? minTrackLength
        )
    }
}

/// Where a setting's value came from.
public enum SettingSource: String, Sendable, Codable, Hashable {
    /// A command-line flag or an explicit library argument.
    case flag
    /// A settings file: the `<file>.settings.json` sidecar or an instrument export.
    case file
    /// The documented default.
    case `default`
    /// Computed from other settings (e.g. viscosity from temperature).
    case derived
}

/// One setting's value and its provenance.
public struct SettingValue<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    /// The value used, in the unit of its setting (see ``AcquisitionSettings``).
    public var value: Value
    /// Where the value came from.
    public var source: SettingSource
    /// Free-text detail, e.g. the viscosity formula used.
    public var detail: String?

    /// `value` from `source`, with optional free-text `detail`.
    public init(_ value: Value, source: SettingSource, detail: String? = nil) {
        self.value = value
        self.source = source
        self.detail = detail
    }
}
