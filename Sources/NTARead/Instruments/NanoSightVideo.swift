import NTACore

/// A recorded dilution factor as NanoSight prints it.
public enum NanoSightDilution: Sendable, Hashable {
    /// A number; NTA has already multiplied every concentration by it.
    case factor(Double)
    /// `Not recorded`: the concentrations are those measured in the cell.
    case notRecorded
    /// Any other text, kept as printed.
    case text(String)
}

/// The per-video acquisition and processing settings of a NanoSight summary
/// (`[Conditions]`, `[Settings]`, and the dilution of `[Results]`).
public struct NanoSightVideoSettings: Sendable, Hashable {
    public var temperatureCelsius: Double?
    /// Viscosity used for sizing, mPa·s (the file's `Viscosity/cP`).
    public var viscosityMillipascalSeconds: Double?
    public var frameRateHz: Double?
    public var cameraLevel: Double?
    public var cameraType: String?
    public var laserType: String?
    /// Exposure per frame, ms (the file's `Shutter/ms`).
    public var shutterMilliseconds: Double?
    public var detectionThreshold: Double?
    /// `Max Jump Distance`, pixels (text such as `Auto` gives `nil`).
    public var maxJumpDistancePixels: Double?
    /// `Min Track Length` (`Auto` gives `nil`).
    public var minTrackLength: Int?
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
    public var particlesPerFrame: Double?
    public var centresPerFrame: Double?
    public var completedTracks: Int?
    public var xDriftPixelsPerFrame: Double?
    public var yDriftPixelsPerFrame: Double?
}

/// One flag of `[Concentration Warnings]` or `[Information]` for one video.
public struct NanoSightFlag: Sendable, Hashable {
    /// `Concentration Warnings` or `Information`.
    public var section: String
    public var key: String
    public var value: String
}

/// One video of a NanoSight summary.
public struct NanoSightVideo: Sendable, Hashable {
    /// The name in the distribution blocks' `Filename` row (or the manifest when there is no block).
    public var name: String
    /// The name in the `Filename:` manifest of `[Experiment Details]`, which may differ.
    public var manifestName: String?
    public var settings: NanoSightVideoSettings
    public var results: NanoSightVideoResults
    /// Every warning and information flag of this video, in file order.
    public var flags: [NanoSightFlag]

    /// Flags whose value signals a problem (anything but `OK`, `No`, `Yes` or empty).
    public var warnings: [NanoSightFlag] {
        flags.filter { !["ok", "no", "yes", ""].contains($0.value.lowercased()) }
    }
}
