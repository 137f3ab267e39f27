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
            true size statistics). The same arguments and seed always write the same bytes.
            """)

    @Option(name: .shortAndLong, help: "Output path prefix (without extension).")
    var output: String

    @Option(help: "Sample: [NAME:]MEDIAN_NM[/GSD][*WEIGHT][@RI],… or a preset: mono100, ev-mix.")
    var mixture: String = "mono100"

    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Number of frames.") var frames: Int = 600
    @Option(name: .customLong("fps"), help: "Frame rate, Hz.") var frameRateHz: Double = 30
    @Option(name: .customLong("nm-per-pixel"), help: "Pixel size, nm.") var nanometersPerPixel: Double = 160
    @Option(name: .customLong("temperature"), help: "Temperature, °C.") var temperatureCelsius: Double = 22
    @Option(name: .customLong("exposure-ms"), help: "Exposure per frame, ms (0 = instantaneous).")
    var exposureMilliseconds: Double = 0
    @Option(name: .customLong("sigma-nm"), help: "Localisation error per axis, nm.") var sigmaNanometers: Double = 30
    @Option(name: .customLong("drift-nm-per-frame"), help: "Fluid drift per frame as X,Y in nm.") var drift: String = "0,0"
    @Option(help: "Particles per mL in the measured (diluted) sample.") var concentration: Double = 1e9
    @Option(name: .customLong("sheet-um"), help: "Light-sheet (detection) thickness, µm.") var sheetMicrometers: Double = 5
    @Option(help: "Frames a particle may vanish and keep its track (tracker memory).") var memory: Int = 0
    @Option(name: .customLong("detection-probability"), help: "Chance a particle in view is detected per frame.")
    var detectionProbability: Double = 1
    @Option(name: .customLong("min-written-length"), help: "Write only tracks with at least this many localisations.")
    var minimumWrittenLength: Int = 1

    @Option(help: "Also write PREFIX.fluorescence.csv, a fluorescence capture of the same sample: the labelled fraction of each population, comma-separated in mixture order (e.g. 0.7,0,0).")
    var labelled: String?

    @Option(name: .customLong("bleach-rate"), help: "Photobleaching probability per frame for labelled particles in the fluorescence capture.")
    var bleachRate: Double = 0

    func validate() throws {
        guard frames > 0 else { throw ValidationError("--frames: expected a positive number of frames") }
        guard frameRateHz > 0, nanometersPerPixel > 0, sigmaNanometers >= 0, concentration > 0, sheetMicrometers > 0 else {
            throw ValidationError("--fps, --nm-per-pixel, --concentration and --sheet-um must be positive; --sigma-nm ≥ 0")
        }
        guard exposureMilliseconds >= 0, exposureMilliseconds <= 1000 / frameRateHz else {
            throw ValidationError("--exposure-ms: expected 0 … \(1000 / frameRateHz) ms (one frame interval)")
        }
        guard detectionProbability > 0, detectionProbability <= 1 else {
            throw ValidationError("--detection-probability: expected a value in (0, 1]")
        }
        guard parsedDrift != nil else { throw ValidationError("--drift-nm-per-frame: expected X,Y in nm, found \"\(drift)\"") }
    }

    var parsedDrift: [Double]? {
        let parts = drift.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1], x.isFinite, y.isFinite else { return nil }
        return [x, y]
    }

    func run() throws {
        let sample: SizeMixture
        switch mixture {
        case "mono100": sample = .monodisperse(100)
        case "ev-mix": sample = .evLike
        default:
            do { sample = try SizeMixture(parsing: mixture) } catch { throw ValidationError("--mixture: \(error)") }
        }
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
        let video = Simulator.run(p)
        let files = try SimulationWriter.write(video, prefix: URL(fileURLWithPath: output))
        print("wrote \(files.trajectories.path): \(video.table.count) localisations in \(video.tracks.count) tracks")
        if let labelled {
            let fractions = labelled.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard fractions.count == sample.components.count, fractions.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= 1 }) else {
                throw ValidationError("--labelled: expected \(sample.components.count) fractions in [0, 1], one per population")
            }
            var labelling = FluorescenceLabelling(labelledFraction: fractions.map { $0! }, bleachRatePerFrame: bleachRate)
            labelling.seed = seed &+ 1
            let capture = Simulator.fluorescenceCapture(of: video, labelling: labelling)
            let fl = try SimulationWriter.write(capture.video, prefix: URL(fileURLWithPath: output + ".fluorescence"))
            print("wrote \(fl.trajectories.path): \(capture.video.table.count) localisations (fluorescence capture)")
        }
    }
}
