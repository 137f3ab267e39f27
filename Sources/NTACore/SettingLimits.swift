/// The range of values the analysis accepts for each acquisition setting, in one place:
/// ``ResolvedSettings/resolve(file:flags:fromFile:needsPixelSize:viscosityModel:defaultMinTrackLength:fileDetail:)``
/// checks every value against it, and the command line checks its flags against it.
///
/// The limits are wide enough for every real instrument (and many impossible ones); they
/// exist so that no value can overflow the numerics (a frame interval of 1e-300 s), size an
/// allocation (a step SD of 1e-20 µm cells a slab into 10²¹ cells) or make the work unbounded
/// (a minimum track length of 10⁹ frames propagated through the visit model).
///
/// The raw value is the setting's key in ``AcquisitionSettings`` and in a `<file>.settings.json` sidecar.
public enum SettingLimit: String, Sendable, CaseIterable, Hashable {
    /// Camera frame rate, Hz.
    case frameRateHz
    /// Pixel size in the sample plane, nm.
    case nanometersPerPixel
    /// Sample temperature, °C.
    case temperatureCelsius
    /// Medium viscosity, mPa·s.
    case viscosityMillipascalSeconds
    /// Exposure (shutter-open) time per frame, ms.
    case exposureMilliseconds
    /// Minimum localisations per track.
    case minTrackLength

    /// Closed range of accepted values, in the setting's unit.
    public var range: ClosedRange<Double> {
        switch self {
        case .frameRateHz: return 1e-3 ... 1e6
        case .nanometersPerPixel: return 1e-3 ... 1e6
        // Liquid water at normal pressures (the viscosity models' domain, with a margin for supercooling).
        case .temperatureCelsius: return -20 ... 150
        // From a gas (0.01) to a stiff gel (10⁷ mPa·s = 10⁴ Pa·s).
        case .viscosityMillipascalSeconds: return 1e-3 ... 1e7
        case .exposureMilliseconds: return 0 ... 1e6
        // The visit model propagates a walk for this many frames per diameter.
        case .minTrackLength: return 2 ... 1000
        }
    }

    /// What the value is, for messages ("frame rate, Hz").
    public var meaning: String {
        switch self {
        case .frameRateHz: return "a frame rate in Hz"
        case .nanometersPerPixel: return "a pixel size in nm"
        case .temperatureCelsius: return "a liquid-water temperature in °C"
        case .viscosityMillipascalSeconds: return "a viscosity in mPa·s"
        case .exposureMilliseconds: return "an exposure time in ms"
        case .minTrackLength: return "a minimum track length in localisations"
        }
    }

    /// The setting's name in messages ("frame rate").
    public var name: String {
        switch self {
        case .frameRateHz: return "frame rate"
        case .nanometersPerPixel: return "pixel size"
        case .temperatureCelsius: return "temperature"
        case .viscosityMillipascalSeconds: return "viscosity"
        case .exposureMilliseconds: return "exposure"
        case .minTrackLength: return "minimum track length"
        }
    }

    /// `nil` when `value` is accepted; otherwise what was expected and what was found.
    public func problem(_ value: Double) -> String? {
        guard value.isFinite, range.contains(value) else {
            return "expected \(meaning) between \(plainNumber(range.lowerBound)) and \(plainNumber(range.upperBound)), found \(plainNumber(value))"
        }
        return nil
    }
}

/// The dilution factors accepted (`--dilution`, a sample sheet's `dilution`, an instrument file's recorded one): at
/// least 1 (the sample as measured), at most 10¹⁵ (far above any real dilution, and low enough that a concentration
/// over the smallest `DetectionVolume` stays finite).
public enum DilutionFactor {
    /// 1 … 10¹⁵.
    public static let accepted: ClosedRange<Double> = 1...1e15

    /// `nil` when `value` is accepted; otherwise what was expected and what was found.
    public static func problem(_ value: Double) -> String? {
        guard value.isFinite, accepted.contains(value) else {
            return "expected a dilution factor of 1 … 10¹⁵, found \(plainNumber(value))"
        }
        return nil
    }
}
