import NTACore

/// A recorded dilution factor as NanoSight prints it.
public enum NanoSightDilution: Sendable, Hashable {
    /// A number; NTA has already multiplied every concentration by it (0: NTA recorded none).
    case factor(Double)
    /// `Not recorded`: the concentrations are those measured in the cell.
    case notRecorded
    /// Any other text, kept as printed.
    case text(String)
}

/// The per-video acquisition and processing settings of a NanoSight summary
/// (`[Conditions]`, `[Settings]`, and the dilution of `[Results]`).
public struct NanoSightVideoSettings: Sendable, Hashable {
    /// `Temperature/C`, °C.
    public var temperatureCelsius: Double?
    /// Viscosity used for sizing, mPa·s (the file's `Viscosity/cP`).
    public var viscosityMillipascalSeconds: Double?
    /// `Frame rate/fps`, Hz.
    public var frameRateHz: Double?
    /// `Camera Level`: NTA's camera sensitivity setting (dimensionless).
    public var cameraLevel: Double?
    /// `Camera Type` as printed.
    public var cameraType: String?
    /// `Laser Type` as printed.
    public var laserType: String?
    /// Exposure per frame, ms (the file's `Shutter/ms`).
    public var shutterMilliseconds: Double?
    /// `Detection Threshold`: NTA's processing setting (dimensionless).
    public var detectionThreshold: Double?
    /// `Max Jump Distance`, pixels (text such as `Auto` gives `nil`).
    public var maxJumpDistancePixels: Double?
    /// `Min Track Length` (`Auto` gives `nil`).
    public var minTrackLength: Int?
    /// `Total frames analysed`.
    public var totalFramesAnalysed: Int?
    /// `Dilution factor (concentrations adjusted for this factor)`.
    public var dilution: NanoSightDilution?

    /// These settings as the pipeline's ``AcquisitionSettings`` (the pixel size
    /// is not in the summary; it is in the `.nano` file).
    public var acquisitionSettings: AcquisitionSettings {
        AcquisitionSettings(frameRateHz: frameRateHz, nanometersPerPixel: nil, temperatureCelsius: temperatureCelsius,
                            viscosityMillipascalSeconds: viscosityMillipascalSeconds,
                            exposureMilliseconds: shutterMilliseconds, minTrackLength: minTrackLength)
    }
}

/// The per-video results NTA printed in `[Results]`.
public struct NanoSightVideoResults: Sendable, Hashable {
    /// `Concentration (Particles / ml)` as printed (3 significant figures),
    /// already multiplied by the recorded dilution factor.
    public var printedConcentrationPerMl: Double?
    /// `Particles per frame` as printed.
    public var particlesPerFrame: Double?
    /// `Centres per frame` as printed.
    public var centresPerFrame: Double?
    /// `Completed tracks` as printed.
    public var completedTracks: Int?
    /// `X-Drift (pix/frame)`: NTA's drift estimate along x, pixels per frame.
    public var xDriftPixelsPerFrame: Double?
    /// `Y-Drift (pix/frame)`: NTA's drift estimate along y, pixels per frame.
    public var yDriftPixelsPerFrame: Double?
}

/// One flag of `[Concentration Warnings]` or `[Information]` for one video.
public struct NanoSightFlag: Sendable, Hashable {
    /// `Concentration Warnings` or `Information`.
    public var section: String
    /// The flag's key as printed.
    public var key: String
    /// The flag's value as printed (`OK` when all is well).
    public var value: String
}

/// One video of a NanoSight summary.
public struct NanoSightVideo: Sendable, Hashable {
    /// The name in the distribution blocks' `Filename` row (or the manifest when there is no block).
    public var name: String
    /// The name in the `Filename:` manifest of `[Experiment Details]`, which may differ.
    public var manifestName: String?
    /// Acquisition and processing settings.
    public var settings: NanoSightVideoSettings
    /// Results NTA printed.
    public var results: NanoSightVideoResults
    /// Every warning and information flag of this video, in file order.
    public var flags: [NanoSightFlag]

    /// Flags whose value signals a problem (anything but `OK`, `No`, `Yes` or empty).
    public var warnings: [NanoSightFlag] {
        flags.filter { !["ok", "no", "yes", ""].contains($0.value.lowercased()) }
    }
}
