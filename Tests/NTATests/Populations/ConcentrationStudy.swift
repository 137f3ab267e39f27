import Foundation
import Testing
import NTA

/// Coverage study of the concentration interval (run with NTA_STUDY=1, ideally
/// `-c release`): prints one line per configuration.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NTA_STUDY"] != nil))
struct ConcentrationStudy {
    @Test func coverage() throws {
        let env = ProcessInfo.processInfo.environment
        let seeds = Int(env["NTA_SEEDS"] ?? "20") ?? 20
        let frames = Int(env["NTA_FRAMES"] ?? "900") ?? 900
        let margin = Double(env["NTA_MARGIN"] ?? "8") ?? 8
        for conc in (env["NTA_CONC"] ?? "1e7,1e8,1e9").split(separator: ",").map({ Double($0)! }) {
            for mixture in [SizeMixture.monodisperse(100), .evLike] {
                var covered = 0, errs: [Double] = [], widths: [Double] = [], taus: [Double] = [], perFrame: [Double] = []
                let videos = Int(env["NTA_VIDEOS"] ?? "1") ?? 1
                for s in 0..<seeds {
                    var p = SimulationParameters(mixture: mixture)
                    p.frameCount = frames
                    p.concentrationPerMl = conc
                    p.marginMicrometers = margin
                    if conc < 5e7 { p.fieldWidthPixels = 1280; p.fieldHeightPixels = 960; p.sheetThicknessMicrometers = 10 }
                    var parts: [FrameCounts] = [], truth = 0.0
                    var model: CountCorrelationModel?
                    for k in 0..<videos {
                        p.seed = UInt64(1000 + s + 100 * k)
                        let v = Simulator.run(p)
                        truth += realisedConcentrationPerMl(v) * 10 / Double(videos)
                        parts.append(try FrameCounts(v.table, frames: 0..<frames, minTrackLength: 10))
                        model = model ?? correlationModel(v)
                    }
                    let c = try FrameCounts.concatenating(parts)
                    var o = ConcentrationOptions()
                    if env["NTA_MODEL"] != nil { o.correlationModel = model }
                    let e = try ConcentrationEstimate(c, volume: try simulatedVolume(p), dilution: 10, options: o)
                    if e.lowerPerMl <= truth && truth <= e.upperPerMl { covered += 1 }
                    errs.append(e.particlesPerMl / truth - 1)
                    widths.append((e.upperPerMl - e.lowerPerMl) / 2 / truth)
                    taus.append(e.integratedAutocorrelationFrames)
                    perFrame.append(e.meanParticlesPerFrame)
                }
                let rms = (errs.reduce(0) { $0 + $1 * $1 } / Double(errs.count)).squareRoot()
                let maxErr = errs.map(abs).max()!
                print(String(format: "STUDY videos=\(videos) conc=%.0e mix=%@ frames=%d margin=%.0f n/frame=%.1f tau=%.1f covered=%d/%d rmsErr=%.3f maxErr=%.3f meanHalfWidth=%.3f",
                             conc, mixture.components.count == 1 ? "mono100" : "evLike", frames, margin,
                             perFrame.reduce(0, +) / Double(seeds), taus.reduce(0, +) / Double(seeds), covered, seeds,
                             rms, maxErr, widths.reduce(0, +) / Double(seeds)))
            }
        }
    }
}

/// Accuracy and coverage of the marker-positive fraction and of the
/// vesicle-like fraction over seeds (NTA_STUDY=1).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NTA_STUDY"] != nil))
struct PopulationStudy {
    @Test func fluorescence() throws {
        let env = ProcessInfo.processInfo.environment
        let seeds = Int(env["NTA_SEEDS"] ?? "20") ?? 20
        let frames = Int(env["NTA_FRAMES"] ?? "1800") ?? 1800
        for bleach in [0.0, 0.0005] {
            var covered = 0, errs: [Double] = [], widths: [Double] = []
            let labelling = FluorescenceLabelling(labelledFraction: [0.8, 0.5, 0], bleachRatePerFrame: bleach)
            let sample = labelling.positiveFraction(of: .evLike, fromNanometers: 30, toNanometers: 150)
            let videos = Int(env["NTA_VIDEOS"] ?? "1") ?? 1
            let bleaches = (env["NTA_BLEACH"] ?? "0,0.0005").split(separator: ",").map { Double($0)! }
            guard bleaches.contains(bleach) else { continue }
            for s in 0..<seeds {
                var p = SimulationParameters(mixture: .evLike)
                p.frameCount = frames
                p.marginMicrometers = 15
                let o = FluorescenceOptions()
                var scs: [FrameCounts] = [], fls: [FrameCounts] = []
                var scatter: SimulatedVideo! = nil, capture: FluorescenceCapture! = nil
                var positive = 0.0, all = 0.0
                for k in 0..<videos {
                    p.seed = UInt64(2000 + 100 * k + s)
                    scatter = Simulator.run(p)
                    p.seed = UInt64(3000 + 100 * k + s)
                    var l = labelling
                    l.seed = UInt64(s * 10 + k)
                    capture = Simulator.fluorescenceCapture(of: Simulator.run(p), labelling: l)
                    scs.append(try FrameCounts(scatter.table, frames: 0..<frames, diametersByTrack: truthDiameters(scatter),
                                               classEdgesNanometers: o.binEdgesNanometers))
                    fls.append(try FrameCounts(capture.video.table, frames: 0..<frames,
                                               diametersByTrack: truthDiameters(capture.video), classEdgesNanometers: o.binEdgesNanometers))
                    let cap = capture!
                    positive += realisedConcentrationPerMl(cap.video, from: 30, to: 150, where: { cap.labelled[$0] })
                    all += realisedConcentrationPerMl(scatter, from: 30, to: 150)
                }
                let sc = try FrameCounts.concatenating(scs), fl = try FrameCounts.concatenating(fls)
                var co = ConcentrationOptions()
                co.correlationModel = correlationModel(scatter)
                let pairing = try FluorescencePairing(scatter: sc, fluorescence: fl, volume: try simulatedVolume(p),
                                                      concentrationOptions: co,
                                                      fluorescenceCorrelationModel: correlationModel(capture.video), options: o)
                let realised = positive / all
                if pairing.window.positiveFractionLower <= realised && realised <= pairing.window.positiveFractionUpper { covered += 1 }
                errs.append(pairing.window.positiveFraction - sample)
                widths.append((pairing.window.positiveFractionUpper - pairing.window.positiveFractionLower) / 2)
            }
            let rms = (errs.reduce(0) { $0 + $1 * $1 } / Double(errs.count)).squareRoot()
            print(String(format: "STUDY fluorescence videos=\(videos) bleach=%.4f frames=%d truth=%.3f covered=%d/%d rmsErr=%.3f maxErr=%.3f within0.05=%d meanHalfWidth=%.3f",
                         bleach, frames, sample, covered, seeds, rms, errs.map(abs).max()!,
                         errs.filter { abs($0) < 0.05 }.count, widths.reduce(0, +) / Double(seeds)))
        }
    }

    @Test func intensity() throws {
        let env = ProcessInfo.processInfo.environment
        let seeds = Int(env["NTA_SEEDS"] ?? "20") ?? 20
        let frames = Int(env["NTA_FRAMES"] ?? "1800") ?? 1800
        var covered = 0, errs: [Double] = [], widths: [Double] = []
        for s in 0..<seeds {
            var p = SimulationParameters(mixture: .evLike)
            p.frameCount = frames
            p.marginMicrometers = 15
            p.seed = UInt64(4000 + s)
            let v = Simulator.run(p)
            var o = ConcentrationOptions()
            o.correlationModel = correlationModel(v)
            let c = try IntensityClassifier.classify(
                videos: [.init(points: try estimatedIntensityPoints(v), table: v.table, frames: 0..<frames)],
                options: o, replicates: 100)
            let realised = IntensityClassifierTests.truth(v)
            let sample = (0.55 * (SizeMixture.evLike.components[0].cumulative(150) - SizeMixture.evLike.components[0].cumulative(30))
                          + 0.20 * (SizeMixture.evLike.components[1].cumulative(150) - SizeMixture.evLike.components[1].cumulative(30)))
                / SizeMixture.evLike.fraction(fromNanometers: 30, toNanometers: 150)
            if c.vesicleLikeFractionInWindowCI[0] <= realised && realised <= c.vesicleLikeFractionInWindowCI[1] { covered += 1 }
            errs.append(c.vesicleLikeFractionInWindow - sample)
            widths.append((c.vesicleLikeFractionInWindowCI[1] - c.vesicleLikeFractionInWindowCI[0]) / 2)
            if env["NTA_VERBOSE"] != nil {
                print("SEED \(s) est \(c.vesicleLikeFractionInWindow) CI \(c.vesicleLikeFractionInWindowCI) realised \(realised) v \(c.vesicleLike) d \(c.dense) n \(c.tracksInWindow)")
            }
        }
        let rms = (errs.reduce(0) { $0 + $1 * $1 } / Double(errs.count)).squareRoot()
        print(String(format: "STUDY intensity evLike frames=%d covered=%d/%d rmsErr=%.3f maxErr=%.3f within0.05=%d meanHalfWidth=%.3f meanErr=%.3f",
                     frames, covered, seeds, rms, errs.map(abs).max()!, errs.filter { abs($0) < 0.05 }.count,
                     widths.reduce(0, +) / Double(seeds), errs.reduce(0, +) / Double(seeds)))
    }
}
