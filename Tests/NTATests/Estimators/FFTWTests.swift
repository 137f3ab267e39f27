import Foundation
import Testing
import NTA
@testable import NTADiffusion

@Suite("FFTW wrapper")
struct FFTWTests {
    @Test("FFTW's RODFT00 matches the direct DST-I")
    func dstMatchesDirect() {
        var rng = SeededGenerator(seed: 11)
        for n in [1, 2, 5, 24, 25, 97] {
            var input = (0..<n).map { _ in rng.nextGaussian() }
            let direct = DSTScratch.directDST(input)
            var output = [Double](repeating: 0, count: n)
            input.withUnsafeMutableBufferPointer { i in output.withUnsafeMutableBufferPointer { FFTW.dst1(i, into: $0) } }
            for k in 0..<n { #expect(abs(output[k] - direct[k]) < 1e-10 * Double(n)) }
        }
    }

    /// The package's wisdom (scripts/generate-fftw-wisdom.sh) is accepted by this FFTW, and the plans it gives
    /// are the ones FFTW_ESTIMATE finds by searching: the same bits, for lengths with small and large prime
    /// factors in 2(K + 1) (345: 692 = 4·173, the slowest to plan) and at the ends of the range.
    @Test("the package's FFTW wisdom is accepted and gives the searched plans' bits")
    func wisdomGivesTheSearchedPlansBits() {
        #expect(FFTW.wisdomAccepted, "this FFTW rejects the package's wisdom: run scripts/generate-fftw-wisdom.sh")
        var rng = SeededGenerator(seed: 12)
        for n in [25, 26, 97, 345, 709, 1000] {
            var input = (0..<n).map { _ in rng.nextGaussian() }
            var output = [Double](repeating: 0, count: n)
            input.withUnsafeMutableBufferPointer { i in output.withUnsafeMutableBufferPointer { FFTW.dst1(i, into: $0) } }
            #expect(output.map(\.bitPattern) == FFTW.dst1WithoutWisdom(input).map(\.bitPattern), "length \(n)")
        }
    }

    /// Tracks from their frame numbers (positions on a line: only the frames matter here).
    static func tracks(_ frames: [[Int32]]) -> TrackSet {
        var offsets = [0]
        for f in frames { offsets.append(offsets.last! + f.count) }
        let all = frames.flatMap { $0 }
        let x = all.indices.map(Double.init)
        return TrackSet(particleIDs: frames.indices.map(Int64.init), offsets: offsets, frame: all,
                        xNanometers: x, yNanometers: x)
    }

    @Test("the lengths planned ahead are the runs' step counts above the direct transform's limit")
    func transformLengthsAreTheLongRuns() {
        let set = Self.tracks([
            Array(0..<30),                                // one run of 29 steps
            Array(0..<10) + Array(12..<40),               // 9 steps (direct), a gap, then 27
            Array(0..<26) + Array(100..<130),             // 25 steps, then 29 again
            [7],                                          // no step
            Array(50..<75),                               // 24 steps: the direct transform's limit
        ])
        #expect(DSTScratch.directLimit == 24)
        #expect(TrackLikelihood.transformLengths(set) == [25, 27, 29])
        #expect(TrackLikelihood.transformLengths(Self.tracks([])) == [])
    }

    @Test("the lengths planned ahead are those the likelihoods transform, on tracks with random gaps")
    func transformLengthsMatchTheRunsOfEachSample() {
        var rng = SeededGenerator(seed: 5)
        var frames: [[Int32]] = []
        for _ in 0..<2_000 {
            var f: [Int32] = []
            var frame = Int32(rng.nextInt(below: 100))
            for _ in 0..<(1 + rng.nextInt(below: 120)) {
                f.append(frame)
                frame += rng.nextInt(below: 40) == 0 ? Int32(2 + rng.nextInt(below: 3)) : 1
            }
            frames.append(f)
        }
        let set = Self.tracks(frames)
        // Reference: runs of consecutive frames read through the samples the likelihoods load.
        var expected = Set<Int>()
        for t in 0..<set.trackCount {
            set.withSample(of: t) { sample in
                var run = 0
                for i in 1..<max(sample.count, 1) {
                    if Int(sample.frames[i]) - Int(sample.frames[i - 1]) == 1 { run += 1; continue }
                    if run > DSTScratch.directLimit { expected.insert(run) }
                    run = 0
                }
                if run > DSTScratch.directLimit { expected.insert(run) }
            }
        }
        #expect(expected.count > 10)
        #expect(TrackLikelihood.transformLengths(set) == expected.sorted())
        // Planning them ahead returns at once and finishes.
        TrackLikelihood.planTransformsInBackground(for: set).wait()
        TrackLikelihood.planTransformsInBackground(for: Self.tracks([])).wait()
    }
}
