import NTACore

/// The captures (separately recorded videos) a trajectory file's frames fall into, as its tracks show them.
///
/// A capture's first and last frames cut every track in view there: a visit longer than the capture is seen
/// as a track of at most its length, and one that straddles an end as a shorter piece. Where a file holds
/// several captures numbered on (frame 0…2,999, then 3,000…5,999, …), nothing in the frame numbers marks the
/// joins, but the tracks do: no track crosses from one capture into the next, while within a video many
/// particles are in view from one frame to the next. Where the captures restart their frame numbers, the
/// captures overlap on one frame range, which is then their common length.
///
/// A join is where no track spans two consecutive frames (or frames are missing altogether) while at
/// least ``minimumTracksAtJoin`` tracks end at the frame before it and as many start at the frame after it.
/// A sparse video, in which no particle happens to be in view across a frame now and then, does not show
/// that many tracks ending and starting together; its captures then read as one, and the model of the
/// capture ends falls back to a longer window (the cut they make is then under-corrected, as when they are
/// not modelled at all).
public struct CaptureWindows: Sendable, Hashable {
    /// Each capture's length, frames (its first to its last frame with a track, inclusive), in frame order.
    public var frameCounts: [Int]

    /// The tracks that must end at a join's last frame, and start at its next, for it to count as a join.
    public static let minimumTracksAtJoin = 10

    /// The mean capture length, frames. A track's chance of being cut, and the pieces a cut leaves, are
    /// linear in the capture's length, so captures of several lengths act on the pooled tracks as
    /// one of their mean length (``VisitLengthModel``'s capture ends).
    public var meanFrames: Double {
        Double(frameCounts.reduce(0, +)) / Double(max(frameCounts.count, 1))
    }

    /// The captures of `tracks` (frames within each track increasing), or `nil` without tracks.
    ///
    /// Work and memory follow the number of tracks, not the frame numbers: the tracks' first and last frames
    /// are sorted, and the frame axis is walked over them alone.
    public static func detect(_ tracks: TrackSet) -> CaptureWindows? {
        let count = tracks.trackCount
        guard count > 0 else { return nil }
        // Each track's (first frame, last frame), packed so that sorting the keys orders the spans by their
        // first frames (Int32s offset to order as unsigned).
        var spans = [UInt64](), lasts = [Int32]()
        spans.reserveCapacity(count)
        lasts.reserveCapacity(count)
        @inline(__always) func ordered(_ f: Int32) -> UInt64 { UInt64(UInt32(bitPattern: f) ^ 0x8000_0000) }
        for t in 0..<count {
            let rows = tracks.rows(of: t)
            guard !rows.isEmpty else { continue }
            let first = tracks.frame[rows.lowerBound], last = tracks.frame[rows.upperBound - 1]
            spans.append(ordered(first) << 32 | ordered(last))
            lasts.append(last)
        }
        guard !spans.isEmpty else { return nil }
        spans.sort()
        lasts.sort()
        @inline(__always) func frame(_ bits: UInt64) -> Int { Int(Int32(bitPattern: UInt32(truncatingIfNeeded: bits) ^ 0x8000_0000)) }
        @inline(__always) func firstOf(_ k: Int) -> Int { frame(spans[k] >> 32) }
        @inline(__always) func lastOf(_ k: Int) -> Int { frame(spans[k]) }
        /// How many tracks end at `frame`.
        func ending(at frame: Int) -> Int {
            lasts.partitioningIndex { Int($0) > frame } - lasts.partitioningIndex { Int($0) >= frame }
        }
        var counts: [Int] = []
        var start = firstOf(0), end = lastOf(0)
        for k in 1..<spans.count {
            let first = firstOf(k)
            if first > end {
                // No track spans `end` → `end + 1`. A join when many tracks end there and many start at `first`.
                var starting = 0
                var j = k
                while j < spans.count, firstOf(j) == first, starting < minimumTracksAtJoin { starting += 1; j += 1 }
                if starting >= minimumTracksAtJoin, ending(at: end) >= minimumTracksAtJoin {
                    counts.append(end - start + 1)
                    start = first
                }
            }
            end = max(end, lastOf(k))
        }
        counts.append(end - start + 1)
        return CaptureWindows(frameCounts: counts)
    }
}
