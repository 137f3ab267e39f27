import Dispatch
import Foundation
import NTACore
import NTARead
import NTATracks
import NTADiffusion
import NTADistribution
import NTAPopulations

/// Which per-track diffusion estimator an analysis uses.
public enum EstimatorChoice: String, Sendable, Codable, CaseIterable, Hashable {
    /// One-lag MSD, ⟨|Δr|²⟩/(4Δt): naive about blur and noise (see ``OneLagMSDEstimator``).
    case msd1
    /// Covariance-based estimator with per-track σ² (see ``CVEEstimator``).
    case cve
    /// Covariance-based estimator with the video's pooled σ² (known-σ² CVE;
    /// needs ``EstimationContext/localisationVarianceNm2``, else per-track σ²).
    case cvePooled = "cve-pooled"
    /// MSD line fit over Michalet's optimal number of lags (see ``OptimalLagMSDEstimator``).
    case msdOptimal = "msd-optimal"
    /// Exact maximum likelihood with the video's pooled σ² (see
    /// ``MaximumLikelihoodEstimator``); the most accurate. Falls back to the
    /// σ²-unknown fit when the context carries no σ².
    case ml
    /// Exact maximum likelihood with σ² fitted per track.
    case mlFree = "ml-free"

    /// The estimator itself.
    public var estimator: any DiffusionEstimator {
        switch self {
        case .msd1: return OneLagMSDEstimator()
        case .cve: return CVEEstimator()
        case .cvePooled: return CVEEstimator(usesKnownLocalisationVariance: true)
        case .msdOptimal: return OptimalLagMSDEstimator()
        case .ml: return MaximumLikelihoodEstimator(usesKnownLocalisationVariance: true)
        case .mlFree: return MaximumLikelihoodEstimator(usesKnownLocalisationVariance: false)
        }
    }

    /// The most accurate estimator for a video: exact maximum likelihood with the
    /// video's pooled σ² when the exposure (hence blur) is known, and the
    /// σ²-free maximum likelihood otherwise, whose D is independent of blur
    /// (estimating R from the data biases the known-σ² fit by several %).
    public static func automatic(exposureKnown: Bool) -> EstimatorChoice {
        exposureKnown ? .ml : .mlFree
    }

    /// Whether the estimator uses the video's pooled σ² (the pipeline must put
    /// it in the ``EstimationContext`` first, e.g. from ``VideoNuisance``).
    public var usesPooledLocalisationVariance: Bool {
        switch self {
        case .cvePooled, .ml: return true
        case .msd1, .cve, .msdOptimal, .mlFree: return false
        }
    }
}

/// How the reported size distribution is formed from per-track data.
public enum DistributionChoice: String, Sendable, Codable, CaseIterable, Hashable {
    /// The sample's number distribution: maximum-likelihood deconvolution of
    /// the per-track likelihoods over a log-spaced diameter grid, corrected from
    /// tracks to particles by the expected frames in view per size and for
    /// visits lost to the minimum-length cut (see ``DeconvolvedSizeDistribution``).
    case deconvolved
    /// One count per track at its point estimate (what most tools show: broadened,
    /// skewed, and over-weighting small particles).
    case histogram
}

/// Which per-track likelihood feeds the deconvolution.
public enum LikelihoodChoice: String, Sendable, Codable, CaseIterable, Hashable {
    /// Walker's Gamma likelihood of the one-lag MSD, made noise- and blur-aware
    /// (mean 4DΔt(1 − 2R) + 4σ², shape matched to the correlated-step variance). Fast; pools tracks.
    case gamma
    /// The exact likelihood of every track's steps (DST-I diagonalisation), with
    /// the video's σ² and R (σ² profiled out per track when the exposure is unknown).
    case exact
}

/// Options that apply to a whole analysis.
public struct AnalysisOptions: Sendable, Hashable {
    /// Per-track estimator; `nil` chooses the most accurate for the settings
    /// (``EstimatorChoice/automatic(exposureKnown:)``).
    public var estimator: EstimatorChoice?
    /// How the reported size distribution is formed.
    public var distribution: DistributionChoice = .deconvolved
    /// The per-track likelihood used by the deconvolution.
    public var likelihood: LikelihoodChoice = .gamma
    /// Bootstrap replicates (over tracks) for the deconvolved statistics' intervals; 0 for none.
    public var bootstrapReplicates = 0 {
        didSet { explicitlySet.insert(.bootstrapReplicates) }
    }
    /// Seed of every random choice (bootstrap); the same seed gives the same report.
    public var seed: UInt64 = 1 {
        didSet { explicitlySet.insert(.seed) }
    }
    /// Whether to estimate the video's drift (mean motion of all particles)
    /// and subtract it before estimating diffusion.
    public var subtractsDrift = true {
        didSet { explicitlySet.insert(.driftCorrection) }
    }
    /// The size window whose number fraction is reported (default 30–150 nm, the exosome window).
    public var window: SizeWindow = .exosome {
        didSet { explicitlySet.insert(.window) }
    }
    /// How water's viscosity follows from the temperature when no viscosity is given.
    public var viscosityModel: ViscosityModel = .iapws {
        didSet { explicitlySet.insert(.viscosityModel) }
    }
    /// Which of the options reports list as settings were chosen (set after `init`) rather than left at their
    /// defaults: reports give their source as `flag` or `default` accordingly.
    public var explicitlySet: Set<ExplicitOption> = []

    /// An analysis option a report lists among the settings, with where its value came from.
    public enum ExplicitOption: String, Sendable, Hashable, CaseIterable {
        case window, viscosityModel, driftCorrection, bootstrapReplicates, seed
    }
    /// Settings given explicitly (flags); they override settings files.
    public var settings = AcquisitionSettings()
    /// Minimum track length when neither flags nor files give one.
    public var defaultMinTrackLength = 10
    /// Detection volume for concentration from trajectories (`--detection-volume-nl`, or
    /// `--field-of-view-um` with `--sheet-depth-um`); without it no concentration is computed.
    public var detectionVolume: DetectionVolume?
    /// Times the original sample was diluted before measuring (`--dilution`); concentrations from
    /// trajectories are multiplied by it. Instrument summaries carry their own dilution.
    public var dilution: Double?
    /// Margin from the field's edges (the localisations' bounding box), µm: the pooled σ² and the
    /// deconvolution's Gamma likelihood use only steps that start at least this far inside, because
    /// tracks truncated at the edges record short, anti-correlated steps (``EdgeTrim``). `nil` chooses
    /// it from the data (4 step SDs of the fastest tenth of tracks, keeping ≥ half the steps); `0` is off.
    public var edgeMarginMicrometers: Double? = nil
    /// Largest diameter binned, nm; larger estimates are dropped as out of range.
    public var maximumDiameterNanometers = 10_000.0
    /// Smallest diameter kept, nm (a molecule, not a particle); smaller estimates — a track with
    /// an absurd jump — are dropped as out of range.
    public var minimumDiameterNanometers = 1.0

    /// Whether a per-track diameter lies in the range the distribution reports.
    func keepsDiameter(_ d: Double) -> Bool { d >= minimumDiameterNanometers && d < maximumDiameterNanometers }

    /// The defaults: automatic estimator, deconvolved distribution, gamma likelihood, no bootstrap, drift corrected.
    public init() {}
}

/// The analysis of one video (one input file).
public struct VideoAnalysis: Sendable {
    /// Name shown in reports (the file name).
    public package(set) var name: String
    /// The path as given.
    public package(set) var file: String
    /// The settings the video was analysed with, each with its source.
    public package(set) var settings: ResolvedSettings
    /// Data rows in the file.
    public package(set) var rowsRead: Int
    /// Rows left out, by reason.
    public package(set) var droppedRows: DropTally
    /// Tracks in the file (before any filter).
    public package(set) var tracksRead: Int
    /// Tracks left out, by reason (tracksRead = sized + these).
    public package(set) var droppedTracks: DropTally
    /// Per-track D, its variance and size, for the tracks sized.
    public package(set) var tracks: TrackEstimates
    /// The reported number distribution on 1-nm bins (in tracks): deconvolved, or the track histogram.
    public package(set) var distribution: BinnedDistribution
    /// `deconvolved` or `trackHistogram`.
    public package(set) var distributionKind: DistributionKind
    /// Mean, SD, mode and D10/D50/D90 of distribution, nm.
    public package(set) var size: SizeStatistics
    /// Share of distribution inside window (0–1).
    public package(set) var windowFraction: Double
    /// The deconvolution behind ``distribution`` (with its bootstrap), when deconvolved.
    public package(set) var deconvolved: DeconvolvedSizeDistribution?
    /// The likelihood the deconvolution used.
    public package(set) var likelihood: LikelihoodChoice = .gamma
    /// One count per sized track in 1-nm bins, for comparison.
    public package(set) var histogram: BinnedDistribution
    /// Statistics of histogram (see SizeStatistics/init(trackHistogram:)).
    public package(set) var histogramSize: SizeStatistics
    /// Share of histogram inside window (0–1).
    public package(set) var histogramWindowFraction: Double
    /// Video-level nuisance parameters (pooled σ², blur R, drift) with their uncertainties; `nil` when not estimable.
    public package(set) var nuisance: VideoNuisance?
    /// Pooled per-axis localisation σ, nm; `nil` when not estimable: σ̂² ≤ 0, σ not told from the blur
    /// (``VideoNuisance/isIdentified``), or σ² not measured (``VideoNuisance/isMeasured``).
    public var localisationSigmaNanometers: Double? {
        guard let n = nuisance, n.isIdentified, n.isMeasured else { return nil }
        return n.localisationSigmaNanometers
    }
    /// The window used.
    public package(set) var window: SizeWindow
    /// The rows of the trajectories the video was analysed from (as read: all tracks; particle, frame and
    /// intensity, without the positions, which the analysis releases once grouped), when it came from
    /// trajectories.
    public package(set) var trajectoryRows: TrajectoryRows?
    /// The estimator used (`nil` for per-track exports whose estimator is the instrument's).
    public package(set) var estimator: EstimatorChoice?
    /// The smallest diameter detected at the sheet's centre, nm (`SizeDeconvolution.detectionLimitNanometers`),
    /// when each track's detection depth was read from its intensities; smaller particles are not seen at all,
    /// and the number distribution is zero below it.
    public package(set) var detectionLimitNanometers: Double?
    /// Whether the intensities show detection through a threshold (``DetectionDepth/ThresholdSignature``), read
    /// from the tracks seen whole; `nil` without intensities that resolve it or positions.
    public package(set) var intensityThresholdSignature: DetectionDepth.ThresholdSignature?
    /// Why the tracks' intensities gave no detection depths, when there were intensities (`nil` otherwise, or
    /// when they gave depths).
    public package(set) var unresolvedIntensities: DetectionDepth.Unresolved?
    /// Whether the video's drift was estimated and subtracted (`false` when the
    /// options said not to, or when the input's frames are not shared across tracks).
    public package(set) var subtractsDrift = false
    /// Whether frame numbers are shared across tracks (see ``TrajectoryReadResult/framesSharedAcrossTracks``);
    /// when not, nothing comparing particles frame by frame (particles per frame, concentration) is computed.
    public package(set) var framesSharedAcrossTracks = true
    /// Why drift correction was skipped although the options asked for it, when it was.
    public package(set) var driftSkippedReason: String?
    /// Every track that reached the estimator, in track order, with its outcome
    /// (for the per-track table; see ``TrackTable``).
    public package(set) var trackRecords: [TrackRecord] = []
    /// Tracks the reader left out before grouping (counted in ``tracksRead`` and ``droppedTracks``).
    public package(set) var readerDroppedTracks: [DroppedTrack] = []
    /// The instrument's own per-track estimates, when the input prints them.
    public package(set) var instrumentTracks: [InstrumentTrackEstimate] = []
    /// Warnings about this video's input and what the analysis could not do as asked or changed
    /// (a clamped value, nothing read, every track dropped), one line each, shown in every report.
    public package(set) var warnings: [String] = []
    /// Statements about what could not be computed for this video and why.
    public package(set) var notes: [String] = []
    /// The warning that the deconvolution's likelihood model does not describe the tracks
    /// (``Analysis/tailPileWarning(_:records:)``), when it does not: the deconvolved figures — ``size``,
    /// ``windowFraction``, the intervals and components — are then unknown (NaN, reported as `null`), and the track
    /// histogram beside them (``histogramSize``) gives the tracks' own sizes. `nil` when the model fits, or for a
    /// histogram.
    public package(set) var deconvolutionMisfit: String?

    /// Whether the deconvolution weighed fewer tracks than ``DeconvolvedSizeDistribution/minimumTracksForIntervals``:
    /// with so few no 95 % interval exists even for a median, and the distribution rests mostly on the smoothing.
    public var deconvolvedTracksTooFew: Bool {
        (deconvolved?.deconvolution.trackCount).map { $0 < DeconvolvedSizeDistribution.minimumTracksForIntervals } ?? false
    }

    /// Whether the deconvolved figures are unknown: the deconvolution's model does not fit the tracks
    /// (``deconvolutionMisfit``), or it weighed too few of them (``deconvolvedTracksTooFew``).
    public var deconvolvedFiguresUnsupported: Bool { deconvolutionMisfit != nil || deconvolvedTracksTooFew }

    /// Tracks sized (those in tracks).
    public var tracksUsed: Int { tracks.diametersNanometers.count }
}

/// The analysis pipeline: tracks → diffusion → sizing → distribution.
public enum Analysis {
    /// Reads a trajectory file with its sidecar settings and analyses it, as a video named `name` (default: the file's
    /// name).
    public static func analyzeTrajectoryFile(
        at url: URL, displayName: String? = nil, mapping: ColumnMapping? = nil, options: AnalysisOptions, name videoName: String? = nil
    ) throws -> VideoAnalysis {
        let name = displayName ?? url.path
        var read = try TrajectoryCSVReader(mapping: mapping).read(contentsOf: url, displayName: name)
        StageTimings.shared.mark("read")
        let sidecar = try SettingsSidecar.load(for: url)
        let settings = try ResolvedSettings.resolve(
            file: name, flags: options.settings, fromFile: sidecar,
            needsPixelSize: read.table.positionUnit == .pixels, viscosityModel: options.viscosityModel,
            defaultMinTrackLength: options.defaultMinTrackLength)
        read.warnings += overrideWarnings(flags: options.settings, fromFile: sidecar, fileDetail: "settings sidecar")
        return try analyze(consume read, settings: settings, name: videoName ?? url.lastPathComponent, file: name, options: options)
    }

    /// Analyses trajectories already read.
    ///
    /// The read result is consumed: when the caller gives it up (`analyze(consume read, …)`), its
    /// positions are released as soon as the tracks are grouped, and only the rows' particle, frame
    /// and intensity columns are kept (``VideoAnalysis/trajectoryRows``).
    ///
    /// - Throws: ``InputError`` when a position converted to nanometres is not finite (e.g. a
    ///   coordinate of 1e300 pixels).
    public static func analyze(
        _ read: consuming TrajectoryReadResult, settings: ResolvedSettings, name: String, file: String,
        options: AnalysisOptions
    ) throws(InputError) -> VideoAnalysis {
        try checkMemory(rows: read.table.count, file: file)
        try checkPositionsFinite(read.table, settings: settings, file: file)
        let table = read.table
        read.table = TrajectoryTable()
        let separated = TrackGrouping.groupReleasingPositions(
            consume table, nanometersPerPixel: settings.nanometersPerPixel?.value, minTrackLength: settings.minTrackLength.value)
        let rows = separated.rows
        StageTimings.shared.mark("group into tracks")
        var grouped = (tracks: separated.tracks, totalTracks: separated.totalTracks, dropped: separated.dropped)
        var dropped = grouped.dropped
        dropped.merge(read.droppedTrackTally)
        let dt = settings.frameIntervalSeconds
        let exposureKnown = settings.exposureMilliseconds.source != .default
        var choice = options.estimator ?? EstimatorChoice.automatic(exposureKnown: exposureKnown)
        // The exact per-track fits transform each run of steps: their FFTW plans are made now, in the
        // background, while drift and nuisance are estimated (the planner is serial).
        let planning = choice == .ml || choice == .mlFree
            ? TrackLikelihood.planTransformsInBackground(for: grouped.tracks) : nil
        // Drift is the motion shared by particles in the same frame: it needs frames shared across tracks.
        let subtractsDrift = options.subtractsDrift && read.framesSharedAcrossTracks

        // Video-level nuisance: drift (subtracted when it stands out from its own noise), pooled σ², blur R.
        let estimatedDrift = subtractsDrift && grouped.tracks.trackCount > 0
            ? DriftEstimate.estimate(grouped.tracks) : nil
        // A drift within its noise is not subtracted: the correction would add the other particles' noise to every
        // track for nothing, and a drift that small moves no size.
        let driftTest = estimatedDrift?.significance()
        let drift = driftTest?.detected == true ? estimatedDrift : nil
        // Edges are fixed in the camera frame: judged on the positions as recorded.
        let edge = EdgeTrim(grouped.tracks, marginMicrometers: options.edgeMarginMicrometers)
        // A field of view given for the concentration is checked against the positions as recorded.
        let recordedExtent = options.detectionVolume?.fieldWidthMicrometers != nil
            ? fieldOfViewMicrometers(grouped.tracks) : nil
        // The drift comes off in place: the grouped tracks give up their columns (one copy of the
        // positions in memory, not two). Each track's record (its mean intensity included) is taken
        // first; the intensities serve the nuisance's photon-limited σ² model and each track's detection
        // depth, and are then let go.
        var owned = grouped.tracks
        grouped.tracks = TrackSet(particleIDs: [], offsets: [0], frame: [], xNanometers: [], yNanometers: [])
        var records = TrackRecord.records(of: owned)
        // Each track's detection depth from its intensities, for when the deconvolution finds depth growing
        // with size or the intensities show a threshold (DetectionDepth); read before the drift comes off,
        // since the threshold's signature judges the field's edges on the positions as recorded.
        let depthReading = options.distribution == .deconvolved ? DetectionDepth.read(owned) : nil
        var detectionDepths: [Double]?, thresholdSignature: DetectionDepth.ThresholdSignature?
        var unresolvedIntensities: DetectionDepth.Unresolved?, missingIntensities = 0
        switch depthReading {
        case .depths(let depths, _, let signature, let missing)?:
            (detectionDepths, thresholdSignature, missingIntensities) = (depths, signature, missing)
        case .unresolved(let why)?: unresolvedIntensities = why
        case nil: break
        }
        // Each track is corrected by a drift that holds its own steps at the balancing weight (DriftEstimate.OwnSteps):
        // neither the share of its own motion the drift takes nor the others' noise it adds moves its long-lag variance.
        if let drift { owned.subtractDrift(drift, ownSteps: .balanced) }
        StageTimings.shared.mark("drift, edges, depths")
        let nuisance = VideoNuisance.estimate(
            owned, frameIntervalSeconds: dt,
            exposureMilliseconds: exposureKnown ? settings.exposureMilliseconds.value : nil, drift: estimatedDrift, edge: edge,
            localisationInverseIntensity: rows.intensity.map { VideoNuisance.meanInverseIntensity($0, 0 ..< $0.count) })
        // A σ² the tracks did not measure (too few of them, or none, gave it; VideoNuisance.isMeasured) is used nowhere:
        // each track's noise is fitted with its D in its own fit (ml-free) and in the exact likelihood (profiled out); the
        // one-lag Gamma likelihood, which cannot, takes σ² = 0 (a note says so).
        let measured = nuisance?.isMeasured == true ? nuisance : nil, noiseMeasured = measured != nil
        if options.estimator == nil, choice == .ml, !noiseMeasured { choice = .mlFree }
        // With photon-limited σ², each track is sized with the σ² of its own brightness (a dim track's is larger).
        let trackLocalisationVariances = measured.flatMap { Self.trackLocalisationVariances(owned, nuisance: $0) }
        StageTimings.shared.mark("video nuisance")
        // The intensities have served the depths and the photon-limited σ²: they go (the sizing needs positions only).
        owned.intensity = nil
        let tracks = owned
        let context = nuisance?.context
            ?? EstimationContext(frameIntervalSeconds: dt, blurCoefficient: settings.blurCoefficient)

        // Per-track estimates, in parallel over tracks.
        let count = tracks.trackCount
        let estimates: [DiffusionEstimate?]
        switch choice {
        case .ml, .mlFree:
            let ml = MaximumLikelihoodEstimator(usesKnownLocalisationVariance: choice == .ml)
            estimates = ml.estimateAll(tracks, context: context,
                                       localisationVariancesNm2: trackLocalisationVariances.map { v in v.map { max($0, 0) } })
            planning?.wait()
        default:
            let estimator = choice.estimator
            estimates = Parallel.map(count: count) { t in
                tracks.withSample(of: t) { estimator.estimate($0, context: context) }
            }
        }

        // The one-lag D of every track for the per-track table, whatever the estimator.
        let oneLag = Parallel.map(count: count) { k in
            tracks.withSample(of: k) { OneLagMSDEstimator().estimate($0, context: context)?.diffusionUm2PerS } ?? .nan
        }
        var result = TrackEstimates()
        let t = settings.temperatureCelsius.value, eta = settings.viscosityMillipascalSeconds.value
        for k in 0..<count {
            var record = records[k]
            record.oneLagDiffusionUm2PerS = oneLag[k]
            defer { records[k] = record }
            guard let e = estimates[k] else { dropped.add(.tooFewSteps); record.reason = .tooFewSteps; continue }
            record.diffusionUm2PerS = e.diffusionUm2PerS
            record.diffusionStandardErrorUm2PerS = e.varianceUm4PerS2.squareRoot()
            guard e.diffusionUm2PerS.isFinite, e.diffusionUm2PerS > 0 else {
                let reason: DropReason = Self.allStepsZero(tracks, k) ? .allStepsZero : .nonPositiveDiffusion
                dropped.add(reason); record.reason = reason; continue
            }
            let d = StokesEinstein.diameterNanometers(diffusionUm2PerS: e.diffusionUm2PerS, temperatureCelsius: t,
                                                      viscosityMillipascalSeconds: eta)
            record.diameterNanometers = d
            guard options.keepsDiameter(d) else {
                let reason: DropReason = Self.allStepsZero(tracks, k) ? .allStepsZero : .diameterOutOfRange
                dropped.add(reason); record.reason = reason; continue
            }
            result.particleIDs.append(tracks.particleIDs[k])
            result.lengths.append(tracks.length(of: k))
            result.diffusionUm2PerS.append(e.diffusionUm2PerS)
            result.diffusionVarianceUm4PerS2.append(e.varianceUm4PerS2)
            result.diametersNanometers.append(d)
        }
        StageTimings.shared.mark("per-track estimates")
        let deconvolutionContext = measured.map { Self.deconvolutionContext($0) } ?? context
        // The exact likelihood takes the video's σ² and R where the exposure fixes R and σ² was measured; otherwise each
        // track's noise is profiled out (``ExactTrackLikelihoods/profilesNoise``).
        let usesVideoNoise = exposureKnown && noiseMeasured
        // No sized track: nothing supports a distribution (the deconvolution would only return its prior).
        let deconvolves = options.distribution == .deconvolved && !result.diametersNanometers.isEmpty
        // What both the fit and R's refit read from the tracks, made once.
        // The grid covers the sized tracks unless no more than beyondGridShare of them lie beyond its default span.
        var inputs = deconvolves
            ? DeconvolutionInputs(tracks, options: options, edge: edge,
                                  grid: DiameterGrid.covering(result.diametersNanometers, beyondShare: Self.beyondGridShare))
            : nil
        if let v = trackLocalisationVariances, let n = measured {
            // Each clamped as the shared σ² is (deconvolutionContext).
            let shared = deconvolutionContext.localisationVarianceNm2 ?? 0
            inputs?.localisationVarianceOffsetsNm2 = v.map { deconvolutionLocalisationVariance($0, nuisance: n) - shared }
        }
        var deconvolved = inputs.map {
            deconvolve(tracks, settings: settings, context: deconvolutionContext, exposureKnown: usesVideoNoise,
                       options: options, inputs: $0, detectionDepths: detectionDepths, thresholdSignature: thresholdSignature)
        }
        // A nuisance parameter estimated from the tracks is uncertain, and the bootstrap held it fixed: its error joins
        // the intervals by the delta method, from one more fit with it one standard error away (``NuisanceShift``), at
        // the full fit's λ, as the bootstrap's replicates are (the smoothing's choice is not its error), from the full
        // fit's weights (the shift moves the fit a little).
        var nuisanceNote: String?
        if var d = deconvolved, let inputs, d.bootstrap != nil, let n = measured, let shift = NuisanceShift(n) {
            var single = options
            single.bootstrapReplicates = 0
            d.addUncertainty(of: deconvolve(tracks, settings: settings, context: shift.context, exposureKnown: usesVideoNoise,
                                            options: single, inputs: inputs, smoothing: .fixed(d.deconvolution.lambda),
                                            start: d.deconvolution.beta, detectionDepths: detectionDepths,
                                            thresholdSignature: thresholdSignature))
            if let s = d.nuisanceShifted {
                nuisanceNote = String(format: "%@: the intervals include %@ (delta method: %@ one standard error, %@, moves D50 by %+.2g nm and the window fraction by %+.2g percentage points), added in quadrature to the bootstrap's, which held %@ fixed",
                                      name, shift.uncertainty, shift.move, shift.standardError, s.d50Nm - d.summary.d50Nm,
                                      100 * (s.windowFraction - d.summary.windowFraction), shift.symbol)
            }
            deconvolved = d
            StageTimings.shared.mark(shift.stage)
        }
        var video = finish(result, dropped: dropped, settings: settings, name: name, file: file, rowsRead: read.rowsRead,
                           droppedRows: read.droppedRows, tracksRead: grouped.totalTracks + read.droppedTracks.count,
                           estimator: choice, nuisance: nuisance, deconvolved: deconvolved,
                           deconvolvedTracks: count, options: options)
        if let nuisanceNote { video.notes.append(nuisanceNote) }
        // What an estimator or likelihood that takes the video's σ² met, when the tracks did not measure it.
        let unmeasured = "takes the video's σ², which too few of its tracks measured (fewer than \(VideoNuisance.minimumTracksForStandardError) long enough to split)"
        if deconvolved != nil, !noiseMeasured, options.likelihood == .gamma {
            video.notes.append("\(name): the deconvolution's one-lag Gamma likelihood \(unmeasured): it took σ² = 0, noise negligible against a step (σ = 30 nm adds 0.6 % to a 100 nm particle's step variance at 30 frames/s, 3 % to a 500 nm one's), which reads sizes a little small where σ is larger; --likelihood exact fits each track's noise instead")
        }
        if let asked = options.estimator, asked.usesPooledLocalisationVariance, !noiseMeasured {
            let instead = asked == .ml ? "each track's σ² was fitted with its D instead, as ml-free does"
                : "each track's own σ² was taken instead, as cve does"
            video.notes.append("\(name): the per-track estimator \(asked.rawValue) \(unmeasured): \(instead)")
        }
        if video.deconvolvedTracksTooFew, let d = deconvolved {
            let n = d.deconvolution.trackCount
            video.notes.append("\(name): \(n) track\(n == 1 ? "" : "s") cannot support the deconvolved figures: with fewer than \(DeconvolvedSizeDistribution.minimumTracksForIntervals) observations no 95 % interval exists even for a median (from the smallest to the largest of n covers with 1 − 2·0.5ⁿ < 0.95)\(options.bootstrapReplicates > 0 ? ", so the bootstrap was not run" : ""), and the distribution rests mostly on the smoothing: its D10/D50/D90, mode and window fraction are reported as unknown; the one-count-per-track histogram gives the tracks' own sizes")
        }
        if let d = deconvolved, let note = Self.extendedGridNote(result.diametersNanometers, grid: d.deconvolution.grid) {
            video.notes.append("\(name): \(note)")
        }
        if let d = deconvolved?.deconvolution, let text = Self.trackingLimitText(d), let limit = d.trackingLimitNanometers,
           limit <= options.window.minNm {
            video.notes.append("\(name): \(text); the size window lies above it")
        }
        video.intensityThresholdSignature = thresholdSignature
        video.unresolvedIntensities = unresolvedIntensities
        if missingIntensities > 0 {
            video.notes.append(String(format: "%@: localisations whose intensity is not a number or infinite: %d (%.2g %%), read as missing, not as dim: each track's detection depth comes from its other localisations", name, missingIntensities, 100 * Double(missingIntensities) / Double(max(tracks.rowCount, 1))))
        }
        if let v = trackLocalisationVariances, let note = Self.noiseFollowsSizeNote(v) { video.notes.append("\(name): \(note)") }
        video.detectionLimitNanometers = video.deconvolved?.deconvolution.detectionLimitNanometers
        video.trajectoryRows = rows
        video.likelihood = options.likelihood
        video.subtractsDrift = drift != nil
        if let estimatedDrift, drift == nil {
            let test = driftTest.map { String(format: "χ² = %.3g on 2 degrees of freedom over the whole video, %.3g on %d over blocks of it; p = %.2g ≥ %g", $0.steadyChiSquare, $0.chiSquare, $0.degreesOfFreedom, $0.pValue, DriftSignificance.level) }
                ?? "no block of frames with steps to test it on"
            let v = estimatedDrift.meanVelocityNanometersPerFrame
            // With one particle a frame there is no spread to take its noise from: no "± 0".
            let se = v.standardError.isFinite && v.standardError > 0 ? String(format: "%.2g", v.standardError) : "unknown"
            video.driftSkippedReason = String(format: "drift correction skipped: the estimated drift (mean %.3g, %.3g nm per frame, standard error %@) does not stand out from its own noise (%@); subtracting it would add the other particles' noise to every track for no gain", v.x, v.y, se, test)
        }
        video.trackRecords = records
        // A deconvolution whose model does not describe the tracks gives no measurement: its figures become unknown.
        // Nor does one that weighed too few tracks (its note says why).
        if let d = video.deconvolved, !video.deconvolvedTracksTooFew,
           let text = tailPileWarning(d.deconvolution, records: records) {
            video.deconvolutionMisfit = text
        }
        if video.deconvolvedFiguresUnsupported {
            video.size = .unknown
            video.windowFraction = .nan
        }
        video.readerDroppedTracks = read.droppedTracks
        video.instrumentTracks = read.instrumentTracks
        video.warnings = read.warnings + warnings(read: read, settings: settings, video: video)
        if let warning = fieldOfViewWarning(given: options.detectionVolume, recordedExtent: recordedExtent) {
            video.warnings.append(warning)
        }
        if let warning = jumpWarning(tracks) { video.warnings.append(warning) }
        if let warning = stepCapWarning(tracks, nanometersPerPixel: settings.nanometersPerPixel?.value) {
            video.warnings.append(warning)
        }
        if options.detectionVolume != nil, read.framesSharedAcrossTracks, let note = trackGapNote(tracks) {
            video.notes.append("\(name): \(note)")
        }
        video.notes += read.notes.map { "\(name): \($0)" }
        if !read.framesSharedAcrossTracks {
            let why = "the input has no frame numbers shared across tracks (each track's positions count from its own start)"
            if options.subtractsDrift { video.driftSkippedReason = "drift correction skipped: \(why)" }
            video.notes.append("\(name): drift, particles per frame and concentration are not computed: \(why)")
            video.framesSharedAcrossTracks = false
        }
        return video
    }
}

extension Analysis {
    /// Peak memory of the default analysis per localisation, bytes: 8.9 GB for 100 million rows
    /// (a 3.5 GB trackpy file, bootstrap 100; `/usr/bin/time -v`, BENCHMARKS.md), rounded up.
    public static let peakBytesPerRow = 96

    /// Stops before the analysis when `rows` localisations would need more memory than the
    /// machine has (so the run ends with this error, not an allocation abort or the OOM killer).
    static func checkMemory(rows: Int, file: String,
                            physicalMemoryBytes: UInt64 = ProcessInfo.processInfo.physicalMemory) throws(InputError) {
        let limit = physicalMemoryBytes / UInt64(peakBytesPerRow)
        guard UInt64(rows) > limit else { return }
        let gib = Double(physicalMemoryBytes) / 1_073_741_824
        throw InputError(file: file, message: "expected at most \(limit) localisations on this machine (\(String(format: "%.1f", gib)) GiB of memory, about \(peakBytesPerRow) bytes per localisation), found \(rows): analyse the captures in separate files")
    }

    /// Throws when a position converted to nanometres is not finite (a finite value in the file
    /// that overflows on conversion). Large but finite positions are the reader's warning.
    static func checkPositionsFinite(_ table: TrajectoryTable, settings: ResolvedSettings,
                                     file: String) throws(InputError) {
        let scale = table.positionUnit.nanometersPerUnit(pixelSizeNanometers: settings.nanometersPerPixel?.value) ?? 1
        let largest = table.largestCoordinateMagnitude
        guard (largest * scale).isFinite else {
            throw InputError(file: file, message: "expected positions that stay finite in nm, found \(largest) × \(scale) nm per unit, which overflows a double")
        }
    }

    /// The nuisance parameter whose error a video's intervals take by the delta method, moved by one
    /// standard error (σ²'s scaled by Student's t for the tracks it rests on): R where it was estimated from the tracks
    /// (raised, or lowered at its upper limit; σ² moves along its line); with R fixed by the exposure, the σ² the tracks
    /// are sized with (raised: at 100 nm and 30 frames/s its standard error, ~1,700 nm² from ~28k steps, exceeds σ²
    /// itself, 900, and moved D50 by ±1–2 % between videos, twice the replicates' spread; BENCHMARKS.md, the late
    /// evening of 2026-12-03). `nil` without a usable error.
    struct NuisanceShift {
        /// The deconvolution's context with the parameter moved.
        var context: EstimationContext
        /// The parameter's symbol, `R` or `σ²`.
        var symbol: String
        /// What the intervals include, for the note.
        var uncertainty: String
        /// How it was moved, e.g. `R raised by`.
        var move: String
        /// The standard error as the note prints it.
        var standardError: String
        /// The stage timing the refit is marked under.
        var stage: String

        init?(_ n: VideoNuisance) {
            if n.blurSource == .estimated {
                let se = n.blurCoefficientStandardError
                guard se > 0, n.sizingLocalisationVarianceSensitivityToBlurNm2.isFinite else { return nil }
                let step = n.blurCoefficient + se <= VideoNuisance.blurCoefficientRange.upperBound ? se : -se
                context = Analysis.deconvolutionContext(n, blurShift: step)
                symbol = "R"
                uncertainty = "the estimated blur coefficient's uncertainty"
                move = step > 0 ? "R raised by" : "R lowered by"
                standardError = String(format: "%.3g", se)
                stage = "blur coefficient's uncertainty"
            } else {
                // Moved by its standard error scaled for the few tracks it may rest on (Student's t over the normal:
                // ``VideoNuisance/localisationVarianceSmallSampleFactor``), so that the widening's ±1.96 is the t interval.
                let se = n.sizingLocalisationVarianceStandardErrorNm2, factor = n.localisationVarianceSmallSampleFactor
                guard se > 0, se.isFinite, factor.isFinite else { return nil }
                context = Analysis.deconvolutionContext(n, varianceShiftNm2: se * factor)
                symbol = "σ²"
                uncertainty = "the uncertainty of the localisation variance σ² the tracks were sized with"
                move = "σ² raised by"
                standardError = factor < 1.005 ? String(format: "%.3g nm²", se)
                    : String(format: "%.3g nm², × %.3g for the %d tracks it rests on (Student's t, %d degrees of freedom)",
                             se, factor, n.tracksUsed, n.tracksUsed - 1)
                stage = "localisation variance's uncertainty"
            }
        }
    }

    /// The R and σ² the deconvolution's one-lag likelihood uses, which needs them only through the step
    /// variance and covariance. With the exposure known, σ̂² is clamped at 0 (a negative value means
    /// "noise negligible"). With R estimated, σ̂² is kept as estimated, even negative: R̂ and σ̂² are fitted
    /// jointly to the covariance line 2RDΔt − σ², and clamping one alone would move the line (a noisy
    /// R̂ = 0.007 for 0.05 with σ̂² < 0 clamped had put SampleData/ev-mixture's D50 9 % high). When they are
    /// not separately identified, R = 0 with σ² = −(the identified covariance) reproduces both at the
    /// sample's D. σ² is the one for sizing (``VideoNuisance/sizingLocalisationVarianceNm2``); `blurShift` moves R
    /// (and σ² along its pooled line, ``VideoNuisance/sizingLocalisationVarianceSensitivityToBlurNm2``), `varianceShiftNm2`
    /// σ² alone.
    package static func deconvolutionContext(_ n: VideoNuisance, blurShift: Double = 0, varianceShiftNm2: Double = 0)
        -> EstimationContext {
        let s2 = n.sizingLocalisationVarianceNm2 + (blurShift == 0 ? 0 : n.sizingLocalisationVarianceSensitivityToBlurNm2 * blurShift)
            + varianceShiftNm2
        return EstimationContext(frameIntervalSeconds: n.frameIntervalSeconds, blurCoefficient: n.blurCoefficient + blurShift,
                                 localisationVarianceNm2: deconvolutionLocalisationVariance(s2, nuisance: n))
    }

    /// A σ² as the deconvolution takes it, nm²: clamped at 0 where the exposure fixed R (a negative σ̂²: noise below what
    /// the tracks resolve), kept signed where R was estimated with it or R and σ² are not told apart (the pair carries
    /// the identified covariance line, which a clamp of one alone would move).
    static func deconvolutionLocalisationVariance(_ s2: Double, nuisance n: VideoNuisance) -> Double {
        !n.isIdentified || n.blurSource == .estimated ? s2 : max(s2, 0)
    }

    /// Each track's σ² for sizing, nm², when σ² is photon-limited (``VideoNuisance/sizingLocalisationVarianceNm2(meanInverseIntensity:)``
    /// at its ``stepWeightedInverseIntensity(_:_:)``, unclamped); `nil` with one σ² for every localisation or without
    /// intensities.
    static func trackLocalisationVariances(_ tracks: TrackSet, nuisance n: VideoNuisance) -> [Double]? {
        guard n.sizingLocalisationVarianceSlopeNm2PerInverseIntensity != nil, let intensity = tracks.intensity else { return nil }
        return Parallel.map(count: tracks.trackCount) { t in
            let v = n.sizingLocalisationVarianceNm2(meanInverseIntensity: stepWeightedInverseIntensity(intensity, tracks.rows(of: t)))
            // A localisation scattering next to nothing (an intensity of 1e-300) would give a σ² no number holds: held to
            // (1 mm)², far beyond any camera's, as the simulator holds σ (reported through the sizes it gives, not a trap).
            return v.isFinite ? min(max(v, -largestTrackLocalisationVarianceNm2), largestTrackLocalisationVarianceNm2)
                              : n.sizingLocalisationVarianceNm2
        }
    }

    /// What the deconvolution's tracking limit means (``SizeDeconvolution/trackingLimitNanometers``): the sizes below it
    /// that the number distribution leaves out, and why; `nil` without a limit or a visit model.
    static func trackingLimitText(_ d: SizeDeconvolution) -> String? {
        guard let limit = d.trackingLimitNanometers, let v = d.visitModel else { return nil }
        return String(format: "particles smaller than ≈ %.0f nm are not counted: at %.3g frames/s in a detection depth of %.2g µm, fewer than 1 in %d of their in-view frames lie in visits of the minimum track length (%d frames), so their number would rest on less than one of the %d tracks; the track weight the fit puts there (%.2g %% of the tracks) is not restored to a number", limit, 1 / v.frameIntervalSeconds, v.sheetThicknessMicrometers, d.trackCount, v.minimumTrackLength, d.trackCount, 100 * zip(d.grid.diametersNanometers, d.trackWeights).filter { $0.0 < limit }.reduce(0) { $0 + $1.1 })
    }

    /// The largest |σ²| a track is sized with, nm²: (1 mm)² (``trackLocalisationVariances(_:nuisance:)``).
    static let largestTrackLocalisationVarianceNm2 = 1e12

    /// What sizing each track with the σ² of its own brightness leaves (``trackLocalisationVariances(_:nuisance:)``):
    /// the spread of the tracks' σ and the bias measured where it follows size. Brightness grows with size (∝ d⁶ for
    /// Rayleigh scatterers), so the dim, noisy tracks are mostly the small ones, while the deconvolution takes a track's
    /// σ² to say nothing about its size: the dim tracks' broad likelihoods borrow the shape of the sharp, bright ones'
    /// sizes, and the distribution's lower part reads large. `nil` when no track has a finite σ².
    static func noiseFollowsSizeNote(_ variancesNm2: [Double]) -> String? {
        var sigmas = variancesNm2.filter(\.isFinite).map { max($0, 0).squareRoot() }
        guard !sigmas.isEmpty else { return nil }
        let last = sigmas.count - 1
        let low = Selection.kthSmallest(&sigmas, Int((0.1 * Double(last)).rounded()))
        let high = Selection.kthSmallest(&sigmas, Int((0.9 * Double(last)).rounded()))
        return String(format: "each track was sized with the σ² of its own brightness: σ %.0f–%.0f nm over the middle 80 %% of the tracks. The deconvolution takes a track's σ² to say nothing about its size, but brightness grows with size, so the dim, noisy tracks are mostly small ones and borrow the sizes of the sharp, bright ones: D10 and D50 read high. Simulated 66 nm ×/÷ 1.2 (no detection threshold, exposure unknown): D50 +2 %% where the tracks' σ spanned 0–120 … 0–160 nm (as here: over the middle 80 %%), +5 … +6 %% at 0–370 … 0–410 nm, +13 … +15 %% at 210–970 nm (D10 up to +17 %%), and within 1 %% with as wide a spread of σ unrelated to size (BENCHMARKS.md)", low, high)
    }

    /// The mean 1/I a track's steps see, over `rows` (one track, in time order): each localisation weighted by the
    /// steps it ends, 1 at the track's two ends and 2 inside, since a step's variance holds the σ² of both its ends
    /// (a track enters and leaves the light sheet dim, so its plain mean 1/I over-states the σ² of its steps: by a
    /// third for a 10-localisation track whose ends are 7 times as noisy as its middle). Localisations without a finite
    /// positive I are left out; NaN when none has one.
    static func stepWeightedInverseIntensity(_ intensity: [Double], _ rows: Range<Int>) -> Double {
        var sum = 0.0, weight = 0.0
        for j in rows {
            let i = intensity[j]
            guard i.isFinite, i > 0 else { continue }
            let w: Double = rows.count > 1 && (j == rows.lowerBound || j == rows.upperBound - 1) ? 1 : 2
            sum += w / i
            weight += w
        }
        return weight > 0 ? sum / weight : .nan
    }

    /// How many standard errors below zero a localisation variance fitted with the exposure given must lie, and
    /// below what magnitude (nm², ``exposureContradictionFloorNm2``), for the exposure to be called contradicted by
    /// the tracks: 5 (a Gaussian estimate so far below a true σ² ≥ 0 has odds under 3·10⁻⁷).
    static let exposureContradictionStandardErrors = 5.0

    /// The magnitude a negative σ̂² must exceed as well: (30 nm)², a typical σ itself, so that a slightly negative
    /// σ̂² of a file of millions of localisations (a small bias of the variance's model, many SE) is not called a
    /// contradiction; the sizes move by far less than their intervals there.
    static let exposureContradictionFloorNm2 = 900.0

    /// A warning when the exposure given is contradicted by the tracks: with R = τₑ/(6Δt) fixed by it, the
    /// localisation variance σ² = 2RDΔt − b (b the adjacent-step covariance, SCIENCE.md §1) comes out negative
    /// beyond ``exposureContradictionStandardErrors`` standard errors and ``exposureContradictionFloorNm2``: the
    /// steps covary positively, as motion blur makes them, more than the exposure allows. The sizes, which assume
    /// that exposure (σ² clamped at 0), are then too large. The exposure is the user's and is kept; `nil` otherwise.
    static func exposureContradictionWarning(settings: ResolvedSettings, nuisance n: VideoNuisance?) -> String? {
        guard settings.exposureMilliseconds.source != .default, let n, n.isIdentified,
              n.blurSource == .exposure || n.blurSource == .instantaneous else { return nil }
        let v = n.localisationVarianceNm2, se = n.localisationVarianceStandardErrorNm2
        guard v.isFinite, se.isFinite, se > 0, v < -exposureContradictionStandardErrors * se,
              v < -exposureContradictionFloorNm2 else { return nil }
        let given = settings.exposureMilliseconds
        return String(format: "the tracks contradict the exposure given (%@ ms, %@): with it the localisation variance comes out at %.0f ± %.0f nm² per axis, %.0f standard errors below zero, which no variance can be — adjacent steps covary positively (%.0f nm²), as motion blur makes them, more than that exposure allows. The sizes assume it and are then too large (blur makes particles look slower). Give the camera's true exposure, or leave the exposure out: σ² and the blur are then fitted from the tracks", plainNumber(given.value), given.source.rawValue, v, se, -v / se, n.stepCovarianceNm2)
    }

    /// A warning when the exposure is unknown, the tracks do not separate the blur R from σ² (``VideoNuisance/isIdentified``)
    /// and the deconvolved sample is not monodisperse (its width resolved, ``WidthResolution``). The sizes then take the identified step
    /// covariance 2RDΔt − σ² as one number for every size, which holds for a nearly monodisperse sample; across sizes
    /// the blur's share follows D, and the sizes may be biased. `nil` otherwise.
    static func unidentifiedBlurWarning(settings: ResolvedSettings, video: VideoAnalysis) -> String? {
        guard settings.exposureMilliseconds.source == .default, let n = video.nuisance, !n.isIdentified else { return nil }
        // Not monodisperse: a deconvolved distribution broader than the width test takes up (``WidthResolution``), or a
        // narrow one whose width the tracks resolve. Not the D90/D10 alone: the pooled covariance narrows a blurred
        // sample's (100 nm ×/÷ 1.2 filmed with blur read D90/D10 1.35 against the truth's 1.58). A per-track histogram
        // is broadened by each track's estimation noise, so only a deconvolved distribution is judged.
        guard let deconvolved = video.deconvolved else { return nil }
        if let width = deconvolved.widthResolution, width.isUnresolved { return nil }
        let d10 = deconvolved.summary.d10Nm, d90 = deconvolved.summary.d90Nm
        guard d10 > 0, d90.isFinite else { return nil }
        return String(format: "the exposure is unknown and the tracks do not tell the motion blur R from the localisation error σ (see the settings' note), so the sizes take their combination, the step covariance 2RDΔt − σ², as one number for every size: right for a nearly monodisperse sample, but this one's width is resolved (D10 %.0f nm, D90 %.0f nm), and the blur's share follows each size's D: the sizes may be biased (simulated 80 and 300 nm particles filmed with blur, with intensities, read 90 and 214 nm so). Give the exposure time (--exposure-ms)", d10, d90)
    }

    /// The silent cases a user must hear about: nothing read, nothing sized, an impossible exposure.
    static func warnings(read: TrajectoryReadResult, settings: ResolvedSettings, video: VideoAnalysis) -> [String] {
        var out: [String] = []
        if read.rowsRead == 0 {
            out.append("no data rows were read (the file holds a header only, or nothing): no sizes can be reported")
        } else if read.rowsRead == read.droppedRows.total {
            out.append("all \(read.rowsRead) data rows were dropped (\(read.droppedRows.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))): no sizes can be reported")
        } else if video.tracksUsed == 0 {
            let reasons = video.droppedTracks.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            out.append("no track could be sized (\(video.tracksRead) read, all dropped: \(reasons.joined(separator: ", "))): no size distribution is reported")
        }
        // Detection depth growing with size, and what it was read from: the track lengths, or (when short
        // captures hide their trend) the intensities' threshold signature.
        if let d = video.deconvolved?.deconvolution {
            let trend = d.trackLengthTrend()
            var evidence: String?
            if let trend, SizeDeconvolution.showsSizeDependentDepth(trend) {
                evidence = String(format: "tracks of large particles last longer than one light-sheet thickness explains (mean length ∝ d^%.2f beyond the visit model, ± %.2f):", trend.slope, trend.standardError)
            } else if d.detectionDepthSource == .intensities, let signature = video.intensityThresholdSignature {
                evidence = String(format: "the dimmest localisation of the tracks seen whole (%d, inside the video and the field) sits at one intensity whatever their brightness (ln of the minimum rises %.2f ± %.2f per unit of mean ln intensity; 1 through a hard-edged sheet): detection is through an intensity threshold, so", signature.tracks, signature.slope, signature.standardError)
            }
            // Track lengths falling with size far beyond what visits through the sheet give: something other than the
            // particles' motion set the lengths (a tracker or export cutting tracks to one length), and the conversion
            // from tracks to particles, which weights each size by its visits' expected length, rests on them.
            if let trend, trend.slope < -SizeDeconvolution.sizeDependentDepthSlope, trend.slope < -5 * trend.standardError {
                out.append(String(format: "tracks of small particles last longer, against those of large ones, than diffusion through a light sheet allows (mean length ∝ d^%.2f beyond the visit model, ± %.2f; simulated sheets give −0.06 … +0.36): something other than the particles' motion may have set the track lengths (a tracker or export cutting tracks to one length?), and the number distribution, which weights each size by its visits' expected length, then misweights the sizes; compare with the one-count-per-track histogram", trend.slope, trend.standardError))
            }
            if let evidence {
                let how = d.detectionDepthSource == .intensities
                    ? "each track's detection depth read from its intensities (a Gaussian sheet seen through an intensity threshold: depth ∝ √ln(brightness/threshold))"
                    : String(format: "a detection depth growing as d^%.2f, fitted to the track lengths: a power law that under-corrects on simulated Gaussian sheets (D50 0.7–7.7 %% high, the window's fraction 0.3–4.6 points low, outside the intervals on files of 10 million localisations). %@", d.visitModel?.sheetThicknessExponent ?? 0, Self.whyNoIntensityDepths(video.unresolvedIntensities))
                out.append("\(evidence) brighter particles are detected deeper in the sheet. The number distribution was corrected with \(how); the correction is a model, and particles too dim to detect at all cannot be restored")
            }
        }
        // A depth growing with size and a tracker that bridged no gap: dim particles flickering at the threshold
        // start a new track at every missed frame, and near the detection limit the pieces fall below the cut.
        if let d = video.deconvolved?.deconvolution, d.detectionDepthSource != .uniform,
           Self.linkedWithoutMemory(video.trackRecords) {
            out.append("no track has a gap in its frames: the tracker linked without memory (trackpy's default, memory = 0), so a particle that drops below the detection threshold for one frame starts a new track; near the detection limit those pieces fall below the minimum track length and the smallest sizes are under-restored (simulated: d50 +3 % and the 30–150 nm fraction −0.02 against what can be detected, where a memory of 2 frames gives +1.3 % and −0.007). Link with a memory of 2–3 frames (trackpy: link(…, memory=2))")
        }
        if let d = video.deconvolved?.deconvolution, let text = trackingLimitText(d), let limit = d.trackingLimitNanometers,
           limit > video.window.minNm {
            out.append(text + String(format: ": the size distribution and the %@–%@ nm fraction count only the particles above ≈ %.0f nm, and what share of the sample lies below cannot be known from this video; a higher frame rate or a shorter minimum track length (--min-track-length) reaches smaller sizes", plainNumber(video.window.minNm), plainNumber(video.window.maxNm), limit))
        }
        if let limit = video.detectionLimitNanometers, limit > video.window.minNm {
            out.append(String(format: "particles smaller than ≈ %.0f nm scatter too little to be detected even at the light sheet's centre (from the tracks' sizes and intensities, scattering ∝ d⁶): the size distribution and the %@–%@ nm fraction count only the particles above ≈ %.0f nm, and what share of the sample lies below cannot be known from this video", limit, plainNumber(video.window.minNm), plainNumber(video.window.maxNm), limit))
        }
        if settings.exposureExceedsFrameInterval {
            out.append("the exposure \(settings.exposureMilliseconds.value) ms is longer than the frame interval \(1000 * settings.frameIntervalSeconds) ms, which a camera cannot do: the blur coefficient was clamped to R = 1/6 (shutter open the whole frame)")
        }
        if let text = exposureContradictionWarning(settings: settings, nuisance: video.nuisance) { out.append(text) }
        if let text = unidentifiedBlurWarning(settings: settings, video: video) { out.append(text) }
        // Warnings about the deconvolved figures' intervals and width say nothing once those figures are unknown.
        let figuresKnown = !video.deconvolvedFiguresUnsupported
        if figuresKnown, let d = video.deconvolved, let b = d.bootstrap { out += bootstrapWarnings(d.summary, b) }
        if figuresKnown, let w = video.deconvolved?.widthResolution, w.isUnresolved {
            out.append(String(format: "the tracks do not resolve this sample's width: one size, %.1f nm, fits them as well as the distribution shown (twice the log-likelihood gained by the distribution, %.2f, is under χ²₁'s %.2f): its width — D10, D90, the geometric SD and their intervals — is the smoothing's, not the sample's; read it as a sample narrower than the tracks resolve%@", w.singleSizeNanometers, w.likelihoodRatio, WidthResolution.criticalRatio,
                              video.deconvolved?.bootstrap?.locationOnly == true ? "; the intervals are of its location: each bootstrap replicate is the distribution moved by the ratio of its best single size to the full data's" : ""))
        }
        if let d = video.deconvolved, let text = beyondGridWarning(video.tracks.diametersNanometers, grid: d.deconvolution.grid) {
            out.append(text)
        }
        if let text = video.deconvolutionMisfit { out.append(text) }
        return out
    }

    /// How far below the count the likelihood model predicts the tracks' own sizes in a tail must fall for
    /// ``tailPileWarning(_:records:)``: 5 binomial standard errors (one-sided chance under 3·10⁻⁷ a test; the few
    /// hundred cells' tests, strongly correlated, stay under 10⁻⁴ together).
    static let tailPileStandardErrors = 5.0

    /// Whether a tail holding the deconvolution's track share `s` of `tracks` is piled against the tracks' own sizes,
    /// `ownInTail` of which lie in it (``tailPileWarning(_:records:)``): `s` above ``beyondGridShare`` and `ownInTail`
    /// more than ``tailPileStandardErrors`` binomial SDs below N·s/2; the number of SDs it falls short by, or `nil`.
    static func tailPileShortfall(share s: Double, ownInTail: Int, tracks: Int) -> Double? {
        guard s > beyondGridShare, s <= 1, tracks > 0 else { return nil }
        let n = Double(tracks), expected = n * s / 2, sd = (n * (s / 2) * (1 - s / 2)).squareRoot()
        let shortfall = (expected - Double(ownInTail)) / sd
        return shortfall > tailPileStandardErrors ? shortfall : nil
    }

    /// A warning when the deconvolution puts more tracks below (or above) some size than the tracks' own sizes allow.
    ///
    /// The deconvolution's track weights (``SizeDeconvolution/trackWeights``: the tracks' true sizes as its likelihood
    /// model reads them, before any depth weighting) put a share `s` of the N tracks it weighed at or below a cell's
    /// upper edge t. A track whose true size is at most t has its own estimate (the per-track ML, median-unbiased in
    /// ln D to O(1/k)) at most t with a chance of ½ or more, so if the model holds, at least about Binomial(N, s/2)
    /// of the own estimates lie at or below t; likewise above a cell's lower edge. Tracks without a size of their own
    /// count as in the tail where they may be (D ≤ 0 or all steps zero: above every size; too few steps: in both).
    /// The test runs at every cell of the grid, both ways; above ``beyondGridShare`` of the tracks and
    /// ``tailPileStandardErrors`` short, the model does not describe the tracks (e.g. one σ² shared by tracks whose
    /// localisation errors differ many-fold: the sizes pile against the grid's ends), and the distribution's figures
    /// are not measurements. The worst cell of each tail is named; `nil` when none falls short.
    static func tailPileWarning(_ d: SizeDeconvolution, records: [TrackRecord]) -> String? {
        let grid = d.grid, cells = grid.count
        guard cells > 1, d.trackWeights.count == cells else { return nil }
        var own: [Double] = [], anywhere = 0, aboveAll = 0
        for r in records {
            switch r.reason {
            case nil, .diameterOutOfRange?: if r.diameterNanometers.isFinite { own.append(r.diameterNanometers) }
            case .nonPositiveDiffusion?, .allStepsZero?: aboveAll += 1
            case .tooFewSteps?: anywhere += 1
            default: continue
            }
        }
        let weighed = own.count + anywhere + aboveAll
        guard weighed > 0 else { return nil }
        own.sort()
        /// Own sizes below `t` (or at it, `orEqual`).
        func countBelow(_ t: Double, orEqual: Bool) -> Int {
            own.partitioningIndex { !($0 < t || (orEqual && $0 == t)) }
        }
        let half = grid.logSpacing / 2
        var low: (z: Double, share: Double, edge: Double, own: Int)?, high: (z: Double, share: Double, edge: Double, own: Int)?
        var below = 0.0
        for m in 0..<cells {
            below += d.trackWeights[m]
            let edge = grid.diametersNanometers[m] * exp(half)
            let x = countBelow(edge, orEqual: true) + anywhere
            if let z = tailPileShortfall(share: below, ownInTail: x, tracks: weighed), z > (low?.z ?? 0) {
                low = (z, below, edge, x)
            }
        }
        var above = 0.0
        for m in stride(from: cells - 1, through: 0, by: -1) {
            above += d.trackWeights[m]
            let edge = grid.diametersNanometers[m] * exp(-half)
            let x = own.count - countBelow(edge, orEqual: false) + anywhere + aboveAll
            if let z = tailPileShortfall(share: above, ownInTail: x, tracks: weighed), z > (high?.z ?? 0) {
                high = (z, above, edge, x)
            }
        }
        var parts: [String] = []
        if let low {
            parts.append(String(format: "%.3g %% of the tracks at or below %.3g nm, where %d of the %d tracks' own sizes lie", 100 * low.share, low.edge, low.own, weighed))
        }
        if let high {
            parts.append(String(format: "%.3g %% of the tracks at or above %.4g nm, where %d of the %d tracks' own sizes lie", 100 * high.share, high.edge, high.own, weighed))
        }
        guard !parts.isEmpty else { return nil }
        return "the deconvolution puts \(parts.joined(separator: ", and ")) (if its likelihood model described the tracks, at least about half as many as it puts there would): the model does not fit these tracks — e.g. one localisation error shared by tracks whose errors differ many-fold (dim particles localised far worse than bright ones) — so the deconvolved D10/D50/D90, mode, window fraction, components and their intervals are not measurements and are reported as unknown; the one-count-per-track histogram beside it gives the tracks' own sizes, broadened by their estimation noise (--distribution histogram reports it as the distribution)"
    }

    /// Share of sized tracks whose own size lies beyond the deconvolution's default grid above which the grid is
    /// extended to cover them (``DiameterGrid/covering(_:beyondShare:)``), and beyond its grid, a warning is given:
    /// 1 %, the resolution of D10 and D90.
    static let beyondGridShare = 0.01

    /// A warning when more than ``beyondGridShare`` of the sized tracks lie beyond the deconvolution's grid (each
    /// track's own estimate, `diameters`): the deconvolved distribution has no node for them and piles them against
    /// its edge, so the sizes it gives there are the grid's edge, not measurements.
    static func beyondGridWarning(_ diameters: [Double], grid: DiameterGrid) -> String? {
        guard !diameters.isEmpty else { return nil }
        let lo = grid.lowerEdgeNanometers, hi = grid.upperEdgeNanometers
        let (below, above) = grid.sizesBeyond(diameters)
        let n = Double(diameters.count)
        var parts: [String] = []
        if Double(below) > beyondGridShare * n {
            parts.append(String(format: "%d (%.3g %%) below %.3g nm", below, 100 * Double(below) / n, lo))
        }
        if Double(above) > beyondGridShare * n {
            parts.append(String(format: "%d (%.3g %%) above %.4g nm", above, 100 * Double(above) / n, hi))
        }
        guard !parts.isEmpty else { return nil }
        return "of the \(diameters.count) sized tracks, \(parts.joined(separator: " and ")) lie beyond the deconvolution's grid (its cells span \(String(format: "%.3g–%.4g", lo, hi)) nm): the deconvolved distribution has no size for them and piles them against its edge, so its D10/D50/D90, mode and intervals there are the grid's edge, not measurements; the one-count-per-track histogram beside it keeps their sizes (--distribution histogram reports it as the distribution)"
    }

    /// A note when the deconvolution's `grid` reaches beyond the default 10–2000 nm (``DiameterGrid/covering(_:beyondShare:)``):
    /// its span, and how many of the sized tracks (`diameters`, each track's own size) lay beyond the default's.
    static func extendedGridNote(_ diameters: [Double], grid: DiameterGrid) -> String? {
        let standard = DiameterGrid()
        guard grid != standard, !diameters.isEmpty else { return nil }
        let (below, above) = standard.sizesBeyond(diameters)
        let beyond = below + above
        return String(format: "the deconvolution's grid was extended to cells spanning %.3g–%.4g nm (by default %.3g–%.4g nm, %d cells, now %d at the same spacing): %d of the %d sized tracks (%.3g %%) lay beyond the default, more than the %.3g %% whose weight may pile at an edge",
                      grid.lowerEdgeNanometers, grid.upperEdgeNanometers, standard.lowerEdgeNanometers,
                      standard.upperEdgeNanometers, standard.count, grid.count, beyond,
                      diameters.count, 100 * Double(beyond) / Double(diameters.count), 100 * beyondGridShare)
    }

    /// Fewest bootstrap replicates whose percentiles give a 95 % interval's ends: 40 (its 2.5th percentile is then
    /// at least the first replicate; below, both ends are the extreme replicates or lie between them).
    static let minimumReplicatesForPercentiles = 40

    /// Warnings on a deconvolution's bootstrap intervals: too few replicates for their percentiles, and any interval
    /// that misses its own estimate (the refitted replicates all to one side of the full-data fit: a small sample, a
    /// penalised fit's smoothing, or few replicates), which then does not describe that estimate's uncertainty.
    static func bootstrapWarnings(_ s: GridSizeSummary, _ b: DeconvolutionBootstrap) -> [String] {
        var out: [String] = []
        let level = String(format: "%.0f %%", 100 * b.level)
        if b.replicates.count < minimumReplicatesForPercentiles {
            out.append("the \(level) intervals come from \(b.replicates.count) bootstrap replicates: with fewer than \(minimumReplicatesForPercentiles) their ends are the most extreme replicates (or between them), not percentiles, and the standard errors are themselves uncertain; use --bootstrap 100 or more")
        }
        let checks: [(String, Double, ConfidenceInterval, String)] = [
            ("D10", s.d10Nm, b.d10Nm, " nm"), ("D50", s.d50Nm, b.d50Nm, " nm"), ("D90", s.d90Nm, b.d90Nm, " nm"),
            ("mode", s.modeNm, b.modeNm, " nm"), ("geometric SD", s.geometricSD, b.geometricSD, ""),
            ("window fraction", s.windowFraction, b.windowFraction, ""),
        ]
        let missed = checks.filter { name, estimate, ci, _ in
            estimate.isFinite && ci.lower.isFinite && ci.upper.isFinite && (estimate < ci.lower || estimate > ci.upper)
        }
        if !missed.isEmpty {
            let list = missed.map { name, estimate, ci, unit in
                String(format: "%@ %.4g%@ (interval %.4g–%.4g%@)", name, estimate, unit, ci.lower, ci.upper, unit)
            }
            out.append("estimates outside their own \(level) bootstrap interval: \(list.joined(separator: ", ")): the refitted replicates lie to one side of the full-data fit (few tracks, a penalised fit's smoothing, or few replicates), so these intervals do not describe the estimates' uncertainty")
        }
        // A size's interval starts at 0 only where it was cut there: the blur coefficient's uncertainty, added by the
        // delta method (DeconvolutionBootstrap.addUncertainty), widened it past 0.
        let cutAtZero = checks.filter { _, estimate, ci, unit in
            unit == " nm" && estimate.isFinite && ci.lower == 0 && ci.upper.isFinite
        }
        if !cutAtZero.isEmpty {
            let list = cutAtZero.map { name, estimate, ci, unit in
                String(format: "%@ %.4g%@ (interval 0–%.4g%@)", name, estimate, unit, ci.upper, unit)
            }
            out.append("\(level) intervals reaching 0 nm, where they were cut: \(list.joined(separator: ", ")): with the estimated blur coefficient's uncertainty added they are wider than the sizes themselves, so the data do not determine these sizes; a known exposure (--exposure-ms) fixes the blur coefficient")
        }
        return out
    }

    /// Why each track's detection depth could not be read from its intensities, for a warning: `why` from
    /// ``DetectionDepth/read(_:)``, `nil` for a file without intensities.
    static func whyNoIntensityDepths(_ why: DetectionDepth.Unresolved?) -> String {
        let cannot = "Each track's own depth could not be read from its intensities"
        switch why {
        case nil:
            return "The file has no intensities to read each track's own depth from"
        case .nonPositive(let share, wholeNumbers: true)?:
            return String(format: "%@: %.1f %% of the localisations read 0 and the rest are whole numbers, so the column cannot resolve a detection threshold under one unit (written with decimals, as trackpy computes its mass, it could)", cannot, 100 * share)
        case .nonPositive(let share, wholeNumbers: false)?:
            return String(format: "%@: %.1f %% of the localisations have none that is positive, more than the %.0f %% allowed, so the column does not resolve the detection threshold", cannot, 100 * share, 100 * DetectionDepth.maximumNonPositiveShare)
        case .fewTracks(let share)?:
            return String(format: "%@: only %.0f %% of the tracks have a positive one, fewer than the %.0f %% needed", cannot, 100 * share, 100 * DetectionDepth.minimumTrackShare)
        }
    }

    /// Whether the tracker bridged no gap: at least ``minimumTracksForMemoryCheck`` tracks of two or more
    /// localisations, and every one of them has a localisation in each frame it spans. With a memory of
    /// even one frame, a video seen through a detection threshold has some tracks with a missed frame.
    static func linkedWithoutMemory(_ records: [TrackRecord]) -> Bool {
        var tracks = 0
        for r in records where r.localisations >= 2 {
            if r.steps < r.localisations - 1 { return false }
            tracks += 1
        }
        return tracks >= minimumTracksForMemoryCheck
    }

    /// The tracks ``linkedWithoutMemory(_:)`` needs before it says anything.
    static let minimumTracksForMemoryCheck = 100

    /// Deconvolves a video's tracks (all that passed the length cut) into the
    /// sample's number distribution, with bootstrap intervals when asked.
    /// The Gamma likelihood uses the steps `edge` keeps; without `edge`, one is made
    /// from `tracks` by ``AnalysisOptions/edgeMarginMicrometers``. Its noise is the context's R and σ²
    /// (σ² may be an effective, negative value: see ``VideoNuisance/isIdentified``). `smoothing` overrides the
    /// deconvolution's choice of λ (AIC by default); `start` is where a fit at a fixed λ starts
    /// (``DeconvolutionOptions/start``). `detectionDepths`: each track's relative detection depth
    /// from its intensities (``DetectionDepth``), used when the track lengths show depth growing with size or
    /// `thresholdSignature` shows detection through an intensity threshold; without them, both are made from
    /// `tracks`' intensities when they have them.
    public static func deconvolve(
        _ tracks: TrackSet, settings: ResolvedSettings, context: EstimationContext,
        exposureKnown: Bool, options: AnalysisOptions, edge: EdgeTrim? = nil, smoothing: SmoothingChoice? = nil,
        start: [Double]? = nil, detectionDepths: [Double]? = nil,
        thresholdSignature: DetectionDepth.ThresholdSignature? = nil
    ) -> DeconvolvedSizeDistribution {
        deconvolve(tracks, settings: settings, context: context, exposureKnown: exposureKnown, options: options,
                   inputs: DeconvolutionInputs(tracks, options: options, edge: edge), smoothing: smoothing, start: start,
                   detectionDepths: detectionDepths, thresholdSignature: thresholdSignature)
    }

    /// What a deconvolution of a video's tracks reads from them whatever its R and σ²: each track's frame span,
    /// its steps' moments (the Gamma likelihood's summaries, over the steps the edge trim keeps), the field of view,
    /// the captures' mean length, and the grid. Made once per video and shared by the fit and R's refit.
    struct DeconvolutionInputs {
        let frames: [Int]
        /// The diameters deconvolved onto (``DiameterGrid/covering(_:beyondShare:)`` of the sized tracks in the
        /// pipeline; the default grid otherwise).
        let grid: DiameterGrid
        /// `nil` for the exact likelihood, which reads the tracks themselves.
        let moments: [StepMoments]?
        /// Each track's σ² less the context's, nm² (``OneLagGammaLikelihood/localisationVarianceOffsetsNm2``; the
        /// exact likelihood takes the context's σ² plus these); `nil`: one σ² for every track.
        var localisationVarianceOffsetsNm2: [Double]?
        let fieldOfView: (width: Double, height: Double)?
        let captureFrames: Double?

        init(_ tracks: TrackSet, options: AnalysisOptions, edge: EdgeTrim?, grid: DiameterGrid = DiameterGrid()) {
            self.grid = grid
            let count = tracks.trackCount
            frames = (0..<count).map { tracks.frameSpan(of: $0) }
            switch options.likelihood {
            case .gamma:
                let trim = edge ?? EdgeTrim(tracks, marginMicrometers: options.edgeMarginMicrometers)
                moments = Parallel.map(count: count) { t in
                    trim.map { $0.moments(of: t, in: tracks) } ?? tracks.withSample(of: t) { StepMoments($0) }
                }
            case .exact:
                moments = nil
            }
            fieldOfView = Analysis.fieldOfViewMicrometers(tracks)
            captureFrames = CaptureWindows.detect(tracks)?.meanFrames
        }
    }

    /// ``deconvolve(_:settings:context:exposureKnown:options:edge:smoothing:start:detectionDepths:thresholdSignature:)``
    /// with the tracks' ``DeconvolutionInputs`` already made.
    static func deconvolve(
        _ tracks: TrackSet, settings: ResolvedSettings, context: EstimationContext,
        exposureKnown: Bool, options: AnalysisOptions, inputs: DeconvolutionInputs, smoothing: SmoothingChoice? = nil,
        start: [Double]? = nil, detectionDepths: [Double]? = nil,
        thresholdSignature: DetectionDepth.ThresholdSignature? = nil
    ) -> DeconvolvedSizeDistribution {
        let computed = detectionDepths == nil ? DetectionDepth.relativeDepths(tracks) : nil
        let depths = detectionDepths ?? computed?.depths
        var deconvolutionOptions = DeconvolutionOptions()
        deconvolutionOptions.depthFollowsIntensities = (thresholdSignature ?? computed?.signature ?? nil)?.showsThreshold ?? false
        if let smoothing { deconvolutionOptions.smoothing = smoothing }
        deconvolutionOptions.start = start
        func run(_ model: some TrackLikelihoodModel) -> DeconvolvedSizeDistribution {
            DeconvolvedSizeDistribution(
                model: model, framesPerTrack: inputs.frames,
                trackDetectionDepths: depths.map { d in { d } },
                frameIntervalSeconds: settings.frameIntervalSeconds,
                temperatureCelsius: settings.temperatureCelsius.value,
                viscosityMillipascalSeconds: settings.viscosityMillipascalSeconds.value,
                minimumTrackLength: settings.minTrackLength.value,
                fieldOfViewMicrometers: inputs.fieldOfView,
                captureFrames: inputs.captureFrames, grid: inputs.grid, options: deconvolutionOptions,
                window: options.window, bootstrapReplicates: options.bootstrapReplicates, seed: options.seed)
        }
        switch options.likelihood {
        case .gamma:
            guard let moments = inputs.moments else {
                preconditionFailure("inputs made for the likelihood asked for: a programmer error")
            }
            var model = OneLagGammaLikelihood(
                moments: moments, frameIntervalSeconds: settings.frameIntervalSeconds,
                blurCoefficient: context.blurCoefficient,
                localisationVarianceNm2: context.localisationVarianceNm2 ?? 0)
            model.localisationVarianceOffsetsNm2 = inputs.localisationVarianceOffsetsNm2
            return run(model)
        case .exact:
            var model = ExactTrackLikelihoods(tracks, context: context, profilesNoise: !exposureKnown)
            let shared = context.localisationVarianceNm2 ?? 0
            model.localisationVariancesNm2 = inputs.localisationVarianceOffsetsNm2.map { $0.map { shared + $0 } }
            return run(model)
        }
    }

    /// Whether every position of track `t` is its first (a particle stuck to the glass, or one row copied): its
    /// drop is then ``DropReason/allStepsZero``, not the estimate's consequence. Judged on the positions as
    /// analysed (after a subtracted drift, which moves them).
    static func allStepsZero(_ tracks: TrackSet, _ t: Int) -> Bool {
        let rows = tracks.rows(of: t)
        guard let first = rows.first else { return false }
        return rows.allSatisfy { tracks.xNanometers[$0] == tracks.xNanometers[first] && tracks.yNanometers[$0] == tracks.yNanometers[first] }
    }

    /// How far the localisations may reach beyond a field of view given for the concentration before it is
    /// warned of: 5 % of each side (a localisation's error and a track's last step can take it a little past
    /// the image's edge, never a tenth of it).
    static let fieldOfViewSlack = 0.05

    /// A warning when the localisations as recorded (`recordedExtent`, µm, width × height) reach beyond the field of
    /// view given with the detection volume (`--field-of-view-um`) by more than ``fieldOfViewSlack`` along either
    /// side (sides compared largest with largest, so a field given as height × width is not faulted): particles
    /// were seen where the volume says there is none, so the volume, and the concentration divided by it, are
    /// wrong. `nil` when no field was given or the positions fit it.
    static func fieldOfViewWarning(given volume: DetectionVolume?, recordedExtent: (width: Double, height: Double)?) -> String? {
        guard let w = volume?.fieldWidthMicrometers, let h = volume?.fieldHeightMicrometers,
              let extent = recordedExtent else { return nil }
        let given = (large: max(w, h), small: min(w, h))
        let seen = (large: max(extent.width, extent.height), small: min(extent.width, extent.height))
        guard seen.large > given.large * (1 + fieldOfViewSlack) || seen.small > given.small * (1 + fieldOfViewSlack)
        else { return nil }
        return String(format: "the localisations span %.4g × %.4g µm, beyond the field of view given (--field-of-view-um %.4gx%.4g): particles were seen where the detection volume has no room for them, so the volume and the concentration are wrong by the ratio of the fields (check the field, and the pixel size)", extent.width, extent.height, w, h)
    }

    /// A gap (frames without a localisation between two of a track's) longer than this is one no tracker's memory
    /// bridges in practice (trackpy's `memory` is a few frames; 100 is over 3 s at 30 fps): ``jumpWarning(_:)``.
    static let suspiciousGapFrames = 100

    /// How many times a track's second-longest step (squared, per frame of the gap it spans) its longest must exceed
    /// to be a jump (``jumpWarning(_:)``): 30. Brownian steps' |Δr|²/(2σ²) are Exp(1): the longest exceeds the
    /// second by an Exp(1) amount, so 30 times the second (≥ ~1 in a track of 6 or more steps) is odds below e⁻²⁹;
    /// and one badly located frame lengthens two steps, its in and out, so it does not count as a jump.
    static let jumpRatio = 30.0

    /// How many times the median of a track's one-frame steps (squared) a step (squared, per frame of its gap) must
    /// exceed to be a jump when the track holds at least ``medianJumpSteps`` one-frame steps: 100. This catches
    /// tracks holding several joins (ids a tracker hands on from particle to particle), whose second-longest step is
    /// a join too. Brownian one-frame steps' |Δr|² are exponential, so a step beyond 100 medians (69 means) has odds
    /// 2⁻¹⁰⁰; with the median itself drawn from 50 steps, P(any of a track's steps beyond it) < 10⁻⁹ even when the
    /// per-frame variance of the track's gap steps is 1.5 times its one-frame steps' (a blur of R ≤ 1/6).
    static let medianJumpRatio = 100.0

    /// The fewest one-frame steps a track needs for ``medianJumpRatio``'s test: 50.
    static let medianJumpSteps = 50

    /// A warning when tracks bridge a gap longer than ``suspiciousGapFrames`` or hold one step far longer than all
    /// their others (``jumpRatio``) or than the median of their one-frame steps (``medianJumpRatio``): signs of two
    /// particles joined under one id — ids that restart where parts of
    /// a file were tracked separately and laid end to end, ids a tracker hands on, or a tracker's mis-link. The step
    /// across a join is unrelated to either particle's diffusion and outweighs their own steps, so such tracks are
    /// mis-sized; they are kept (the data do not say which are joins), and the warning names one.
    static func jumpWarning(_ tracks: TrackSet) -> String? {
        guard tracks.hasPositions else { return nil }
        // Chunks of tracks on all cores; each gives its count and its first example, taken in track order.
        let parts = Parallel.mapChunks(count: tracks.trackCount, minimumChunk: 4096) { range -> (Int, (id: Int64, frame: Int32)?) in
            tracks.frame.withUnsafeBufferPointer { frame in
            tracks.xNanometers.withUnsafeBufferPointer { x in
            tracks.yNanometers.withUnsafeBufferPointer { y in
                var count = 0
                var example: (id: Int64, frame: Int32)?
                // The track's one-frame steps (squared), for their median; reused from track to track.
                var oneFrame: [Double] = []
                for t in range where tracks.length(of: t) >= 2 {
                    var largest = 0.0, second = 0.0, at = 0, longGap = false
                    oneFrame.removeAll(keepingCapacity: true)
                    for i in (tracks.offsets[t] + 1) ..< tracks.offsets[t + 1] {
                        let gap = max(Int(frame[i]) - Int(frame[i - 1]), 1)
                        if gap > suspiciousGapFrames + 1 { longGap = true; at = i }
                        let dx = x[i] - x[i - 1], dy = y[i] - y[i - 1]
                        let perFrame = (dx * dx + dy * dy) / Double(gap)
                        if gap == 1 { oneFrame.append(perFrame) }
                        if perFrame > largest { second = largest; largest = perFrame; if !longGap { at = i } }
                        else if perFrame > second { second = perFrame }
                    }
                    var jump = tracks.length(of: t) >= 7 && second > 0 && largest > jumpRatio * second
                    if !jump, !longGap, oneFrame.count >= medianJumpSteps {
                        // The median (the k-th smallest, k = n/2 from 0) is positive and under largest/ratio exactly
                        // when more than k of the steps are below that and at most k are 0: two counts, no selection.
                        let k = oneFrame.count / 2
                        var below = 0, zero = 0
                        for v in oneFrame {
                            below += medianJumpRatio * v < largest ? 1 : 0
                            zero += v <= 0 ? 1 : 0
                        }
                        jump = below > k && zero <= k
                    }
                    guard longGap || jump else { continue }
                    count += 1
                    if example == nil { example = (tracks.particleIDs[t], frame[at]) }
                }
                return (count, example)
            } } }
        }
        let count = parts.reduce(0) { $0 + $1.0 }
        let example = parts.lazy.compactMap(\.1).first
        guard count > 0, let example else { return nil }
        return String(format: "%d of %d tracks bridge a gap of over %d frames or hold steps over %.0f times as long (squared, per frame) as any other or %.0f times their median (e.g. particle %lld at frame %d): signs of two particles joined under one id — ids that restart where parts of the file were tracked separately and laid end to end, ids a tracker hands on from one particle to the next, or a tracker's mis-link. The step across a join is no particle's diffusion and outweighs the particles' own, so such tracks are mis-sized (small, where the join is one long step); they are kept (the data do not say which are joins): give each particle, and each part of a file, its own ids", count, tracks.trackCount, suspiciousGapFrames, jumpRatio, medianJumpRatio, example.id, example.frame)
    }

    /// How close to the longest step (as a fraction of it) a step lies to count towards ``stepCapWarning(_:nanometersPerPixel:)``: 0.98.
    static let stepCapWindow = 0.98

    /// How many steps within ``stepCapWindow`` of the longest make a hard limit: at least 50 and 0.1 % of the steps.
    /// Under a smooth tail the longest steps thin out: for Rayleigh steps (2D Brownian) of one scale, the count above
    /// 0.98 of the longest of N is ≈ N^0.04 (2 for N = 10⁷), and a mixture of scales thins them further.
    static let stepCapCount = (least: 50, share: 0.001)

    /// A warning when a file's steps end at a hard limit: at least ``stepCapCount`` of them lie within
    /// ``stepCapWindow`` of the longest, where a smooth tail leaves a few. A tracker's search range (trackpy's
    /// `search_range`) does this: particles that moved farther between two frames were cut from their tracks or
    /// linked to other particles, so the fastest, the smallest, go missing or mis-sized and sizes come out large.
    /// Steps between consecutive localisations of a track, whatever the frames between them (the search range bounds
    /// every link). `nil` otherwise.
    static func stepCapWarning(_ tracks: TrackSet, nanometersPerPixel: Double?) -> String? {
        guard tracks.hasPositions else { return nil }
        @Sendable func squaredSteps(_ range: Range<Int>, _ visit: (Double) -> Void) {
            tracks.xNanometers.withUnsafeBufferPointer { x in
            tracks.yNanometers.withUnsafeBufferPointer { y in
                for t in range {
                    let rows = tracks.rows(of: t)
                    guard rows.count >= 2 else { continue }
                    for i in (rows.lowerBound + 1) ..< rows.upperBound {
                        let dx = x[i] - x[i - 1], dy = y[i] - y[i - 1]
                        visit(dx * dx + dy * dy)
                    }
                }
            } }
        }
        let longest = Parallel.mapChunks(count: tracks.trackCount, minimumChunk: 4096) { range -> (Double, Int) in
            var largest = 0.0, steps = 0
            squaredSteps(range) { largest = max(largest, $0.isFinite ? $0 : 0); steps += 1 }
            return (largest, steps)
        }
        let cap = longest.map(\.0).max() ?? 0, steps = longest.reduce(0) { $0 + $1.1 }
        guard cap > 0, steps > 0 else { return nil }
        let floor = stepCapWindow * stepCapWindow * cap
        let near = Parallel.mapChunks(count: tracks.trackCount, minimumChunk: 4096) { range -> Int in
            var count = 0
            squaredSteps(range) { if $0 >= floor { count += 1 } }
            return count
        }.reduce(0, +)
        guard near >= stepCapCount.least, Double(near) >= stepCapCount.share * Double(steps) else { return nil }
        let length = cap.squareRoot()
        let inPixels = nanometersPerPixel.map { String(format: " (%.3g px)", length / $0) } ?? ""
        return String(format: "%d of the %d steps (%.2g %%) lie within %.0f %% of the longest, %.4g µm%@: the steps end at a hard limit, as a tracker's search range makes them (trackpy's search_range), where a smooth tail leaves a few. Particles that moved farther between two localisations were cut from their tracks or linked to others, so the fastest — the smallest — are missing or mis-sized and the sizes come out large: link again with a larger search range", near, steps, 100 * Double(near) / Double(steps), 100 * (1 - stepCapWindow), length / 1000, inPixels)
    }

    /// The share of the frames inside tracks (from each track's first frame to its last) without a localisation
    /// above which ``trackGapNote(_:)`` speaks: 5 %, where the concentration's own interval is a few per cent.
    static let trackGapShare = 0.05

    /// A note when more than ``trackGapShare`` of the frames inside tracks hold no localisation: frames the tracker
    /// bridged (trackpy's `memory`), in which the particle was either outside the sheet (and rightly not counted)
    /// or inside it and not detected — a miss that the count of that frame, and so the concentration, lacks too.
    /// The data cannot tell the two apart (simulated 5 µm sheets with every particle in the sheet detected leave
    /// ~7 % of the frames inside tracks empty at a memory of 3 frames), so nothing is corrected. `nil` otherwise.
    static func trackGapNote(_ tracks: TrackSet) -> String? {
        var spanned = 0, missing = 0
        for t in 0..<tracks.trackCount where tracks.length(of: t) > 0 {
            let span = Int(tracks.frame[tracks.offsets[t + 1] - 1]) - Int(tracks.frame[tracks.offsets[t]]) + 1
            spanned += span
            missing += span - tracks.length(of: t)
        }
        guard spanned > 0, Double(missing) > trackGapShare * Double(spanned) else { return nil }
        return String(format: "%.1f %% of the frames inside tracks have no localisation (%d of %d), bridged by the tracker: there the particle was outside the sheet, or inside it and not detected; detections missed inside the detection volume are missing from the counts per frame too, so the concentration is low by their share (not corrected: the data do not tell the two apart)", 100 * Double(missing) / Double(spanned), missing, spanned)
    }

    /// The field of view, µm, as the extent of the localisations (the image
    /// size is not in trajectory files); used for the lateral exits of the visit model.
    public static func fieldOfViewMicrometers(_ tracks: TrackSet) -> (width: Double, height: Double)? {
        guard let (x0, x1, y0, y1) = tracks.boundingBoxNanometers else { return nil }
        return ((x1 - x0) / 1000, (y1 - y0) / 1000)
    }
}
