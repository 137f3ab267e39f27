import Foundation
import NTA

/// One configuration of the robustness matrix (issue 8): a simulated sample
/// with every instrument-realism feature on, analysed with the exposure told
/// (in the settings sidecar) or not.
struct MatrixCase: Sendable {
    var name: String
    var exposureTold: Bool
    var isMonodisperse: Bool
    var parameters: @Sendable (UInt64) -> SimulationParameters
    /// Whether the trajectory file has its `mass` column (trackers' exports without one leave the
    /// analysis only the track lengths to tell how detection depth grows with size).
    var writesIntensity = true
}

/// The realism every case shares: ``SimulationParameters/instrumentLike(_:seed:referenceDiameterNanometers:referenceRefractiveIndex:thresholdFraction:sigmaNanometers:framesPerCapture:captures:concentrationPerMl:)``
/// (Gaussian sheet w = 2.5 µm, threshold at a fraction of a reference sphere's peak, photon-limited σ,
/// 3 captures × 300 frames, memory 2), 10¹⁰ particles/mL.
func realistic(
    _ mixture: SizeMixture, seed: UInt64, reference: (diameterNanometers: Double, refractiveIndex: Double),
    thresholdFraction: Double = 0.05
) -> SimulationParameters {
    .instrumentLike(mixture, seed: seed, referenceDiameterNanometers: reference.diameterNanometers,
                    referenceRefractiveIndex: reference.refractiveIndex, thresholdFraction: thresholdFraction)
}

/// The matrix: monodisperse 50–300 nm, σ 15–45 nm, blur none → full frame, drift,
/// 15–37 °C, EV-like mixtures; each with the exposure told and not told.
func matrixCases() -> [MatrixCase] {
    var base: [(String, Bool, @Sendable (UInt64) -> SimulationParameters)] = []
    func mono(_ name: String, _ d: Double, _ change: @escaping @Sendable (inout SimulationParameters) -> Void = { _ in }) {
        base.append((name, true, { seed in
            var p = realistic(.monodisperse(d), seed: seed, reference: (d, 1.59))
            change(&p)
            return p
        }))
    }
    for d in [50.0, 100, 200, 300] { mono("\(Int(d)) nm", d) }
    mono("100 nm, σ 15", 100) { $0.localisationSigmaNanometers = 15 }
    mono("100 nm, σ 45", 100) { $0.localisationSigmaNanometers = 45 }
    mono("100 nm, half-frame blur", 100) { $0.exposureMilliseconds = 0.5 * 1000 / $0.frameRateHz }
    mono("100 nm, full-frame blur", 100) { $0.exposureMilliseconds = 1000 / $0.frameRateHz }
    mono("100 nm, drift 50,−20 nm/frame", 100) { $0.driftNanometersPerFrame = [50, -20] }
    mono("100 nm, 15 °C", 100) { $0.temperatureCelsius = 15 }
    mono("100 nm, 37 °C", 100) { $0.temperatureCelsius = 37 }
    mono("200 nm, full blur + drift + σ 45 + 37 °C", 200) {
        $0.exposureMilliseconds = 1000 / $0.frameRateHz
        $0.driftNanometersPerFrame = [50, -20]
        $0.localisationSigmaNanometers = 45
        $0.temperatureCelsius = 37
    }
    // EV-like: a sensitive camera (threshold at half the mean peak of a 40 nm vesicle, so every
    // population is seen, small vesicles only near the sheet's centre; those below ≈ 36 nm, ≈ 5 % of
    // the sample, never) and a usual one (threshold at 5 % of a 100 nm vesicle: vesicles below
    // ≈ 61 nm are never detected).
    base.append(("EV-like, sensitive camera", false, { seed in
        realistic(.evLike, seed: seed, reference: (40, 1.39), thresholdFraction: 0.5)
    }))
    base.append(("EV-like, sensitive camera, full blur + drift", false, { seed in
        var p = realistic(.evLike, seed: seed, reference: (40, 1.39), thresholdFraction: 0.5)
        p.exposureMilliseconds = 1000 / p.frameRateHz
        p.driftNanometersPerFrame = [50, -20]
        return p
    }))
    base.append(("EV-like, usual camera", false, { seed in
        realistic(.evLike, seed: seed, reference: (100, 1.39))
    }))
    var out: [MatrixCase] = []
    for (name, mono, make) in base {
        for told in [true, false] {
            out.append(MatrixCase(name: name, exposureTold: told, isMonodisperse: mono, parameters: make))
        }
    }
    // The sensitive camera's video written without its intensity column, as many trackers export.
    for told in [true, false] {
        out.append(MatrixCase(name: "EV-like, sensitive camera, no intensity column", exposureTold: told,
                              isMonodisperse: false, parameters: { seed in
            realistic(.evLike, seed: seed, reference: (40, 1.39), thresholdFraction: 0.5)
        }, writesIntensity: false))
    }
    return out + ablationCases()
}

/// Diagnostics, run with `--only ablation`: 100 nm beads and the EV-like sample (sensitive
/// camera), exposure told, with one realism feature turned off at a time, to say which one
/// moves d50 or the fraction. Appended after the matrix so its case indices do not change.
func ablationCases() -> [MatrixCase] {
    typealias Change = @Sendable (inout SimulationParameters) -> Void
    let changes: [(String, Change)] = [
        ("all realism on", { _ in }),
        ("uniform slab, no threshold", { $0.sheetWaistMicrometers = nil; $0.detectionThresholdIntensity = nil }),
        ("constant σ", { $0.sigmaReferenceIntensity = nil; $0.sigmaFloorNanometers = nil }),
        ("one capture of 900 frames", { $0.captureCount = nil; $0.frameCount = 900 }),
        ("memory 0", { $0.memoryFrames = 0 }),
        ("no camera noise", { $0.intensityNoiseLogSD = 0 }),
        ("no camera noise, memory 0", { $0.intensityNoiseLogSD = 0; $0.memoryFrames = 0 }),
        ("all realism off", {
            $0.sheetWaistMicrometers = nil; $0.detectionThresholdIntensity = nil
            $0.sigmaReferenceIntensity = nil; $0.sigmaFloorNanometers = nil
            $0.captureCount = nil; $0.frameCount = 900; $0.memoryFrames = 0
        }),
    ]
    var out: [MatrixCase] = []
    for (label, change) in changes {
        out.append(MatrixCase(name: "ablation: 100 nm, \(label)", exposureTold: true, isMonodisperse: true,
                              parameters: { seed in
            var p = realistic(.monodisperse(100), seed: seed, reference: (100, 1.59))
            change(&p)
            return p
        }))
    }
    for (label, change) in changes {
        out.append(MatrixCase(name: "ablation: EV-like sensitive, \(label)", exposureTold: true, isMonodisperse: false,
                              parameters: { seed in
            var p = realistic(.evLike, seed: seed, reference: (40, 1.39), thresholdFraction: 0.5)
            change(&p)
            return p
        }))
    }
    return out
}
