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
}
