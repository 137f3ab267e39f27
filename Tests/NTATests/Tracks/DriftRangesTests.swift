import NTA
@testable import NTATracks
import Testing

/// The drift's per-frame sums are split across cores by ranges of frame pairs; each sum is still taken in
/// track order, so the estimate is the same to the bit however the frames are split (one range is the
/// single pass on one core).
@Suite struct DriftRangesTests {
    @Test("the drift is the same to the bit whatever the number of frame ranges its sums are split into")
    func sameBitsForAnySplit() {
        for (captures, numbering) in [(1, CaptureFrameNumbering.restart), (3, .continuing), (3, .restart)] {
            var p = SimulationParameters(mixture: .monodisperse(150))
            p.seed = 31
            p.frameCount = 1_200
            p.concentrationPerMl = 1e9
            p.driftNanometersPerFrame = [20, -10]
            p.memoryFrames = 2
            p.detectionProbability = 0.9
            p.captureCount = captures
            p.captureFrameNumbering = numbering
            let tracks = TrackGrouping.group(Simulator.run(p).table, nanometersPerPixel: p.nanometersPerPixel,
                                             minTrackLength: 5).tracks
            let one = DriftEstimate.estimate(tracks, smoothingFrames: 15, frameRanges: 1)
            #expect(one.frameCount > 1_000)
            for ranges in [2, 3, 7, 5_000] {
                let split = DriftEstimate.estimate(tracks, smoothingFrames: 15, frameRanges: ranges)
                #expect(split.xNanometers.map(\.bitPattern) == one.xNanometers.map(\.bitPattern), "\(ranges) ranges")
                #expect(split.yNanometers.map(\.bitPattern) == one.yNanometers.map(\.bitPattern), "\(ranges) ranges")
                #expect(split.varianceNm2.map(\.bitPattern) == one.varianceNm2.map(\.bitPattern), "\(ranges) ranges")
                #expect(split.stepCounts == one.stepCounts, "\(ranges) ranges")
            }
            #expect(DriftEstimate.estimate(tracks, smoothingFrames: 15).xNanometers == one.xNanometers)
        }
    }
}
