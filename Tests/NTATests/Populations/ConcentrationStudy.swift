import Foundation
import Testing
@testable import NTA

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
                for s in 0..<seeds {
                    var p = SimulationParameters(mixture: mixture)
                    p.seed = UInt64(1000 + s)
                    p.frameCount = frames
                    p.concentrationPerMl = conc
                    p.marginMicrometers = margin
                    if conc < 5e7 { p.fieldWidthPixels = 1280; p.fieldHeightPixels = 960; p.sheetThicknessMicrometers = 10 }
                    let v = Simulator.run(p)
                    let truth = realisedConcentrationPerMl(v) * 10
                    let c = try FrameCounts(v.table, frames: 0..<frames, minTrackLength: 10)
                    var o = ConcentrationOptions()
                    if env["NTA_MODEL"] != nil { o.correlationModel = correlationModel(v) }
                    let e = try ConcentrationEstimate(c, volume: try simulatedVolume(p), dilution: 10, options: o)
                    if e.lowerPerMl <= truth && truth <= e.upperPerMl { covered += 1 }
                    errs.append(e.particlesPerMl / truth - 1)
                    widths.append((e.upperPerMl - e.lowerPerMl) / 2 / truth)
                    taus.append(e.integratedAutocorrelationFrames)
                    perFrame.append(e.meanParticlesPerFrame)
                }
                let rms = (errs.reduce(0) { $0 + $1 * $1 } / Double(errs.count)).squareRoot()
                let maxErr = errs.map(abs).max()!
                print(String(format: "STUDY conc=%.0e mix=%@ frames=%d margin=%.0f n/frame=%.1f tau=%.1f covered=%d/%d rmsErr=%.3f maxErr=%.3f meanHalfWidth=%.3f",
                             conc, mixture.components.count == 1 ? "mono100" : "evLike", frames, margin,
                             perFrame.reduce(0, +) / Double(seeds), taus.reduce(0, +) / Double(seeds), covered, seeds,
                             rms, maxErr, widths.reduce(0, +) / Double(seeds)))
            }
        }
    }
}
