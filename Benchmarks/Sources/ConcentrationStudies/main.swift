// Concentration and population studies (issue 12: moved here from the test suite, where they were
// `@Test`s without an expectation, enabled by NTA_STUDY). Over simulated seeds they measure:
//
//   concentration  coverage, rms and worst relative error and mean half-width of the concentration
//                  interval, per concentration in the cell (10⁷, 10⁸, 10⁹ /mL; the original sample is 10×
//                  that) and mixture (100 nm beads, EV-like);
//   fluorescence   coverage and error of the marker-positive fraction in the 30–150 nm window
//                  (labelled 80 % / 50 % / 0 %), without and with bleaching;
//   intensity      coverage and error of the vesicle-like fraction in the window (intensity classes).
//
// Coverage is scored against the realised truth of each simulated box (a whole number of particles in a
// known volume); so are the concentration's errors, while the fractions' errors are against the sample's.
//
//     cd Benchmarks
//     swift run -c release ConcentrationStudies [--study concentration|fluorescence|intensity]
//         [--seeds N] [--frames N] [--videos N] [--margin UM] [--concentrations 1e7,1e8,1e9]
//         [--bleach 0,0.0005] [--correlation-model]
//
// Prints one markdown table per study (see BENCHMARKS.md, "Concentration and population studies").
// Deterministic: same code, same output (apart from the timing line).

import Foundation
import NTA

// MARK: Options

var studies = ["concentration", "fluorescence", "intensity"]
var seedCount = 20
var framesOverride: Int?
var videoCount = 1
var marginMicrometers = 8.0
var concentrationsPerMl = [1e7, 1e8, 1e9]
var bleachRates = [0.0, 0.0005]
var usesCorrelationModel = false

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ConcentrationStudies: \(message)\n".utf8))
    exit(64)
}

func numbers(_ text: String?, _ flag: String) -> [Double] {
    guard let text else { fail("\(flag): expected a comma-separated list of numbers, found nothing") }
    return text.split(separator: ",").map { part in
        guard let x = Double(part), x.isFinite, x >= 0 else { fail("\(flag): expected a non-negative number, found \"\(part)\"") }
        return x
    }
}

func count(_ text: String?, _ flag: String) -> Int {
    guard let text, let n = Int(text), n >= 1, n <= 100_000 else {
        fail("\(flag): expected a whole number from 1 to 100000, found \"\(text ?? "")\"")
    }
    return n
}

var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--study":
        let s = arguments.next() ?? ""
        guard ["concentration", "fluorescence", "intensity"].contains(s) else {
            fail("--study: expected concentration, fluorescence or intensity, found \"\(s)\"")
        }
        studies = [s]
    case "--seeds": seedCount = count(arguments.next(), a)
    case "--frames": framesOverride = count(arguments.next(), a)
    case "--videos": videoCount = count(arguments.next(), a)
    case "--margin": marginMicrometers = numbers(arguments.next(), a).first ?? marginMicrometers
    case "--concentrations": concentrationsPerMl = numbers(arguments.next(), a).filter { $0 > 0 }
    case "--bleach": bleachRates = numbers(arguments.next(), a)
    case "--correlation-model": usesCorrelationModel = true
    default: fail("unknown argument \(a)")
    }
}

// MARK: Truth of a simulated video (the same definitions as the test suite's helpers)

/// Realised truth: particles per mL in the simulated box (a whole number of particles in a known volume),
/// optionally only those with diameter in [lo, hi) that `keep` accepts.
func realisedConcentrationPerMl(_ v: SimulatedVideo, from lo: Double = 0, to hi: Double = .infinity,
                                where keep: (Int) -> Bool = { _ in true }) -> Double {
    let p = v.parameters
    let m = p.marginMicrometers
    let w = Double(p.fieldWidthPixels) * p.nanometersPerPixel * 1e-3 + 2 * m
    let h = Double(p.fieldHeightPixels) * p.nanometersPerPixel * 1e-3 + 2 * m
    let z = p.sheetThicknessMicrometers + 2 * m
    let d = v.particleDiametersNanometers
    let inside = d.indices.filter { d[$0] >= lo && d[$0] < hi && keep($0) }.count
    return Double(inside) / (w * h * z * 1e-12)
}

/// The detection volume the simulation's field of view and sheet define.
func simulatedVolume(_ p: SimulationParameters) throws -> DetectionVolume {
    try DetectionVolume(fieldWidthMicrometers: Double(p.fieldWidthPixels) * p.nanometersPerPixel * 1e-3,
                        fieldHeightMicrometers: Double(p.fieldHeightPixels) * p.nanometersPerPixel * 1e-3,
                        sheetDepthMicrometers: p.sheetThicknessMicrometers)
}

/// The count-correlation model from the tracks' true diffusion coefficients, weighted by their lengths.
func correlationModel(_ v: SimulatedVideo) -> CountCorrelationModel {
    let p = v.parameters
    var lengths = [Int64: Int]()
    for id in v.table.particle { lengths[id, default: 0] += 1 }
    return CountCorrelationModel(
        fieldWidthMicrometers: Double(p.fieldWidthPixels) * p.nanometersPerPixel * 1e-3,
        fieldHeightMicrometers: Double(p.fieldHeightPixels) * p.nanometersPerPixel * 1e-3,
        sheetDepthMicrometers: p.sheetThicknessMicrometers, frameIntervalSeconds: p.frameIntervalSeconds,
        trackDiffusionUm2PerS: v.tracks.map(\.diffusionUm2PerS), trackLengths: v.tracks.map { lengths[$0.trackID] ?? 0 })
}

func truthDiameters(_ v: SimulatedVideo) -> [Int64: Double] {
    Dictionary(uniqueKeysWithValues: v.tracks.map { ($0.trackID, $0.diameterNanometers) })
}

/// Realised share of low-index (vesicle-like, n < 1.45) particles among those in the window.
func realisedVesicleLikeFraction(_ v: SimulatedVideo, window: SizeWindow = .exosome) -> Double {
    var all = 0, low = 0
    for i in v.particleDiametersNanometers.indices
    where v.particleDiametersNanometers[i] >= window.minNm && v.particleDiametersNanometers[i] <= window.maxNm {
        all += 1
        if v.parameters.mixture.components[v.particleComponents[i]].refractiveIndex < 1.45 { low += 1 }
    }
    return all > 0 ? Double(low) / Double(all) : .nan
}

/// Intensity–size points with one-lag MSD sizes (tracks ≥ 10 localisations).
func estimatedIntensityPoints(_ v: SimulatedVideo) throws -> TrackIntensities {
    let p = v.parameters
    let grouped = TrackGrouping.group(v.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 10)
    let context = EstimationContext(frameIntervalSeconds: p.frameIntervalSeconds)
    var diameters = [Int64: Double](), relVar = [Int64: Double]()
    for t in 0..<grouped.tracks.trackCount {
        guard let e = grouped.tracks.withSample(of: t, { OneLagMSDEstimator().estimate($0, context: context) }),
              e.diffusionUm2PerS > 0 else { continue }
        let id = grouped.tracks.particleIDs[t]
        diameters[id] = StokesEinstein.diameterNanometers(diffusionUm2PerS: e.diffusionUm2PerS,
                                                          temperatureCelsius: p.temperatureCelsius,
                                                          viscosityMillipascalSeconds: p.effectiveViscosity)
        relVar[id] = e.varianceUm4PerS2 / (e.diffusionUm2PerS * e.diffusionUm2PerS)
    }
    return try TrackIntensities(tracks: grouped.tracks, diametersByTrack: diameters,
                                relativeDiffusionVarianceByTrack: relVar)
}

// MARK: Scores over seeds

/// Coverage and errors over seeds of one configuration.
struct Score {
    var covered = 0
    var errors: [Double] = []
    var halfWidths: [Double] = []

    mutating func add(estimate: Double, lower: Double, upper: Double, realised: Double, errorAgainst reference: Double) {
        if lower <= realised && realised <= upper { covered += 1 }
        errors.append(estimate - reference)
        halfWidths.append((upper - lower) / 2)
    }

    var rms: Double { (errors.reduce(0) { $0 + $1 * $1 } / Double(max(errors.count, 1))).squareRoot() }
    var worst: Double { errors.map(abs).max() ?? .nan }
    var meanError: Double { errors.reduce(0, +) / Double(max(errors.count, 1)) }
    var meanHalfWidth: Double { halfWidths.reduce(0, +) / Double(max(halfWidths.count, 1)) }
    func within(_ bound: Double) -> Int { errors.filter { abs($0) < bound }.count }
}

func f3(_ x: Double) -> String { String(format: "%.3f", x) }

let started = Date()

// MARK: Concentration interval

if studies.contains("concentration") {
    let frames = framesOverride ?? 900
    print("### Concentration interval (\(seedCount) seeds from 1000, \(frames) frames, \(videoCount) video(s) per estimate, margin \(Int(marginMicrometers)) µm, 10× dilution, correlation model \(usesCorrelationModel ? "from the truth" : "off"))")
    print()
    print("| in the cell /mL (original ×10) | mixture | particles/frame | τ_int (frames) | covered | rms rel. error | worst rel. error | mean half-width (rel.) |")
    print("|---|---|---|---|---|---|---|---|")
    for concentration in concentrationsPerMl {
        for (name, mixture) in [("100 nm", SizeMixture.monodisperse(100)), ("EV-like", SizeMixture.evLike)] {
            var score = Score()
            var perFrame = 0.0, tau = 0.0
            for s in 0..<seedCount {
                var p = SimulationParameters(mixture: mixture)
                p.frameCount = frames
                p.concentrationPerMl = concentration
                p.marginMicrometers = marginMicrometers
                if concentration < 5e7 { p.fieldWidthPixels = 1280; p.fieldHeightPixels = 960; p.sheetThicknessMicrometers = 10 }
                var parts: [FrameCounts] = [], truth = 0.0
                var model: CountCorrelationModel?
                for k in 0..<videoCount {
                    p.seed = UInt64(1000 + s + 100 * k)
                    let v = Simulator.run(p)
                    truth += realisedConcentrationPerMl(v) * 10 / Double(videoCount)
                    parts.append(try FrameCounts(v.table, frames: 0..<frames, minTrackLength: 10))
                    model = model ?? correlationModel(v)
                }
                var o = ConcentrationOptions()
                if usesCorrelationModel { o.correlationModel = model }
                let e = try ConcentrationEstimate(try FrameCounts.concatenating(parts), volume: try simulatedVolume(p),
                                                  dilution: 10, options: o)
                score.add(estimate: e.particlesPerMl / truth, lower: e.lowerPerMl / truth, upper: e.upperPerMl / truth,
                          realised: 1, errorAgainst: 1)
                perFrame += e.meanParticlesPerFrame / Double(seedCount)
                tau += e.integratedAutocorrelationFrames / Double(seedCount)
            }
            print("| \(String(format: "%.0e", concentration)) | \(name) | \(String(format: "%.1f", perFrame)) | \(String(format: "%.1f", tau)) | \(score.covered)/\(seedCount) | \(f3(score.rms)) | \(f3(score.worst)) | \(f3(score.meanHalfWidth)) |")
        }
    }
    print()
}

// MARK: Marker-positive fraction (fluorescence pairing)

if studies.contains("fluorescence") {
    let frames = framesOverride ?? 1800
    print("### Marker-positive fraction in 30–150 nm (\(seedCount) seeds, \(frames) frames, \(videoCount) scatter + \(videoCount) fluorescence video(s), EV-like, labelled 80 % / 50 % / 0 %)")
    print()
    print("| bleach /frame | sample truth | covered | rms error | worst error | within 0.05 | mean half-width |")
    print("|---|---|---|---|---|---|---|")
    for bleach in bleachRates {
        var score = Score()
        let labelling = FluorescenceLabelling(labelledFraction: [0.8, 0.5, 0], bleachRatePerFrame: bleach)
        let sample = labelling.positiveFraction(of: .evLike, fromNanometers: 30, toNanometers: 150)
        for s in 0..<seedCount {
            var p = SimulationParameters(mixture: .evLike)
            p.frameCount = frames
            p.marginMicrometers = 15
            let o = FluorescenceOptions()
            var scs: [FrameCounts] = [], fls: [FrameCounts] = []
            var scatterModel: CountCorrelationModel?, fluorescenceModel: CountCorrelationModel?
            var positive = 0.0, all = 0.0
            for k in 0..<videoCount {
                p.seed = UInt64(2000 + 100 * k + s)
                let scatter = Simulator.run(p)
                p.seed = UInt64(3000 + 100 * k + s)
                var l = labelling
                l.seed = UInt64(s * 10 + k)
                let capture = Simulator.fluorescenceCapture(of: Simulator.run(p), labelling: l)
                scs.append(try FrameCounts(scatter.table, frames: 0..<frames, diametersByTrack: truthDiameters(scatter),
                                           classEdgesNanometers: o.binEdgesNanometers))
                fls.append(try FrameCounts(capture.video.table, frames: 0..<frames,
                                           diametersByTrack: truthDiameters(capture.video), classEdgesNanometers: o.binEdgesNanometers))
                positive += realisedConcentrationPerMl(capture.video, from: 30, to: 150, where: { capture.labelled[$0] })
                all += realisedConcentrationPerMl(scatter, from: 30, to: 150)
                // The last video's models, as the study always did.
                scatterModel = correlationModel(scatter)
                fluorescenceModel = correlationModel(capture.video)
            }
            var co = ConcentrationOptions()
            co.correlationModel = scatterModel
            let pairing = try FluorescencePairing(scatter: try .concatenating(scs), fluorescence: try .concatenating(fls),
                                                  volume: try simulatedVolume(p), concentrationOptions: co,
                                                  fluorescenceCorrelationModel: fluorescenceModel, options: o)
            score.add(estimate: pairing.window.positiveFraction, lower: pairing.window.positiveFractionLower,
                      upper: pairing.window.positiveFractionUpper, realised: positive / all, errorAgainst: sample)
        }
        print("| \(String(format: "%.4f", bleach)) | \(f3(sample)) | \(score.covered)/\(seedCount) | \(f3(score.rms)) | \(f3(score.worst)) | \(score.within(0.05))/\(seedCount) | \(f3(score.meanHalfWidth)) |")
    }
    print()
}

// MARK: Vesicle-like fraction (intensity classes)

if studies.contains("intensity") {
    let frames = framesOverride ?? 1800
    print("### Vesicle-like fraction in 30–150 nm by intensity class (\(seedCount) seeds from 4000, \(frames) frames, EV-like, one-lag sizes, 100 replicates)")
    print()
    var score = Score()
    let components = SizeMixture.evLike.components
    let sample = (0.55 * (components[0].cumulative(150) - components[0].cumulative(30))
                  + 0.20 * (components[1].cumulative(150) - components[1].cumulative(30)))
        / SizeMixture.evLike.fraction(fromNanometers: 30, toNanometers: 150)
    for s in 0..<seedCount {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = frames
        p.marginMicrometers = 15
        p.seed = UInt64(4000 + s)
        let v = Simulator.run(p)
        var o = ConcentrationOptions()
        o.correlationModel = correlationModel(v)
        let c = try IntensityClassifier.classify(
            videos: [.init(points: try estimatedIntensityPoints(v), rows: v.table.rows, frames: 0..<frames)],
            options: o, replicates: 100)
        score.add(estimate: c.vesicleLikeFractionInWindow, lower: c.vesicleLikeFractionInWindowCI[0],
                  upper: c.vesicleLikeFractionInWindowCI[1], realised: realisedVesicleLikeFraction(v), errorAgainst: sample)
    }
    print("| sample truth | covered | rms error | mean error | worst error | within 0.05 | mean half-width |")
    print("|---|---|---|---|---|---|---|")
    print("| \(f3(sample)) | \(score.covered)/\(seedCount) | \(f3(score.rms)) | \(f3(score.meanError)) | \(f3(score.worst)) | \(score.within(0.05))/\(seedCount) | \(f3(score.meanHalfWidth)) |")
    print()
}

print("(\(String(format: "%.0f", Date().timeIntervalSince(started))) s)")
