import NTACore
import NTAPopulations

/// How the total concentration from trajectories was obtained.
public struct ConcentrationReport: Sendable, Encodable {
    @Nullable public package(set) var particlesPerMl: Double? = nil
    /// `[lower, upper]` at ``confidenceLevel`` (block bootstrap over frames with the count-correlation model).
    public package(set) var particlesPerMlCI: [Double?]
    @Nullable public package(set) var standardErrorPerMl: Double? = nil
    public package(set) var confidenceLevel: Double
    /// Mean particles per frame counted (every localisation of every track).
    @Nullable public package(set) var meanParticlesPerFrame: Double? = nil
    /// Mean particles per frame in tracks long enough to be sized.
    @Nullable public package(set) var meanParticlesPerFrameLongTracks: Double? = nil
    /// Share of localisations in tracks shorter than the minimum length (counted; they are real particles).
    @Nullable public package(set) var shortTrackShare: Double? = nil
    public package(set) var frames: Int
    @Nullable public package(set) var integratedAutocorrelationFrames: Double? = nil
    public package(set) var blockLengthFrames: Int
    public package(set) var detectionVolumeMl: Double
    public package(set) var detectionVolumeDescription: String
    public package(set) var dilution: Double
    /// Particles per frame outside the reliable 20–100 range.
    public package(set) var outsideReliableRange: Bool

    init(_ c: ConcentrationEstimate) {
        particlesPerMl = finiteOrNil(c.particlesPerMl)
        particlesPerMlCI = [finiteOrNil(c.lowerPerMl), finiteOrNil(c.upperPerMl)]
        standardErrorPerMl = finiteOrNil(c.standardErrorPerMl)
        confidenceLevel = c.confidenceLevel
        meanParticlesPerFrame = finiteOrNil(c.meanParticlesPerFrame)
        meanParticlesPerFrameLongTracks = finiteOrNil(c.meanParticlesPerFrameLongTracks)
        shortTrackShare = finiteOrNil(c.shortTrackShare)
        frames = c.frames
        integratedAutocorrelationFrames = finiteOrNil(c.integratedAutocorrelationFrames)
        blockLengthFrames = c.blockLengthFrames
        detectionVolumeMl = c.detectionVolumeMl
        detectionVolumeDescription = c.detectionVolumeDescription
        dilution = c.dilution
        outsideReliableRange = c.outsideReliableRange
    }

}

/// One log-normal component: `{weight, medianNm, geometricSD}`.
public struct ComponentReport: Sendable, Encodable {
    @Nullable public package(set) var weight: Double? = nil
    @Nullable public package(set) var medianNm: Double? = nil
    @Nullable public package(set) var geometricSD: Double? = nil

}

/// The intensity–size classification in a report.
public struct IntensityReport: Sendable, Encodable {
    @Nullable public package(set) var vesicleLikeFractionInWindow: Double? = nil
    public package(set) var vesicleLikeFractionInWindowCI: [Double?]
    /// Ratio of the two classes' Rayleigh polarisability factors K(m)² (dense / vesicle-like).
    @Nullable public package(set) var polarisabilityRatio: Double? = nil
    public package(set) var tracksInWindow: Int
    /// True when the classes overlap too much to separate reliably.
    public package(set) var poorlySeparated: Bool
    public package(set) var confidenceLevel: Double

    init(_ c: IntensityClassification) {
        vesicleLikeFractionInWindow = finiteOrNil(c.vesicleLikeFractionInWindow)
        vesicleLikeFractionInWindowCI = c.vesicleLikeFractionInWindowCI.map(finiteOrNil)
        polarisabilityRatio = finiteOrNil(c.polarisabilityRatio)
        tracksInWindow = c.tracksInWindow
        poorlySeparated = c.poorlySeparated
        confidenceLevel = c.confidenceLevel
    }

}

/// The fluorescence pairing in a report: the window's marker-positive figures
/// at the top level, per-bin values under `bins`.
public struct FluorescenceReport: Sendable, Encodable {
    public package(set) var window: FluorescenceRange
    public package(set) var bins: [FluorescenceRange]
    public package(set) var bleachRatePerFrame: Double?
    public package(set) var bleachRateStandardError: Double?
    public package(set) var bleachingCorrected: Bool
    public package(set) var confidenceLevel: Double

    init(_ f: FluorescencePairing) {
        window = f.window
        bins = f.bins
        bleachRatePerFrame = f.bleachRatePerFrame.flatMap(finiteOrNil)
        bleachRateStandardError = f.bleachRateStandardError.flatMap(finiteOrNil)
        bleachingCorrected = f.bleachingCorrected
        confidenceLevel = f.confidenceLevel
    }

    public func encode(to encoder: any Encoder) throws {
        // The window's own fields (positiveFraction, positiveFractionCI, positiveConcentrationPerMl, …) first.
        try window.encode(to: encoder)
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(bins, forKey: .bins)
        try k.encode(bleachRatePerFrame, forKey: .bleachRatePerFrame)
        try k.encode(bleachRateStandardError, forKey: .bleachRateStandardError)
        try k.encode(bleachingCorrected, forKey: .bleachingCorrected)
        try k.encode(confidenceLevel, forKey: .confidenceLevel)
    }

    enum CodingKeys: String, CodingKey {
        case bins, bleachRatePerFrame, bleachRateStandardError, bleachingCorrected, confidenceLevel
    }
}
