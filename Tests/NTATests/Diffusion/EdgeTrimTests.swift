import Foundation
import Testing
import NTA

@Suite("Edge trimming: steps that start near the field's edges")
struct EdgeTrimTests {
    @Test("StepMoments skips steps whose start is not kept, and pairs unless both steps are kept")
    func maskedMoments() {
        let frames: [Int32] = [0, 1, 2, 3, 4, 5]
        let x: [Double] = [0, 1, 3, 6, 10, 15]   // steps 1, 2, 3, 4, 5
        let y: [Double] = [0, 0, 0, 0, 0, 0]
        let inside = [true, false, true, true, false, false]  // keeps steps 0→1, 2→3, 3→4
        let m = frames.withUnsafeBufferPointer { f in x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in
            inside.withUnsafeBufferPointer { StepMoments(TrackSample(frames: f, xNanometers: xs, yNanometers: ys), startsInside: $0) }
        } } }
        #expect(m.steps == 3 && m.unitSteps == 3 && m.sumGaps == 3)
        #expect(m.sumSquared2D == 1 + 9 + 16)
        #expect(m.adjacentPairs == 1 && m.sumProductX == 3 * 4)
        let all = frames.withUnsafeBufferPointer { f in x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in
            StepMoments(TrackSample(frames: f, xNanometers: xs, yNanometers: ys))
        } } }
        #expect(all.steps == 5 && all.adjacentPairs == 4)
    }

    @Test("Automatic margin: kept steps start ≥ m inside the field, the rest do not; ≥ half kept; 0 is off")
    func automaticMargin() throws {
        let set = Simulator.fixedLengthTracks(count: 300, positions: 30, diffusionUm2PerS: 4.4, frameIntervalSeconds: 1.0 / 30,
                                              sigmaNanometers: 30, exposureFraction: 0, seed: 7)
        #expect(EdgeTrim(set, marginMicrometers: 0) == nil)
        let trim = try #require(EdgeTrim(set, marginMicrometers: nil))
        #expect(trim.keptStepFraction >= 0.5 && trim.keptStepFraction < 1)
        // 4 step SDs of the fastest tracks: between 4√(2DΔt) and twice that (noise, percentile), unless capped.
        let sd = (2 * 4.4e6 / 30).squareRoot()
        #expect(trim.marginNanometers <= 8 * sd)
        let x0 = set.xNanometers.min()!, x1 = set.xNanometers.max()!
        let y0 = set.yNanometers.min()!, y1 = set.yNanometers.max()!
        for t in 0..<set.trackCount {
            let r = set.rows(of: t)
            for i in r.lowerBound..<(r.upperBound - 1) {
                let d = min(set.xNanometers[i] - x0, x1 - set.xNanometers[i], set.yNanometers[i] - y0, y1 - set.yNanometers[i])
                #expect(trim.startsInside[i] == (d >= trim.marginNanometers))
            }
            #expect(!trim.startsInside[r.upperBound - 1], "a track's last localisation starts no step")
        }
    }
}
