import Foundation
import NTACore
import NTARead
import NTATracks

/// Everything that defines a simulated NTA video.
///
/// The model: spheres drawn from ``mixture`` are spread uniformly through a
/// box that contains the camera's field of view (``fieldWidthPixels`` ×
/// ``fieldHeightPixels``) and the light sheet (``sheetThicknessMicrometers``),
/// with a margin around both; they diffuse in 3D with the Stokes–Einstein
/// coefficient and leave through one face to re-enter through the opposite one
/// (periodic boundaries keep the density stationary and uniform). A particle is
/// seen in a frame when it is inside the field and the sheet; each stretch of
/// frames in view is one track (a "visit"), as a tracker would link it, and
/// visits separated by at most ``memoryFrames`` unseen frames are linked into
/// one track with a gap, as trackpy's `memory` does.
///
/// The camera integrates each frame for ``exposureMilliseconds`` (motion blur,
/// sampled exactly: the time-average of a Brownian path is Gaussian given its
/// end point), adds Gaussian localisation noise of ``localisationSigmaNanometers``
/// per axis, and the fluid drifts by ``driftNanometersPerFrame``.
///
/// Instrument realism (issue 8; every field `nil` = off, and the output is then
/// byte-identical to the model above):
/// - ``sheetWaistMicrometers``: a Gaussian light sheet, intensity ∝ exp(−2z²/w²),
///   instead of the uniform slab; particles are then detected wherever their
///   scattered intensity passes ``detectionThresholdIntensity`` (so the detected
///   depth grows with the particle's brightness, ∝ d⁶·K(m)², as on a real instrument);
/// - ``detectionThresholdIntensity``: a camera threshold on the scattered intensity
///   (also with the slab, inside it);
/// - ``sigmaReferenceIntensity``: photon-limited localisation, σ = σ_ref·√(I_ref/I)
///   per localisation, floored at ``sigmaFloorNanometers``;
/// - ``captureCount``: several captures of ``frameCount`` frames written into one file
///   (track ids unique across captures; frames numbered per ``captureFrameNumbering``).
public struct SimulationParameters: Sendable, Hashable, Codable {
    /// The sample: the log-normal populations the particles' diameters are drawn from.
    public var mixture: SizeMixture
    /// Seed of every random draw; the same parameters give the same video byte for byte.
    public var seed: UInt64 = 1
    /// Frames per capture.
    public var frameCount: Int = 600
    /// Camera frame rate, Hz (frame interval Δt = 1/frameRateHz).
    public var frameRateHz: Double = 30
    /// Size of one camera pixel in the sample plane, nm.
    public var nanometersPerPixel: Double = 160
    /// Width of the camera's field of view, pixels.
    public var fieldWidthPixels: Int = 640
    /// Height of the camera's field of view, pixels.
    public var fieldHeightPixels: Int = 480
    /// Thickness of the illuminated, detected slab, µm.
    public var sheetThicknessMicrometers: Double = 5
    /// Sample temperature, °C (sets the Stokes–Einstein diffusion and, by default, the viscosity of water).
    public var temperatureCelsius: Double = 22
    /// Medium viscosity, mPa·s; `nil` means water at the temperature (IAPWS).
    public var viscosityMillipascalSeconds: Double?
    /// Shutter-open time per frame, ms; `nil` or 0 for an instantaneous exposure.
    public var exposureMilliseconds: Double?
    /// Gaussian localisation error per axis, nm (σ; the reference σ when ``sigmaReferenceIntensity`` is set).
    public var localisationSigmaNanometers: Double = 30
    /// Fluid drift per frame (x, y), nm.
    public var driftNanometersPerFrame: [Double] = [0, 0]
    /// Particles per mL in the measured (diluted) sample.
    public var concentrationPerMl: Double = 1e9
    /// Frames a particle may go unseen and still continue its track.
    public var memoryFrames: Int = 0
    /// Probability that a particle in view is detected in a frame.
    public var detectionProbability: Double = 1
    /// Tracks shorter than this many localisations are not written
    /// (trackers' own stub filters); 1 writes every visit.
    public var minimumWrittenTrackLength: Int = 1
    /// Margin around field and sheet, µm.
    public var marginMicrometers: Double = 8
    /// Refractive index of the medium.
    public var mediumRefractiveIndex: Double = 1.333
    /// 1/e² half-width w of a Gaussian light-sheet profile, µm: the intensity at depth z
    /// from the sheet's centre is I₀·exp(−2z²/w²) (the TEM₀₀ beam profile). `nil`: the
    /// uniform slab of ``sheetThicknessMicrometers``. With a Gaussian sheet, detection is
    /// decided by ``detectionThresholdIntensity`` (every depth counts when it is `nil`, which
    /// a real camera never does) and ``sheetThicknessMicrometers`` only defines the nominal
    /// volume of ``SimulatedVideo/particlesInViewPerFrame`` and the frame-weighted truth.
    public var sheetWaistMicrometers: Double?
    /// Smallest scattered intensity detected, in the units of the written `mass` column:
    /// a 100-nm polystyrene sphere (n = 1.59) at the sheet's centre scatters 10⁴ on
    /// average (Rayleigh: ∝ d⁶·K(m)², K = (m² − 1)/(m² + 2)), with a log-normal camera
    /// noise of 10 % per frame. `nil`: no threshold.
    public var detectionThresholdIntensity: Double?
    /// SD of the camera's log-normal intensity noise per frame (ln units), ≥ 0; `nil` = 0.1 (10 %), the
    /// default, which makes a particle near the threshold flicker in and out of detection.
    public var intensityNoiseLogSD: Double?
    /// Photon-limited localisation: the intensity I_ref at which the per-axis σ equals
    /// ``localisationSigmaNanometers``; each localisation then has
    /// σ = max(σ_floor, σ_ref·√(I_ref/I)) (shot noise: σ² ∝ 1/photons; Thompson, Larson &
    /// Webb 2002, Biophys J 82:2775), at most ``maximumLocalisationSigmaNanometers``. `nil`: one constant σ.
    public var sigmaReferenceIntensity: Double?
    /// Floor of the photon-limited σ, nm (camera pixelation, vibration); `nil` = 0.
    public var sigmaFloorNanometers: Double?
    /// Largest per-axis localisation σ simulated, nm (1 mm, far beyond any camera's): the photon-limited σ of a
    /// particle that scatters next to nothing (σ ∝ 1/√I) is clamped to it, so that no σ, position or σ² overflows.
    public static let maximumLocalisationSigmaNanometers = 1e6
    /// Captures (videos) of ``frameCount`` frames each, written into one trajectory file as
    /// users concatenate exports; the tracker starts afresh at each capture (no track spans
    /// two), track ids continue, particles keep diffusing between captures. `nil` = 1.
    public var captureCount: Int?
    /// How frames are numbered across captures; `nil` = ``CaptureFrameNumbering/restart``.
    public var captureFrameNumbering: CaptureFrameNumbering?

    /// Parameters for `mixture`, every other setting at its default.
    public init(mixture: SizeMixture) {
        self.mixture = mixture
    }

    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double { 1 / frameRateHz }

    /// The simulated box (x, y, z), nm: the field plus ``marginMicrometers`` on every side,
    /// and in z the detectable region plus the margin. The detectable half-depth is the slab's
    /// half-width or, for a Gaussian sheet, the depth where the brightest particle (each
    /// population's median·GSD^4.5) at +5 SD of the camera noise falls to the threshold
    /// (3w without a threshold), and never less than the nominal slab's half-width.
    public var boxSizeNanometers: (x: Double, y: Double, z: Double) {
        let margin = marginMicrometers * 1000
        let sheet = sheetThicknessMicrometers * 1000
        let halfDepth: Double
        if let w = sheetWaistMicrometers.map({ $0 * 1000 }) {
            let detectable: Double
            if let t = detectionThresholdIntensity {
                let brightest = mixture.components.map { c in
                    Simulator.peakIntensity(diameterNanometers: c.medianNanometers * pow(c.geometricSD, 4.5),
                                            refractiveIndex: c.refractiveIndex, mediumRefractiveIndex: mediumRefractiveIndex)
                }.max() ?? 0
                detectable = w * (max(log(brightest * exp(0.5) / t), 0) / 2).squareRoot()
            } else {
                detectable = 3 * w
            }
            halfDepth = max(detectable, sheet / 2)
        } else {
            halfDepth = sheet / 2
        }
        return (Double(fieldWidthPixels) * nanometersPerPixel + 2 * margin,
                Double(fieldHeightPixels) * nanometersPerPixel + 2 * margin, 2 * halfDepth + 2 * margin)
    }

    /// Captures simulated (at least 1).
    public var captures: Int { max(captureCount ?? 1, 1) }

    /// Whether any of the instrument-realism features (Gaussian sheet, threshold,
    /// photon-limited σ, several captures) is on.
    public var usesRealismFeatures: Bool {
        sheetWaistMicrometers != nil || detectionThresholdIntensity != nil || sigmaReferenceIntensity != nil
            || captures > 1
    }

    /// The true motion-blur coefficient R = τₑ/(6Δt) of the simulated shutter (SCIENCE.md §1),
    /// τₑ clamped to [0, Δt] as the simulator does.
    public var trueBlurCoefficient: Double {
        min(max((exposureMilliseconds ?? 0) * 1e-3, 0), frameIntervalSeconds) / frameIntervalSeconds / 6
    }

    /// Viscosity used, mPa·s.
    public var effectiveViscosity: Double {
        viscosityMillipascalSeconds ?? ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: temperatureCelsius)
    }

    /// Detection volume (field × sheet), mL.
    public var detectionVolumeMl: Double {
        let w = Double(fieldWidthPixels) * nanometersPerPixel * 1e-3
        let h = Double(fieldHeightPixels) * nanometersPerPixel * 1e-3
        return w * h * sheetThicknessMicrometers * 1e-12
    }

    /// The acquisition settings a user would record for this video (the
    /// exposure always: 0 for the instantaneous exposure simulated by default).
    public var acquisitionSettings: AcquisitionSettings {
        AcquisitionSettings(
            frameRateHz: frameRateHz, nanometersPerPixel: nanometersPerPixel, temperatureCelsius: temperatureCelsius,
            viscosityMillipascalSeconds: viscosityMillipascalSeconds,
            exposureMilliseconds: exposureMilliseconds ?? 0)
    }
}

/// How frame numbers continue across the captures written into one file.
public enum CaptureFrameNumbering: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every capture's frames start at 0 (concatenated exports).
    case restart
    /// Frames continue: capture k's first frame is k·``SimulationParameters/frameCount``.
    case continuing
}

/// Ground truth of one simulated track.
public struct TrackTruth: Sendable, Hashable {
    /// The track's id (the `particle` column).
    public var trackID: Int64
    /// Index of the physical particle in ``SimulatedVideo/particleDiametersNanometers``.
    public var particleIndex: Int
    /// True diameter, nm.
    public var diameterNanometers: Double
    /// Population index in the mixture.
    public var component: Int
    /// True diffusion coefficient, µm²/s.
    public var diffusionUm2PerS: Double
    /// Capture the track belongs to (0 for single-capture videos).
    public var capture: Int = 0
}

extension TrackTruth {
    /// The truth of track `trackID` of particle `particleIndex`: its diffusion coefficient by Stokes–Einstein at `p`'s
    /// temperature in a medium of viscosity `eta` mPa·s (``SimulationParameters/effectiveViscosity``).
    init(trackID: Int64, particleIndex: Int, diameterNanometers d: Double, component: Int, capture: Int,
         parameters p: SimulationParameters, viscosity eta: Double) {
        self.init(trackID: trackID, particleIndex: particleIndex, diameterNanometers: d, component: component,
                  diffusionUm2PerS: StokesEinstein.diffusionUm2PerS(
                      diameterNanometers: d, temperatureCelsius: p.temperatureCelsius, viscosityMillipascalSeconds: eta),
                  capture: capture)
    }
}

/// A simulated video: what a tracker would export, and the truth behind it.
public struct SimulatedVideo: Sendable {
    /// The parameters the video was simulated with.
    public var parameters: SimulationParameters
    /// The localisations, positions in pixels (as a tracker writes them).
    public var table: TrajectoryTable
    /// Truth for every track written, in order of track id.
    public var tracks: [TrackTruth]
    /// Diameter of every particle in the simulated box (the sample), nm.
    public var particleDiametersNanometers: [Double]
    /// Population of every particle in the box.
    public var particleComponents: [Int]
    /// Number of particles inside the detection volume in each frame (detected or not),
    /// over all captures (capture k's frames at k·frameCount …).
    public var particlesInViewPerFrame: [Int]
    /// Frames each particle of the box spent inside the nominal detection volume (field ×
    /// ``SimulationParameters/sheetThicknessMicrometers``): the weights of the frame-weighted
    /// truth (the time-averaged number in view per size, SCIENCE.md §3).
    public var framesInViewPerParticle: [Int] = []
    /// Per-axis localisation σ of every written row, nm, when σ varies (photon-limited); `nil` when constant.
    public var localisationSigmaPerRowNanometers: [Double]?
}

/// One localisation as the simulator makes it, before any track is dropped.
struct SimulatedLocalisation {
    /// Track id (ids are handed out in order, from 0).
    var track: Int64
    /// Frame number as written (per ``SimulationParameters/captureFrameNumbering``).
    var frame: Int32
    /// Position, pixels.
    var x: Double, y: Double
    /// Scattered intensity (the `mass` column).
    var intensity: Double
    /// Per-axis localisation σ, nm.
    var sigma: Double
    /// Index of the particle in the box.
    var particle: Int
    /// Capture the localisation belongs to.
    var capture: Int
    /// Whether this is the first localisation of ``track``.
    var startsTrack: Bool
}

/// What ``Simulator/simulate(_:into:)`` hands its localisations to, in the order they are written.
protocol SimulationSink {
    /// What handing a localisation on can throw (`Never` when nothing can go wrong).
    associatedtype Failure: Error
    /// The particles of the box, before the first frame.
    mutating func begin(diameters: [Double], components: [Int])
    /// One localisation.
    mutating func localisation(_ l: SimulatedLocalisation) throws(Failure)
    /// The end of a frame, with the particles inside the detection volume in it.
    mutating func endFrame(particlesInView: Int)
}

/// The particles of a simulated box, after the last frame.
struct SimulatedParticles {
    var diameters: [Double]
    var components: [Int]
    /// Frames each particle spent inside the nominal detection volume.
    var framesInView: [Int]
}

/// Keeps every localisation, for ``Simulator/run(_:)``.
private struct RowCollector: SimulationSink {
    typealias Failure = Never
    let sigmaVaries: Bool
    var particle: [Int64] = [], frame: [Int32] = [], x: [Double] = [], y: [Double] = [], intensity: [Double] = []
    var sigma: [Double] = []
    var trackParticle: [Int] = [], trackCapture: [Int] = []
    var inViewCounts: [Int] = []

    init(sigmaVaries: Bool) { self.sigmaVaries = sigmaVaries }

    mutating func begin(diameters: [Double], components: [Int]) {}

    mutating func localisation(_ l: SimulatedLocalisation) {
        if l.startsTrack { trackParticle.append(l.particle); trackCapture.append(l.capture) }
        particle.append(l.track); frame.append(l.frame); x.append(l.x); y.append(l.y); intensity.append(l.intensity)
        if sigmaVaries { sigma.append(l.sigma) }
    }

    mutating func endFrame(particlesInView: Int) { inViewCounts.append(particlesInView) }
}

/// Simulates NTA trajectories with known ground truth.
public enum Simulator {
    /// Runs the simulation described by `parameters`. Deterministic: the same
    /// parameters (seed included) give the same video on every run.
    public static func run(_ parameters: SimulationParameters) -> SimulatedVideo {
        let p = parameters
        var rows = RowCollector(sigmaVaries: p.sigmaReferenceIntensity != nil)
        let totalFrames = p.frameCount * p.captures
        rows.inViewCounts.reserveCapacity(totalFrames)
        let particles = simulate(p, into: &rows)
        let diameters = particles.diameters, components = particles.components
        let eta = p.effectiveViscosity
        let nextTrack = Int64(rows.trackParticle.count)
        let rowsParticle = rows.particle, rowsFrame = rows.frame, rowsX = rows.x, rowsY = rows.y
        let rowsI = rows.intensity, rowsSigma = rows.sigma, trackParticle = rows.trackParticle
        let trackCapture = rows.trackCapture, inViewCounts = rows.inViewCounts, framesInView = particles.framesInView
        // Drop tracks shorter than the writer's minimum.
        var lengths = [Int](repeating: 0, count: Int(nextTrack))
        for t in rowsParticle { lengths[Int(t)] += 1 }
        let keepAll = p.minimumWrittenTrackLength <= 1
        let sigmaVaries = p.sigmaReferenceIntensity != nil
        var table = TrajectoryTable(intensity: [], positionUnit: .pixels)
        var sigmas: [Double] = []
        if keepAll {
            table = TrajectoryTable(particle: rowsParticle, frame: rowsFrame, x: rowsX, y: rowsY, intensity: rowsI)
            sigmas = rowsSigma
        } else {
            table.reserveCapacity(rowsParticle.count)
            for r in rowsParticle.indices where lengths[Int(rowsParticle[r])] >= p.minimumWrittenTrackLength {
                table.particle.append(rowsParticle[r]); table.frame.append(rowsFrame[r])
                table.x.append(rowsX[r]); table.y.append(rowsY[r]); table.intensity!.append(rowsI[r])
                if sigmaVaries { sigmas.append(rowsSigma[r]) }
            }
        }
        var truths: [TrackTruth] = []
        truths.reserveCapacity(trackParticle.count)
        for (t, i) in trackParticle.enumerated() where keepAll || lengths[t] >= p.minimumWrittenTrackLength {
            truths.append(TrackTruth(trackID: Int64(t), particleIndex: i, diameterNanometers: diameters[i],
                                     component: components[i], capture: trackCapture[t], parameters: p, viscosity: eta))
        }
        return SimulatedVideo(parameters: p, table: table, tracks: truths, particleDiametersNanometers: diameters,
                              particleComponents: components, particlesInViewPerFrame: inViewCounts,
                              framesInViewPerParticle: framesInView,
                              localisationSigmaPerRowNanometers: sigmaVaries ? sigmas : nil)
    }

    /// Simulates `p` frame by frame, handing every localisation to `sink` as it is made (the random draws, and so
    /// the localisations, are those of ``run(_:)``): memory follows the particles in the box, not the frames.
    static func simulate<Sink: SimulationSink>(
        _ p: SimulationParameters, into sink: inout Sink
    ) throws(Sink.Failure) -> SimulatedParticles {
        var rng = SeededGenerator(seed: p.seed)
        let dt = p.frameIntervalSeconds
        let fieldW = Double(p.fieldWidthPixels) * p.nanometersPerPixel
        let fieldH = Double(p.fieldHeightPixels) * p.nanometersPerPixel
        let margin = p.marginMicrometers * 1000
        let sheet = p.sheetThicknessMicrometers * 1000
        let waist = p.sheetWaistMicrometers.map { $0 * 1000 }
        let threshold = p.detectionThresholdIntensity
        let noiseLogSD = p.intensityNoiseLogSD ?? 0.1
        let (boxX, boxY, boxZ) = p.boxSizeNanometers
        let boxVolumeMl = boxX * boxY * boxZ * 1e-21
        let expected = p.concentrationPerMl * boxVolumeMl
        let n = max(1, Int(expected.rounded()))
        let eta = p.effectiveViscosity
        let exposure = min(max((p.exposureMilliseconds ?? 0) * 1e-3, 0), dt)

        // Particles: position (nm, box coordinates with the field at [margin, margin+fieldW)), size, D.
        var x = [Double](repeating: 0, count: n), y = x, z = x
        var diameters = x, stepSD = x, brightness = x
        var samplers = [ExposureSampler](repeating: ExposureSampler(diffusionNm2PerS: 0, frameIntervalSeconds: dt, exposureSeconds: 0), count: n)
        var components = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let (d, c) = p.mixture.sample(using: &rng)
            diameters[i] = d
            components[i] = c
            x[i] = rng.nextUniform() * boxX
            y[i] = rng.nextUniform() * boxY
            z[i] = rng.nextUniform() * boxZ
            let dNm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: d, temperatureCelsius: p.temperatureCelsius,
                                                       viscosityMillipascalSeconds: eta) * 1e6
            stepSD[i] = (2 * dNm2 * dt).squareRoot()
            samplers[i] = ExposureSampler(diffusionNm2PerS: dNm2, frameIntervalSeconds: dt, exposureSeconds: exposure)
            brightness[i] = peakIntensity(diameterNanometers: d, refractiveIndex: p.mixture.components[c].refractiveIndex,
                                          mediumRefractiveIndex: p.mediumRefractiveIndex)
        }

        sink.begin(diameters: diameters, components: components)

        // Per-particle tracking state.
        var trackOf = [Int64](repeating: -1, count: n)
        var lastSeen = [Int](repeating: Int.min / 2, count: n)
        var nextTrack: Int64 = 0
        let captures = p.captures
        let totalFrames = p.frameCount * captures
        var framesInView = [Int](repeating: 0, count: n)
        let sigma = p.localisationSigmaNanometers
        let driftX = p.driftNanometersPerFrame.first ?? 0
        let driftY = p.driftNanometersPerFrame.count > 1 ? p.driftNanometersPerFrame[1] : 0
        let sheetLo = waist == nil ? margin : boxZ / 2 - sheet / 2, sheetHi = sheetLo + sheet
        let halfWidth = sheet / 2
        let pixel = p.nanometersPerPixel
        // Any realism feature that changes detection or noise takes the second branch below;
        // with all of them off the first branch is the original model, draw for draw.
        let realistic = waist != nil || threshold != nil || p.sigmaReferenceIntensity != nil
        let referenceIntensity = p.sigmaReferenceIntensity ?? 0
        let sigmaFloor = max(p.sigmaFloorNanometers ?? 0, 0)
        let continuing = p.captureFrameNumbering == .continuing

        for frame in 0..<totalFrames {
            let capture = frame / max(p.frameCount, 1)
            if capture > 0, frame == capture * p.frameCount {
                // A new capture: the tracker starts afresh.
                for i in 0..<n { trackOf[i] = -1; lastSeen[i] = Int.min / 2 }
            }
            let writtenFrame = Int32(continuing ? frame : frame - capture * p.frameCount)
            var inView = 0
            for i in 0..<n {
                // Exposure-averaged position in this frame.
                let sx = samplers[i].frame(using: &rng), sy = samplers[i].frame(using: &rng)
                let ox = x[i] + sx.observedOffset, oy = y[i] + sy.observedOffset
                x[i] += sx.displacement
                y[i] += sy.displacement
                let zNow = z[i]
                z[i] += stepSD[i] * rng.nextGaussian()
                let fx = ox - margin, fy = oy - margin
                let inField = fx >= 0 && fx < fieldW && fy >= 0 && fy < fieldH
                let inSlab = zNow >= sheetLo && zNow < sheetHi
                if inField, inSlab {
                    inView += 1
                    framesInView[i] += 1
                }
                if !realistic {
                    if inField, inSlab, p.detectionProbability >= 1 || rng.nextUniform() < p.detectionProbability {
                        let starts = trackOf[i] < 0 || frame - lastSeen[i] - 1 > p.memoryFrames
                        if starts {
                            trackOf[i] = nextTrack
                            nextTrack += 1
                        }
                        lastSeen[i] = frame
                        let zc = (zNow - sheetLo - halfWidth) / halfWidth
                        let intensity = brightness[i] * exp(-2 * zc * zc) * exp(noiseLogSD * rng.nextGaussian())
                        let px = (fx + sigma * rng.nextGaussian()) / pixel
                        let py = (fy + sigma * rng.nextGaussian()) / pixel
                        try sink.localisation(SimulatedLocalisation(
                            track: trackOf[i], frame: writtenFrame, x: px, y: py, intensity: intensity, sigma: sigma,
                            particle: i, capture: capture, startsTrack: starts))
                    }
                } else if inField, waist != nil || inSlab {
                    let profile: Double
                    if let w = waist {
                        let u = (zNow - boxZ / 2) / w
                        profile = exp(-2 * u * u)
                    } else {
                        let zc = (zNow - sheetLo - halfWidth) / halfWidth
                        profile = exp(-2 * zc * zc)
                    }
                    let mean = brightness[i] * profile
                    // Beyond +5 SD of the camera noise nothing passes the threshold: skip the draws.
                    let reachable = threshold.map { mean * exp(5 * noiseLogSD) >= $0 } ?? true
                    if reachable {
                        let intensity = mean * exp(noiseLogSD * rng.nextGaussian())
                        let bright = threshold.map { intensity >= $0 } ?? true
                        if bright, p.detectionProbability >= 1 || rng.nextUniform() < p.detectionProbability {
                            let starts = trackOf[i] < 0 || frame - lastSeen[i] - 1 > p.memoryFrames
                            if starts {
                                trackOf[i] = nextTrack
                                nextTrack += 1
                            }
                            lastSeen[i] = frame
                            let s = p.sigmaReferenceIntensity == nil
                                ? sigma : min(max(sigmaFloor, sigma * (referenceIntensity / intensity).squareRoot()),
                                              SimulationParameters.maximumLocalisationSigmaNanometers)
                            let px = (fx + s * rng.nextGaussian()) / pixel
                            let py = (fy + s * rng.nextGaussian()) / pixel
                            try sink.localisation(SimulatedLocalisation(
                                track: trackOf[i], frame: writtenFrame, x: px, y: py, intensity: intensity, sigma: s,
                                particle: i, capture: capture, startsTrack: starts))
                        }
                    }
                }
                // Fluid drift, then periodic boundaries: a wrapped particle is a new visit.
                x[i] += driftX
                y[i] += driftY
                var wrapped = false
                if x[i] < 0 { x[i] += boxX; wrapped = true } else if x[i] >= boxX { x[i] -= boxX; wrapped = true }
                if y[i] < 0 { y[i] += boxY; wrapped = true } else if y[i] >= boxY { y[i] -= boxY; wrapped = true }
                if z[i] < 0 { z[i] += boxZ; wrapped = true } else if z[i] >= boxZ { z[i] -= boxZ; wrapped = true }
                if wrapped { trackOf[i] = -1 }
            }
            sink.endFrame(particlesInView: inView)
        }
        return SimulatedParticles(diameters: diameters, components: components, framesInView: framesInView)
    }

    /// Mean scattered intensity of a sphere at the sheet's centre, in the `mass` column's
    /// units: 10⁴ for a 100-nm polystyrene sphere (n = 1.59), scaled by Rayleigh scattering
    /// ∝ d⁶·K(m)² with m = n_particle/n_medium (SCIENCE.md §6).
    public static func peakIntensity(diameterNanometers d: Double, refractiveIndex: Double,
                                     mediumRefractiveIndex: Double) -> Double {
        let kPS = rayleighFactor(1.59 / mediumRefractiveIndex)
        let k = rayleighFactor(refractiveIndex / mediumRefractiveIndex)
        return 1e4 * pow(d / 100, 6) * (k * k) / (kPS * kPS)
    }

    /// |(m² − 1)/(m² + 2)|, the Rayleigh polarisability factor K(m) of a sphere
    /// of relative refractive index m.
    public static func rayleighFactor(_ m: Double) -> Double { abs((m * m - 1) / (m * m + 2)) }

    /// Tracks of fixed length N for one particle with diffusion `diffusionUm2PerS`,
    /// observed with noise `sigmaNanometers` and blur coefficient from
    /// `exposureFraction` (τₑ/Δt): the direct generator estimator tests use.
    /// Positions in nm; rows are track-contiguous in frame order.
    public static func fixedLengthTracks(
        count: Int, positions: Int, diffusionUm2PerS: Double, frameIntervalSeconds dt: Double,
        sigmaNanometers: Double, exposureFraction: Double = 0, seed: UInt64
    ) -> TrackSet {
        var rng = SeededGenerator(seed: seed)
        let dNm2 = diffusionUm2PerS * 1e6
        let sampler = ExposureSampler(diffusionNm2PerS: dNm2, frameIntervalSeconds: dt, exposureSeconds: exposureFraction * dt)
        var frames: [Int32] = [], xs: [Double] = [], ys: [Double] = [], offsets = [0], ids: [Int64] = []
        frames.reserveCapacity(count * positions); xs.reserveCapacity(count * positions); ys.reserveCapacity(count * positions)
        for t in 0..<count {
            var x = 0.0, y = 0.0
            for f in 0..<positions {
                let sx = sampler.frame(using: &rng), sy = sampler.frame(using: &rng)
                let ox = x + sx.observedOffset, oy = y + sy.observedOffset
                x += sx.displacement
                y += sy.displacement
                frames.append(Int32(f))
                xs.append(ox + sigmaNanometers * rng.nextGaussian())
                ys.append(oy + sigmaNanometers * rng.nextGaussian())
            }
            ids.append(Int64(t))
            offsets.append(frames.count)
        }
        return TrackSet(particleIDs: ids, offsets: offsets, frame: frames, xNanometers: xs, yNanometers: ys)
    }
}

/// Samples one axis of a Brownian path through one frame seen by a camera whose
/// shutter is open for the first `exposureSeconds` of each frame interval.
///
/// The camera records the time-average A of the path over the exposure. For a
/// path starting at 0 with per-axis diffusion D, the end of the exposure
/// B ~ N(0, 2Dτ), and A given B is exactly Gaussian: A | B ~ N(B/2, 2Dτ/12)
/// (Var A = 2Dτ/3, Cov(A, B) = Dτ). The rest of the interval adds
/// N(0, 2D(Δt − τ)). This reproduces the motion-blur coefficient R = τ/(6Δt)
/// of SCIENCE.md §1 without time discretisation.
struct ExposureSampler: Sendable {
    let stepSD: Double
    let blurSD: Double
    let darkSD: Double

    init(diffusionNm2PerS d: Double, frameIntervalSeconds dt: Double, exposureSeconds tau: Double) {
        stepSD = (2 * d * dt).squareRoot()
        blurSD = (2 * d * tau).squareRoot()
        darkSD = (2 * d * (dt - tau)).squareRoot()
    }

    /// One frame: where the camera sees the particle relative to the frame's start
    /// position, and the displacement to the next frame's start.
    @inline(__always)
    func frame(using rng: inout SeededGenerator) -> (observedOffset: Double, displacement: Double) {
        guard blurSD > 0 else { return (0, stepSD * rng.nextGaussian()) }
        let b = blurSD * rng.nextGaussian()
        let observed = b / 2 + blurSD / 12.0.squareRoot() * rng.nextGaussian()
        return (observed, b + darkSD * rng.nextGaussian())
    }
}

extension SimulationParameters {
    /// A video with every instrument-realism feature on, as issue 8's robustness matrix and
    /// its fast test subset use: a Gaussian light sheet with w = 2.5 µm (its 1/e² full width
    /// equals the default 5 µm nominal slab); a camera threshold at `thresholdFraction` of the
    /// mean peak intensity of a `referenceDiameterNanometers` sphere of `referenceRefractiveIndex`
    /// (as an operator sets the camera level for a sample); photon-limited σ equal to
    /// `sigmaNanometers` at ten times the threshold (so √10 ≈ 3.2× that at the threshold), floor
    /// 5 nm; `captures` captures of `framesPerCapture` frames in one file, frames restarting at 0;
    /// tracker memory 2 frames (the 10 % camera noise makes particles near the threshold
    /// flicker); tracks shorter than 5 localisations not written. Everything else is the default.
    public static func instrumentLike(
        _ mixture: SizeMixture, seed: UInt64, referenceDiameterNanometers: Double, referenceRefractiveIndex: Double,
        thresholdFraction: Double = 0.05, sigmaNanometers: Double = 30, framesPerCapture: Int = 300, captures: Int = 3,
        concentrationPerMl: Double = 1e10
    ) -> SimulationParameters {
        var p = SimulationParameters(mixture: mixture)
        p.seed = seed
        p.frameCount = framesPerCapture
        p.captureCount = captures
        p.captureFrameNumbering = .restart
        p.concentrationPerMl = concentrationPerMl
        p.sheetWaistMicrometers = 2.5
        let peak = Simulator.peakIntensity(diameterNanometers: referenceDiameterNanometers,
                                           refractiveIndex: referenceRefractiveIndex,
                                           mediumRefractiveIndex: p.mediumRefractiveIndex)
        p.detectionThresholdIntensity = thresholdFraction * peak
        p.localisationSigmaNanometers = sigmaNanometers
        p.sigmaReferenceIntensity = 10 * thresholdFraction * peak
        p.sigmaFloorNanometers = 5
        p.memoryFrames = 2
        p.minimumWrittenTrackLength = 5
        return p
    }
}
