import Foundation
import Testing
import NTA

/// What a mixture or a flag can ask of the simulator stays bounded: out-of-range mixture values are refused,
/// draws from a wide log-normal are clamped (and the truth records the clamped size), and memory follows the
/// number of particles, not the size of one.
@Suite("Simulation limits: mixture values, drawn diameters, localisation σ")
struct SimulationLimitsTests {
    @Test("out-of-range mixture values are refused, naming what was expected", arguments: [
        ("1e300", "median"), ("1e12", "median"), ("-5", "median"), ("0", "median"), ("nan", "median"),
        ("inf", "median"), ("0.5", "median"), ("10001", "median"), ("100/1e300", "geometric SD"),
        ("100/nan", "geometric SD"), ("100/0.5", "geometric SD"), ("100*-1", "weight"), ("100*inf", "weight"),
        ("100*1e308,200*1e308", "finite total"), ("100@0", "refractive index"), ("100@1e300", "refractive index"),
    ])
    func refused(spec: String, expected: String) {
        do {
            _ = try SizeMixture(parsing: spec)
            Issue.record("\(spec) parsed")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect(error.expected != nil, "\(error)")
        }
    }

    @Test("the limits themselves are accepted; syntax errors keep the syntax message")
    func boundaries() throws {
        let m = try SizeMixture(parsing: "a:1/100*0.5@0.2,b:10000/1*0.5@10")
        #expect(m.components.map(\.medianNanometers) == [1, 10_000])
        #expect(m.components[0].geometricSD == 100)
        #expect(throws: MixtureParseError.self) { try SizeMixture(parsing: "big") }
        do { _ = try SizeMixture(parsing: "big"); Issue.record("parsed") } catch { #expect(error.expected == nil) }
    }

    @Test("draws from a wide log-normal are clamped to the documented diameter range")
    func drawsClamped() throws {
        let mixture = try SizeMixture(parsing: "100/100")
        var rng = SeededGenerator(seed: 2)
        let d = (0..<20_000).map { _ in mixture.sample(using: &rng).diameterNanometers }
        let range = SizeMixture.drawnDiameterRangeNanometers
        // GSD 100 puts ≈ 7 % of the draws beyond 10⁵ nm (1.5 SD) and as many below 0.1 nm.
        #expect(d.min() == range.lowerBound)
        #expect(d.max() == range.upperBound)
        #expect(d.filter { $0 > range.lowerBound && $0 < range.upperBound }.count > 15_000)
    }

    @Test("a wide mixture that drew a metre-sized particle simulates, and its truth records the clamped sizes")
    func wideMixtureSimulates() throws {
        // `simulate --mixture 100/100 --seed 2 --concentration 1e10 --frames 20` once tried to allocate 29.7 GB: the
        // truth's 1-nm histogram reached the largest diameter drawn (≈ 3.7 m).
        var p = SimulationParameters(mixture: try SizeMixture(parsing: "100/100"))
        p.seed = 2
        p.concentrationPerMl = 1e10
        p.frameCount = 20
        let video = Simulator.run(p)
        let range = SizeMixture.drawnDiameterRangeNanometers
        #expect(video.particleDiametersNanometers.max() == range.upperBound)
        #expect(video.tracks.allSatisfy { range.contains($0.diameterNanometers) })
        let truth = SampleTruth(video)
        #expect(truth.size.meanNm.isFinite && truth.size.meanNm <= range.upperBound)
    }

    @Test("a photon-limited σ of a particle that scatters nothing is clamped, so the truth stays finite")
    func sigmaClamped() throws {
        // n = 1.333 in water: K(m) = 0, no scattering, σ_ref·√(I_ref/0) = ∞ without the clamp.
        var p = SimulationParameters(mixture: try SizeMixture(parsing: "100@1.333"))
        p.frameCount = 20
        p.sigmaReferenceIntensity = 1000
        let video = Simulator.run(p)
        let sigmas = try #require(video.localisationSigmaPerRowNanometers)
        #expect(!sigmas.isEmpty)
        #expect(sigmas.allSatisfy { $0 == SimulationParameters.maximumLocalisationSigmaNanometers })
        #expect(video.table.x.allSatisfy { $0.isFinite })
        let scoring = ScoringTruth(video)
        #expect(scoring.localisationVarianceNm2.isFinite)
    }
}

/// `nta-size simulate` on a mixture whose draws reach the clamp (its refusals are `SimulateCommandTests`').
@Suite("nta-size simulate: value limits")
struct SimulateValueLimitsTests {
    @Test("the wide mixture that once asked for 29.7 GB writes its files")
    func wideMixture() throws {
        let dir = ScratchDirectory()
        let r = try CommandLine_.run(["simulate", "-o", dir.file("s").path, "--mixture", "100/100", "--seed", "2",
                                      "--concentration", "1e10", "--frames", "20"])
        #expect(r.status == 0, "\(r.stderr)")
        let truth = try String(contentsOfFile: dir.file("s.truth.csv").path, encoding: .utf8)
        #expect(truth.contains(",100000.000,"))
    }
}
