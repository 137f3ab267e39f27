import Foundation
import NTACore
import NTARead
import NTATracks

/// The volume in which particles are counted: the camera's field of view times
/// the effective depth of the light sheet (SCIENCE.md §5).
///
/// The effective depth depends on how bright a particle is (size, refractive
/// index, camera level, detection threshold): a volume given here is an
/// assumption, and reports quote ``description`` with the result.
public struct DetectionVolume: Sendable, Hashable, Codable {
    /// The volume, mL.
    public var milliliters: Double
    /// How it was obtained, e.g. `"100 × 80 µm field × 10 µm sheet"`.
    public var description: String
    /// Field width, µm, when the geometry is given (needed for ``CountCorrelationModel``).
    public var fieldWidthMicrometers: Double?
    /// Field height, µm, when the geometry is given.
    public var fieldHeightMicrometers: Double?
    /// Effective sheet depth, µm, when the geometry is given.
    public var sheetDepthMicrometers: Double?

    /// The geometry to model count correlations with: the one given, or, for a
    /// volume given only in nL, NanoSight's shape (a 5:4 field over a 10 µm
    /// sheet, SCIENCE.md §5) scaled to the volume. Says which.
    public var modelGeometry: (width: Double, height: Double, depth: Double, assumed: Bool) {
        if let w = fieldWidthMicrometers, let h = fieldHeightMicrometers, let d = sheetDepthMicrometers {
            return (w, h, d, false)
        }
        let depth = 10.0
        let area = milliliters / 1e-12 / depth
        let width = (area * 5 / 4).squareRoot()
        return (width, area / width, depth, true)
    }

    /// A volume given directly in nanolitres (1 nL = 10⁻⁶ mL), e.g. `--detection-volume-nl`.
    public init(nanoliters: Double) throws(PopulationError) {
        guard nanoliters.isFinite, nanoliters > 0 else {
            throw .invalidDetectionVolume("expected a positive number of nL, found \(nanoliters)")
        }
        guard DetectionVolume.acceptsNanoliters(nanoliters) else {
            throw .invalidDetectionVolume("expected 10⁻¹² … 10⁹ nL, found \(nanoliters)")
        }
        milliliters = nanoliters * 1e-6
        description = "\(nanoliters) nL given"
    }

    /// Field of view W × H µm times sheet depth µm (1 µm³ = 10⁻¹² mL), e.g.
    /// `--field-of-view-um WxH --sheet-depth-um D`.
    public init(fieldWidthMicrometers w: Double, fieldHeightMicrometers h: Double,
                sheetDepthMicrometers d: Double) throws(PopulationError) {
        guard [w, h, d].allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .invalidDetectionVolume("expected positive field width, height and sheet depth in µm, found \(w) × \(h) × \(d)")
        }
        // Each factor finite is not enough: their product may overflow to ∞ or underflow to 0.
        let volume = w * h * d * 1e-12
        guard volume >= DetectionVolume.smallestMilliliters, volume <= DetectionVolume.largestMilliliters else {
            throw .invalidDetectionVolume("expected width × height × depth of 10⁻⁶ … 10¹⁵ µm³, found \(w) × \(h) × \(d) µm³")
        }
        milliliters = volume
        description = "\(w) × \(h) µm field × \(d) µm sheet"
        fieldWidthMicrometers = w
        fieldHeightMicrometers = h
        sheetDepthMicrometers = d
    }

    /// The smallest volume accepted, mL (10⁻⁶ µm³, far below any instrument's ~10⁻⁷ mL): a count over it, times a
    /// dilution within ``DilutionFactor/accepted``, stays a finite concentration.
    public static let smallestMilliliters = 1e-18
    /// The largest volume accepted, mL (1 L; a product of three finite factors could otherwise overflow to ∞).
    public static let largestMilliliters = 1e3

    /// Whether a volume of `nanoliters` nL lies within ``smallestMilliliters`` … ``largestMilliliters``
    /// (10⁻¹² … 10⁹ nL, both ends included).
    public static func acceptsNanoliters(_ nanoliters: Double) -> Bool {
        let ml = nanoliters / 1e6
        return ml >= smallestMilliliters && ml <= largestMilliliters
    }

    /// Parses a field of view written `WxH` (µm), e.g. `100x80`.
    public static func parseFieldOfView(_ text: String) -> (width: Double, height: Double)? {
        let parts = text.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" })
        guard parts.count == 2, let w = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let h = Double(parts[1].trimmingCharacters(in: .whitespaces)), w > 0, h > 0, w.isFinite, h.isFinite
        else { return nil }
        return (w, h)
    }
}

/// Which tracks' localisations are counted as particles in a frame.
public enum CountedTracks: String, Sendable, Hashable, Codable {
    /// Every localisation in the file, whatever its track's length (default).
    /// A particle in the detection volume is there whether or not its visit
    /// was long enough to size; dropping short tracks would under-count, and
    /// more so for small particles, whose visits are shorter (SCIENCE.md §3).
    case all
    /// Only tracks that pass the minimum track length used for sizing.
    case longTracksOnly
}

/// Particles counted in each frame of one video, in total and, when per-track
/// diameters are given, by size class.
///
/// A particle is counted in a frame when its track has a localisation there.
/// A track is what sizing calls one (``TrackGrouping``): a track in which one
/// frame appears twice, or with a gap longer than
/// ``TrackGrouping/maximumGapFrames``, is ambiguous and left out of every
/// count (``droppedTracks``), as it is left out of sizing.
public struct FrameCounts: Sendable, Hashable {
    /// First frame counted.
    public var firstFrame: Int
    /// Localisations per frame, all tracks.
    public var all: [Double]
    /// Localisations per frame of tracks with at least ``minTrackLength`` localisations.
    public var longTracks: [Double]
    /// The minimum track length used to split ``all`` from ``longTracks``.
    public var minTrackLength: Int
    /// Class edges, nm, increasing; class `c` of ``bySize`` holds diameters in
    /// `[edges[c−1], edges[c])`, with class 0 below the first edge and the last
    /// class at or above the last edge.
    public var classEdgesNanometers: [Double]
    /// Localisations per frame of *sized* tracks, by size class (`[class][frame]`).
    public var bySize: [[Double]]
    /// Tracks in the file (dropped ones included).
    public var trackCount: Int
    /// How many of the tracks counted were shorter than ``minTrackLength``.
    public var shortTrackCount: Int
    /// Tracks left out of every count, by reason (``DropReason/duplicateFrame``,
    /// ``DropReason/gapTooLong``): the tracks sizing drops for the same reasons.
    public var droppedTracks: DropTally
    /// Frames of each video when several are pooled (``concatenating(_:)``); one entry otherwise.
    public var segmentLengths: [Int]

    /// Number of frames counted.
    public var frameCount: Int { all.count }

    /// The longest frame range counted for `rows` localisations: 10⁵ frames (55 min at 30 fps) plus
    /// 16 per localisation, so that memory and the block bootstrap's work (replicates × frames) follow
    /// the rows, never the frame numbers: a span beyond it has far under one particle per frame, where
    /// no concentration is reliable.
    public static func maximumFrames(rows: Int) -> Int { 100_000 + 16 * rows }

    /// Counts the particles in each frame of `table` (its rows: positions are not used).
    public init(_ table: TrajectoryTable, frames: Range<Int>? = nil, minTrackLength: Int = 1,
                diametersByTrack: [Int64: Double] = [:], classEdgesNanometers: [Double] = []) throws(PopulationError) {
        try self.init(table.rows, frames: frames, minTrackLength: minTrackLength, diametersByTrack: diametersByTrack,
                      classEdgesNanometers: classEdgesNanometers)
    }

    /// Counts the particles in each frame of `rows`.
    ///
    /// - Parameters:
    ///   - frames: the frames the video covers; by default the first to the
    ///     last frame with a localisation. Give it when known: empty frames at
    ///     either end are real zero counts.
    ///   - minTrackLength: the sizing cut (for ``longTracks`` and the short-track share).
    ///   - diametersByTrack: diameter (nm) of each sized track, by its id;
    ///     tracks not listed are counted in ``all`` but in no size class.
    ///   - classEdgesNanometers: increasing size-class edges, nm.
    public init(_ rows: TrajectoryRows, frames: Range<Int>? = nil, minTrackLength: Int = 1,
                diametersByTrack: [Int64: Double] = [:], classEdgesNanometers: [Double] = []) throws(PopulationError) {
        let n = rows.count
        guard n > 0 || frames != nil else { throw .noFrames }
        var lo = Int.max, hi = Int.min
        for f in rows.frame { lo = min(lo, Int(f)); hi = max(hi, Int(f)) }
        let range = frames ?? (lo..<(hi + 1))
        guard !range.isEmpty else { throw .noFrames }
        guard range.count <= Self.maximumFrames(rows: n) else { throw .frameRangeTooLong(frames: range.count, rows: n) }
        // The tracks as sizing groups them (length cut 1: short tracks are counted in `all`).
        let grouped = TrackGrouping.group(rows, minTrackLength: 1)
        let tracks = grouped.tracks
        let dropped = grouped.dropped
        let edges = classEdgesNanometers
        var all = [Double](repeating: 0, count: range.count), long = all
        var bySize = [[Double]](repeating: all, count: edges.isEmpty ? 0 : edges.count + 1)
        var short = 0
        for t in 0..<tracks.trackCount {
            let isLong = tracks.length(of: t) >= minTrackLength
            if !isLong { short += 1 }
            var sizeClass: Int?
            if !edges.isEmpty, let d = diametersByTrack[tracks.particleIDs[t]], d.isFinite {
                var c = 0
                while c < edges.count, d >= edges[c] { c += 1 }
                sizeClass = c
            }
            for r in tracks.rows(of: t) {
                let f = Int(tracks.frame[r])
                guard range.contains(f) else { continue }
                let i = f - range.lowerBound
                all[i] += 1
                if isLong { long[i] += 1 }
                if let c = sizeClass { bySize[c][i] += 1 }
            }
        }
        firstFrame = range.lowerBound
        self.all = all
        longTracks = long
        self.minTrackLength = minTrackLength
        self.classEdgesNanometers = edges
        self.bySize = bySize
        trackCount = grouped.totalTracks
        shortTrackCount = short
        droppedTracks = dropped
        segmentLengths = [range.count]
    }

    /// Several videos of the same sample (same settings, volume and class
    /// edges) pooled: their frames in sequence, each video a segment. Pooling
    /// independent videos is the most effective way to narrow the interval,
    /// because one video's counts stay correlated for minutes.
    public static func concatenating(_ videos: [FrameCounts]) throws(PopulationError) -> FrameCounts {
        guard var out = videos.first else { throw .noFrames }
        for v in videos.dropFirst() {
            guard v.classEdgesNanometers == out.classEdgesNanometers, v.minTrackLength == out.minTrackLength else {
                throw .invalidDistribution("videos pooled for a concentration must use the same size classes and length cut")
            }
            out.all += v.all
            out.longTracks += v.longTracks
            for c in out.bySize.indices { out.bySize[c] += v.bySize[c] }
            out.trackCount += v.trackCount
            out.shortTrackCount += v.shortTrackCount
            out.droppedTracks.merge(v.droppedTracks)
            out.segmentLengths += v.segmentLengths
        }
        return out
    }

    /// Index of each frame within its own video (0 at each video's first frame).
    public var frameIndexWithinVideo: [Int] {
        segmentLengths.flatMap { 0..<$0 }
    }
}

/// Options of a concentration estimate.
public struct ConcentrationOptions: Sendable, Hashable, Codable {
    /// Which localisations count as particles (default: all tracks).
    public var counted: CountedTracks = .all
    /// Two-sided confidence level of intervals.
    public var confidenceLevel: Double = 0.95
    /// Bootstrap replicates.
    public var replicates: Int = 1000
    /// Bootstrap seed (same seed, same intervals).
    public var seed: UInt64 = 1
    /// Reliable range of particles per frame (SCIENCE.md §5: ≈ 20–100).
    public var reliableParticlesPerFrame: ClosedRange<Double> = 20...100
    /// A diffusion model of the count's autocorrelation, used to add the
    /// correlation the bootstrap blocks cannot see (see ``CountCorrelationModel``);
    /// `nil` assumes an exponential autocorrelation instead.
    public var correlationModel: CountCorrelationModel?

    /// The default options.
    public init() {}
}

/// Particles per mL of the original sample, from the mean number of particles
/// per frame: C = dilution × ⟨n_frame⟩ / V (SCIENCE.md §5).
///
/// The interval comes from a circular block bootstrap over frames
/// (``BlockBootstrap``), so it accounts for the frame-to-frame correlation
/// of counts; it covers the sampling of the video in time, not an error in
/// the detection volume or the dilution, which scale the result and its
/// interval alike.
///
/// Precision is set by physics, not by the estimator: counts in one static
/// video stay correlated for minutes (particles leave the field only by
/// diffusing across its edges), so the relative error of one video scales as
/// ≈ 1/√(⟨n⟩ · T/τ_eff) and pooling independent videos
/// (``FrameCounts/concatenating(_:)``) is what narrows it. Its precision and
/// interval coverage on simulations (with and without the count-correlation
/// model) are measured by `Benchmarks/ConcentrationStudies` and recorded in
/// BENCHMARKS.md ("Concentration and population studies").
public struct ConcentrationEstimate: Sendable, Hashable {
    /// Particles per mL of the original (undiluted) sample.
    public var particlesPerMl: Double
    /// Lower end of the confidence interval at ``confidenceLevel``, particles per mL
    /// (block bootstrap, t-widened, floored at 0).
    public var lowerPerMl: Double
    /// Upper end of the confidence interval at ``confidenceLevel``, particles per mL.
    public var upperPerMl: Double
    /// Bootstrap standard error, particles per mL.
    public var standardErrorPerMl: Double
    /// Two-sided confidence level of the interval (e.g. 0.95).
    public var confidenceLevel: Double
    /// Mean particles per frame counted (per ``counted``).
    public var meanParticlesPerFrame: Double
    /// Mean particles per frame of all tracks.
    public var meanParticlesPerFrameAllTracks: Double
    /// Mean particles per frame of tracks passing the length cut.
    public var meanParticlesPerFrameLongTracks: Double
    /// Which tracks were counted.
    public var counted: CountedTracks
    /// The minimum track length of the sizing cut.
    public var minTrackLength: Int
    /// Share of localisations in tracks shorter than the cut: the correction
    /// counting all tracks makes over counting long tracks only is 1/(1 − share).
    public var shortTrackShare: Double
    /// Frames counted (all pooled videos).
    public var frames: Int
    /// Integrated autocorrelation time of the per-frame count, frames.
    public var integratedAutocorrelationFrames: Double
    /// Bootstrap block length, frames.
    public var blockLengthFrames: Int
    /// Degrees of freedom used to widen intervals (independent blocks − 1); 0 for a video of one block or a
    /// count that never changes from frame to frame, whose interval and standard error are unknown (NaN).
    public var degreesOfFreedom: Int
    /// Detection volume V, mL.
    public var detectionVolumeMl: Double
    /// How the detection volume was obtained (``DetectionVolume/description``).
    public var detectionVolumeDescription: String
    /// Dilution factor applied (original sample ÷ measured; 1 = undiluted).
    public var dilution: Double
    /// Mean particles per frame outside the reliable range.
    public var outsideReliableRange: Bool

    /// Bootstrap replicates of every per-frame column mean, `[replicate][column]`
    /// (column 0: counted total, 1: all tracks, 2: long tracks, 3…: size classes),
    /// shared so that derived numbers are resampled jointly. Not encoded.
    public var replicateColumnMeans: [[Double]] = []
    /// Per-frame column means (same columns as the replicates). Not encoded.
    public var columnMeans: [Double] = []
    /// Variance factor applied to replicate deviations (``BlockBootstrap/blockVarianceFactor(length:integratedTime:)``).
    public var varianceFactor: Double = 1


    /// Scale from mean particles per frame to particles per mL of the original sample.
    public var perMlPerParticlePerFrame: Double { dilution / detectionVolumeMl }

    /// Estimates the concentration from per-frame counts.
    public init(_ counts: FrameCounts, volume: DetectionVolume, dilution: Double = 1,
                options: ConcentrationOptions = ConcentrationOptions()) throws(PopulationError) {
        guard DilutionFactor.accepted.contains(dilution) else { throw .invalidDilution(dilution) }
        guard counts.frameCount > 0 else { throw .noFrames }
        let counted = options.counted == .all ? counts.all : counts.longTracks
        let columns = [counted, counts.all, counts.longTracks] + counts.bySize
        let t = counts.frameCount
        let means = columns.map { $0.reduce(0, +) / Double(t) }
        let tauInt = BlockBootstrap.integratedAutocorrelationTime(counted)
        let l = BlockBootstrap.blockLength(frames: t, integratedTime: tauInt)
        let reps = BlockBootstrap.replicateMeans(columns: columns, blockLength: l, replicates: options.replicates,
                                                 seed: options.seed)
        let segment = t / max(counts.segmentLengths.count, 1)
        let factor = options.correlationModel?.blockVarianceFactor(length: l, frames: segment)
            ?? BlockBootstrap.blockVarianceFactor(length: l, integratedTime: tauInt)
        // Independent blocks − 1; 0 for a video of one block, which has no interval, and for a count that never
        // changes (the same particles in view throughout: every resample gives the mean, an interval of no width
        // that the frames cannot support).
        let constant = counted[0] > 0 && counted.allSatisfy { $0 == counted[0] }
        let nu = constant ? 0 : t / l - 1
        let scale = dilution / volume.milliliters
        let ci = BlockBootstrap.interval(estimate: means[0], replicates: reps.map { $0[0] },
                                         level: options.confidenceLevel, degreesOfFreedom: nu, varianceFactor: factor)
        particlesPerMl = means[0] * scale
        let ends = BlockBootstrap.ends(ci, floor: 0)
        lowerPerMl = ends.lower * scale
        upperPerMl = ends.upper * scale
        standardErrorPerMl = nu < 1 ? .nan : Statistics.standardDeviation(reps.map { $0[0] }) / factor.squareRoot() * scale
        confidenceLevel = options.confidenceLevel
        meanParticlesPerFrame = means[0]
        meanParticlesPerFrameAllTracks = means[1]
        meanParticlesPerFrameLongTracks = means[2]
        self.counted = options.counted
        minTrackLength = counts.minTrackLength
        shortTrackShare = means[1] > 0 ? 1 - means[2] / means[1] : 0
        frames = t
        integratedAutocorrelationFrames = tauInt
        blockLengthFrames = l
        degreesOfFreedom = nu
        detectionVolumeMl = volume.milliliters
        detectionVolumeDescription = volume.description
        self.dilution = dilution
        outsideReliableRange = !options.reliableParticlesPerFrame.contains(means[0])
        replicateColumnMeans = reps
        columnMeans = means
        varianceFactor = factor
    }

    /// The interval for a statistic computed from the column means, resampled jointly:
    /// `statistic(columnMeans)` and its replicates, widened as the total is.
    public func interval(_ statistic: ([Double]) -> Double) -> (estimate: Double, lower: Double, upper: Double, standardError: Double) {
        let est = statistic(columnMeans)
        let reps = replicateColumnMeans.map(statistic)
        let ci = BlockBootstrap.ends(BlockBootstrap.interval(estimate: est, replicates: reps, level: confidenceLevel,
                                                             degreesOfFreedom: degreesOfFreedom, varianceFactor: varianceFactor))
        return (est, ci.lower, ci.upper,
                degreesOfFreedom < 1 ? .nan : Statistics.standardDeviation(reps) / varianceFactor.squareRoot())
    }
}

/// The autocorrelation of the number of non-interacting Brownian particles in
/// a box-shaped detection volume W × H × h seen by a static (no-flow) cell:
/// ρ(t) = Σ_s w_s g_W(t) g_H(t) g_h(t) over particle classes s with diffusion
/// coefficients D_s, where g_L(t) = erf(u) − (1 − e^{−u²})/(u√π),
/// u = L / (2√(D t)), is the chance that a particle inside an interval of length
/// L is inside it again after t (uniform start, free diffusion).
///
/// Why it is needed: g_h has a t^{−1/2} tail and the field edges exchange
/// particles on the scale W²/D (minutes), so a single video's counts are
/// correlated far beyond any block a bootstrap can use. The bootstrap's
/// variance with blocks of L frames estimates γ(0)/T · B_L with
/// B_L = 1 + 2Σ_{k<L}(1 − k/L)ρ(k); the variance of the mean of T frames is
/// γ(0)/T · B_T. Replicate deviations are scaled by √(B_T/B_L) from this model.
/// Assumes an infinite reservoir around the volume (a sample cell is), free
/// diffusion and no flow: with flow the correlation, and this correction, are smaller.
public struct CountCorrelationModel: Sendable, Hashable, Codable {
    /// Field width W, µm.
    public var fieldWidthMicrometers: Double
    /// Field height H, µm.
    public var fieldHeightMicrometers: Double
    /// Effective sheet depth h, µm.
    public var sheetDepthMicrometers: Double
    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// Diffusion coefficients of the particle classes, µm²/s.
    public var diffusionUm2PerS: [Double]
    /// Weight of each entry of ``diffusionUm2PerS`` (frame-weighted share of counts; they sum to 1).
    public var weights: [Double]

    /// A model from per-track diffusion coefficients, each track weighted by
    /// its number of localisations (its share of the per-frame counts); the
    /// tracks are summarised by at most `classes` weighted quantiles.
    public init(fieldWidthMicrometers: Double, fieldHeightMicrometers: Double, sheetDepthMicrometers: Double,
                frameIntervalSeconds: Double, trackDiffusionUm2PerS: [Double], trackLengths: [Int], classes: Int = 32) {
        self.fieldWidthMicrometers = fieldWidthMicrometers
        self.fieldHeightMicrometers = fieldHeightMicrometers
        self.sheetDepthMicrometers = sheetDepthMicrometers
        self.frameIntervalSeconds = frameIntervalSeconds
        let pairs = zip(trackDiffusionUm2PerS, trackLengths).filter { $0.0.isFinite && $0.0 > 0 && $0.1 > 0 }
            .sorted { $0.0 < $1.0 }
        let total = pairs.reduce(0.0) { $0 + Double($1.1) }
        var ds: [Double] = [], ws: [Double] = []
        if total > 0 {
            let k = max(1, min(classes, pairs.count))
            var cumulative = 0.0, next = 0
            var sumD = 0.0, sumW = 0.0
            for (d, n) in pairs {
                cumulative += Double(n)
                sumD += d * Double(n); sumW += Double(n)
                if cumulative >= total * Double(next + 1) / Double(k) {
                    ds.append(sumD / sumW); ws.append(sumW / total)
                    sumD = 0; sumW = 0; next += 1
                }
            }
            if sumW > 0 { ds.append(sumD / sumW); ws.append(sumW / total) }
        }
        diffusionUm2PerS = ds
        weights = ws
    }

    /// g_L(t) for an interval of length `l` µm, diffusion `d` µm²/s, time `t` s.
    public static func stayProbability(lengthMicrometers l: Double, diffusionUm2PerS d: Double, seconds t: Double) -> Double {
        guard t > 0 else { return 1 }
        let u = l / (2 * (d * t).squareRoot())
        guard u < 30 else { return erf(u) - 1 / (u * Double.pi.squareRoot()) }
        return erf(u) - (1 - exp(-u * u)) / (u * Double.pi.squareRoot())
    }

    /// ρ at lag `k` frames.
    public func autocorrelation(lag k: Int) -> Double {
        let t = Double(k) * frameIntervalSeconds
        var r = 0.0
        for (d, w) in zip(diffusionUm2PerS, weights) {
            r += w * Self.stayProbability(lengthMicrometers: fieldWidthMicrometers, diffusionUm2PerS: d, seconds: t)
                * Self.stayProbability(lengthMicrometers: fieldHeightMicrometers, diffusionUm2PerS: d, seconds: t)
                * Self.stayProbability(lengthMicrometers: sheetDepthMicrometers, diffusionUm2PerS: d, seconds: t)
        }
        return r
    }

    /// B_L / B_T (see the type's discussion): the share of the variance of a
    /// T-frame mean that a block bootstrap with blocks of `length` frames sees.
    public func blockVarianceFactor(length: Int, frames: Int) -> Double {
        guard !weights.isEmpty, frames > 1 else { return 1 }
        var bl = 1.0, bt = 1.0
        for k in 1..<frames {
            let r = autocorrelation(lag: k)
            bt += 2 * (1 - Double(k) / Double(frames)) * r
            if k < length { bl += 2 * (1 - Double(k) / Double(length)) * r }
        }
        return min(max(bl / bt, 1e-3), 1)
    }
}

extension ConcentrationEstimate {
    /// Replicates of `statistic(columnMeans)` with their deviations from the
    /// estimate scaled by 1/√``varianceFactor`` (the correlation the blocks
    /// cannot see), so they can be combined with another capture's replicates.
    public func inflatedReplicates(_ statistic: ([Double]) -> Double) -> (estimate: Double, replicates: [Double]) {
        let est = statistic(columnMeans)
        let k = 1 / max(varianceFactor, 1e-6).squareRoot()
        return (est, replicateColumnMeans.map { est + (statistic($0) - est) * k })
    }
}

/// Exponential decay of a per-frame count, n(f) = n₀ e^{−k (f − f₀)}, fitted
/// by Poisson maximum likelihood (Newton on log n₀ and k).
///
/// Used for photobleaching in fluorescence captures: the illuminated region is
/// much wider than the field and particles move only a few µm during a
/// capture, so the labelled particles in view bleach on the capture's clock.
/// The rate's standard error is the Poisson one times √τ_int (counts are
/// correlated across frames).
public struct ExponentialDecayFit: Sendable, Hashable, Codable {
    /// Count per frame at the first frame.
    public var initialPerFrame: Double
    /// Decay rate k per frame (≥ 0 for bleaching; may come out slightly negative by chance).
    public var ratePerFrame: Double
    /// Standard error of ``ratePerFrame``, per frame (Poisson, inflated by √τ_int).
    public var rateStandardError: Double

    /// Fits the counts of one video, or of several pooled videos with
    /// `frameIndex` restarting at 0 in each (one level and one rate for all).
    public init(counts: [Double], frameIndex: [Int]? = nil) {
        let t = counts.count
        let xs = (frameIndex ?? Array(0..<t)).map(Double.init)
        let mean = counts.reduce(0, +) / Double(max(t, 1))
        var a = log(max(mean, 1e-9)), k = 0.0
        for _ in 0..<50 {
            // Gradient and Hessian of Σ (n_f (a − k f) − e^{a − k f}).
            var g0 = 0.0, g1 = 0.0, h00 = 0.0, h01 = 0.0, h11 = 0.0
            for f in 0..<t {
                let x = xs[f], mu = exp(a - k * x)
                g0 += counts[f] - mu; g1 += -x * (counts[f] - mu)
                h00 += mu; h01 += -x * mu; h11 += x * x * mu
            }
            let det = h00 * h11 - h01 * h01
            guard det > 0 else { break }
            let da = (h11 * g0 - h01 * g1) / det, dk = (-h01 * g0 + h00 * g1) / det
            a += da; k += dk
            if abs(da) < 1e-12 && abs(dk) < 1e-14 { break }
        }
        var h00 = 0.0, h01 = 0.0, h11 = 0.0
        for f in 0..<t {
            let x = xs[f], mu = exp(a - k * x)
            h00 += mu; h01 += -x * mu; h11 += x * x * mu
        }
        let det = h00 * h11 - h01 * h01
        let tau = BlockBootstrap.integratedAutocorrelationTime(counts)
        initialPerFrame = exp(a)
        ratePerFrame = k
        rateStandardError = det > 0 ? (h00 / det * tau).squareRoot() : .nan
    }
}

extension FrameCounts {
    /// Counts corrected for a decay of `ratePerFrame`: every column multiplied by
    /// e^{k f}, f the frame's index within its video, i.e. brought back to each
    /// capture's first frame.
    public func decayCorrected(ratePerFrame k: Double) -> FrameCounts {
        var out = self
        let w = frameIndexWithinVideo.map { exp(k * Double($0)) }
        out.all = zip(all, w).map { $0 * $1 }
        out.longTracks = zip(longTracks, w).map { $0 * $1 }
        out.bySize = bySize.map { zip($0, w).map { $0 * $1 } }
        return out
    }
}
