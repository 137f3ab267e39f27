import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// A broad sample whose blur the tracks do not separate from σ, the exposure unknown: the sizes may be biased, and
/// the report says so.
@Suite struct UnidentifiedBlurTests {
    /// 80 and 300 nm particles (half each), 400 tracks of 60 frames at 30 fps, each position the mean of 20 points
    /// over a 30 ms exposure (R ≈ 0.15), σ = 30 nm, and an intensity ∝ d⁶ (as scattering gives) that σ does not
    /// follow: the photon-limited σ² model then takes up the blur's size dependence.
    static func table() -> TrajectoryTable {
        var rng = SeededGenerator(seed: 66)
        let dt = 1 / 30.0, exposure = 0.9 * dt, points = 20, sigma = 30.0, nmPerPixel = 160.0
        var particle: [Int64] = [], frame: [Int32] = [], x: [Double] = [], y: [Double] = [], mass: [Double] = []
        for t in 0..<400 {
            let d = t % 2 == 0 ? 80.0 : 300.0
            let dNm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: d, temperatureCelsius: 22,
                                                       viscosityMillipascalSeconds: 0.9544) * 1e6
            var px = 20_000 + 60_000 * rng.nextUniform(), py = 20_000 + 40_000 * rng.nextUniform()
            for f in 0..<60 {
                var sx = 0.0, sy = 0.0
                for _ in 0..<points {
                    px += rng.nextGaussian() * (2 * dNm2 * exposure / Double(points)).squareRoot()
                    py += rng.nextGaussian() * (2 * dNm2 * exposure / Double(points)).squareRoot()
                    sx += px
                    sy += py
                }
                particle.append(Int64(t))
                frame.append(Int32(f + 60 * (t / 40)))
                x.append((sx / Double(points) + sigma * rng.nextGaussian()) / nmPerPixel)
                y.append((sy / Double(points) + sigma * rng.nextGaussian()) / nmPerPixel)
                mass.append(1e4 * pow(d / 100, 6))
                px += rng.nextGaussian() * (2 * dNm2 * (dt - exposure)).squareRoot()
                py += rng.nextGaussian() * (2 * dNm2 * (dt - exposure)).squareRoot()
            }
        }
        return TrajectoryTable(particle: particle, frame: frame, x: x, y: y, intensity: mass, positionUnit: .pixels)
    }

    static func analysis(exposureMilliseconds: Double?) throws -> VideoAnalysis {
        let t = table()
        let flags = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 160, temperatureCelsius: 22,
                                        exposureMilliseconds: exposureMilliseconds)
        let settings = try ResolvedSettings.resolve(file: "blurred-mix", flags: flags, fromFile: nil, needsPixelSize: true,
                                                    viscosityModel: .iapws, defaultMinTrackLength: 10)
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        return try Analysis.analyze(TrajectoryReadResult(table: t, rowsRead: t.count), settings: settings,
                                    name: "blurred-mix", file: "blurred-mix", options: options)
    }

    @Test("exposure unknown, blur not identified, 80 + 300 nm: warned that the sizes may be biased")
    func warned() throws {
        let a = try Self.analysis(exposureMilliseconds: nil)
        #expect(a.nuisance?.isIdentified == false)
        let found = a.warnings.filter { $0.contains("the sizes may be biased") }
        #expect(found.count == 1, "\(a.warnings)")
    }

    @Test("100 nm ×/÷ 1.2 filmed with blur, exposure unknown: its D90/D10 reads narrower than the truth's, yet its width is resolved: warned")
    func narrowedByBlur() throws {
        var p = SimulationParameters(mixture: SizeMixture([SizeComponent(name: "a", medianNanometers: 100, geometricSD: 1.2)]))
        p.seed = 91
        p.exposureMilliseconds = 30
        let a = try analyzeSimulated(Simulator.run(p), withheldExposureGiven: nil, name: "blurred")
        try #require(a.nuisance?.isIdentified == false)
        let size = try #require(a.deconvolved?.summary)
        #expect(size.d90Nm < 1.5 * size.d10Nm, "the old gate (D90/D10 > 1.5) missed it")
        #expect(a.warnings.contains { $0.contains("the sizes may be biased") }, "\(a.warnings)")
    }

    @Test("the exposure given: R follows from it, no such warning")
    func exposureGiven() throws {
        let a = try Self.analysis(exposureMilliseconds: 30)
        #expect(a.warnings.allSatisfy { !$0.contains("the sizes may be biased") }, "\(a.warnings)")
    }
}
