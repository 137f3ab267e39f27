import Foundation
import NTACore

/// The marker-positive share of one size range: C_fluorescence / C_scatter.
public struct FluorescenceRange: Sendable, Hashable {
    /// Lower end of the size range, nm.
    public var minNm: Double
    /// Upper end of the size range, nm.
    public var maxNm: Double
    /// Marker-positive share of the range's particles, C_fluorescence / C_scatter.
    public var positiveFraction: Double
    /// Lower end of the positive fraction's confidence interval (at least 0).
    public var positiveFractionLower: Double
    /// Upper end of the positive fraction's confidence interval: at most 1, or the fraction itself when that
    /// exceeds 1 (the captures then disagree; the report warns).
    public var positiveFractionUpper: Double
    /// Marker-positive particles per mL of the original sample (the fluorescence capture's count).
    public var positiveConcentrationPerMl: Double
    /// Lower end of the positive concentration's confidence interval, particles per mL.
    public var positiveConcentrationLowerPerMl: Double
    /// Upper end of the positive concentration's confidence interval, particles per mL.
    public var positiveConcentrationUpperPerMl: Double
    /// All particles per mL in the range (the scatter capture's count).
    public var scatterConcentrationPerMl: Double

    /// The most a marker-positive share's interval may reach: 1, or the share itself when that exceeds 1 (the
    /// captures then disagree; the report warns).
    public static func shareCeiling(_ share: Double) -> Double { share.isFinite && share > 1 ? share : 1 }

    /// A range from its values (NaN for an interval that cannot be computed).
    init(minNm: Double, maxNm: Double, positiveFraction: Double, positiveFractionLower: Double,
                positiveFractionUpper: Double, positiveConcentrationPerMl: Double,
                positiveConcentrationLowerPerMl: Double, positiveConcentrationUpperPerMl: Double,
                scatterConcentrationPerMl: Double) {
        self.minNm = minNm; self.maxNm = maxNm; self.positiveFraction = positiveFraction
        self.positiveFractionLower = positiveFractionLower; self.positiveFractionUpper = positiveFractionUpper
        self.positiveConcentrationPerMl = positiveConcentrationPerMl
        self.positiveConcentrationLowerPerMl = positiveConcentrationLowerPerMl
        self.positiveConcentrationUpperPerMl = positiveConcentrationUpperPerMl
        self.scatterConcentrationPerMl = scatterConcentrationPerMl
    }
}

/// When to correct fluorescence counts for photobleaching.
public enum BleachingCorrection: String, Sendable, Hashable, Codable {
    /// Never (the positive fraction is then a lower bound if the label bleaches).
    case never
    /// Always fit and apply the decay.
    case always
    /// Apply it when the fitted rate exceeds twice its standard error.
    case whenSignificant
}

/// Options of a fluorescence pairing.
public struct FluorescenceOptions: Sendable, Hashable {
    /// Size-class edges, nm: the first and last are the window (default 30–150 nm in 20-nm bins).
    public var binEdgesNanometers: [Double] = [30, 50, 70, 90, 110, 130, 150]
    /// Whether to refer the fluorescence counts back to the first frame with a
    /// fitted exponential decay (default: when the decay is significant).
    public var bleachingCorrection: BleachingCorrection = .whenSignificant
    /// Bootstrap seed (same seed, same intervals).
    public var seed: UInt64 = 1

    /// The default options.
    public init() {}
}

/// Pairs a fluorescence-mode capture (a labelled subset, e.g. CD63/CD9/CD81)
/// of a sample with its scatter-mode capture: the marker-positive fraction is
/// C_fluorescence / C_scatter in the window and per size bin (SCIENCE.md §6).
///
/// Both captures are counted per frame and per size class exactly as for the
/// total (``FrameCounts`` split at ``FluorescenceOptions/binEdgesNanometers``,
/// frame-weighted), so each class concentration is C_total × share of sized
/// particles in the class. The two captures are independent videos: their
/// block-bootstrap replicates are paired by index, each inflated for the
/// correlation its blocks miss, and intervals are widened by t with the
/// smaller of the two captures' degrees of freedom.
///
/// Bleaching: labelled particles fade on the capture's clock, so the
/// fluorescence count decays as e^{−k f}; with ``FluorescenceOptions/bleachingCorrection``
/// the counts are referred back to the first frame with the fitted k, and each
/// replicate draws its own k from the fit's (correlation-inflated) standard error.
/// Extrapolating a decay is costly: with k known to ±δk over T frames the level
/// is uncertain by ≈ δk·T/2, so strong bleaching widens the interval a lot.
///
/// Caveats (reported, not corrected): free dye or antibody aggregates count as
/// positives; the fluorescence detection limit differs from the scatter one
/// (few labels on a small vesicle), so per-bin fractions in the smallest bins
/// are lower bounds; both captures must use the same detection volume and dilution.
public struct FluorescencePairing: Sendable, Hashable {
    /// The whole window (first to last edge).
    public var window: FluorescenceRange
    /// One entry per bin between consecutive edges.
    public var bins: [FluorescenceRange]
    /// The fitted bleaching rate k, per frame (`nil` when not fitted).
    public var bleachRatePerFrame: Double?
    /// Standard error of the bleaching rate, per frame.
    public var bleachRateStandardError: Double?
    /// Whether the bleaching correction was applied.
    public var bleachingCorrected: Bool
    /// Two-sided confidence level of the intervals (e.g. 0.95).
    public var confidenceLevel: Double
    /// Replicates of the window's positive fraction. Not encoded.
    public var windowFractionReplicates: [Double] = []
    /// Degrees of freedom used to widen intervals (the smaller capture's). Not encoded.
    public var degreesOfFreedom: Int = 1


    /// Pairs the captures. `scatterCounts` and `fluorescenceCounts` must be
    /// split at `options.binEdgesNanometers`; the concentration options give
    /// the bootstrap and the confidence level.
    public init(scatter scatterCounts: FrameCounts, fluorescence fluorescenceCounts: FrameCounts,
                volume: DetectionVolume, dilution: Double = 1,
                concentrationOptions: ConcentrationOptions = ConcentrationOptions(),
                fluorescenceCorrelationModel: CountCorrelationModel? = nil,
                options: FluorescenceOptions = FluorescenceOptions()) throws(PopulationError) {
        let edges = options.binEdgesNanometers
        guard edges.count >= 2, scatterCounts.classEdgesNanometers == edges,
              fluorescenceCounts.classEdgesNanometers == edges else {
            throw .invalidDistribution("both captures must be split at \(edges) nm")
        }
        var fl = fluorescenceCounts
        var fit: ExponentialDecayFit?, fitted: ExponentialDecayFit?
        if options.bleachingCorrection != .never {
            let f = ExponentialDecayFit(counts: fluorescenceCounts.all,
                                        frameIndex: fluorescenceCounts.frameIndexWithinVideo)
            fitted = f
            if options.bleachingCorrection == .always || f.ratePerFrame > 2 * f.rateStandardError {
                fit = f
                fl = fluorescenceCounts.decayCorrected(ratePerFrame: f.ratePerFrame)
            }
        }
        let sc = try ConcentrationEstimate(scatterCounts, volume: volume, dilution: dilution, options: concentrationOptions)
        var flOptions = concentrationOptions
        flOptions.seed = concentrationOptions.seed &+ 0x5EED
        flOptions.correlationModel = fluorescenceCorrelationModel
        let fc = try ConcentrationEstimate(fl, volume: volume, dilution: dilution, options: flOptions)
        let scale = sc.perMlPerParticlePerFrame
        let level = concentrationOptions.confidenceLevel
        let nu = min(sc.degreesOfFreedom, fc.degreesOfFreedom)
        // Bleaching-rate uncertainty: per replicate, the level of the corrected
        // counts scales by Σ n_f e^{k* f} / Σ n_f e^{k̂ f}.
        var levelFactors = [Double](repeating: 1, count: fc.replicateColumnMeans.count)
        if let fit, fit.rateStandardError.isFinite {
            var rng = SeededGenerator(seed: options.seed, stream: 0xB1EA)
            let n = fluorescenceCounts.all, x = fluorescenceCounts.frameIndexWithinVideo.map(Double.init)
            let base = n.indices.reduce(0.0) { $0 + n[$1] * exp(fit.ratePerFrame * x[$1]) }
            for r in levelFactors.indices where base > 0 {
                let k = fit.ratePerFrame + fit.rateStandardError * rng.nextGaussian()
                levelFactors[r] = n.indices.reduce(0.0) { $0 + n[$1] * exp(k * x[$1]) } / base
            }
        }
        let firstClass = 3, lastClass = 3 + edges.count
        func classConcentration(_ classes: ClosedRange<Int>) -> ([Double]) -> Double {
            { m in
                let sized = (firstClass...lastClass).reduce(0.0) { $0 + m[$1] }
                return sized > 0 ? m[0] * classes.reduce(0.0) { $0 + m[$1] } / sized : 0
            }
        }
        func range(_ lo: Double, _ hi: Double, _ classes: ClosedRange<Int>) -> (FluorescenceRange, [Double]) {
            let s = sc.inflatedReplicates(classConcentration(classes))
            var f = fc.inflatedReplicates(classConcentration(classes))
            let count = min(s.replicates.count, f.replicates.count)
            f.replicates = (0..<count).map { f.replicates[$0] * levelFactors[$0] }
            let ratio = s.estimate > 0 ? f.estimate / s.estimate : .nan
            let ratioReps = (0..<count).map { s.replicates[$0] > 0 ? f.replicates[$0] / s.replicates[$0] : .nan }
            let rci = BlockBootstrap.interval(estimate: ratio, replicates: ratioReps, level: level, degreesOfFreedom: nu)
            // A share lies in [0, 1]: the interval is clamped there (its upper end at the estimate when that exceeds
            // 1, which the report warns of: the captures then do not describe one sample).
            let ceiling = FluorescenceRange.shareCeiling(ratio)
            // No interval (no spread to read): both ends unknown, not [0, 1].
            let rends = BlockBootstrap.ends(rci, floor: 0)
            let cci = BlockBootstrap.interval(estimate: f.estimate, replicates: f.replicates, level: level,
                                              degreesOfFreedom: fc.degreesOfFreedom)
            return (FluorescenceRange(minNm: lo, maxNm: hi, positiveFraction: ratio,
                                      positiveFractionLower: rends.lower,
                                      positiveFractionUpper: rends.upper.isFinite ? min(rends.upper, ceiling) : rends.upper,
                                      positiveConcentrationPerMl: f.estimate * scale,
                                      positiveConcentrationLowerPerMl: max(cci.lowerBound, 0) * scale,
                                      positiveConcentrationUpperPerMl: cci.upperBound * scale,
                                      scatterConcentrationPerMl: s.estimate * scale), ratioReps)
        }
        let w = range(edges[0], edges[edges.count - 1], (firstClass + 1)...(firstClass + edges.count - 1))
        window = w.0
        windowFractionReplicates = w.1
        degreesOfFreedom = nu
        bins = (1..<edges.count).map { i in range(edges[i - 1], edges[i], (firstClass + i)...(firstClass + i)).0 }
        bleachRatePerFrame = fitted?.ratePerFrame
        bleachRateStandardError = fitted?.rateStandardError
        bleachingCorrected = fit != nil
        confidenceLevel = level
    }
}
