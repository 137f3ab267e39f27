import Foundation
import NTACore
import NTARead

/// How a fluorescence-mode capture sees a sample: which particles carry the
/// label, how fast the label bleaches, and the smallest labelled particle the
/// camera detects.
public struct FluorescenceLabelling: Sendable, Hashable, Codable {
    /// Probability that a particle of each population (by index in the
    /// mixture) carries the label; populations beyond the list are unlabelled.
    public var labelledFraction: [Double]
    /// Chance per frame that a labelled particle bleaches for good, counted
    /// from the capture's first frame (the illuminated region is much wider
    /// than the field, and particles move only a few µm in a capture).
    public var bleachRatePerFrame: Double
    /// Labelled particles smaller than this are too dim to detect (the label
    /// count scales with surface area), nm.
    public var minimumDiameterNanometers: Double
    /// Seed of the labelling and bleaching draws.
    public var seed: UInt64

    /// Labelling with fractions in [0, 1] and 0 ≤ `bleachRatePerFrame` < 1 (checked by a precondition).
    public init(labelledFraction: [Double], bleachRatePerFrame: Double = 0, minimumDiameterNanometers: Double = 0,
                seed: UInt64 = 1) {
        precondition(labelledFraction.allSatisfy { $0 >= 0 && $0 <= 1 } && bleachRatePerFrame >= 0 && bleachRatePerFrame < 1)
        self.labelledFraction = labelledFraction
        self.bleachRatePerFrame = bleachRatePerFrame
        self.minimumDiameterNanometers = minimumDiameterNanometers
        self.seed = seed
    }

    /// The sample's true marker-positive fraction among particles with
    /// diameter in `[lo, hi]` (analytic, from the mixture; the detection limit
    /// and bleaching are properties of the capture, not of the sample).
    public func positiveFraction(of mixture: SizeMixture, fromNanometers lo: Double, toNanometers hi: Double) -> Double {
        var all = 0.0, positive = 0.0
        for (k, (c, w)) in zip(mixture.components, mixture.normalizedWeights).enumerated() {
            let share = w * (c.cumulative(hi) - c.cumulative(lo))
            all += share
            positive += share * (k < labelledFraction.count ? labelledFraction[k] : 0)
        }
        return all > 0 ? positive / all : .nan
    }
}

/// A simulated fluorescence capture and its truth.
public struct FluorescenceCapture: Sendable {
    /// The capture: only localisations of labelled, detectable, not yet
    /// bleached particles; intensities are fluorescence (∝ d², same
    /// depth profile and noise as the scatter video they come from).
    /// ``SimulatedVideo/particlesInViewPerFrame`` holds the fluorescent
    /// particles in view per frame; ``SimulatedVideo/tracks`` the tracks kept.
    public var video: SimulatedVideo
    /// Whether each particle of the box carries the label.
    public var labelled: [Bool]
    /// First frame at which each particle is bleached (`Int.max` when never in the capture).
    public var bleachFrame: [Int]
}

extension Simulator {
    /// Turns a simulated scatter video into the fluorescence capture of the
    /// same particles: labels particles by population, removes unlabelled,
    /// too-small and bleached localisations, and replaces intensities by
    /// fluorescence ones. Tracks cut short by bleaching stay, shorter.
    ///
    /// For an *independent* fluorescence capture of the same sample (as on a
    /// real instrument, where the two captures are separate recordings), pass
    /// a video simulated with the same parameters and another seed.
    public static func fluorescenceCapture(of video: SimulatedVideo, labelling: FluorescenceLabelling) -> FluorescenceCapture {
        let p = video.parameters
        let (labelled, bleach) = labels(of: video.particleComponents, labelling)
        var particleOfTrack = [Int64: Int]()
        for t in video.tracks { particleOfTrack[t.trackID] = t.particleIndex }
        let t = video.table
        var out = TrajectoryTable(intensity: [], positionUnit: t.positionUnit)
        var perFrame = [Int](repeating: 0, count: p.frameCount * p.captures)
        var kept = Set<Int64>()
        for r in 0..<t.count {
            guard let i = particleOfTrack[t.particle[r]], labelled[i],
                  video.particleDiametersNanometers[i] >= labelling.minimumDiameterNanometers,
                  Int(t.frame[r]) < bleach[i] else { continue }
            out.particle.append(t.particle[r]); out.frame.append(t.frame[r])
            out.x.append(t.x[r]); out.y.append(t.y[r])
            out.intensity!.append(fluorescenceIntensity(
                scattered: t.intensity?[r], diameterNanometers: video.particleDiametersNanometers[i],
                component: p.mixture.components[video.particleComponents[i]], parameters: p))
            if Int(t.frame[r]) < perFrame.count { perFrame[Int(t.frame[r])] += 1 }
            kept.insert(t.particle[r])
        }
        var v = video
        v.table = out
        v.tracks = video.tracks.filter { kept.contains($0.trackID) }
        v.particlesInViewPerFrame = perFrame
        return FluorescenceCapture(video: v, labelled: labelled, bleachFrame: bleach)
    }

    /// Whether each particle (of populations `components`) carries the label, and the first frame at which it is
    /// bleached (`Int.max` when never in the capture).
    static func labels(of components: [Int], _ labelling: FluorescenceLabelling) -> (labelled: [Bool], bleach: [Int]) {
        let n = components.count
        var rng = SeededGenerator(seed: labelling.seed, stream: 0xF1)
        var labelled = [Bool](repeating: false, count: n), bleach = [Int](repeating: Int.max, count: n)
        for i in 0..<n {
            let c = components[i]
            let f = c < labelling.labelledFraction.count ? labelling.labelledFraction[c] : 0
            labelled[i] = rng.nextUniform() < f
            if labelling.bleachRatePerFrame > 0 {
                // Geometric number of frames before bleaching.
                let u = rng.nextUniform()
                let frames = log(u) / log1p(-labelling.bleachRatePerFrame)
                bleach[i] = frames < Double(Int32.max) ? Int(frames) : Int.max
            }
        }
        return (labelled, bleach)
    }

    /// The fluorescence (∝ d²) of a localisation whose scattered intensity was `scattered` (`nil`: at the sheet's
    /// centre): the same depth profile and noise.
    static func fluorescenceIntensity(scattered: Double?, diameterNanometers d: Double, component: SizeComponent,
                                      parameters p: SimulationParameters) -> Double {
        let brightness = peakIntensity(diameterNanometers: d, refractiveIndex: component.refractiveIndex,
                                       mediumRefractiveIndex: p.mediumRefractiveIndex)
        let profile = (scattered ?? brightness) / brightness
        return 1e3 * pow(d / 100, 2) * profile
    }

    /// The video with every localisation dimmer than `threshold` removed: a
    /// camera detection threshold, which makes the effective sheet depth
    /// depend on brightness (size and refractive index) as on a real
    /// instrument. Tracks split by a dim stretch keep one id (a tracker with
    /// memory would link them). ``SimulatedVideo/particlesInViewPerFrame`` is
    /// left as the particles inside the nominal volume.
    public static func applyingDetectionThreshold(_ video: SimulatedVideo, intensity threshold: Double) -> SimulatedVideo {
        guard let inten = video.table.intensity else { return video }
        let t = video.table
        var out = TrajectoryTable(intensity: [], positionUnit: t.positionUnit)
        var kept = Set<Int64>()
        for r in 0..<t.count where inten[r] >= threshold {
            out.particle.append(t.particle[r]); out.frame.append(t.frame[r])
            out.x.append(t.x[r]); out.y.append(t.y[r]); out.intensity!.append(inten[r])
            kept.insert(t.particle[r])
        }
        var v = video
        v.table = out
        v.tracks = video.tracks.filter { kept.contains($0.trackID) }
        return v
    }
}
