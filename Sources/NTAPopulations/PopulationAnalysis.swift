import Foundation
import NTARead
import NTATracks
import NTADiffusion
import NTACore

/// One analysed video as the populations stage needs it: the trajectories' rows
/// as read, the sized tracks, and the settings that turn frames into time and
/// pixels into nanometres.
public struct AnalysedVideo: Sendable {
    /// The trajectories' rows as read (all tracks, before the length cut; positions are not needed).
    public var rows: TrajectoryRows
    /// The tracks that were sized (passed every filter).
    public var tracks: TrackEstimates
    /// Minimum localisations per track the sizing used; the same cut defines a track here.
    public var minTrackLength: Int
    /// Frame interval Δt = 1 / frame rate, s.
    public var frameIntervalSeconds: Double
    /// Pixel size, nm; `nil` when the positions were not in pixels.
    public var nanometersPerPixel: Double?
    /// Frames the video covers; `nil`: first to last frame with a localisation.
    public var frames: Range<Int>?

    /// An analysed video from its parts.
    public init(rows: TrajectoryRows, tracks: TrackEstimates, minTrackLength: Int, frameIntervalSeconds: Double,
                nanometersPerPixel: Double?, frames: Range<Int>? = nil) {
        self.rows = rows
        self.tracks = tracks
        self.minTrackLength = minTrackLength
        self.frameIntervalSeconds = frameIntervalSeconds
        self.nanometersPerPixel = nanometersPerPixel
        self.frames = frames
    }

    /// An analysed video from the table it was read as (its rows are kept).
    public init(table: TrajectoryTable, tracks: TrackEstimates, minTrackLength: Int, frameIntervalSeconds: Double,
                nanometersPerPixel: Double?, frames: Range<Int>? = nil) {
        self.init(rows: table.rows, tracks: tracks, minTrackLength: minTrackLength,
                  frameIntervalSeconds: frameIntervalSeconds, nanometersPerPixel: nanometersPerPixel, frames: frames)
    }

    var diametersByTrack: [Int64: Double] { tracks.diametersByParticle }
}

/// Options of ``PopulationAnalysis``.
public struct PopulationOptions: Sendable {
    /// `--detection-volume-nl`, or `--field-of-view-um WxH` with `--sheet-depth-um`.
    public var volume: DetectionVolume
    /// `--dilution`: the original sample was diluted this many times before measuring.
    public var dilution: Double = 1
    /// Options of the concentration estimate.
    public var concentration = ConcentrationOptions()
    /// Options of the count decomposition (the size window, the detection limit).
    public var decomposition = DecompositionOptions()
    /// Options of the fluorescence pairing.
    public var fluorescence = FluorescenceOptions()
    /// Largest number of log-normal components tried.
    public var maxComponents = 4
    /// Model the count autocorrelation by diffusion through the volume (recommended; see ``CountCorrelationModel``).
    public var modelCountCorrelation = true
    /// A number-weighted size distribution of the sample (e.g. the deconvolved
    /// one) and the number of tracks behind it. When given, the decomposition's
    /// fractions and the log-normal components come from it instead of the
    /// per-track sizes, whose estimation noise broadens the distribution
    /// (on an EV-like simulation the window share from raw per-track sizes is
    /// ~0.07 low: 0.68 against 0.76).
    public var distribution: SizeGrid?
    /// Effective number of particles behind ``distribution`` (e.g. the tracks); `nil` uses the tracks sized.
    public var distributionEffectiveSampleSize: Double?
    /// The bootstrap replicates of ``distribution``'s fractions below, in and above the window (one triple per
    /// replicate, e.g. the deconvolution's refits over resampled tracks), and the window fraction's interval as the
    /// distribution reports it: when given, the decomposition's fraction intervals are these replicates' (and its
    /// concentrations pair them with the count's), not a multinomial draw of ``distributionEffectiveSampleSize``
    /// particles, so the report gives one interval for one figure.
    public var distributionFractionReplicates: [[Double]]?
    /// See ``distributionFractionReplicates``. An empty array: the distribution's fractions have no interval (nor,
    /// then, the classes' concentrations), as when the distribution itself was not bootstrapped.
    public var distributionWindowFractionInterval: ClosedRange<Double>?

    /// Options with detection volume `volume`, everything else at its default.
    public init(volume: DetectionVolume) { self.volume = volume }
}

/// Everything the populations stage reports for a sample.
public struct PopulationSummary: Sendable {
    /// Total particles per mL of the original sample (JSON top-level `concentrationPerMl`).
    public var concentration: ConcentrationEstimate
    /// The count decomposition (JSON `populations` = ``CountDecomposition/populations``).
    public var decomposition: CountDecomposition
    /// Log-normal mixture of the frame-weighted per-track sizes (JSON `components`).
    public var components: LogNormalMixtureFit?
    /// Intensity–size classes (JSON `intensity`), when the trajectories have intensities.
    public var intensity: IntensityClassification?
    /// Fluorescence pairing (JSON `fluorescence`), when a fluorescence capture was given.
    public var fluorescence: FluorescencePairing?
    /// Whether the count-correlation model's geometry was assumed (volume given only in nL).
    public var correlationGeometryAssumed: Bool?
    /// Problems met while computing optional parts (e.g. too few tracks for the intensity classes).
    public var notes: [String]
}

/// Wires the populations stage onto analysed videos: concentration, count
/// decomposition, log-normal components, intensity classes and fluorescence
/// pairing, with the conventions stated in each part.
///
/// The size fractions here come from per-track sizes (frame-weighted); once a
/// deconvolved distribution exists, pass it to
/// ``CountDecomposition/init(concentration:distribution:effectiveSampleSize:options:)``
/// and ``LogNormalMixture/fit(_:effectiveSampleSize:maxComponents:seed:)`` instead.
public enum PopulationAnalysis {
    /// Runs the stage on the `scatter` videos (pooled) and, when given, a paired `fluorescence` capture.
    /// Throws a ``PopulationError`` for counts it cannot make (e.g. ``PopulationError/noFrames`` without a
    /// scatter video); log-normal components or intensity classes that cannot be fitted become
    /// ``PopulationSummary/notes`` instead.
    public static func run(scatter: [AnalysedVideo], fluorescence: [AnalysedVideo] = [],
                           options: PopulationOptions) throws(PopulationError) -> PopulationSummary {
        guard let first = scatter.first else { throw .noFrames }
        var notes: [String] = []
        let dec = options.decomposition
        let edges = dec.classEdgesNanometers
        let minLength = first.minTrackLength
        var concOptions = options.concentration
        var assumed: Bool?
        if options.modelCountCorrelation {
            let g = options.volume.modelGeometry
            assumed = g.assumed
            concOptions.correlationModel = countCorrelationModel(scatter, width: g.width, height: g.height, depth: g.depth)
        }
        var perVideo: [FrameCounts] = []
        for v in scatter {
            perVideo.append(try FrameCounts(v.rows, frames: v.frames, minTrackLength: minLength,
                                            diametersByTrack: v.diametersByTrack, classEdgesNanometers: edges))
        }
        let counts = try FrameCounts.concatenating(perVideo)
        let conc = try ConcentrationEstimate(counts, volume: options.volume, dilution: options.dilution, options: concOptions)
        if counts.droppedTracks.total > 0 {
            let reasons = counts.droppedTracks.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            notes.append("concentration: \(counts.droppedTracks.total) tracks the sizing drops as ambiguous (\(reasons.joined(separator: ", "))) are not counted either, so particles per frame is low by their share of localisations")
        }
        // Components: the given distribution, or frame-weighted per-track sizes
        // (n_eff = number of sized tracks).
        var ds: [Double] = [], ws: [Double] = []
        for v in scatter {
            ds += v.tracks.diametersNanometers
            ws += v.tracks.lengths.map(Double.init)
        }
        var decomposition: CountDecomposition
        var components: LogNormalMixtureFit?
        if let grid = options.distribution {
            let nEff = options.distributionEffectiveSampleSize ?? Double(ds.count)
            decomposition = try CountDecomposition(concentration: conc, distribution: grid, effectiveSampleSize: nEff,
                                                   fractionReplicates: options.distributionFractionReplicates,
                                                   windowFractionInterval: options.distributionWindowFractionInterval,
                                                   options: dec)
            do {
                components = try LogNormalMixture.fit(grid, effectiveSampleSize: nEff, maxComponents: options.maxComponents)
            } catch { notes.append("log-normal components: not fitted (\(error))") }
        } else {
            decomposition = try CountDecomposition(concentration: conc, counts: counts, options: dec)
            notes.append("size fractions from raw per-track sizes (frame-weighted): broadened by estimation noise; give a deconvolved distribution for unbiased fractions")
            if ds.isEmpty {
                notes.append("log-normal components: not fitted (no track was sized)")
            } else {
                do {
                    components = try LogNormalMixture.fit(try SizeGrid(diametersNanometers: ds, weights: ws),
                                                          effectiveSampleSize: Double(ds.count), maxComponents: options.maxComponents)
                } catch { notes.append("log-normal components: not fitted (\(error))") }
            }
        }

        if let note = components?.convergenceNote { notes.append(note) }

        // Intensity classes, when every video has intensities.
        let classes = intensityClasses(scatter: scatter, window: dec.window, options: options.concentration,
                                       modelCountCorrelation: options.modelCountCorrelation)
        let intensity = classes.classification
        notes += classes.notes

        // Fluorescence pairing.
        var pairing: FluorescencePairing?
        if !fluorescence.isEmpty {
            var fo = options.fluorescence
            if fo.binEdgesNanometers.first != dec.window.minNm || fo.binEdgesNanometers.last != dec.window.maxNm {
                let step = (dec.window.maxNm - dec.window.minNm) / 6
                fo.binEdgesNanometers = (0...6).map { dec.window.minNm + Double($0) * step }
            }
            var sc: [FrameCounts] = [], fl: [FrameCounts] = []
            for v in scatter {
                sc.append(try FrameCounts(v.rows, frames: v.frames, minTrackLength: minLength,
                                          diametersByTrack: v.diametersByTrack, classEdgesNanometers: fo.binEdgesNanometers))
            }
            var flModel: CountCorrelationModel?
            if let m = concOptions.correlationModel {
                var fds: [Double] = [], fns: [Int] = []
                for v in fluorescence { fds += v.tracks.diffusionUm2PerS; fns += v.tracks.lengths }
                flModel = CountCorrelationModel(
                    fieldWidthMicrometers: m.fieldWidthMicrometers, fieldHeightMicrometers: m.fieldHeightMicrometers,
                    sheetDepthMicrometers: m.sheetDepthMicrometers, frameIntervalSeconds: m.frameIntervalSeconds,
                    trackDiffusionUm2PerS: fds, trackLengths: fns)
            }
            for v in fluorescence {
                fl.append(try FrameCounts(v.rows, frames: v.frames, minTrackLength: minLength,
                                          diametersByTrack: v.diametersByTrack, classEdgesNanometers: fo.binEdgesNanometers))
            }
            let p = try FluorescencePairing(scatter: try .concatenating(sc), fluorescence: try .concatenating(fl),
                                            volume: options.volume, dilution: options.dilution,
                                            concentrationOptions: concOptions, fluorescenceCorrelationModel: flModel,
                                            options: fo)
            pairing = p
            decomposition = decomposition.addingMarkerPositive(p)
        }
        return PopulationSummary(concentration: conc, decomposition: decomposition, components: components,
                                 intensity: intensity, fluorescence: pairing, correlationGeometryAssumed: assumed,
                                 notes: notes)
    }

    /// The count-correlation model of the `scatter` videos' tracks (their diffusion coefficients and lengths, in order)
    /// in a `width` × `height` µm field over a `depth` µm sheet, at the first video's frame interval.
    static func countCorrelationModel(_ scatter: [AnalysedVideo], width: Double, height: Double, depth: Double)
        -> CountCorrelationModel {
        var ds: [Double] = [], ns: [Int] = []
        for v in scatter { ds += v.tracks.diffusionUm2PerS; ns += v.tracks.lengths }
        return CountCorrelationModel(
            fieldWidthMicrometers: width, fieldHeightMicrometers: height, sheetDepthMicrometers: depth,
            frameIntervalSeconds: scatter[0].frameIntervalSeconds, trackDiffusionUm2PerS: ds, trackLengths: ns)
    }

    /// The geometry of the count-correlation model behind the vesicle-like share's interval, µm: NanoSight's field
    /// (100 × 80 µm) over a 10 µm sheet (SCIENCE.md §5), whatever detection volume is given, so that the interval
    /// depends on the data and the seed only.
    static let intensityCorrelationGeometry = (width: 100.0, height: 80.0, depth: 10.0)

    /// The intensity classes of the `scatter` videos pooled, with notes (why there are none, or why the share is
    /// unknown). Needs no detection volume: the share is a ratio of counts in the same frames. The interval's
    /// count-correlation model, with `modelCountCorrelation`, takes ``intensityCorrelationGeometry`` and the tracks'
    /// diffusion coefficients; `options` gives the confidence level and the seed (its own model is not used).
    static func intensityClasses(scatter: [AnalysedVideo], window: SizeWindow, options: ConcentrationOptions,
                                 modelCountCorrelation: Bool = true)
        -> (classification: IntensityClassification?, notes: [String]) {
        guard let first = scatter.first, scatter.allSatisfy({ $0.rows.intensity != nil }) else {
            return (nil, ["intensity classes: not fitted (the trajectories have no intensity column)"])
        }
        var o = options
        o.correlationModel = nil
        if modelCountCorrelation {
            let g = intensityCorrelationGeometry
            o.correlationModel = countCorrelationModel(scatter, width: g.width, height: g.height, depth: g.depth)
        }
        do {
            var videos: [IntensityClassifier.Video] = []
            for v in scatter {
                let grouped = TrackGrouping.group(v.rows, minTrackLength: first.minTrackLength)
                let t = v.tracks
                var relVar = [Int64: Double]()
                for k in t.particleIDs.indices where t.diffusionUm2PerS[k] > 0 {
                    relVar[t.particleIDs[k]] = t.diffusionVarianceUm4PerS2[k] / (t.diffusionUm2PerS[k] * t.diffusionUm2PerS[k])
                }
                let pts = try TrackIntensities(tracks: grouped.tracks, diametersByTrack: v.diametersByTrack,
                                               relativeDiffusionVarianceByTrack: relVar)
                let lo = v.frames?.lowerBound ?? Int(v.rows.frame.min() ?? 0)
                let hi = v.frames?.upperBound ?? Int(v.rows.frame.max() ?? 0) + 1
                videos.append(.init(points: pts, rows: v.rows, frames: lo..<hi))
            }
            let c = try IntensityClassifier.classify(videos: videos, window: window, options: o)
            return (c, c.separationNote.map { [$0] } ?? [])
        } catch {
            return (nil, ["intensity classes: not fitted (\(error))"])
        }
    }
}
