import Testing
import NTA

/// The truth a simulation writes beside its CSV is its particles' own figures, not those of a histogram of them.
@Suite("The sample truth's size figures")
struct SampleTruthTests {
    @Test("a monodisperse sample of 100 nm reads D10 = D50 = D90 = mean = 100 nm and SD 0")
    func monodisperse() {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 20
        let truth = SampleTruth(Simulator.run(p))
        #expect(truth.particleCount > 0)
        #expect(truth.size.d10Nm == 100 && truth.size.d50Nm == 100 && truth.size.d90Nm == 100, "\(truth.size)")
        #expect(truth.size.meanNm == 100 && truth.size.sdNm == 0 && truth.size.modeNm == 100, "\(truth.size)")
    }

    @Test("a broad sample's D50 is the middle particle's diameter (an odd count) or the midpoint of the middle two")
    func broad() {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = 20
        p.seed = 3
        let video = Simulator.run(p)
        let sorted = video.particleDiametersNanometers.sorted()
        let n = sorted.count
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        let truth = SampleTruth(video)
        #expect(abs(truth.size.d50Nm - median) <= 1e-12 * median, "\(truth.size.d50Nm) against \(median) of \(n)")
        #expect(truth.size.d10Nm < truth.size.d50Nm && truth.size.d50Nm < truth.size.d90Nm)
    }
}
