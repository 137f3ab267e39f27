import ArgumentParser
import Foundation
import NTA

/// `nta-size simulate`: write simulated trajectories with known ground truth.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate an NTA video's trajectories with known ground truth.",
        discussion: """
            Writes PREFIX.csv (trackpy-style trajectories, pixels), PREFIX.csv.settings.json (its settings), \
            PREFIX.truth.csv (true size of every track) and PREFIX.truth.json (parameters and the sample's \
            true size statistics). The same arguments and seed always write the same bytes. \
            Instrument realism (off by default): a Gaussian light sheet with an intensity threshold \
            (--sheet-waist-um, --threshold), photon-limited localisation (--sigma-reference-intensity, \
            --sigma-floor-nm) and several captures per file (--captures, --capture-frames); with any of \
            them PREFIX.truth.json also holds "scoring": the true mean σ², R, drift and frame-weighted size truth.
            """)

    @Option(name: .shortAndLong, help: "Output path prefix: PREFIX.csv, PREFIX.csv.settings.json, PREFIX.truth.* are written (a trailing .csv is dropped: -o run.csv writes run.csv).")
    var output: String

    /// The prefix the files are named from: `output` without a trailing `.csv` (any case), so that `-o run.csv`
    /// writes `run.csv`, not `run.csv.csv`.
    var prefix: String { output.lowercased().hasSuffix(".csv") ? String(output.dropLast(4)) : output }

    @Option(parsing: .unconditional, help: "Sample: [NAME:]MEDIAN_NM[/GSD][*WEIGHT][@RI],… or a preset: mono100, ev-mix. Median 1 … 10000 nm, GSD 1 … 100, RI ≤ 10; drawn diameters are clamped to 0.1 … 100000 nm (the truth records the clamped size).")
    var mixture: String = "mono100"

    @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Number of frames.") var frames: Int = 600
    @Option(name: .customLong("fps"), parsing: .unconditional, help: "Frame rate, Hz.") var frameRateHz: Double = 30
    @Option(name: .customLong("nm-per-pixel"), parsing: .unconditional, help: "Pixel size, nm.") var nanometersPerPixel: Double = 160
    @Option(name: .customLong("temperature"), parsing: .unconditional, help: "Temperature, °C.") var temperatureCelsius: Double = 22
    @Option(name: .customLong("exposure-ms"), parsing: .unconditional, help: "Exposure per frame, ms (0 = instantaneous).")
    var exposureMilliseconds: Double = 0
    @Option(name: .customLong("sigma-nm"), parsing: .unconditional, help: "Localisation error per axis, nm.") var sigmaNanometers: Double = 30
    @Option(name: .customLong("drift-nm-per-frame"), parsing: .unconditional, help: "Fluid drift per frame as X,Y in nm.") var drift: String = "0,0"
    @Option(parsing: .unconditional, help: "Particles per mL in the measured (diluted) sample (at most 10⁷ particles in the simulated box).") var concentration: Double = 1e9
    @Option(name: .customLong("sheet-um"), parsing: .unconditional, help: "Light-sheet (detection) thickness, µm.") var sheetMicrometers: Double = 5
    @Option(parsing: .unconditional, help: "Frames a particle may vanish and keep its track (tracker memory).") var memory: Int = 0
    @Option(name: .customLong("detection-probability"), parsing: .unconditional, help: "Chance a particle in view is detected per frame.")
    var detectionProbability: Double = 1
    @Option(name: .customLong("min-written-length"), parsing: .unconditional, help: "Write only tracks with at least this many localisations.")
    var minimumWrittenLength: Int = 1

    @Option(name: .customLong("sheet-waist-um"), parsing: .unconditional, help: "Gaussian light sheet: 1/e² half-width w in µm (intensity ∝ exp(−2z²/w²)); detection then follows --threshold. Default: the uniform slab of --sheet-um.")
    var sheetWaistMicrometers: Double?
    @Option(parsing: .unconditional, help: "Detection threshold on the scattered intensity (mass units: a 100-nm polystyrene sphere at the sheet's centre scatters 10000). Default: none.")
    var threshold: Double?
    @Option(name: .customLong("sigma-reference-intensity"), parsing: .unconditional, help: "Photon-limited localisation: the intensity at which σ equals --sigma-nm; each localisation gets σ = max(floor, σ·√(reference/I)). Default: constant σ.")
    var sigmaReferenceIntensity: Double?
    @Option(name: .customLong("sigma-floor-nm"), parsing: .unconditional, help: "Floor of the photon-limited σ, nm (with --sigma-reference-intensity).")
    var sigmaFloorNanometers: Double?
    @Option(parsing: .unconditional, help: "Captures of --frames frames each, written into one file (track ids unique across captures).")
    var captures: Int = 1
    @Option(name: .customLong("capture-frames"), help: "Frame numbering across captures: restart (each capture from 0) or continuing.")
    var captureFrames: CaptureFrameNumbering = .restart
    @Option(name: .customLong("mass-decimals"), parsing: .unconditional, help: "Decimals of the written intensities (the mass column), 0 … 9: 3 by default, as trackers write floats; 0 writes whole units (files written before 2026-11-30).")
    var massDecimals: Int = SimulationWriter.defaultMassDecimals
    @Flag(name: .customLong("scoring-truth"), help: "Write the scoring truth (σ, R, drift, frame-weighted size truth) into PREFIX.truth.json even without realism features (always written with them).")
    var scoringTruth = false

    @Option(parsing: .unconditional, help: "Also write PREFIX.fluorescence.csv, a fluorescence capture of the same sample: the labelled fraction of each population, comma-separated in mixture order (e.g. 0.7,0,0).")
    var labelled: String?

    @Option(name: .customLong("bleach-rate"), parsing: .unconditional, help: "Photobleaching probability per frame, 0 ≤ P < 1, for labelled particles in the fluorescence capture (with --labelled; default 0).")
    var bleachRate: Double?

    func validate() throws {
        guard frames > 0, frames <= Self.maximumFrames else {
            throw ValidationError("--frames: expected 1 … \(Self.maximumFrames) frames, found \(frames)")
        }
        // Everything a flag can get wrong is found before anything is written.
        guard !prefix.isEmpty, !prefix.hasSuffix("/") else {
            throw ValidationError("-o: expected a PREFIX for the files written, found \(output.isEmpty ? "an empty one" : "\"\(output)\"")")
        }
        if let folder = OutputPath.missingFolder(of: URL(fileURLWithPath: prefix)) {
            throw ValidationError("-o: expected PREFIX in an existing folder, found no folder \"\(folder)\"")
        }
        let sample = try sampleMixture()
        _ = try labelledFractions(of: sample)
        if let r = bleachRate {
            guard labelled != nil else { throw ValidationError("--bleach-rate: only applies with --labelled") }
            guard r.isFinite, r >= 0, r < 1 else {
                throw ValidationError("--bleach-rate: expected a probability per frame 0 ≤ P < 1, found \(r)")
            }
        }
        for (limit, value) in [(SettingLimit.frameRateHz, frameRateHz), (.nanometersPerPixel, nanometersPerPixel),
                               (.temperatureCelsius, temperatureCelsius), (.exposureMilliseconds, exposureMilliseconds)] {
            if let problem = limit.problem(value) { throw ValidationError("\(limit.flag): \(problem)") }
        }
        guard sigmaNanometers.isFinite, sigmaNanometers >= 0,
              sigmaNanometers <= SimulationParameters.maximumLocalisationSigmaNanometers else {
            throw ValidationError("--sigma-nm: expected a localisation error of 0 … 10⁶ nm, found \(sigmaNanometers)")
        }
        guard concentration.isFinite, concentration > 0 else {
            throw ValidationError("--concentration: expected a positive number of particles per mL, found \(concentration)")
        }
        guard sheetMicrometers.isFinite, sheetMicrometers > 0, sheetMicrometers <= 1000 else {
            throw ValidationError("--sheet-um: expected a thickness in (0, 1000] µm, found \(sheetMicrometers)")
        }
        guard memory >= 0, memory <= 1000 else { throw ValidationError("--memory: expected 0 … 1000 frames, found \(memory)") }
        guard (0...9).contains(massDecimals) else {
            throw ValidationError("--mass-decimals: expected 0 … 9 decimals, found \(massDecimals)")
        }
        guard minimumWrittenLength >= 1 else {
            throw ValidationError("--min-written-length: expected at least 1 localisation, found \(minimumWrittenLength)")
        }
        guard exposureMilliseconds >= 0, exposureMilliseconds <= 1000 / frameRateHz else {
            throw ValidationError("--exposure-ms: expected 0 … \(1000 / frameRateHz) ms (one frame interval)")
        }
        guard detectionProbability > 0, detectionProbability <= 1 else {
            throw ValidationError("--detection-probability: expected a value in (0, 1]")
        }
        if let w = sheetWaistMicrometers, !(w.isFinite && w > 0 && w <= 1000) {
            throw ValidationError("--sheet-waist-um: expected a width in (0, 1000] µm, found \(w)")
        }
        if let t = threshold, !(t.isFinite && t > 0) {
            throw ValidationError("--threshold: expected a positive intensity, found \(t)")
        }
        if sheetWaistMicrometers != nil, threshold == nil {
            throw ValidationError("--sheet-waist-um: a Gaussian sheet needs --threshold (which depth is detected depends on it)")
        }
        if let i = sigmaReferenceIntensity, !(i.isFinite && i > 0) {
            throw ValidationError("--sigma-reference-intensity: expected a positive intensity, found \(i)")
        }
        if let f = sigmaFloorNanometers {
            guard f.isFinite, f >= 0, f <= SimulationParameters.maximumLocalisationSigmaNanometers else {
                throw ValidationError("--sigma-floor-nm: expected a σ of 0 … 10⁶ nm, found \(f)")
            }
            guard sigmaReferenceIntensity != nil else {
                throw ValidationError("--sigma-floor-nm: only applies with --sigma-reference-intensity")
            }
        }
        guard captures >= 1, captures <= 10_000, frames <= Self.maximumFrames / captures else {
            throw ValidationError("--captures: expected 1 … 10000 captures with captures × frames ≤ \(Self.maximumFrames), found \(captures)")
        }
        guard parsedDrift != nil else { throw ValidationError("--drift-nm-per-frame: expected X,Y in nm, found \"\(drift)\"") }
        // The work is particles in the box × frames: bound it so that no flag starts an endless run.
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.nanometersPerPixel = nanometersPerPixel
        p.sheetThicknessMicrometers = sheetMicrometers
        p.sheetWaistMicrometers = sheetWaistMicrometers
        let box = p.boxSizeNanometers
        // As the simulator: at least one particle, whatever the concentration.
        let particles = max(1, (concentration * box.x * box.y * box.z * 1e-21).rounded())
        guard particles <= Self.maximumParticles else {
            throw ValidationError("--concentration: expected at most \(String(format: "%.0e", Self.maximumParticles)) particles in the simulated box (\(String(format: "%.3g", box.x * box.y * box.z * 1e-21)) mL), found \(String(format: "%.3g", particles))")
        }
        let work = particles * Double(frames) * Double(captures)
        guard work.isFinite, work <= Self.maximumParticleFrames else {
            throw ValidationError("--concentration, --frames, --captures: expected at most \(String(format: "%.0e", Self.maximumParticleFrames)) particle-frames (particles in the simulated box × frames), found \(String(format: "%.3g", work))")
        }
    }

    /// The most frames one simulation may span, over all its captures (the rows are written as they are made, but
    /// `Simulator.run` keeps a count per frame, 8 bytes each, 80 MB here).
    /// Ten million frames are 3.9 days at 30 fps; real captures hold at most ~10⁵.
    static let maximumFrames = 10_000_000
    /// The most particle-frames one simulation may take (about a minute of work).
    static let maximumParticleFrames = 2e9
    /// The most particles one simulated box may hold (about 1 GB of particle state: each costs ≈ 100 bytes).
    static let maximumParticles = 1e7

    /// The sample `--mixture` names.
    func sampleMixture() throws -> SizeMixture {
        switch mixture {
        case "mono100": return .monodisperse(100)
        case "ev-mix": return .evLike
        default:
            do { return try SizeMixture(parsing: mixture) } catch { throw ValidationError("--mixture: \(error)") }
        }
    }

    /// `--labelled`'s fractions, one per population of `sample` in [0, 1]; `nil` without the flag.
    func labelledFractions(of sample: SizeMixture) throws -> [Double]? {
        guard let labelled else { return nil }
        let fractions = labelled.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard fractions.count == sample.components.count, fractions.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= 1 }) else {
            throw ValidationError("--labelled: expected \(sample.components.count) fractions in [0, 1], one per population, found \"\(labelled)\"")
        }
        return fractions.map { $0! }
    }

    var parsedDrift: [Double]? {
        let parts = drift.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1], x.isFinite, y.isFinite else { return nil }
        return [x, y]
    }

    func run() throws {
        let sample = try sampleMixture()
        let fractions = try labelledFractions(of: sample)
        var p = SimulationParameters(mixture: sample)
        p.seed = seed
        p.frameCount = frames
        p.frameRateHz = frameRateHz
        p.nanometersPerPixel = nanometersPerPixel
        p.temperatureCelsius = temperatureCelsius
        p.exposureMilliseconds = exposureMilliseconds
        p.localisationSigmaNanometers = sigmaNanometers
        p.driftNanometersPerFrame = parsedDrift!
        p.concentrationPerMl = concentration
        p.sheetThicknessMicrometers = sheetMicrometers
        p.memoryFrames = memory
        p.detectionProbability = detectionProbability
        p.minimumWrittenTrackLength = minimumWrittenLength
        p.sheetWaistMicrometers = sheetWaistMicrometers
        p.detectionThresholdIntensity = threshold
        p.sigmaReferenceIntensity = sigmaReferenceIntensity
        p.sigmaFloorNanometers = sigmaFloorNanometers
        if captures > 1 {
            p.captureCount = captures
            p.captureFrameNumbering = captureFrames
        }
        var labelling: FluorescenceLabelling?
        if let fractions {
            labelling = FluorescenceLabelling(labelledFraction: fractions, bleachRatePerFrame: bleachRate ?? 0)
            labelling!.seed = seed &+ 1
        }
        // Written as simulated: memory follows the particles in the box, not the frames or captures.
        let written = try SimulationWriter.simulate(p, prefix: URL(fileURLWithPath: prefix),
                                                    includesScoringTruth: scoringTruth ? true : nil,
                                                    massDecimals: massDecimals, fluorescence: labelling)
        print("wrote \(written.files.trajectories.path): \(written.localisations) localisations in \(written.tracks) tracks")
        if let fl = written.fluorescenceFiles {
            print("wrote \(fl.trajectories.path): \(written.fluorescenceLocalisations) localisations (fluorescence capture)")
        }
    }
}

extension CaptureFrameNumbering: ExpressibleByArgument {}
