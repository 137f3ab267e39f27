import NTA
import Testing

/// How the captures in one trajectory file are found from its tracks.
@Suite struct CaptureWindowsTests {
    /// Tracks of `length` frames starting every `every` frames from `first` until `last`, `perStart` at a time,
    /// none running past `last` (so many end at the capture's last frame and start at its first).
    static func capture(first: Int32, last: Int32, length: Int32 = 20, every: Int32 = 2, perStart: Int = 6)
        -> [(first: Int32, last: Int32)] {
        var spans: [(first: Int32, last: Int32)] = []
        var start = first
        while start <= last {
            for _ in 0..<perStart { spans.append((start, min(start + length - 1, last))) }
            start += every
        }
        // A full track at each end: the capture's ends cut every track in view there.
        for _ in 0..<12 { spans.append((first, min(first + length - 1, last))); spans.append((max(last - length + 1, first), last)) }
        return spans
    }

    /// A track set with one two-row track per span (its first and last frame).
    static func tracks(_ spans: [(first: Int32, last: Int32)]) -> TrackSet {
        let frames = spans.flatMap { [$0.first, $0.last] }
        return TrackSet(particleIDs: spans.indices.map(Int64.init), offsets: (0...spans.count).map { 2 * $0 },
                        frame: frames, xNanometers: frames.map { _ in 0 }, yNanometers: frames.map { _ in 0 })
    }

    @Test("captures numbered on in one file are found where no track crosses and many end and start")
    func capturesNumberedOn() throws {
        let spans = Self.capture(first: 0, last: 299) + Self.capture(first: 300, last: 599) + Self.capture(first: 600, last: 749)
        let windows = try #require(CaptureWindows.detect(Self.tracks(spans)))
        #expect(windows.frameCounts == [300, 300, 150])
        #expect(windows.meanFrames == 250)
    }

    @Test("captures that restart their frame numbers share one range")
    func capturesRestarting() throws {
        let spans = Self.capture(first: 0, last: 299) + Self.capture(first: 0, last: 299)
        #expect(try #require(CaptureWindows.detect(Self.tracks(spans))).frameCounts == [300])
    }

    @Test("frames missing between captures: a join too; a sparse video's lulls are not")
    func gapsAndLulls() throws {
        let apart = Self.capture(first: 0, last: 99) + Self.capture(first: 5_000, last: 5_099)
        #expect(try #require(CaptureWindows.detect(Self.tracks(apart))).frameCounts == [100, 100])
        // A sparse video: one particle at a time, so no track spans many a frame boundary, but never 10 ending together.
        let sparse: [(first: Int32, last: Int32)] = (0..<Int32(50)).map { k -> (first: Int32, last: Int32) in
            (first: 10 * k, last: 10 * k + 5)
        }
        #expect(try #require(CaptureWindows.detect(Self.tracks(sparse))).frameCounts == [496])
    }

    @Test("frame numbers far apart cost nothing by their size, and no tracks give no captures")
    func farFramesAndNoTracks() throws {
        let spans = Self.capture(first: -2_000_000_000, last: -1_999_999_900) + Self.capture(first: 2_000_000_000, last: 2_000_000_099)
        #expect(try #require(CaptureWindows.detect(Self.tracks(spans))).frameCounts == [101, 100])
        #expect(CaptureWindows.detect(Self.tracks([])) == nil)
    }
}
