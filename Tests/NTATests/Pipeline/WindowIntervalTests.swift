import Testing
import NTA

/// One figure, one interval: the window's number fraction is reported by the size summary and by the count
/// decomposition, and both must give the deconvolution's bootstrap interval.
@Suite("The window fraction's interval")
struct WindowIntervalTests {
    @Test("the count decomposition's fractions use the deconvolution's replicates")
    func sameInterval() throws {
        let (_, _, sample) = try simulatedSample(.evLike, seed: 5, frames: 300, nanoliters: 0.04) {
            $0.bootstrapReplicates = 20
        }
        let b = try #require(sample.bootstrap)
        let inside = try #require(sample.populations.decomposition?.inWindow)
        #expect(inside.fractionLower == b.windowFraction.lower && inside.fractionUpper == b.windowFraction.upper,
                "\(inside.fractionLower)–\(inside.fractionUpper) against \(b.windowFraction.lower)–\(b.windowFraction.upper)")
        // Below and above the window: the percentiles of the same replicates' fractions there.
        let below = b.replicates.map(\.belowWindowFraction).sorted()
        let d = try #require(sample.populations.decomposition)
        #expect(d.belowWindow.fractionLower >= below.first! && d.belowWindow.fractionUpper <= below.last!)
        #expect(d.belowWindow.fractionLower < d.belowWindow.fraction && d.belowWindow.fraction < d.belowWindow.fractionUpper)
        #expect(d.aboveWindow.fractionLower < d.aboveWindow.fraction && d.aboveWindow.fraction < d.aboveWindow.fractionUpper)
    }

    /// Two videos pooled have no bootstrap of the pooled distribution (their intervals are per video): nor, then, do
    /// the decomposition's fractions or classes' concentrations, where a multinomial had held a pool of 79 % and 65 %
    /// to 70.4–73.1 %. The total's interval, from the frame counts, stays.
    @Test("pooled videos: the fractions and classes' concentrations have no interval, as the window has none")
    func pooledNone() throws {
        var options = AnalysisOptions()
        options.detectionVolume = try DetectionVolume(nanoliters: 0.04)
        options.bootstrapReplicates = 10
        let videos = try [5, 6].map { (seed: UInt64) -> LoadedInput in
            var p = SimulationParameters(mixture: .evLike)
            p.seed = seed
            p.frameCount = 300
            return .video(try analyzeSimulated(Simulator.run(p), name: "v\(seed)", options: options))
        }
        let sample = try SampleResult(videos, options: options)
        #expect(sample.bootstrap == nil)
        let d = try #require(sample.populations.decomposition)
        for line in [d.belowWindow, d.inWindow, d.aboveWindow] {
            #expect(line.fractionLower.isNaN && line.fractionUpper.isNaN, "\(line)")
            #expect(line.concentrationLowerPerMl.isNaN && line.concentrationUpperPerMl.isNaN, "\(line)")
            #expect(line.fraction.isFinite && line.concentrationPerMl.isFinite)
        }
        #expect(d.total.concentrationLowerPerMl.isFinite && d.total.concentrationUpperPerMl.isFinite)
    }
}
