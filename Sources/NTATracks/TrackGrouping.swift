import NTACore
import NTARead

/// Groups a ``TrajectoryTable``'s rows into tracks.
///
/// Rows may arrive in any order (trackers usually write them frame by frame); the
/// result does not depend on it. Grouping is O(n): particle ids are mapped to dense
/// indices in ascending id (directly when their range is compact, by hashing
/// otherwise), the rows of tracks long enough to keep are scattered straight
/// into their place in the output by a stable counting sort (in parallel over
/// chunks of rows), and only tracks whose frames are out of order are sorted.
/// A track in which one frame appears twice is ambiguous and is dropped whole
/// (reason ``DropReason/duplicateFrame``).
public enum TrackGrouping {
    /// The longest gap (frames skipped between two localisations of one track) a track may
    /// hold; longer ones drop the track (``DropReason/gapTooLong``). Trackers bridge a few
    /// frames (trackpy's `memory`); 1000 frames is 33 s at 30 fps.
    public static let maximumGapFrames = 1000

    /// Groups `table` into tracks, converting positions to nanometres.
    ///
    /// - Parameters:
    ///   - nanometersPerPixel: needed when the table's positions are in pixels.
    ///   - minTrackLength: tracks with fewer localisations are dropped
    ///     (reason ``DropReason/tooShort``).
    /// - Returns: the tracks kept, in ascending particle id, and the
    ///   tracks dropped by reason.
    public static func group(
        _ table: TrajectoryTable, nanometersPerPixel: Double?, minTrackLength: Int = 2
    ) -> (tracks: TrackSet, totalTracks: Int, dropped: DropTally) {
        let n = table.count
        let scale = table.positionUnit.nanometersPerUnit(pixelSizeNanometers: nanometersPerPixel) ?? .nan
        precondition(!scale.isNaN, "positions in pixels need nanometersPerPixel")

        // 1. Dense track index per row, in ascending particle id.
        let (dense, firstID) = denseIndices(table.particle)
        let trackCount = firstID.count

        // 2. Rows per track in each chunk of rows (chunks run in parallel).
        let chunks = Parallel.chunkCount(n, minimumChunk: 1 << 18)
        var cursors = [Int](repeating: 0, count: chunks * trackCount)
        cursors.withUnsafeMutableBufferPointer { cursorBuffer in
            let cursorBase = UncheckedSendable(cursorBuffer.baseAddress)
            dense.withUnsafeBufferPointer { denseBuffer in
                let d = UncheckedSendable(denseBuffer)
                Parallel.forEach(count: chunks) { k in
                    guard let counts = cursorBase.value.map({ $0 + k * trackCount }) else { return }
                    for i in Parallel.chunk(k, of: chunks, count: n) { counts[Int(d.value[i])] += 1 }
                }
            }
        }

        // 3. Keep tracks that are long enough; turn the counts into each
        //    chunk's output cursor per track (-1: the track is dropped).
        var dropped = DropTally()
        let minimumLength = max(minTrackLength, 1)
        var ids: [Int64] = []
        var offsets = [0]
        var kept = 0
        var tooShort = 0
        cursors.withUnsafeMutableBufferPointer { cursor in
            for t in 0..<trackCount {
                var length = 0
                for k in 0..<chunks { length += cursor[k * trackCount + t] }
                if length < minimumLength {
                    tooShort += 1
                    for k in 0..<chunks { cursor[k * trackCount + t] = -1 }
                    continue
                }
                ids.append(firstID[t])
                var next = kept
                for k in 0..<chunks {
                    let m = cursor[k * trackCount + t]
                    cursor[k * trackCount + t] = next
                    next += m
                }
                kept += length
                offsets.append(kept)
            }
        }
        dropped.add(.tooShort, tooShort)

        // 4. Scatter the kept rows into place (stable: a track's rows keep
        //    their file order), converting positions to nanometres.
        let hasIntensity = table.intensity != nil
        var frame = [Int32](), xs = [Double](), ys = [Double]()
        var intensity: [Double]? = hasIntensity ? [] : nil
        let emptyIntensity: [Double] = []
        cursors.withUnsafeMutableBufferPointer { cursorBuffer in
        dense.withUnsafeBufferPointer { denseBuffer in
        table.frame.withUnsafeBufferPointer { inFrame in
        table.x.withUnsafeBufferPointer { inX in
        table.y.withUnsafeBufferPointer { inY in
        (table.intensity ?? emptyIntensity).withUnsafeBufferPointer { inIntensity in
            let cursorBase = UncheckedSendable(cursorBuffer.baseAddress)
            let source = UncheckedSendable((denseBuffer, inFrame, inX, inY, inIntensity))
            func scatter(_ outFrame: UnsafeMutableBufferPointer<Int32>, _ outX: UnsafeMutableBufferPointer<Double>,
                         _ outY: UnsafeMutableBufferPointer<Double>, _ outI: UnsafeMutableBufferPointer<Double>?) {
                let out = UncheckedSendable((outFrame, outX, outY, outI))
                Parallel.forEach(count: chunks) { k in
                    guard let cursor = cursorBase.value.map({ $0 + k * trackCount }) else { return }
                    let (d, f, x, y, inten) = source.value
                    let (oF, oX, oY, oI) = out.value
                    if let oI {
                        for i in Parallel.chunk(k, of: chunks, count: n) {
                            let t = Int(d[i])
                            let c = cursor[t]
                            if c < 0 { continue }
                            oF[c] = f[i]; oX[c] = x[i] * scale; oY[c] = y[i] * scale; oI[c] = inten[i]
                            cursor[t] = c + 1
                        }
                    } else {
                        for i in Parallel.chunk(k, of: chunks, count: n) {
                            let t = Int(d[i])
                            let c = cursor[t]
                            if c < 0 { continue }
                            oF[c] = f[i]; oX[c] = x[i] * scale; oY[c] = y[i] * scale
                            cursor[t] = c + 1
                        }
                    }
                }
            }
            frame = [Int32](unsafeUninitializedCapacity: kept) { outFrame, frameCount in
                xs = [Double](unsafeUninitializedCapacity: kept) { outX, xCount in
                    ys = [Double](unsafeUninitializedCapacity: kept) { outY, yCount in
                        if hasIntensity {
                            intensity = [Double](unsafeUninitializedCapacity: kept) { outI, iCount in
                                scatter(outFrame, outX, outY, outI)
                                iCount = kept
                            }
                        } else {
                            scatter(outFrame, outX, outY, nil)
                        }
                        yCount = kept
                    }
                    xCount = kept
                }
                frameCount = kept
            }
        }}}}}}

        // 5. Sort the tracks whose frames are out of order; find duplicated frames and gaps too long.
        let keptTracks = ids.count
        let sortChunks = Parallel.chunkCount(keptTracks, minimumChunk: 1 << 14)
        var duplicates: [Int] = [], longGaps: [Int] = []
        offsets.withUnsafeBufferPointer { offsetBuffer in
        frame.withUnsafeMutableBufferPointer { frameBuffer in
        xs.withUnsafeMutableBufferPointer { xBuffer in
        ys.withUnsafeMutableBufferPointer { yBuffer in
            // Take the column out of the optional so that writing it does not copy it.
            var intensityColumn = intensity ?? []
            intensity = nil
            intensityColumn.withUnsafeMutableBufferPointer { iBuffer in
                let columns = UncheckedSendable((offsetBuffer, frameBuffer, xBuffer, yBuffer, iBuffer))
                let found = Parallel.map(count: sortChunks, minimumChunk: 1) { k -> (duplicates: [Int], gaps: [Int]) in
                    let (o, f, x, y, inten) = columns.value
                    var bad: [Int] = [], gaps: [Int] = []
                    for t in Parallel.chunk(k, of: sortChunks, count: keptTracks) {
                        let lower = o[t], upper = o[t + 1]
                        var sorted = true
                        var r = lower + 1
                        while r < upper {
                            if f[r] <= f[r - 1] { sorted = false; break }
                            r += 1
                        }
                        if !sorted, !sortTrack(lower..<upper, f, x, y, hasIntensity ? inten : nil) {
                            bad.append(t)
                            continue
                        }
                        r = lower + 1
                        while r < upper {
                            if Int(f[r]) - Int(f[r - 1]) > maximumGapFrames + 1 { gaps.append(t); break }
                            r += 1
                        }
                    }
                    return (bad, gaps)
                }
                duplicates = found.flatMap { $0.duplicates }
                longGaps = found.flatMap { $0.gaps }
            }
            if hasIntensity { intensity = intensityColumn }
        }}}}

        // 6. Drop the ambiguous tracks and those with impossible gaps (rare): close the holes they leave.
        if !duplicates.isEmpty || !longGaps.isEmpty {
            dropped.add(.duplicateFrame, duplicates.count)
            dropped.add(.gapTooLong, longGaps.count)
            var isDuplicate = [Bool](repeating: false, count: keptTracks)
            for t in duplicates { isDuplicate[t] = true }
            for t in longGaps { isDuplicate[t] = true }
            var newIDs: [Int64] = [], newOffsets = [0]
            var write = 0
            for t in 0..<keptTracks where !isDuplicate[t] {
                let lower = offsets[t], upper = offsets[t + 1]
                if write != lower {
                    for r in lower..<upper {
                        frame[write + r - lower] = frame[r]
                        xs[write + r - lower] = xs[r]
                        ys[write + r - lower] = ys[r]
                        if hasIntensity { intensity![write + r - lower] = intensity![r] }
                    }
                }
                write += upper - lower
                newIDs.append(ids[t])
                newOffsets.append(write)
            }
            frame.removeSubrange(write...)
            xs.removeSubrange(write...)
            ys.removeSubrange(write...)
            if hasIntensity { intensity!.removeSubrange(write...) }
            ids = newIDs
            offsets = newOffsets
        }

        let tracks = TrackSet(particleIDs: ids, offsets: offsets, frame: frame, xNanometers: xs,
                              yNanometers: ys, intensity: intensity)
        return (tracks, trackCount, dropped)
    }

    /// Dense track index of every row, numbering the tracks in ascending particle id (so that
    /// the result never depends on the order of the rows), and the particle id of each index.
    /// O(n + id range) through a slot table when the ids are compact; otherwise the distinct
    /// ids are sorted and each row's index found through a hash map.
    static func denseIndices(_ particle: [Int64]) -> (dense: [Int32], firstID: [Int64]) {
        let n = particle.count
        guard n > 0 else { return ([], []) }
        var ids: [Int64] = []
        let dense = [Int32](unsafeUninitializedCapacity: n) { out, initialized in
            particle.withUnsafeBufferPointer { p in
                // The id range, in chunks on all cores (exact in any order).
                let source = UncheckedSendable(p)
                let ranges = Parallel.mapChunks(count: n, minimumChunk: 1 << 16) { range -> (Int64, Int64) in
                    var lo = Int64.max, hi = Int64.min
                    for i in range { lo = min(lo, source.value[i]); hi = max(hi, source.value[i]) }
                    return (lo, hi)
                }
                let lo = ranges.map(\.0).min()!, hi = ranges.map(\.1).max()!
                let span = hi.subtractingReportingOverflow(lo)
                if !span.overflow, span.partialValue < Int64(max(4 * n, 1 << 16)) {
                    var slots = [Int32](repeating: -1, count: Int(span.partialValue) + 1)
                    slots.withUnsafeMutableBufferPointer { slot in
                        for i in 0..<n { slot[Int(p[i] &- lo)] = 0 }
                        var next: Int32 = 0
                        for s in slot.indices where slot[s] == 0 {
                            slot[s] = next
                            next += 1
                            ids.append(lo &+ Int64(s))
                        }
                        let slots = UncheckedSendable(UnsafeBufferPointer(slot)), target = SendableBuffer(base: out)
                        _ = Parallel.mapChunks(count: n, minimumChunk: 1 << 16) { range in
                            for i in range { target.base[i] = slots.value[Int(source.value[i] &- lo)] }
                        }
                    }
                } else {
                    var map: [Int64: Int32] = [:]
                    map.reserveCapacity(n / 8)
                    for i in 0..<n where map[p[i]] == nil {
                        map[p[i]] = 0
                        ids.append(p[i])
                    }
                    ids.sort()
                    for (k, id) in ids.enumerated() { map[id] = Int32(k) }
                    for i in 0..<n { out[i] = map[p[i]]! }
                }
            }
            initialized = n
        }
        return (dense, ids)
    }

    /// Sorts the rows `range` of the columns by frame, keeping rows with equal
    /// frames in their current order. Returns `false` when a frame appears twice.
    static func sortTrack(
        _ range: Range<Int>, _ frame: UnsafeMutableBufferPointer<Int32>, _ x: UnsafeMutableBufferPointer<Double>,
        _ y: UnsafeMutableBufferPointer<Double>, _ intensity: UnsafeMutableBufferPointer<Double>?
    ) -> Bool {
        let lower = range.lowerBound
        var order = Array(range)
        order.sort { (frame[$0], $0) < (frame[$1], $1) }
        for k in 1..<max(order.count, 1) where frame[order[k]] == frame[order[k - 1]] { return false }
        let f = order.map { frame[$0] }, xs = order.map { x[$0] }, ys = order.map { y[$0] }
        let inten = intensity.map { column in order.map { column[$0] } }
        for k in order.indices {
            frame[lower + k] = f[k]
            x[lower + k] = xs[k]
            y[lower + k] = ys[k]
            if let inten { intensity![lower + k] = inten[k] }
        }
        return true
    }
}
