/// The settings an analysis of one video actually used, each with its source.
public struct ResolvedSettings: Sendable, Hashable {
    public var frameRateHz: SettingValue<Double>
    /// `nil` when positions were not in pixels.
    public var nanometersPerPixel: SettingValue<Double>?
    public var temperatureCelsius: SettingValue<Double>
    public var viscosityMillipascalSeconds: SettingValue<Double>
    /// 0 means an instantaneous exposure (no motion blur modelled).
    public var exposureMilliseconds: SettingValue<Double>
    public var minTrackLength: SettingValue<Int>

    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double { 1 / frameRateHz.value }

    /// Motion-blur coefficient R = τₑ/(6Δt) for a shutter open τₑ per frame
    /// (SCIENCE.md §1), clamped to the physical maximum 1/6 when τₑ ≥ Δt.
    public var blurCoefficient: Double {
        let fraction = min(max(exposureMilliseconds.value * 1e-3 * frameRateHz.value, 0), 1)
        return fraction / 6
    }

    /// Resolves settings for `file`: `flags` override `fromFile`, which
    /// overrides defaults; `fileDetail` names where `fromFile` came from. Throws ``MissingSettingError`` for a required
    /// setting given nowhere, and ``InputError`` for an impossible value.
    public static func resolve(
        file: String, flags: AcquisitionSettings, fromFile: AcquisitionSettings?,
        needsPixelSize: Bool, viscosityModel: ViscosityModel, defaultMinTrackLength: Int, fileDetail: String? = nil
    ) throws -> ResolvedSettings {
        func pick<T>(_ key: KeyPath<AcquisitionSettings, T?>) -> SettingValue<T>? {
            if let v = flags[keyPath: key] { return SettingValue(v, source: .flag) }
            if let v = fromFile?[keyPath: key] { return SettingValue(v, source: .file, detail: fileDetail) }
            return nil
        }
        func check(_ v: Double, _ name: String, _ flag: String, allowZero: Bool = false) throws {
            guard v.isFinite, allowZero ? v >= 0 : v > 0 else {
                throw InputError(file: file, message: "expected a positive \(name) (\(flag)), found \(v)")
            }
        }
        guard let fps = pick(\.frameRateHz) else {
            throw MissingSettingError(file: file, setting: "frame rate", flag: "--fps HZ", sidecarKey: "frameRateHz")
        }
        try check(fps.value, "frame rate", "--fps")
        var pixel: SettingValue<Double>? = nil
        if needsPixelSize {
            guard let px = pick(\.nanometersPerPixel) else {
                throw MissingSettingError(file: file, setting: "pixel size", flag: "--nm-per-pixel NM",
                                          sidecarKey: "nanometersPerPixel")
            }
            try check(px.value, "pixel size", "--nm-per-pixel")
            pixel = px
        }
        guard let temperature = pick(\.temperatureCelsius) else {
            throw MissingSettingError(file: file, setting: "temperature", flag: "--temperature C",
                                      sidecarKey: "temperatureCelsius")
        }
        guard temperature.value.isFinite, temperature.value > -20, temperature.value < 150 else {
            throw InputError(file: file, message: "expected a liquid-water temperature in °C (--temperature), found \(temperature.value)")
        }
        let viscosity: SettingValue<Double>
        if let v = pick(\.viscosityMillipascalSeconds) {
            try check(v.value, "viscosity", "--viscosity")
            viscosity = v
        } else {
            let eta = viscosityModel.viscosityMillipascalSeconds(temperatureCelsius: temperature.value)
            viscosity = SettingValue(eta, source: .derived,
                                     detail: "water at \(temperature.value) °C, \(viscosityModel.citation)")
        }
        let exposure = pick(\.exposureMilliseconds)
            ?? SettingValue(0, source: .default, detail: "instantaneous exposure: no motion blur modelled")
        try check(exposure.value, "exposure", "--exposure-ms", allowZero: true)
        let minLength = pick(\.minTrackLength) ?? SettingValue(defaultMinTrackLength, source: .default)
        guard minLength.value >= 2 else {
            throw InputError(file: file, message: "expected a minimum track length of at least 2 localisations (--min-track-length), found \(minLength.value)")
        }
        return ResolvedSettings(frameRateHz: fps, nanometersPerPixel: pixel, temperatureCelsius: temperature,
                                viscosityMillipascalSeconds: viscosity, exposureMilliseconds: exposure,
                                minTrackLength: minLength)
    }
}

extension ViscosityModel {
    /// How reports cite the model.
    public var citation: String {
        switch self {
        case .iapws: return "IAPWS (Pátek et al. 2009)"
        case .nanosight: return "NanoSight NTA 3.x formula"
        case .vogel: return "Vogel equation"
        }
    }
}
