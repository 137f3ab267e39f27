import NTA
@testable import NTATracks
import Testing

/// Each track corrected by the drift of the other tracks (``TrackSet/subtractDrift(_:ownSteps:)`` with `.leftOut`):
/// checked against its definition, the drift estimated afresh from every track but that one and subtracted from it.
@Suite struct DriftLeaveOneOutTests {
    /// A drifting video with gaps (tracker memory, missed detections) and several captures numbered on.
    static func tracks(seed: UInt64) -> TrackSet {
        var p = SimulationParameters(mixture: .monodisperse(120))
        p.seed = seed
        p.frameCount = 400
        p.captureCount = 2
        p.captureFrameNumbering = .continuing
        p.concentrationPerMl = 6e8
        p.driftNanometersPerFrame = [12, -7]
        p.memoryFrames = 2
        p.detectionProbability = 0.9
        return TrackGrouping.group(Simulator.run(p).table, nanometersPerPixel: p.nanometersPerPixel,
                                   minTrackLength: 5).tracks
    }

    /// `tracks` without track `t`.
    static func removing(_ t: Int, from tracks: TrackSet) -> TrackSet {
        let lo = tracks.offsets[t], hi = tracks.offsets[t + 1], n = hi - lo
        var offsets = Array(tracks.offsets[0 ... t])
        offsets += tracks.offsets[(t + 2)...].map { $0 - n }
        return TrackSet(particleIDs: Array(tracks.particleIDs[..<t] + tracks.particleIDs[(t + 1)...]), offsets: offsets,
                        frame: Array(tracks.frame[..<lo] + tracks.frame[hi...]),
                        xNanometers: Array(tracks.xNanometers[..<lo] + tracks.xNanometers[hi...]),
                        yNanometers: Array(tracks.yNanometers[..<lo] + tracks.yNanometers[hi...]))
    }

    @Test("each track is corrected by the drift estimated from the others alone", arguments: [1, 15])
    func matchesTheDriftOfTheOthers(smoothingFrames: Int) {
        let tracks = Self.tracks(seed: 41)
        #expect(tracks.trackCount > 40)
        let drift = DriftEstimate.estimate(tracks, smoothingFrames: smoothingFrames)
        let corrected = tracks.subtractingDrift(drift, ownSteps: .leftOut)
        var largestOwnShare = 0.0
        // Every fifth track (the brute force re-estimates the drift once per track).
        for t in stride(from: 0, to: tracks.trackCount, by: 5) {
            let others = DriftEstimate.estimate(Self.removing(t, from: tracks), smoothingFrames: smoothingFrames)
            let lo = tracks.offsets[t], hi = tracks.offsets[t + 1]
            // Positions relative to the track's first row: the two drifts may differ by a constant (their first
            // frames differ when the track holds the video's first frame), which moves no step.
            func relative(_ i: Int, _ x: [Double], _ y: [Double], _ d: DriftEstimate?) -> (Double, Double) {
                let zero: (x: Double, y: Double) = (0, 0)
                let now = d?.drift(atFrame: tracks.frame[i]) ?? zero, first = d?.drift(atFrame: tracks.frame[lo]) ?? zero
                return (x[i] - x[lo] - (now.x - first.x), y[i] - y[lo] - (now.y - first.y))
            }
            for i in lo ..< hi {
                let expected = relative(i, tracks.xNanometers, tracks.yNanometers, others)
                let found = relative(i, corrected.xNanometers, corrected.yNanometers, nil)
                // Sums taken in another order: a few ulps of the cumulative drift (at most ~10⁴ nm here).
                #expect(abs(found.0 - expected.0) < 1e-7, "track \(t), row \(i - lo): x \(found.0) vs \(expected.0)")
                #expect(abs(found.1 - expected.1) < 1e-7, "track \(t), row \(i - lo): y \(found.1) vs \(expected.1)")
                // How far the shared drift is from the others' own (the correction this replaces).
                let shared = relative(i, tracks.xNanometers, tracks.yNanometers, drift)
                largestOwnShare = max(largestOwnShare, abs(shared.0 - expected.0), abs(shared.1 - expected.1))
            }
        }
        // The check can fail: the shared drift, own steps included, differs visibly from the others' drift.
        #expect(largestOwnShare > 1, "largest difference from the shared drift \(largestOwnShare) nm")
    }

    @Test("a track alone in its frames keeps its own motion: the drift of no other step is 0")
    func aloneInItsFrames() {
        // Two tracks in frames that do not overlap, each moving steadily: a drift estimated from both is each one's
        // own motion, which a shared correction would take away; left out, nothing is subtracted within a track.
        let frames: [Int32] = Array(0 ..< 20) + Array(40 ..< 60)
        let x = (0 ..< 40).map { Double($0 % 20) * 30 }, y = (0 ..< 40).map { Double($0 % 20) * -10 }
        let tracks = TrackSet(particleIDs: [1, 2], offsets: [0, 20, 40], frame: frames, xNanometers: x, yNanometers: y)
        let drift = DriftEstimate.estimate(tracks, smoothingFrames: 5)
        #expect(abs(drift.drift(atFrame: 19).x - 19 * 30) < 1e-9, "the shared drift follows the lone track")
        for ownSteps in [DriftEstimate.OwnSteps.leftOut, .balanced] {
        let corrected = tracks.subtractingDrift(drift, ownSteps: ownSteps)
        for i in 0 ..< 40 {
            let first = i < 20 ? 0 : 20
            #expect(corrected.xNanometers[i] - corrected.xNanometers[first] == x[i] - x[first])
            #expect(corrected.yNanometers[i] - corrected.yNanometers[first] == y[i] - y[first])
        }
        }
    }
}

/// The balancing weight of a track's own steps (``DriftEstimate/OwnSteps/balanced``): with no drift to remove, the
/// corrected displacement over many frames keeps the variance of the track's own, where leaving the own steps out
/// adds the others' noise (about 1 + 1/m times it, m others a frame).
@Suite struct DriftBalancingTests {
    @Test("the balancing weight is the root of (1 − c/(c + m))² + m/(c + m)² = 1, ½ for many others, 0 for none")
    func weightSolvesItsEquation() {
        for m in [0.25, 1, 3, 10, 1e3] {
            let c = DriftEstimate.OwnSteps.balanced.weight(othersPerOwnStep: m)
            let variance = (1 - c / (c + m)) * (1 - c / (c + m)) + m / ((c + m) * (c + m))
            #expect(abs(variance - 1) < 1e-12, "m \(m): c \(c), variance ratio \(variance)")
            #expect(c > 0 && c < 0.5)
        }
        #expect(abs(DriftEstimate.OwnSteps.balanced.weight(othersPerOwnStep: 1e6) - 0.5) < 1e-6)
        #expect(DriftEstimate.OwnSteps.balanced.weight(othersPerOwnStep: 0) == 0)
        #expect(DriftEstimate.OwnSteps.leftOut.weight(othersPerOwnStep: 3) == 0)
    }

    @Test("the shift factor is (1 − c)/(count − (1 − c)·own), the weight's own steps taken out of the window's mean")
    func shiftFactorFromWeight() {
        for ownSteps in [DriftEstimate.OwnSteps.leftOut, .balanced] {
            for (count, own) in [(2, 1), (16, 15), (15, 3), (420, 15), (100_000, 7)] {
                let c = ownSteps.weight(othersPerOwnStep: Double(count - own) / Double(own))
                let expected = (1 - c) / (Double(count) - (1 - c) * Double(own))
                let factor = ownSteps.shiftFactor(count: count, own: own)
                #expect(abs(factor / expected - 1) < 1e-13, "\(ownSteps) \(count) \(own): \(factor) vs \(expected)")
            }
        }
    }

    /// Mean over every track's K-frame displacements (single frames apart, K steps with no gap) of
    /// corrected² − raw², x and y, with its standard error (over the tracks, each a unit).
    static func longLagExcess(raw: TrackSet, corrected: TrackSet, lag: Int) -> (mean: Double, standardError: Double, count: Int) {
        var perTrack: [Double] = []
        for t in 0 ..< raw.trackCount {
            let lo = raw.offsets[t], hi = raw.offsets[t + 1]
            var sum = 0.0, n = 0
            var i = lo
            while i + lag < hi {
                if Int(raw.frame[i + lag]) - Int(raw.frame[i]) == lag {
                    let rx = raw.xNanometers[i + lag] - raw.xNanometers[i], ry = raw.yNanometers[i + lag] - raw.yNanometers[i]
                    let cx = corrected.xNanometers[i + lag] - corrected.xNanometers[i]
                    let cy = corrected.yNanometers[i + lag] - corrected.yNanometers[i]
                    sum += (cx * cx + cy * cy - rx * rx - ry * ry) / 2
                    n += 1
                }
                i += lag // disjoint windows
            }
            if n > 0 { perTrack.append(sum / Double(n)) }
        }
        let mean = perTrack.reduce(0, +) / Double(perTrack.count)
        let variance = perTrack.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perTrack.count - 1)
        return (mean, (variance / Double(perTrack.count)).squareRoot(), perTrack.count)
    }

    @Test("no drift, few particles in view: balanced, the long-lag variance is the tracks' own; own steps left out, it grows")
    func longLagVarianceKept() {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 12
        p.frameCount = 6_000
        p.concentrationPerMl = 1e8 // about 4 particles a frame
        p.sheetThicknessMicrometers = 10 // long tracks: many 12-frame windows
        let tracks = TrackGrouping.group(Simulator.run(p).table, nanometersPerPixel: p.nanometersPerPixel,
                                         minTrackLength: 13).tracks
        let drift = DriftEstimate.estimate(tracks, smoothingFrames: 1)
        let perFrame = Double(drift.stepCounts.reduce(0, +)) / Double(drift.stepCounts.filter { $0 > 0 }.count)
        #expect(perFrame > 2 && perFrame < 8, "\(perFrame) particles a frame pair")
        // The tracks' own mean squared 12-frame displacement per axis (no drift was simulated): the scale.
        let own = Self.longLagExcess(raw: TrackSet(particleIDs: tracks.particleIDs, offsets: tracks.offsets,
                                                   frame: tracks.frame, xNanometers: tracks.xNanometers.map { _ in 0 },
                                                   yNanometers: tracks.yNanometers.map { _ in 0 }),
                                     corrected: tracks, lag: 12)
        let balanced = Self.longLagExcess(raw: tracks, corrected: tracks.subtractingDrift(drift, ownSteps: .balanced), lag: 12)
        let leftOut = Self.longLagExcess(raw: tracks, corrected: tracks.subtractingDrift(drift, ownSteps: .leftOut), lag: 12)
        print("12-frame variance \(own.mean) nm² over \(own.count) tracks; excess balanced \(balanced.mean) ± \(balanced.standardError), left out \(leftOut.mean) ± \(leftOut.standardError)")
        #expect(abs(balanced.mean) < 4 * balanced.standardError, "balanced: \(balanced)")
        // Left out, the others' noise adds about 1/m of the variance (m ≈ 3 others): far outside 4 SE.
        #expect(leftOut.mean > 4 * leftOut.standardError && leftOut.mean > 0.1 * own.mean, "left out: \(leftOut)")
    }
}
