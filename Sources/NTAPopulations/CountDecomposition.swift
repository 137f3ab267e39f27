import Foundation
import NTACore
import NTADistribution

/// A size distribution as point masses on a diameter grid: a histogram's bin
/// centres and amounts, or a deconvolved distribution's grid and weights.
///
/// Weights must be number-weighted *in the sample* (for per-track data: each
/// track weighted by its number of frames, SCIENCE.md §3; a deconvolved
/// distribution converted to number weights).
public struct SizeGrid: Sendable, Hashable {
    /// Diameters, nm, increasing.
    public var diametersNanometers: [Double]
    /// Amount at each diameter (≥ 0, any scale).
    public var weights: [Double]

    /// A grid from diameters (nm, finite, > 0) and weights (finite, ≥ 0, positive total), sorted by diameter; throws
    /// ``PopulationError/invalidDistribution(_:)`` otherwise.
    public init(diametersNanometers: [Double], weights: [Double]) throws(PopulationError) {
        guard diametersNanometers.count == weights.count, !weights.isEmpty else {
            throw .invalidDistribution("expected as many weights as diameters, found \(weights.count) and \(diametersNanometers.count)")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }), weights.contains(where: { $0 > 0 }),
              diametersNanometers.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .invalidDistribution("expected positive diameters and non-negative weights with a positive total")
        }
        let order = diametersNanometers.indices.sorted { diametersNanometers[$0] < diametersNanometers[$1] }
        self.diametersNanometers = order.map { diametersNanometers[$0] }
        self.weights = order.map { weights[$0] }
    }

    /// The bins of a histogram as point masses at their centres (empty bins and bins at 0 nm left out).
    public init(_ distribution: BinnedDistribution) throws(PopulationError) {
        var d: [Double] = [], w: [Double] = []
        for i in distribution.values.indices where distribution.values[i] > 0 && distribution.centre(i) > 0 {
            d.append(distribution.centre(i)); w.append(distribution.values[i])
        }
        try self.init(diametersNanometers: d, weights: w)
    }

    /// Sum of the weights.
    public var total: Double { weights.reduce(0, +) }

    /// Share of the total with diameter in `[lo, hi)`.
    public func fraction(from lo: Double, to hi: Double) -> Double {
        var s = 0.0
        for (d, w) in zip(diametersNanometers, weights) where d >= lo && d < hi { s += w }
        return s / total
    }
}

/// One line of the count decomposition: a size range, its share of the
/// particles and its concentration, each with a confidence interval.
public struct PopulationCount: Sendable, Hashable {
    /// Which line of the decomposition this is (JSON `name`, the raw value).
    public enum Name: String, Sendable, Hashable, CaseIterable {
        /// Every particle counted.
        case total
        /// Below the size window.
        case belowWindow
        /// In the size window (e.g. the exosome window 30–150 nm).
        case inWindow
        /// Above the size window.
        case aboveWindow
        /// In the window and positive for the marker (fluorescence pairing).
        case markerPositive
    }

    /// Which line this is.
    public var name: Name
    /// Lower end of the size range, nm (0 for an open end).
    public var minNm: Double
    /// Upper end of the size range, nm (`.infinity` for an open end).
    public var maxNm: Double
    /// Share of all particles (or, for `markerPositive`, of the window's particles).
    public var fraction: Double
    /// Lower end of the fraction's confidence interval (JSON `fractionCI[0]`).
    public var fractionLower: Double
    /// Upper end of the fraction's confidence interval (JSON `fractionCI[1]`).
    public var fractionUpper: Double
    /// Particles per mL of the original sample.
    public var concentrationPerMl: Double
    /// Lower end of the concentration's confidence interval, particles per mL (JSON `concentrationCI[0]`).
    public var concentrationLowerPerMl: Double
    /// Upper end of the concentration's confidence interval, particles per mL (JSON `concentrationCI[1]`).
    public var concentrationUpperPerMl: Double

    /// A line from its values (NaN for an interval that cannot be computed).
    init(name: Name, minNm: Double, maxNm: Double, fraction: Double, fractionLower: Double,
                fractionUpper: Double, concentrationPerMl: Double, concentrationLowerPerMl: Double,
                concentrationUpperPerMl: Double) {
        self.name = name; self.minNm = minNm; self.maxNm = maxNm
        self.fraction = fraction; self.fractionLower = fractionLower; self.fractionUpper = fractionUpper
        self.concentrationPerMl = concentrationPerMl; self.concentrationLowerPerMl = concentrationLowerPerMl
        self.concentrationUpperPerMl = concentrationUpperPerMl
    }
}

/// A warning attached to a decomposition: a stable `code` and a sentence.
public struct PopulationWarning: Sendable, Hashable {
    /// What the warning is about (JSON `code`, the raw value).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Nothing was counted from trajectories.
        case noTrajectories
        /// The window's lower end lies below the scatter detection limit.
        case windowBelowDetectionLimit
        /// Particles in the window are below the scatter detection limit: undercounted.
        case belowDetectionLimit
        /// Particles per frame outside the range where counting is linear.
        case particlesPerFrameOutOfRange
        /// Too few independent blocks for a reliable block-bootstrap interval.
        case fewIndependentBlocks
        /// The count never changes from frame to frame: no interval can be read from the frames.
        case constantCount
    }

    /// Stable identifier of the warning.
    public var code: Code
    /// The warning as a sentence.
    public var message: String
}

/// Options of the count decomposition.
public struct DecompositionOptions: Sendable, Hashable {
    /// The exosome / small-EV window (default 30–150 nm).
    public var window: SizeWindow = .exosome
    /// Smallest vesicle that scatter-mode NTA reliably detects, nm (SCIENCE.md §6: ~50–70 nm).
    public var scatterDetectionLimitNanometers: Double = 60
    /// Warn when more than this share of the window's particles is below the detection limit.
    public var belowLimitWarningShare: Double = 0.2
    /// Bootstrap replicates for the distribution route.
    public var replicates: Int = 1000
    /// Bootstrap seed (same seed, same intervals).
    public var seed: UInt64 = 1

    /// The default options.
    public init() {}

    /// Size-class edges a ``FrameCounts`` must use for ``CountDecomposition/init(concentration:counts:options:)``.
    public var classEdgesNanometers: [Double] {
        let lim = scatterDetectionLimitNanometers
        if lim > window.minNm, lim < window.maxNm { return [window.minNm, lim, window.maxNm] }
        return [window.minNm, window.maxNm]
    }
}

/// The headline of every report: total particles → particles in the window →
/// below and above it → marker-positive particles in the window, each in
/// particles/mL of the original sample with a confidence interval.
///
/// A particle count is not an exosome count: NTA cannot tell a vesicle from
/// debris of the same size, so "in the window" means exosome-*sized*, and
/// only a marker (fluorescence) says how many carry vesicle proteins.
public struct CountDecomposition: Sendable, Hashable {
    /// Every particle counted.
    public var total: PopulationCount
    /// Particles in the size window.
    public var inWindow: PopulationCount
    /// Particles below the window.
    public var belowWindow: PopulationCount
    /// Particles above the window.
    public var aboveWindow: PopulationCount
    /// Marker-positive particles in the window (fraction: of the window's particles), when a fluorescence capture was paired.
    public var markerPositive: PopulationCount?
    /// Share of the window's particles below the scatter detection limit.
    public var windowShareBelowDetectionLimit: Double
    /// Problems with the counts (stable codes with sentences).
    public var warnings: [PopulationWarning]
    /// How the size fractions were obtained (`frameWeightedTracks` or `distribution`).
    public var fractionSource: String
    /// Replicates of the window concentration (per mL, deviations already
    /// inflated for the correlation blocks miss), kept for joint products. Not encoded.
    public var windowReplicatesPerMl: [Double] = []
    /// Degrees of freedom of the concentration's interval widening. Not encoded.
    public var degreesOfFreedom: Int = 1


    /// The populations as the JSON `populations` array lists them.
    public var populations: [PopulationCount] {
        [total, belowWindow, inWindow, aboveWindow] + (markerPositive.map { [$0] } ?? [])
    }

    /// Decomposition from per-frame counts by size class (joint block bootstrap):
    /// in each frame, a particle belongs to the size class of its track's
    /// diameter, so the fractions are frame-weighted, i.e. number fractions of
    /// the sample; particles of unsized (short) tracks are shared out in
    /// proportion to the sized ones. `counts` must use
    /// `options.classEdgesNanometers`.
    public init(concentration c: ConcentrationEstimate, counts: FrameCounts,
                options: DecompositionOptions = DecompositionOptions()) throws(PopulationError) {
        let edges = options.classEdgesNanometers
        guard counts.classEdgesNanometers == edges, c.columnMeans.count == 3 + edges.count + 1 else {
            throw .invalidDistribution("per-frame counts must be split at \(edges) nm")
        }
        let firstClass = 3
        let windowClasses = Array((firstClass + 1)..<(firstClass + edges.count))
        let belowLimitClass: Int? = edges.count == 3 ? firstClass + 1 : nil
        let lastClass = firstClass + edges.count
        func share(_ classes: [Int]) -> ([Double]) -> Double {
            { m in
                let sized = (firstClass...lastClass).reduce(0.0) { $0 + m[$1] }
                return sized > 0 ? classes.reduce(0.0) { $0 + m[$1] } / sized : .nan
            }
        }
        let scale = c.perMlPerParticlePerFrame
        func population(_ name: PopulationCount.Name, _ lo: Double, _ hi: Double, _ classes: [Int]) -> (PopulationCount, [Double]) {
            let f = c.interval(share(classes))
            let conc = c.interval { m in m[0] * share(classes)(m) }
            let reps = c.inflatedReplicates { m in m[0] * share(classes)(m) }.replicates.map { $0 * scale }
            return (PopulationCount(name: name, minNm: lo, maxNm: hi, fraction: f.estimate,
                                    fractionLower: max(f.lower, 0), fractionUpper: min(f.upper, 1),
                                    concentrationPerMl: conc.estimate * scale,
                                    concentrationLowerPerMl: max(conc.lower, 0) * scale,
                                    concentrationUpperPerMl: conc.upper * scale), reps)
        }
        total = PopulationCount(name: .total, minNm: 0, maxNm: .infinity, fraction: 1, fractionLower: 1,
                                fractionUpper: 1, concentrationPerMl: c.particlesPerMl,
                                concentrationLowerPerMl: c.lowerPerMl, concentrationUpperPerMl: c.upperPerMl)
        let w = options.window
        let inside = population(.inWindow, w.minNm, w.maxNm, windowClasses)
        inWindow = inside.0
        windowReplicatesPerMl = inside.1
        degreesOfFreedom = c.degreesOfFreedom
        belowWindow = population(.belowWindow, 0, w.minNm, [firstClass]).0
        aboveWindow = population(.aboveWindow, w.maxNm, .infinity, [lastClass]).0
        markerPositive = nil
        let shareBelow: Double
        if let b = belowLimitClass {
            let m = c.columnMeans
            let inW = windowClasses.reduce(0.0) { $0 + m[$1] }
            shareBelow = inW > 0 ? m[b] / inW : .nan
        } else {
            shareBelow = options.scatterDetectionLimitNanometers >= w.maxNm ? 1 : 0
        }
        windowShareBelowDetectionLimit = shareBelow
        fractionSource = "frameWeightedTracks"
        warnings = Self.warnings(concentration: c, shareBelow: shareBelow, options: options)
    }

    /// Decomposition from a size distribution (e.g. the deconvolved one) and a
    /// total concentration. The distribution's fractions are resampled as a
    /// multinomial sample of `effectiveSampleSize` particles (the number of
    /// independent tracks behind it, or fewer for a deconvolved distribution,
    /// whose bins are correlated), paired replicate by replicate with the
    /// concentration's block-bootstrap replicates. With `fractionReplicates` (at least two triples of the fractions
    /// below, in and above the window, e.g. the deconvolution's bootstrap), those are the fractions' replicates
    /// instead, their percentile intervals the fractions' (`windowFractionInterval`, when given, the window's), and
    /// replicate r pairs with the concentration's replicate r (cycling when their counts differ). An empty
    /// `fractionReplicates`: no interval for the fractions nor the classes' concentrations (the distribution was not
    /// bootstrapped), reported as unknown.
    public init(concentration c: ConcentrationEstimate, distribution: SizeGrid, effectiveSampleSize: Double,
                fractionReplicates given: [[Double]]? = nil, windowFractionInterval: ClosedRange<Double>? = nil,
                options: DecompositionOptions = DecompositionOptions()) throws(PopulationError) {
        guard effectiveSampleSize >= 1 else { throw .invalidDistribution("effective sample size below 1") }
        let w = options.window
        let lim = options.scatterDetectionLimitNanometers
        // Three classes + the below-limit part of the window.
        let probs = [distribution.fraction(from: 0, to: w.minNm), distribution.fraction(from: w.minNm, to: w.maxNm),
                     distribution.fraction(from: w.maxNm, to: .infinity)]
        let belowLimit = lim > w.minNm ? distribution.fraction(from: w.minNm, to: min(lim, w.maxNm)) : 0
        var rng = SeededGenerator(seed: options.seed, stream: 0xDEC0)
        let n = Int(effectiveSampleSize.rounded())
        let fromReplicates = given.map { $0.count >= 2 && $0.allSatisfy { $0.count == 3 } } ?? false
        let unknownIntervals = given?.isEmpty == true
        // No interval wanted: no replicates drawn.
        let reps = unknownIntervals ? 0 : fromReplicates ? given?.count ?? 0
            : c.replicateColumnMeans.isEmpty ? options.replicates : c.replicateColumnMeans.count
        var fracReps = fromReplicates ? given ?? [] : [[Double]](repeating: [0, 0, 0], count: reps)
        for r in 0..<reps where !fromReplicates {
            var counts = [0.0, 0.0, 0.0]
            for _ in 0..<n {
                let u = rng.nextUniform()
                counts[u < probs[0] ? 0 : (u < probs[0] + probs[1] ? 1 : 2)] += 1
            }
            fracReps[r] = counts.map { $0 / Double(n) }
        }
        let scale = c.perMlPerParticlePerFrame
        let level = c.confidenceLevel
        func population(_ name: PopulationCount.Name, _ lo: Double, _ hi: Double, _ k: Int) -> (PopulationCount, [Double]) {
            let est = c.meanParticlesPerFrame * probs[k]
            if unknownIntervals {
                // Unknown ends are NaN, as BlockBootstrap.ends gives them (reported null).
                return (PopulationCount(name: name, minNm: lo, maxNm: hi, fraction: probs[k], fractionLower: .nan,
                                        fractionUpper: .nan, concentrationPerMl: est * scale,
                                        concentrationLowerPerMl: .nan, concentrationUpperPerMl: .nan), [])
            }
            let fr = fracReps.map { $0[k] }
            let fci: ClosedRange<Double>
            if fromReplicates {
                // As the distribution's own intervals are read: percentiles of its replicates.
                let p = ConfidenceInterval(percentileOf: fr, level: level)
                // No finite replicate: no interval (the whole line, reported as unknown), as BlockBootstrap gives.
                let own = p.lower <= p.upper ? p.lower...p.upper : -Double.infinity...Double.infinity
                fci = k == 1 ? windowFractionInterval ?? own : own
            } else {
                fci = BlockBootstrap.interval(estimate: probs[k], replicates: fr, level: level)
            }
            // The total's deviation inflated as the total's interval is; the fraction's is its replicates' (the
            // distribution's, or a multinomial's).
            let inflate = 1 / max(c.varianceFactor, 1e-6).squareRoot()
            let counted = c.replicateColumnMeans
            // Every count replicate is used, as the total's interval uses them, each paired with a fraction replicate
            // (cycling through the distribution's when they are fewer, e.g. its 100 against the count's 1000): paired
            // with only as many count replicates as fractions, a window holding every particle read a narrower
            // interval than the total (percentiles of 100 of the count's replicates against all of them).
            let pairs = fromReplicates ? max(reps, counted.count) : reps
            let concReps = (0..<pairs).map { r in
                (counted.isEmpty ? c.meanParticlesPerFrame
                    : c.meanParticlesPerFrame + (counted[r % counted.count][0] - c.meanParticlesPerFrame) * inflate) * fr[r % fr.count]
            }
            let ci = BlockBootstrap.ends(BlockBootstrap.interval(estimate: est, replicates: concReps, level: level,
                                                                 degreesOfFreedom: c.degreesOfFreedom), floor: 0)
            return (PopulationCount(name: name, minNm: lo, maxNm: hi, fraction: probs[k],
                                    fractionLower: max(fci.lowerBound, 0), fractionUpper: min(fci.upperBound, 1),
                                    concentrationPerMl: est * scale, concentrationLowerPerMl: ci.lower * scale,
                                    concentrationUpperPerMl: ci.upper * scale), concReps.map { $0 * scale })
        }
        total = PopulationCount(name: .total, minNm: 0, maxNm: .infinity, fraction: 1, fractionLower: 1,
                                fractionUpper: 1, concentrationPerMl: c.particlesPerMl,
                                concentrationLowerPerMl: c.lowerPerMl, concentrationUpperPerMl: c.upperPerMl)
        let inside = population(.inWindow, w.minNm, w.maxNm, 1)
        inWindow = inside.0
        windowReplicatesPerMl = inside.1
        degreesOfFreedom = c.degreesOfFreedom
        belowWindow = population(.belowWindow, 0, w.minNm, 0).0
        aboveWindow = population(.aboveWindow, w.maxNm, .infinity, 2).0
        markerPositive = nil
        let shareBelow = probs[1] > 0 ? belowLimit / probs[1] : .nan
        windowShareBelowDetectionLimit = shareBelow
        fractionSource = "distribution"
        warnings = Self.warnings(concentration: c, shareBelow: shareBelow, options: options)
    }

    /// Adds the marker-positive line from a paired fluorescence capture: the
    /// window's concentration times the marker-positive fraction, replicate by
    /// replicate (the captures are independent); its interval's upper end at most the
    /// window's (a subset of the window's particles).
    public func addingMarkerPositive(_ pairing: FluorescencePairing) -> CountDecomposition {
        var out = self
        let f = pairing.window
        let reps = zip(windowReplicatesPerMl, pairing.windowFractionReplicates).map { $0 * $1 }
        let est = inWindow.concentrationPerMl * f.positiveFraction
        // Without the window's replicates (its fraction had no interval) the product has none either.
        let ci = reps.count > 1
            ? BlockBootstrap.ends(BlockBootstrap.interval(estimate: est, replicates: reps, level: pairing.confidenceLevel,
                                                          degreesOfFreedom: min(degreesOfFreedom, pairing.degreesOfFreedom)),
                                  floor: 0)
            : (lower: Double.nan, upper: Double.nan)
        // The window's marker-positive particles are some of its particles: the upper end is at most the window's
        // own (times the fraction when that exceeds 1, which is warned of), as the fraction's is at most 1.
        let windowUpper = inWindow.concentrationUpperPerMl * FluorescenceRange.shareCeiling(f.positiveFraction)
        let upper = windowUpper.isFinite && ci.upper.isFinite ? min(ci.upper, windowUpper) : ci.upper
        out.markerPositive = PopulationCount(
            name: .markerPositive, minNm: inWindow.minNm, maxNm: inWindow.maxNm, fraction: f.positiveFraction,
            fractionLower: f.positiveFractionLower, fractionUpper: f.positiveFractionUpper, concentrationPerMl: est,
            concentrationLowerPerMl: ci.lower, concentrationUpperPerMl: upper)
        return out
    }

    /// Decomposition of an instrument's exported concentration per size bin
    /// (e.g. a NanoSight or ZetaView summary, particles/mL per bin, already
    /// adjusted for the dilution the instrument recorded). Without
    /// trajectories there is no per-frame count to resample, so intervals are
    /// `nil`/NaN (JSON `null`) and a `noTrajectories` warning says so; the
    /// instrument's own detection volume and track-length handling are taken as given.
    public init(binnedConcentrationPerMl bins: BinnedDistribution, dilution: Double = 1,
                options: DecompositionOptions = DecompositionOptions()) throws(PopulationError) {
        guard DilutionFactor.accepted.contains(dilution) else { throw .invalidDilution(dilution) }
        let totalConc = bins.total * dilution
        guard totalConc > 0, totalConc.isFinite else { throw .invalidDistribution("no positive concentration in the bins") }
        let w = options.window
        func line(_ name: PopulationCount.Name, _ lo: Double, _ hi: Double) -> PopulationCount {
            let f = hi.isFinite ? bins.fraction(from: lo, to: hi) : 1 - bins.cumulative(at: lo) / bins.total
            return PopulationCount(name: name, minNm: lo, maxNm: hi, fraction: f, fractionLower: .nan, fractionUpper: .nan,
                                   concentrationPerMl: f * totalConc, concentrationLowerPerMl: .nan,
                                   concentrationUpperPerMl: .nan)
        }
        total = PopulationCount(name: .total, minNm: 0, maxNm: .infinity, fraction: 1, fractionLower: .nan,
                                fractionUpper: .nan, concentrationPerMl: totalConc, concentrationLowerPerMl: .nan,
                                concentrationUpperPerMl: .nan)
        belowWindow = line(.belowWindow, 0, w.minNm)
        inWindow = line(.inWindow, w.minNm, w.maxNm)
        aboveWindow = line(.aboveWindow, w.maxNm, .infinity)
        markerPositive = nil
        let lim = options.scatterDetectionLimitNanometers
        let share = lim > w.minNm && inWindow.fraction > 0
            ? bins.fraction(from: w.minNm, to: min(lim, w.maxNm)) / inWindow.fraction : 0
        windowShareBelowDetectionLimit = share
        fractionSource = "instrumentBins"
        var warn = Self.warnings(concentration: nil, shareBelow: share, options: options)
        warn.append(PopulationWarning(
            code: .noTrajectories,
            message: "decomposed from the instrument's binned concentrations: no confidence intervals, no intensity classes and no fluorescence pairing, which need trajectories"))
        warnings = warn
    }

    static func warnings(concentration c: ConcentrationEstimate?, shareBelow: Double,
                         options: DecompositionOptions) -> [PopulationWarning] {
        var out: [PopulationWarning] = []
        let lim = options.scatterDetectionLimitNanometers, w = options.window
        if w.minNm < lim {
            out.append(PopulationWarning(
                code: .windowBelowDetectionLimit,
                message: "the window starts at \(wholeOrThreeSignificantDigits(w.minNm)) nm, below the ~\(wholeOrThreeSignificantDigits(lim)) nm scatter detection limit for vesicles: particles of \(wholeOrThreeSignificantDigits(w.minNm))–\(wholeOrThreeSignificantDigits(min(lim, w.maxNm))) nm are under-counted"))
        }
        if shareBelow.isFinite, shareBelow > options.belowLimitWarningShare {
            out.append(PopulationWarning(
                code: .belowDetectionLimit,
                message: "\(wholeOrThreeSignificantDigits(100 * shareBelow)) % of the window's particles are sized below the ~\(wholeOrThreeSignificantDigits(lim)) nm detection limit, where sizes and counts are least reliable"))
        }
        guard let c else { return out }
        if c.outsideReliableRange {
            out.append(PopulationWarning(
                code: .particlesPerFrameOutOfRange,
                message: "\(wholeOrThreeSignificantDigits(c.meanParticlesPerFrame)) particles per frame is outside the reliable ~20–100: \(c.meanParticlesPerFrame < 20 ? "too few for a precise count" : "tracks merge and particles are missed")"))
        }
        let blocks = c.frames / max(c.blockLengthFrames, 1)
        // The block-length rule, 3 τ_int, where the video's quarter cut it shorter (BlockBootstrap.blockLength).
        let wanted = BlockBootstrap.ruleBlockLength(integratedTime: c.integratedAutocorrelationFrames)
        if blocks >= 2, c.degreesOfFreedom < 1 {
            let k = wholeOrThreeSignificantDigits(c.meanParticlesPerFrame)
            out.append(PopulationWarning(
                code: .constantCount,
                message: "the number of particles in view is \(k) in every one of the \(c.frames) frames: the frames cannot tell the count's uncertainty (the same few particles stayed in view throughout), so no interval is given; a count of \(k) is uncertain by at least √\(k) (Poisson); record longer or more videos"))
        } else if blocks < 2 {
            out.append(PopulationWarning(
                code: .fewIndependentBlocks,
                message: "the video's \(c.frames == 1 ? "single frame makes" : "\(c.frames) frames make") one block of correlated counts: the concentration's uncertainty cannot be read from it, so no interval is given; record longer or more videos"))
        } else if blocks < 8 && wanted > c.blockLengthFrames {
            out.append(PopulationWarning(
                code: .fewIndependentBlocks,
                message: "the video spans only \(blocks) blocks of \(c.blockLengthFrames) frames, shorter than the counts stay correlated (3 × their integrated autocorrelation time ≈ \(wanted) frames): the blocks are not independent, so the concentration interval understates the uncertainty; record longer or more videos"))
        } else if blocks < 8 {
            out.append(PopulationWarning(
                code: .fewIndependentBlocks,
                message: "the video spans only \(blocks) independent blocks of \(c.blockLengthFrames) frames: the concentration interval is wide; record longer or more videos"))
        }
        return out
    }
}

/// Concentration in one size bin of a distribution.
public struct BinConcentration: Sendable, Hashable {
    /// The bin's diameter (grid point), nm.
    public var diameterNanometers: Double
    /// Share of the sample's particles in the bin.
    public var fraction: Double
    /// Particles per mL of the original sample in the bin.
    public var concentrationPerMl: Double
    /// Lower end of the concentration's confidence interval, particles per mL.
    public var concentrationLowerPerMl: Double
    /// Upper end of the concentration's confidence interval, particles per mL.
    public var concentrationUpperPerMl: Double
}

extension ConcentrationEstimate {
    /// Particles per mL in every bin of `distribution` (e.g. the deconvolved
    /// distribution, number-weighted): C_total × the bin's share. Intervals
    /// pair the total's block-bootstrap replicates with multinomial resamples of
    /// `effectiveSampleSize` particles over the bins (as
    /// ``CountDecomposition/init(concentration:distribution:effectiveSampleSize:options:)`` does).
    public func binConcentrations(_ distribution: SizeGrid, effectiveSampleSize: Double,
                                  seed: UInt64 = 1) -> [BinConcentration] {
        let total = distribution.total
        let p = distribution.weights.map { $0 / total }
        var cumulative = [Double](repeating: 0, count: p.count)
        var acc = 0.0
        for i in p.indices { acc += p[i]; cumulative[i] = acc }
        let n = max(Int(effectiveSampleSize.rounded()), 1)
        let reps = replicateColumnMeans.count
        var rng = SeededGenerator(seed: seed, stream: 0xB1B5)
        var concReps = [[Double]](repeating: [Double](repeating: 0, count: p.count), count: max(reps, 0))
        let scale = perMlPerParticlePerFrame
        let k = 1 / max(varianceFactor, 1e-6).squareRoot()
        for r in 0..<reps {
            var counts = [Double](repeating: 0, count: p.count)
            for _ in 0..<n {
                let u = rng.nextUniform()
                // The first class whose cumulative share reaches u (the last one for what rounding leaves above it).
                counts[cumulative[..<(p.count - 1)].partitioningIndex { !($0 < u) }] += 1
            }
            // The total's deviation inflated as the total's interval is.
            let totalRep = meanParticlesPerFrame + (replicateColumnMeans[r][0] - meanParticlesPerFrame) * k
            for i in p.indices { concReps[r][i] = totalRep * counts[i] / Double(n) }
        }
        return p.indices.map { i in
            let est = meanParticlesPerFrame * p[i]
            let ci = BlockBootstrap.ends(BlockBootstrap.interval(estimate: est, replicates: concReps.map { $0[i] },
                                                                 level: confidenceLevel, degreesOfFreedom: degreesOfFreedom),
                                         floor: 0)
            return BinConcentration(diameterNanometers: distribution.diametersNanometers[i], fraction: p[i],
                                    concentrationPerMl: est * scale, concentrationLowerPerMl: ci.lower * scale,
                                    concentrationUpperPerMl: ci.upper * scale)
        }
    }
}

extension CountDecomposition {
    /// The decomposition in plain words, one sentence per line, for the head
    /// of a text report (no fluorescence capture given).
    public var plainWords: [String] { plainWords(fluorescenceGiven: false) }

    /// The decomposition in plain words, one sentence per line; `fluorescenceGiven` says whether a fluorescence
    /// capture was given, so that one that could not be paired is not reported as missing; `ofOriginalSample`
    /// whether the concentrations are the original sample's (its dilution known) or those measured in the cell.
    public func plainWords(fluorescenceGiven: Bool, ofOriginalSample: Bool = true) -> [String] {
        // Below a millionth of the total, a concentration prints as 0 (NumberText's negligibleConcentrationShare).
        func conc(_ p: PopulationCount) -> String {
            let c = { (x: Double) in concentrationText(x, total: total.concentrationPerMl) }
            var s = "\(c(p.concentrationPerMl)) particles/mL"
            if p.concentrationLowerPerMl.isFinite, p.concentrationUpperPerMl.isFinite {
                s += " (95 % CI \(c(p.concentrationLowerPerMl))–\(c(p.concentrationUpperPerMl)))"
            }
            return s
        }
        // To a tenth of a percent, as the report's window line gives the same fraction.
        func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", 100 * x) : "n/a" }
        var lines = [
            "Particles counted: \(conc(total)) \(ofOriginalSample ? "in the original sample" : "as measured in the cell (dilution unknown)").",
            "Exosome-sized (\(wholeOrThreeSignificantDigits(inWindow.minNm))–\(wholeOrThreeSignificantDigits(inWindow.maxNm)) nm): \(conc(inWindow)), \(pct(inWindow.fraction)) of all particles.",
            "Smaller than \(wholeOrThreeSignificantDigits(belowWindow.maxNm)) nm: \(conc(belowWindow)); larger than \(wholeOrThreeSignificantDigits(aboveWindow.minNm)) nm: \(conc(aboveWindow)).",
        ]
        if let m = markerPositive {
            lines.append("Marker-positive and exosome-sized: \(conc(m)), \(pct(m.fraction)) of the exosome-sized particles.")
        } else if fluorescenceGiven {
            lines.append("The fluorescence capture could not be paired (see the warnings): how many of these particles carry vesicle markers is not known.")
        } else {
            lines.append("No fluorescence capture was given: how many of these particles carry vesicle markers is not known.")
        }
        lines.append("A particle count is not an exosome count: NTA cannot tell vesicles from debris of the same size.")
        lines += warnings.map { "Warning: \($0.message)." }
        return lines
    }
}

