import Foundation
import NTACore
import NTARead

/// Writes a ``SimulatedVideo`` as a tracker's export plus its ground truth:
///
/// - `NAME.csv`: trackpy-style trajectories `particle,frame,x,y,mass` (pixels);
/// - `NAME.csv.settings.json`: the acquisition settings sidecar;
/// - `NAME.truth.csv`: per-track truth `particle,diameter_nm,diffusion_um2_per_s,population`;
/// - `NAME.truth.json`: simulation parameters and the sample's true size statistics.
///
/// Output is byte-for-byte deterministic for the same video.
public enum SimulationWriter {
    /// The files written for one video.
    public struct Files: Sendable {
        /// `NAME.csv`: the trackpy-style trajectories.
        public var trajectories: URL
        /// `NAME.csv.settings.json`: the acquisition settings sidecar.
        public var settings: URL
        /// `NAME.truth.csv`: the per-track truth.
        public var trackTruth: URL
        /// `NAME.truth.json`: the parameters and the sample's true size statistics (``SampleTruth``).
        public var sampleTruth: URL
    }

    /// The first line of `NAME.csv` (the simulator always writes intensities).
    static let trajectoryHeader = "particle,frame,x,y,mass\n"
    /// The first line of `NAME.truth.csv`.
    static let trackTruthHeader = "particle,diameter_nm,diffusion_um2_per_s,population\n"

    /// Decimals of the `mass` column by default: 3, as a tracker writes its float intensities. Whole units
    /// (0) cannot resolve a threshold below one unit: dim localisations then read 0 (see `DetectionDepth`).
    public static let defaultMassDecimals = 3

    /// Writes the four files with `prefix` (a path without extension). `includesScoringTruth`
    /// adds ``SampleTruth/scoring`` to `NAME.truth.json`; `nil` adds it when the video uses
    /// any instrument-realism feature (``SimulationParameters/usesRealismFeatures``), so files
    /// simulated without them are unchanged. `massDecimals` (0 … 9) sets the precision of the written
    /// intensities (``defaultMassDecimals``).
    @discardableResult
    public static func write(_ video: SimulatedVideo, prefix: URL, includesScoringTruth: Bool? = nil,
                             massDecimals: Int = defaultMassDecimals) throws -> Files {
        let trajectories = URL(fileURLWithPath: prefix.path + ".csv")
        let trackTruth = URL(fileURLWithPath: prefix.path + ".truth.csv")
        let sampleTruth = URL(fileURLWithPath: prefix.path + ".truth.json")
        try FileWriting.write(trajectoryCSV(video.table, massDecimals: massDecimals), to: trajectories)
        try SettingsSidecar.write(video.parameters.acquisitionSettings, for: trajectories)

        var truth = ByteWriter()
        truth.append(trackTruthHeader)
        for t in video.tracks { truth.appendTruthRow(t, of: video.parameters.mixture) }
        try FileWriting.write(Data(truth.bytes), to: trackTruth)

        try writeSampleTruth(SampleTruth(video, includesScoringTruth: includesScoringTruth), to: sampleTruth)
        return Files(trajectories: trajectories, settings: SettingsSidecar.url(for: trajectories),
                     trackTruth: trackTruth, sampleTruth: sampleTruth)
    }

    /// Writes `truth` as `NAME.truth.json`.
    static func writeSampleTruth(_ truth: SampleTruth, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try (encoder.encode(truth) + Data("\n".utf8)).write(to: url)
    }

    /// trackpy-style CSV bytes of a table: positions to 0.001 px (far below any localisation error), intensity
    /// (`mass`) to `massDecimals` decimals (0 … 9, checked by a precondition; whole units with 0, as files written
    /// before 2026-11-30 had).
    public static func trajectoryCSV(_ table: TrajectoryTable, massDecimals: Int = defaultMassDecimals) -> Data {
        precondition((0...9).contains(massDecimals), "0 … 9 decimals: a programmer error")
        var w = ByteWriter()
        w.bytes.reserveCapacity(table.count * (36 + massDecimals) + 64)
        w.append(table.intensity == nil ? "particle,frame,x,y\n" : trajectoryHeader)
        for r in 0..<table.count {
            w.appendTrajectoryRow(particle: table.particle[r], frame: table.frame[r], x: table.x[r], y: table.y[r],
                                  intensity: table.intensity?[r], massDecimals: massDecimals)
        }
        return Data(w.bytes)
    }
}

/// The true size statistics of a simulated sample, written beside it.
public struct SampleTruth: Sendable, Codable {
    /// The parameters the video was simulated with.
    public var parameters: SimulationParameters
    /// Particles in the simulated box.
    public var particleCount: Int
    /// Tracks written.
    public var trackCount: Int
    /// Mean number of particles in the detection volume per frame.
    public var meanParticlesInView: Double
    /// Statistics of the sample's number distribution (every particle in the box), from the particles' own diameters:
    /// the mean, the population SD and D10/D50/D90 (type-7 sample quantiles) exact; the mode that of 1-nm bins (a
    /// continuous sample has none of its own), or the one size of a monodisperse sample. Until 2026-12-03 every figure came from the 1-nm bins, which put a
    /// sample of 100.000 nm particles at D50 100.5 nm.
    public var size: SizeStatistics
    /// The sample's number fraction in 30–150 nm, analytic (from the mixture).
    public var exosomeWindowFractionAnalytic: Double
    /// The fraction of the box's particles with 30 ≤ d ≤ 150 nm (realised).
    public var exosomeWindowFractionRealised: Double
    /// What a robustness test scores a pipeline against (true σ, R, drift, frame-weighted
    /// size truth); `nil` unless asked for or a realism feature is on.
    public var scoring: ScoringTruth?

    /// `includesScoringTruth`: see ``SimulationWriter/write(_:prefix:includesScoringTruth:)``.
    public init(_ video: SimulatedVideo, includesScoringTruth: Bool? = nil) {
        self.init(video.parameters, diameters: video.particleDiametersNanometers, trackCount: video.tracks.count,
                  particlesInView: video.particlesInViewPerFrame.reduce(0, +), frames: video.particlesInViewPerFrame.count,
                  scoring: includesScoringTruth ?? video.parameters.usesRealismFeatures ? ScoringTruth(video) : nil)
    }

    /// The truth of a sample of particles of `diameters`, `particlesInView` being the sum of the particles in view
    /// over `frames` frames.
    init(_ parameters: SimulationParameters, diameters: [Double], trackCount: Int, particlesInView: Int, frames: Int,
         scoring: ScoringTruth?) {
        self.parameters = parameters
        particleCount = diameters.count
        self.trackCount = trackCount
        meanParticlesInView = Double(particlesInView) / Double(max(frames, 1))
        // 1-nm bins up to the largest diameter, which ``SizeMixture/sample(using:)`` bounds: the histogram's size
        // never follows an unbounded value.
        let upper = min(max(1000, (diameters.max() ?? 0) + 1),
                        SizeMixture.drawnDiameterRangeNanometers.upperBound + 1)
        let histogram = BinnedDistribution.histogram(diametersNanometers: diameters, upperNanometers: upper)
        let binned = SizeStatistics(histogram)
        let sorted = diameters.sorted()
        let n = Double(sorted.count)
        let mean = sorted.reduce(0, +) / n
        // One size for every particle: that size is the mode too (the bins would put it at their centre).
        let single = sorted.first == sorted.last
        size = sorted.isEmpty ? binned : SizeStatistics(
            meanNm: mean, modeNm: single ? sorted[0] : binned.modeNm,
            sdNm: (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot(),
            d10Nm: Quantile.ofSorted(sorted, 0.1), d50Nm: Quantile.ofSorted(sorted, 0.5), d90Nm: Quantile.ofSorted(sorted, 0.9))
        exosomeWindowFractionAnalytic = parameters.mixture.fraction(fromNanometers: 30, toNanometers: 150)
        let inside = diameters.filter { $0 >= 30 && $0 <= 150 }.count
        exosomeWindowFractionRealised = Double(inside) / Double(max(particleCount, 1))
        self.scoring = scoring
    }
}

/// The truth a pipeline's report is scored against: the nuisance parameters as
/// simulated and the sample's size figures, computed from raw diameters (no binning).
public struct ScoringTruth: Sendable, Hashable, Codable {
    /// Mean per-axis localisation variance σ² over the written localisations, nm² (σ² itself
    /// when σ is constant): what a pooled σ² estimate should find when σ varies.
    public var localisationVarianceNm2: Double
    /// √ of ``localisationVarianceNm2``, nm.
    public var localisationSigmaNanometers: Double
    /// Smallest per-localisation σ, nm (equal to the largest when σ is constant).
    public var localisationSigmaMinimumNanometers: Double?
    /// Largest per-localisation σ, nm.
    public var localisationSigmaMaximumNanometers: Double?
    /// The motion-blur coefficient R = τₑ/(6Δt) (SCIENCE.md §1).
    public var blurCoefficient: Double
    /// The fluid drift per frame along x, nm.
    public var driftXNanometersPerFrame: Double
    /// The fluid drift per frame along y, nm.
    public var driftYNanometersPerFrame: Double
    /// Median diameter of every particle in the box (the sample), nm, exact.
    public var sampleD50Nanometers: Double?
    /// Median diameter weighted by frames spent in the nominal detection volume (the
    /// time-averaged number of particles in view per size: the number distribution a
    /// stationary sample shows, SCIENCE.md §3), nm.
    public var frameWeightedD50Nanometers: Double?
    /// Frame-weighted number fraction with 30 ≤ d ≤ 150 nm.
    public var frameWeightedWindowFraction: Double?
    /// Σ over particles of frames in the nominal detection volume (the frame weights' total).
    public var particleFramesInView: Int
    /// ``frameWeightedD50Nanometers`` over the particles the camera can detect at all: those whose mean peak
    /// intensity at the sheet's centre reaches ``SimulationParameters/detectionThresholdIntensity`` (Rayleigh
    /// brightness ∝ d⁶·K(m)², so a size limit per refractive index), nm. What a distribution of detected tracks
    /// can recover; the pipeline reports that limit (`detectionLimitNanometers`). Without a threshold, every
    /// particle. `nil` in truth files written before it existed.
    public var detectableFrameWeightedD50Nanometers: Double?
    /// ``frameWeightedWindowFraction`` over the detectable particles (see ``detectableFrameWeightedD50Nanometers``).
    public var detectableFrameWeightedWindowFraction: Double?
    /// The share of ``particleFramesInView`` that belongs to particles below the threshold at every depth.
    public var undetectableFrameShare: Double?
    /// Captures written.
    public var captureCount: Int
    /// Localisations written over all captures.
    public var localisationsWritten: Int

    /// The truth of `video`.
    public init(_ video: SimulatedVideo) {
        let sigmas = video.localisationSigmaPerRowNanometers.flatMap { s in
            s.isEmpty ? nil : SigmaTally(sumOfSquares: s.reduce(0) { $0 + $1 * $1 }, count: s.count, minimum: s.min(), maximum: s.max())
        }
        self.init(video.parameters, diameters: video.particleDiametersNanometers, components: video.particleComponents,
                  framesInView: video.framesInViewPerParticle, localisations: video.table.count, sigmas: sigmas)
    }

    /// The per-localisation σ of the written rows, summed in row order (`nil` when σ is constant or nothing was written).
    struct SigmaTally {
        var sumOfSquares = 0.0
        var count = 0
        var minimum: Double?
        var maximum: Double?

        mutating func add(_ s: Double) {
            sumOfSquares += s * s
            count += 1
            if minimum.map({ s < $0 }) ?? true { minimum = s }
            if maximum.map({ s > $0 }) ?? true { maximum = s }
        }
    }

    /// The truth of particles of `diameters` (of populations `components`) with `framesInView` frames each in the
    /// nominal detection volume, `localisations` rows having been written with σ as `sigmas` tallies.
    init(_ p: SimulationParameters, diameters d: [Double], components: [Int], framesInView: [Int], localisations: Int,
         sigmas: SigmaTally?) {
        localisationsWritten = localisations
        if let s = sigmas, s.count > 0 {
            localisationVarianceNm2 = s.sumOfSquares / Double(s.count)
            localisationSigmaMinimumNanometers = s.minimum
            localisationSigmaMaximumNanometers = s.maximum
        } else {
            let s = p.localisationSigmaNanometers
            localisationVarianceNm2 = s * s
            localisationSigmaMinimumNanometers = s
            localisationSigmaMaximumNanometers = s
        }
        localisationSigmaNanometers = localisationVarianceNm2.squareRoot()
        blurCoefficient = p.trueBlurCoefficient
        driftXNanometersPerFrame = p.driftNanometersPerFrame.first ?? 0
        driftYNanometersPerFrame = p.driftNanometersPerFrame.count > 1 ? p.driftNanometersPerFrame[1] : 0
        sampleD50Nanometers = ScoringTruth.weightedMedian(d, weights: nil)
        let w = framesInView.count == d.count ? framesInView.map(Double.init) : nil
        frameWeightedD50Nanometers = w.flatMap { ScoringTruth.weightedMedian(d, weights: $0) }
        particleFramesInView = framesInView.reduce(0, +)
        frameWeightedWindowFraction = w.flatMap { ScoringTruth.windowFraction(d, weights: $0) }
        // The detectable part: the same weights over the particles bright enough at the sheet's centre.
        var detectable = w ?? []
        if let threshold = p.detectionThresholdIntensity, !detectable.isEmpty {
            for k in d.indices {
                let component = p.mixture.components[components[k]]
                let peak = Simulator.peakIntensity(diameterNanometers: d[k], refractiveIndex: component.refractiveIndex,
                                                   mediumRefractiveIndex: p.mediumRefractiveIndex)
                if !(peak >= threshold) { detectable[k] = 0 }
            }
        }
        let detectableTotal = detectable.reduce(0, +)
        if detectableTotal > 0 {
            detectableFrameWeightedD50Nanometers = ScoringTruth.weightedMedian(d, weights: detectable)
            detectableFrameWeightedWindowFraction = ScoringTruth.windowFraction(d, weights: detectable)
            undetectableFrameShare = 1 - detectableTotal / Double(particleFramesInView)
        }
        captureCount = p.captures
    }

    /// The share of the weight on values inside the exosome window, 30–150 nm (`nil` when weightless).
    static func windowFraction(_ values: [Double], weights: [Double]) -> Double? {
        let window = SizeWindow.exosome
        var inside = 0.0, total = 0.0
        for (k, v) in values.enumerated() {
            total += weights[k]
            if v >= window.minNm && v <= window.maxNm { inside += weights[k] }
        }
        return total > 0 ? inside / total : nil
    }

    /// The smallest value whose cumulative weight reaches half the total (`nil` when empty or weightless).
    static func weightedMedian(_ values: [Double], weights: [Double]?) -> Double? {
        let order = values.indices.sorted { values[$0] < values[$1] }
        let total = weights.map { $0.reduce(0, +) } ?? Double(values.count)
        guard total > 0 else { return nil }
        var cumulative = 0.0
        for k in order {
            cumulative += weights?[k] ?? 1
            if cumulative >= total / 2 { return values[k] }
        }
        return nil
    }
}

/// Appends ASCII text and numbers to a byte buffer, without Foundation formatting.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// One line of a trajectory CSV: positions to 0.001 px, the intensity (when there is one) to `massDecimals`.
    mutating func appendTrajectoryRow(particle: Int64, frame: Int32, x: Double, y: Double, intensity: Double?,
                                      massDecimals: Int) {
        appendInteger(particle); append(",")
        appendInteger(Int64(frame)); append(",")
        appendFixed(x, decimals: 3); append(",")
        appendFixed(y, decimals: 3)
        if let intensity { append(","); appendFixed(intensity, decimals: massDecimals) }
        append("\n")
    }

    /// One line of `NAME.truth.csv`.
    mutating func appendTruthRow(_ t: TrackTruth, of mixture: SizeMixture) {
        appendInteger(t.trackID); append(",")
        appendFixed(t.diameterNanometers, decimals: 3); append(",")
        appendFixed(t.diffusionUm2PerS, decimals: 6); append(",")
        append(mixture.components[t.component].name); append("\n")
    }

    mutating func appendInteger(_ v: Int64) {
        if v < 0 { bytes.append(0x2D) }
        var m = v.magnitude
        if m == 0 { bytes.append(0x30); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while m > 0 { buf[n] = UInt8(m % 10) + 0x30; m /= 10; n += 1 }
            for k in stride(from: n - 1, through: 0, by: -1) { bytes.append(buf[k]) }
        }
    }

    /// Appends `v` rounded to `decimals` places (half away from zero). Values
    /// too large for fixed point, and non-finite ones, use Swift's description.
    mutating func appendFixed(_ v: Double, decimals: Int) {
        let scale = pow(10.0, Double(decimals))
        guard v.isFinite, abs(v) * scale < 9.0e15 else { append(v.isNaN ? "nan" : "\(v)"); return }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        var units = Int64(scaled)
        if v < 0 && units != 0 { bytes.append(0x2D) }
        let p = Int64(scale)
        let whole = units / p
        units -= whole * p
        appendInteger(whole)
        if decimals > 0 {
            bytes.append(0x2E)
            var divisor = p / 10
            while divisor > 0 {
                bytes.append(UInt8(units / divisor) + 0x30)
                units %= divisor
                divisor /= 10
            }
        }
    }
}
