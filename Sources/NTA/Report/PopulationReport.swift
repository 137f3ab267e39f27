/// How the total concentration from trajectories was obtained.
public struct ConcentrationReport: Sendable, Encodable {
    public var particlesPerMl: Double?
    /// `[lower, upper]` at ``confidenceLevel`` (block bootstrap over frames with the count-correlation model).
    public var particlesPerMlCI: [Double?]
    public var standardErrorPerMl: Double?
    public var confidenceLevel: Double
    /// Mean particles per frame counted (every localisation of every track).
    public var meanParticlesPerFrame: Double?
    /// Mean particles per frame in tracks long enough to be sized.
    public var meanParticlesPerFrameLongTracks: Double?
    /// Share of localisations in tracks shorter than the minimum length (counted; they are real particles).
    public var shortTrackShare: Double?
    public var frames: Int
    public var integratedAutocorrelationFrames: Double?
    public var blockLengthFrames: Int
    public var detectionVolumeMl: Double
    public var detectionVolumeDescription: String
    public var dilution: Double
    /// Particles per frame outside the reliable 20–100 range.
    public var outsideReliableRange: Bool

    init(_ c: ConcentrationEstimate) {
        particlesPerMl = finite(c.particlesPerMl)
        particlesPerMlCI = [finite(c.lowerPerMl), finite(c.upperPerMl)]
        standardErrorPerMl = finite(c.standardErrorPerMl)
        confidenceLevel = c.confidenceLevel
        meanParticlesPerFrame = finite(c.meanParticlesPerFrame)
        meanParticlesPerFrameLongTracks = finite(c.meanParticlesPerFrameLongTracks)
        shortTrackShare = finite(c.shortTrackShare)
        frames = c.frames
        integratedAutocorrelationFrames = finite(c.integratedAutocorrelationFrames)
        blockLengthFrames = c.blockLengthFrames
        detectionVolumeMl = c.detectionVolumeMl
        detectionVolumeDescription = c.detectionVolumeDescription
        dilution = c.dilution
        outsideReliableRange = c.outsideReliableRange
    }

    public func encode(to encoder: any Encoder) throws {
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(particlesPerMl, forKey: .particlesPerMl)
        try k.encode(particlesPerMlCI, forKey: .particlesPerMlCI)
        try k.encode(standardErrorPerMl, forKey: .standardErrorPerMl)
        try k.encode(confidenceLevel, forKey: .confidenceLevel)
        try k.encode(meanParticlesPerFrame, forKey: .meanParticlesPerFrame)
        try k.encode(meanParticlesPerFrameLongTracks, forKey: .meanParticlesPerFrameLongTracks)
        try k.encode(shortTrackShare, forKey: .shortTrackShare)
        try k.encode(frames, forKey: .frames)
        try k.encode(integratedAutocorrelationFrames, forKey: .integratedAutocorrelationFrames)
        try k.encode(blockLengthFrames, forKey: .blockLengthFrames)
        try k.encode(detectionVolumeMl, forKey: .detectionVolumeMl)
        try k.encode(detectionVolumeDescription, forKey: .detectionVolumeDescription)
        try k.encode(dilution, forKey: .dilution)
        try k.encode(outsideReliableRange, forKey: .outsideReliableRange)
    }

    enum CodingKeys: String, CodingKey {
        case particlesPerMl, particlesPerMlCI, standardErrorPerMl, confidenceLevel, meanParticlesPerFrame,
             meanParticlesPerFrameLongTracks, shortTrackShare, frames, integratedAutocorrelationFrames,
             blockLengthFrames, detectionVolumeMl, detectionVolumeDescription, dilution, outsideReliableRange
    }
}

/// One log-normal component: `{weight, medianNm, geometricSD}`.
public struct ComponentReport: Sendable, Encodable {
    public var weight: Double?
    public var medianNm: Double?
    public var geometricSD: Double?

    public func encode(to encoder: any Encoder) throws {
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(weight, forKey: .weight)
        try k.encode(medianNm, forKey: .medianNm)
        try k.encode(geometricSD, forKey: .geometricSD)
    }

    enum CodingKeys: String, CodingKey { case weight, medianNm, geometricSD }
}

/// The intensity–size classification in a report.
public struct IntensityReport: Sendable, Encodable {
    public var vesicleLikeFractionInWindow: Double?
    public var vesicleLikeFractionInWindowCI: [Double?]
    /// Ratio of the two classes' Rayleigh polarisability factors K(m)² (dense / vesicle-like).
    public var polarisabilityRatio: Double?
    public var tracksInWindow: Int
    /// True when the classes overlap too much to separate reliably.
    public var poorlySeparated: Bool
    public var confidenceLevel: Double

    init(_ c: IntensityClassification) {
        vesicleLikeFractionInWindow = finite(c.vesicleLikeFractionInWindow)
        vesicleLikeFractionInWindowCI = c.vesicleLikeFractionInWindowCI.map(finite)
        polarisabilityRatio = finite(c.polarisabilityRatio)
        tracksInWindow = c.tracksInWindow
        poorlySeparated = c.poorlySeparated
        confidenceLevel = c.confidenceLevel
    }

    public func encode(to encoder: any Encoder) throws {
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(vesicleLikeFractionInWindow, forKey: .vesicleLikeFractionInWindow)
        try k.encode(vesicleLikeFractionInWindowCI, forKey: .vesicleLikeFractionInWindowCI)
        try k.encode(polarisabilityRatio, forKey: .polarisabilityRatio)
        try k.encode(tracksInWindow, forKey: .tracksInWindow)
        try k.encode(poorlySeparated, forKey: .poorlySeparated)
        try k.encode(confidenceLevel, forKey: .confidenceLevel)
    }

    enum CodingKeys: String, CodingKey {
        case vesicleLikeFractionInWindow, vesicleLikeFractionInWindowCI, polarisabilityRatio, tracksInWindow,
             poorlySeparated, confidenceLevel
    }
}

/// The fluorescence pairing in a report: the window's marker-positive figures
/// at the top level, per-bin values under `bins`.
public struct FluorescenceReport: Sendable, Encodable {
    public var window: FluorescenceRange
    public var bins: [FluorescenceRange]
    public var bleachRatePerFrame: Double?
    public var bleachRateStandardError: Double?
    public var bleachingCorrected: Bool
    public var confidenceLevel: Double

    init(_ f: FluorescencePairing) {
        window = f.window
        bins = f.bins
        bleachRatePerFrame = f.bleachRatePerFrame.flatMap(finite)
        bleachRateStandardError = f.bleachRateStandardError.flatMap(finite)
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
