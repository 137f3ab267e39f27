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

extension EdgeTrimTests {
    /// The margin is capped at the step starts' median distance to the nearest edge, found without storing
    /// every distance (a count by leading bits, then the bucket holding it): here the cap binds, and the margin
    /// is the median by sorting, to the bit, for odd and even numbers of step starts and many equal distances.
    @Test("A margin asked too wide is the step starts' median distance to an edge, exactly")
    func marginCappedAtTheExactMedian() throws {
        for (count, positions, seed) in [(300, 30, UInt64(7)), (301, 31, 8), (40, 2, 9)] {
            let set = Simulator.fixedLengthTracks(count: count, positions: positions, diffusionUm2PerS: 4.4,
                                                  frameIntervalSeconds: 1.0 / 30, sigmaNanometers: 30, exposureFraction: 0,
                                                  seed: seed)
            let trim = try #require(EdgeTrim(set, marginMicrometers: 1e6))
            let x0 = set.xNanometers.min()!, x1 = set.xNanometers.max()!
            let y0 = set.yNanometers.min()!, y1 = set.yNanometers.max()!
            var distances: [Double] = []
            for t in 0..<set.trackCount {
                let r = set.rows(of: t)
                for i in r.lowerBound..<(r.upperBound - 1) {
                    distances.append(min(set.xNanometers[i] - x0, x1 - set.xNanometers[i], set.yNanometers[i] - y0,
                                         y1 - set.yNanometers[i]))
                }
            }
            distances.sort()
            #expect(trim.marginNanometers.bitPattern == distances[(distances.count - 1) / 2].bitPattern,
                     "\(count) tracks of \(positions)")
        }
        // Tracks on a grid of whole-nanometre positions: most distances are shared by many step starts.
        var frames: [Int32] = [], x: [Double] = [], y: [Double] = [], offsets = [0]
        for t in 0..<50 {
            for k in 0..<5 {
                frames.append(Int32(k)); x.append(Double((t * 7 + k) % 40) * 100); y.append(Double((t * 3 + 2 * k) % 40) * 100)
            }
            offsets.append(frames.count)
        }
        let grid = TrackSet(particleIDs: (0..<50).map(Int64.init), offsets: offsets, frame: frames, xNanometers: x,
                            yNanometers: y)
        let trim = try #require(EdgeTrim(grid, marginMicrometers: 1e6))
        var distances: [Double] = []
        for t in 0..<50 {
            for i in offsets[t]..<(offsets[t + 1] - 1) { distances.append(min(x[i], 3_900 - x[i], y[i], 3_900 - y[i])) }
        }
        distances.sort()
        #expect(trim.marginNanometers == distances[(distances.count - 1) / 2])
    }

    /// A track that never leaves the margin of the field's left edge keeps, instead of its steps (whose x
    /// components were truncated by the edge: that is how it stayed), its single-frame steps' y components:
    /// c of them count as ⌊c/2⌋ two-dimensional steps. One in a corner keeps all its steps.
    @Test("Edge-hugging tracks: the step components along the edge")
    func edgeHuggingTracksUseTheComponentsAlongTheEdge() throws {
        // Track 0 spans the field (0–100 µm both ways); track 1 hugs the left edge (x ≤ 60 nm) with a gap
        // between its 4th and 5th localisations; track 2 sits in the bottom-left corner; track 3, in the middle,
        // gives most of the step starts (the margin is capped at their median distance to an edge).
        var frames: [Int32] = [0, 1, 2, 3, 0, 1, 2, 3, 5, 6, 0, 1, 2]
        var x: [Double] = [0, 100_000, 0, 100_000, 10, 40, 20, 60, 30, 50, 5, 15, 25]
        var y: [Double] = [0, 100_000, 100_000, 0, 50_000, 50_300, 49_900, 50_400, 50_000, 50_700, 5, 20, 10]
        for k in 0..<30 {
            frames.append(Int32(k))
            x.append(50_000 + 100 * Double(k % 3))
            y.append(50_000 - 100 * Double(k % 5))
        }
        let set = TrackSet(particleIDs: [0, 1, 2, 3], offsets: [0, 4, 10, 13, 43], frame: frames, xNanometers: x,
                           yNanometers: y)
        let trim = try #require(EdgeTrim(set, marginMicrometers: 1))
        #expect(trim.marginNanometers == 1000)
        #expect(trim.proximity[4] == .x && trim.proximity[10] == .both && trim.proximity[13] == EdgeTrim.EdgeProximity.none)
        // Track 1: single-frame steps 1–2, 2–3, 3–4 and 5–6 (4–5 spans a gap): y components 300, −400, 500, 700.
        let edge = trim.moments(of: 1, in: set)
        #expect(edge.steps == 2 && edge.sumGaps == 2)
        let alongEdge: Double = 90_000 + 160_000 + 250_000 + 490_000  // 300², 400², 500², 700²
        #expect(edge.sumSquared2D == alongEdge)
        // Track 2: a corner, so every step of it.
        let corner = trim.moments(of: 2, in: set)
        let allSteps: Double = 325 + 200  // (10² + 15²) + (10² + 10²)
        #expect(corner.steps == 2 && corner.sumSquared2D == allSteps)
    }
}
