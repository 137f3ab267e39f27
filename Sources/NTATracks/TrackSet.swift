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
        // One pass over both columns, in chunks on all cores, each chunk in four lanes (independent chains of
        // compare-and-select, so the bounds are not one chain per element). A bound is the least (largest)
        // value however the values are visited (NaNs are never taken); only the sign of a zero bound could
        // depend on the order.
        let rows = xNanometers.count
        guard rows > 0 else { return nil }
        let parts = Parallel.mapChunks(count: rows, minimumChunk: 1 << 16) { range -> (Double, Double, Double, Double) in
            xNanometers.withUnsafeBufferPointer { xs in
                yNanometers.withUnsafeBufferPointer { ys in
                    Self.bounds(xs, ys, range)
                }
            }
        }
        var x0 = Double.infinity, x1 = -Double.infinity, y0 = Double.infinity, y1 = -Double.infinity
        for p in parts { x0 = Swift.min(x0, p.0); x1 = Swift.max(x1, p.1); y0 = Swift.min(y0, p.2); y1 = Swift.max(y1, p.3) }
        guard x1 > x0, y1 > y0 else { return nil }
        return (x0, x1, y0, y1)
    }

    /// The least and largest x and y over `range` of two columns (`if v < least { least = v }`, NaNs never
    /// taken): four values a step in four lanes, then the lanes, then the elements past the last whole step.
    static func bounds(_ xs: UnsafeBufferPointer<Double>, _ ys: UnsafeBufferPointer<Double>,
                       _ range: Range<Int>) -> (Double, Double, Double, Double) {
        var x0 = SIMD4<Double>(repeating: .infinity), x1 = SIMD4<Double>(repeating: -.infinity), y0 = x0, y1 = x1
        var i = range.lowerBound
        if let xBase = xs.baseAddress, let yBase = ys.baseAddress {
            let xr = UnsafeRawPointer(xBase), yr = UnsafeRawPointer(yBase)
            while i + 4 <= range.upperBound {
                let x = xr.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
                let y = yr.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
                x0.replace(with: x, where: x .< x0)
                x1.replace(with: x, where: x .> x1)
                y0.replace(with: y, where: y .< y0)
                y1.replace(with: y, where: y .> y1)
                i += 4
            }
        }
        var a = Double.infinity, b = -Double.infinity, c = Double.infinity, d = -Double.infinity
        for lane in 0..<4 {
            if x0[lane] < a { a = x0[lane] }
            if x1[lane] > b { b = x1[lane] }
            if y0[lane] < c { c = y0[lane] }
            if y1[lane] > d { d = y1[lane] }
        }
        while i < range.upperBound {
            if xs[i] < a { a = xs[i] }
            if xs[i] > b { b = xs[i] }
            if ys[i] < c { c = ys[i] }
            if ys[i] > d { d = ys[i] }
            i += 1
        }
        return (a, b, c, d)
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
