import NTACore
import NTAPopulations
import NTAPipeline

/// How the total concentration from trajectories was obtained.
package struct ConcentrationReport: Sendable, Encodable {
    @Nullable package var particlesPerMl: Double? = nil
    /// `[lower, upper]` at ``confidenceLevel`` (block bootstrap over frames with the count-correlation model).
    package var particlesPerMlCI: [Double?]
    @Nullable package var standardErrorPerMl: Double? = nil
    package var confidenceLevel: Double
    /// Mean particles per frame counted (every localisation of every track).
    @Nullable package var meanParticlesPerFrame: Double? = nil
    /// Mean particles per frame in tracks long enough to be sized.
    @Nullable package var meanParticlesPerFrameLongTracks: Double? = nil
    /// Share of localisations in tracks shorter than the minimum length (counted; they are real particles).
    @Nullable package var shortTrackShare: Double? = nil
    package var frames: Int
    @Nullable package var integratedAutocorrelationFrames: Double? = nil
    package var blockLengthFrames: Int
    package var detectionVolumeMl: Double
    package var detectionVolumeDescription: String
    package var dilution: Double
    /// Particles per frame outside the reliable 20–100 range.
    package var outsideReliableRange: Bool

    package init(_ c: ConcentrationEstimate) {
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
package struct ComponentReport: Sendable, Encodable {
    @Nullable package var weight: Double? = nil
    @Nullable package var medianNm: Double? = nil
    @Nullable package var geometricSD: Double? = nil

}

/// The intensity–size classification in a report.
package struct IntensityReport: Sendable, Encodable {
    /// `null` when the classes are poorly separated (the notes say why), as its interval's bounds.
    @Nullable package var vesicleLikeFractionInWindow: Double? = nil
    package var vesicleLikeFractionInWindowCI: [Double?]
    /// Ratio of the two classes' Rayleigh polarisability factors K(m)² (dense / vesicle-like).
    @Nullable package var polarisabilityRatio: Double? = nil
    package var tracksInWindow: Int
    /// True when the classes overlap too much to separate reliably.
    package var poorlySeparated: Bool
    package var confidenceLevel: Double

    package init(_ c: IntensityClassification) {
        vesicleLikeFractionInWindow = c.separatedVesicleLikeFraction.flatMap(finiteOrNil)
        vesicleLikeFractionInWindowCI = c.separatedVesicleLikeFractionCI?.map(finiteOrNil) ?? [nil, nil]
        polarisabilityRatio = finiteOrNil(c.polarisabilityRatio)
        tracksInWindow = c.tracksInWindow
        poorlySeparated = c.poorlySeparated
        confidenceLevel = c.confidenceLevel
    }

}

/// The fluorescence pairing in a report: the window's marker-positive figures
/// at the top level, per-bin values under `bins`.
package struct FluorescenceReport: Sendable, Encodable {
    package var window: FluorescenceRangeReport
    package var bins: [FluorescenceRangeReport]
    package var bleachRatePerFrame: Double?
    package var bleachRateStandardError: Double?
    package var bleachingCorrected: Bool
    package var confidenceLevel: Double
    /// Schema 8: each capture as read: `{file, rows, tracks, settings}` (as a video's).
    package var captures: [FluorescenceCaptureReport] = []

    package init(_ f: FluorescencePairing, captures: [FluorescenceCaptureRecord] = []) {
        self.captures = captures.map(FluorescenceCaptureReport.init)
        window = FluorescenceRangeReport(f.window)
        bins = f.bins.map(FluorescenceRangeReport.init)
        bleachRatePerFrame = f.bleachRatePerFrame.flatMap(finiteOrNil)
        bleachRateStandardError = f.bleachRateStandardError.flatMap(finiteOrNil)
        bleachingCorrected = f.bleachingCorrected
        confidenceLevel = f.confidenceLevel
    }

    package func encode(to encoder: any Encoder) throws {
        // The window's own fields (positiveFraction, positiveFractionCI, positiveConcentrationPerMl, …) first.
        try window.encode(to: encoder)
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(bins, forKey: .bins)
        try k.encode(bleachRatePerFrame, forKey: .bleachRatePerFrame)
        try k.encode(bleachRateStandardError, forKey: .bleachRateStandardError)
        try k.encode(bleachingCorrected, forKey: .bleachingCorrected)
        try k.encode(confidenceLevel, forKey: .confidenceLevel)
        try k.encode(captures, forKey: .captures)
    }

    enum CodingKeys: String, CodingKey {
        case bins, bleachRatePerFrame, bleachRateStandardError, bleachingCorrected, confidenceLevel, captures
    }
}

/// One fluorescence capture as read (JSON `fluorescence.captures[]`): `{file, rows, tracks, settings}`.
package struct FluorescenceCaptureReport: Sendable, Encodable {
    package var file: String
    package var rows: RowCounts
    package var tracks: TrackCounts
    package var settings: [String: ReportedSetting]

    package init(_ c: FluorescenceCaptureRecord) {
        file = c.file
        rows = c.rows
        tracks = c.tracks
        settings = c.settings
    }
}
