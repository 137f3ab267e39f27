import Foundation
import Testing
import NTA

@Suite struct FluorescenceSimulationTests {
    static let video: SimulatedVideo = {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 9
        p.frameCount = 300
        p.concentrationPerMl = 1e9
        return Simulator.run(p)
    }()

    /// Only labelled, large-enough, unbleached particles remain; the labelled
    /// share per population matches the requested fractions (binomial tolerance).
    @Test func labellingAndDetectionLimit() throws {
        let v = Self.video
        let l = FluorescenceLabelling(labelledFraction: [1, 0.5, 0], bleachRatePerFrame: 0.01,
                                      minimumDiameterNanometers: 50, seed: 4)
        let f = Simulator.fluorescenceCapture(of: v, labelling: l)
        var particleOfTrack = [Int64: Int]()
        for t in v.tracks { particleOfTrack[t.trackID] = t.particleIndex }
        for r in 0..<f.video.table.count {
            let i = particleOfTrack[f.video.table.particle[r]]!
            #expect(f.labelled[i] && v.particleDiametersNanometers[i] >= 50 && Int(f.video.table.frame[r]) < f.bleachFrame[i])
        }
        #expect(f.video.table.count > 0 && f.video.table.count < v.table.count)
        let comps = v.particleComponents
        for (k, target) in [(0, 1.0), (1, 0.5), (2, 0.0)] {
            let members = comps.indices.filter { comps[$0] == k }
            let share = Double(members.filter { f.labelled[$0] }.count) / Double(members.count)
            #expect(abs(share - target) <= 4 * (target * (1 - target) / Double(members.count)).squareRoot() + 1e-12)
        }
        // Bleaching at 1 %/frame: the fluorescent count in the last 50 frames is about e^{−2.5} of the first 50.
        let early = f.video.particlesInViewPerFrame[0..<50].reduce(0, +), late = f.video.particlesInViewPerFrame[250..<300].reduce(0, +)
        #expect(Double(late) < 0.25 * Double(early))
        // The sample's positive fraction in 30–150 nm, from the EV-like mixture's log-normal CDFs written out:
        // Σ wₖ·labelledₖ·Fₖ / Σ wₖ·Fₖ, Fₖ = Φ(ln(150/mₖ)/ln gₖ) − Φ(ln(30/mₖ)/ln gₖ), labelled 1, 0.5, 0.
        func mass(_ median: Double, _ g: Double) -> Double {
            func cdf(_ d: Double) -> Double { 0.5 * (1 + erf(log(d / median) / (log(g) * 2.0.squareRoot()))) }
            return cdf(150) - cdf(30)
        }
        let (vesicles, small, debris) = (0.55 * mass(100, 1.3), 0.20 * mass(40, 1.2), 0.25 * mass(200, 1.5))
        let expected = (vesicles + 0.5 * small) / (vesicles + small + debris)
        #expect(abs(l.positiveFraction(of: .evLike, fromNanometers: 30, toNanometers: 150) - expected) < 1e-12)
    }

    /// A camera threshold removes dim localisations: small, low-index particles go first.
    @Test func detectionThreshold() {
        let v = Self.video
        let t = Simulator.applyingDetectionThreshold(v, intensity: 20)
        #expect(t.table.intensity!.allSatisfy { $0 >= 20 })
        let small = Set(v.tracks.filter { $0.diameterNanometers < 50 }.map(\.trackID))
        let before = v.table.particle.filter { small.contains($0) }.count
        let after = t.table.particle.filter { small.contains($0) }.count
        #expect(before > 0 && Double(after) < 0.05 * Double(before))
        #expect(Set(t.table.particle).count == t.tracks.count)
    }
}
