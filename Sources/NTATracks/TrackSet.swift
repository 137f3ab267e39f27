import NTACore

/// Localisations grouped into tracks: the rows of each track are contiguous
/// and in frame order, positions converted to nanometres.
///
/// Track `t` occupies rows `offsets[t] ..< offsets[t + 1]` of every column.
/// Frames within a track are strictly increasing but need not be consecutive:
/// a gap (missing frames) is kept as a gap, never stitched as if consecutive.
/// Sets grouped from rows without positions (``TrackGrouping/group(_:minTrackLength:)``) have empty
/// position columns (``hasPositions`` is false): they serve counting and intensities, not sizing.
public struct TrackSet: Sendable {
    /// The tracker's particle id of each track.
    public var particleIDs: [Int64]
    /// Row offsets: `trackCount + 1` entries, the first 0, the last `rowCount`.
    public var offsets: [Int]
    /// Frame index of each row.
    public var frame: [Int32]
    /// x position of each row, nm.
    public var xNanometers: [Double]
    /// y position of each row, nm.
    public var yNanometers: [Double]
    /// Intensity of each row (arbitrary units), when known.
    public var intensity: [Double]?

    /// Tracks from columns; `offsets` must have `particleIDs.count + 1` entries, the last equal to the number of rows
    /// (checked by a precondition).
    public init(particleIDs: [Int64], offsets: [Int], frame: [Int32], xNanometers: [Double],
                yNanometers: [Double], intensity: [Double]? = nil) {
        precondition(offsets.count == particleIDs.count + 1 && offsets.last == frame.count)
        self.particleIDs = particleIDs
        self.offsets = offsets
        self.frame = frame
        self.xNanometers = xNanometers
        self.yNanometers = yNanometers
        self.intensity = intensity
    }

    /// Number of tracks.
    public var trackCount: Int { particleIDs.count }
    /// Number of localisations over all tracks.
    public var rowCount: Int { frame.count }
    /// Whether the set holds positions (every set but those grouped from rows without positions).
    public var hasPositions: Bool { xNanometers.count == frame.count && yNanometers.count == frame.count }

    /// The rows of track `t`.
    @inlinable
    public func rows(of t: Int) -> Range<Int> { offsets[t] ..< offsets[t + 1] }

    /// Number of localisations in track `t`.
    @inlinable
    public func length(of t: Int) -> Int { offsets[t + 1] - offsets[t] }

    /// Number of frames track `t` spans (last − first + 1), gaps included.
    public func frameSpan(of t: Int) -> Int {
        let r = rows(of: t)
        return Int(frame[r.upperBound - 1]) - Int(frame[r.lowerBound]) + 1
    }

    /// The rectangle the localisations span, nm (`nil` without localisations or
    /// when it has no area): the observed field of view.
    public var boundingBoxNanometers: (minX: Double, maxX: Double, minY: Double, maxY: Double)? {
        // One pass over both columns, in chunks on all cores (``ColumnExtremes``: NaNs never taken; a bound is
        // the same in any order but for the sign of a zero).
        let rows = xNanometers.count
        guard rows > 0 else { return nil }
        let parts = Parallel.mapChunks(count: rows, minimumChunk: 1 << 16) { range in
            xNanometers.withUnsafeBufferPointer { xs in
                yNanometers.withUnsafeBufferPointer { ys in ColumnExtremes.bounds(xs, ys, range) }
            }
        }
        var x0 = Double.infinity, x1 = -Double.infinity, y0 = Double.infinity, y1 = -Double.infinity
        for p in parts {
            x0 = Swift.min(x0, p.minX); x1 = Swift.max(x1, p.maxX); y0 = Swift.min(y0, p.minY); y1 = Swift.max(y1, p.maxY)
        }
        guard x1 > x0, y1 > y0 else { return nil }
        return (x0, x1, y0, y1)
    }

    /// A new set with only the tracks whose indices are listed (in that order).
    public func subset(_ tracks: [Int]) -> TrackSet {
        var ids: [Int64] = [], offs = [0], f: [Int32] = [], xs: [Double] = [], ys: [Double] = []
        var inten: [Double]? = intensity == nil ? nil : []
        ids.reserveCapacity(tracks.count)
        offs.reserveCapacity(tracks.count + 1)
        for t in tracks {
            let r = rows(of: t)
            ids.append(particleIDs[t])
            f.append(contentsOf: frame[r])
            xs.append(contentsOf: xNanometers[r])
            ys.append(contentsOf: yNanometers[r])
            inten?.append(contentsOf: intensity![r])
            offs.append(f.count)
        }
        return TrackSet(particleIDs: ids, offsets: offs, frame: f, xNanometers: xs, yNanometers: ys, intensity: inten)
    }
}
