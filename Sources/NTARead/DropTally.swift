/// Counts of things (rows, tracks, videos) left out of an analysis, by reason.
///
/// Nothing is dropped silently: every stage that leaves something out adds it
/// here, and reports carry the tally.
public struct DropTally: Sendable, Hashable, Codable {
    /// Count per reason. Reasons are stable camelCase identifiers
    /// (see ``DropReason``).
    public private(set) var counts: [String: Int]

    /// A tally from counts keyed by ``DropReason`` raw value (zero counts are left out).
    public init(_ counts: [String: Int] = [:]) { self.counts = counts.filter { $0.value > 0 } }

    /// Total number dropped, all reasons together.
    public var total: Int { counts.values.reduce(0, +) }

    /// Records `n` items dropped for `reason`.
    public mutating func add(_ reason: DropReason, _ n: Int = 1) {
        guard n > 0 else { return }
        counts[reason.rawValue, default: 0] += n
    }

    /// Adds every count of `other` to this tally.
    public mutating func merge(_ other: DropTally) {
        for (k, v) in other.counts { counts[k, default: 0] += v }
    }

    /// Number dropped for `reason` (0 when none).
    public subscript(reason: DropReason) -> Int { counts[reason.rawValue] ?? 0 }

    public init(from decoder: any Decoder) throws {
        counts = try [String: Int](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try counts.encode(to: encoder)
    }
}

/// Why a row or a track was left out.
public enum DropReason: String, Sendable, CaseIterable, Codable {
    // Rows
    /// The row's particle id or frame was empty or NaN (e.g. an unlinked localisation).
    case missingParticleOrFrame
    /// The row's x or y was empty, NaN or infinite.
    case nonFinitePosition
    // Tracks
    /// Every step of the track is zero (the particle never moved between
    /// positions, e.g. NanoSight NTA 2.x tracks printed with D = 0): no diffusion
    /// coefficient can be estimated.
    case allStepsZero
    /// Fewer localisations than the minimum track length.
    case tooShort
    /// The same particle appears twice in one frame: the tracker's output is
    /// ambiguous, so the whole track is left out.
    case duplicateFrame
    /// Too few consecutive-frame steps for the estimator (gaps split a track).
    case tooFewSteps
    /// The estimator returned a diffusion coefficient ≤ 0 or not finite
    /// (possible for noise-corrected estimators on short tracks).
    case nonPositiveDiffusion
    /// The diameter fell outside the distribution's range.
    case diameterOutOfRange
    /// The track skips more than ``TrackGrouping/maximumGapFrames`` frames between two
    /// localisations: no tracker links a particle across such a gap, and its time in view
    /// would be meaningless.
    case gapTooLong
}
