import NTACore
import NTADiffusion

/// The settings an analysis of one video actually used, each with its source.
public struct ResolvedSettings: Sendable, Hashable {
    /// Camera frame rate, Hz.
    public package(set) var frameRateHz: SettingValue<Double>
    /// `nil` when positions were not in pixels.
    public package(set) var nanometersPerPixel: SettingValue<Double>?
    /// Sample temperature, °C.
    public package(set) var temperatureCelsius: SettingValue<Double>
    /// Medium viscosity η, mPa·s: given, or water's at the temperature (ViscosityModel).
    public package(set) var viscosityMillipascalSeconds: SettingValue<Double>
    /// Exposure τₑ, ms. Given (flag or file), 0 means an instantaneous exposure; the default
    /// (source `.default`, value 0) means unknown: the motion blur is then estimated from the
    /// tracks where they identify it (``VideoNuisance``), and reported as null.
    public package(set) var exposureMilliseconds: SettingValue<Double>
    /// Fewest localisations a track needs to be sized.
    public package(set) var minTrackLength: SettingValue<Int>

    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double { 1 / frameRateHz.value }

    /// Motion-blur coefficient R = τₑ/(6Δt) for a shutter open τₑ per frame
    /// (SCIENCE.md §1; ``VideoNuisance/blurCoefficient(exposureMilliseconds:frameIntervalSeconds:)``),
    /// clamped to the physical maximum 1/6 when τₑ ≥ Δt (``exposureExceedsFrameInterval``
    /// tells when, and the report warns). With the exposure unknown it is 0, the working
    /// value used only when the video's nuisance cannot be estimated.
    public var blurCoefficient: Double {
        VideoNuisance.blurCoefficient(exposureMilliseconds: exposureMilliseconds.value,
                                      frameIntervalSeconds: frameIntervalSeconds)
    }

    /// Whether the exposure given is longer than the frame interval: impossible for a camera,
    /// so R is clamped to 1/6 (a shutter open the whole frame) and the report says so.
    public var exposureExceedsFrameInterval: Bool {
        exposureMilliseconds.value * 1e-3 * frameRateHz.value > 1
    }

    /// Resolves settings for `file`: `flags` override `fromFile`, which
    /// overrides defaults; `fileDetail` names where `fromFile` came from. Throws ``MissingSettingError`` for a required
    /// setting given nowhere, and ``InvalidSettingError`` for a value outside ``SettingLimit``.
    public static func resolve(
        file: String, flags: AcquisitionSettings, fromFile: AcquisitionSettings?,
        needsPixelSize: Bool, viscosityModel: ViscosityModel, defaultMinTrackLength: Int, fileDetail: String? = nil
    ) throws -> ResolvedSettings {
        func pick<T>(_ key: KeyPath<AcquisitionSettings, T?>) -> SettingValue<T>? {
            if let v = flags[keyPath: key] { return SettingValue(v, source: .flag) }
            if let v = fromFile?[keyPath: key] { return SettingValue(v, source: .file, detail: fileDetail) }
            return nil
        }
        func check<T>(_ v: SettingValue<T>, _ limit: SettingLimit, as number: (T) -> Double) throws {
            if let problem = limit.problem(number(v.value)) {
                throw InvalidSettingError(file: file, setting: limit, source: v.source, detail: v.detail,
                                          message: problem)
            }
        }
        guard let fps = pick(\.frameRateHz) else {
            throw MissingSettingError(file: file, setting: .frameRateHz)
        }
        try check(fps, .frameRateHz) { $0 }
        var pixel: SettingValue<Double>? = nil
        if needsPixelSize {
            guard let px = pick(\.nanometersPerPixel) else {
                throw MissingSettingError(file: file, setting: .nanometersPerPixel)
            }
            try check(px, .nanometersPerPixel) { $0 }
            pixel = px
        }
        guard let temperature = pick(\.temperatureCelsius) else {
            throw MissingSettingError(file: file, setting: .temperatureCelsius)
        }
        try check(temperature, .temperatureCelsius) { $0 }
        let viscosity: SettingValue<Double>
        if let v = pick(\.viscosityMillipascalSeconds) {
            try check(v, .viscosityMillipascalSeconds) { $0 }
            viscosity = v
        } else {
            let eta = viscosityModel.viscosityMillipascalSeconds(temperatureCelsius: temperature.value)
            viscosity = SettingValue(eta, source: .derived,
                                     detail: "water at \(temperature.value) °C, \(viscosityModel.citation)")
            try check(viscosity, .viscosityMillipascalSeconds) { $0 }
        }
        let exposure = pick(\.exposureMilliseconds)
            ?? SettingValue(0, source: .default,
                            detail: "unknown: sizes use estimators that do not depend on motion blur (give --exposure-ms, 0 for an instantaneous exposure)")
        try check(exposure, .exposureMilliseconds) { $0 }
        let minLength = pick(\.minTrackLength) ?? SettingValue(defaultMinTrackLength, source: .default)
        try check(minLength, .minTrackLength) { Double($0) }
        return ResolvedSettings(frameRateHz: fps, nanometersPerPixel: pixel, temperatureCelsius: temperature,
                                viscosityMillipascalSeconds: viscosity, exposureMilliseconds: exposure,
                                minTrackLength: minLength)
    }
}
