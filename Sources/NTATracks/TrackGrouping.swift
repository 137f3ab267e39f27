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

    /// Whether a track's consecutive localisations at frames `a` < `b` skip more than ``maximumGapFrames`` frames.
    @inlinable
    public static func skipsTooMany(from a: Int32, to b: Int32) -> Bool { Int(b) - Int(a) > maximumGapFrames + 1 }

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
        var positions: PositionColumns? = PositionColumns(
            x: table.x, y: table.y, unit: table.positionUnit, nanometersPerPixel: nanometersPerPixel)
        return group(particle: table.particle, frame: table.frame, intensity: table.intensity,
                     positions: &positions, minTrackLength: minTrackLength)
    }

    /// Groups `table` into tracks as ``group(_:nanometersPerPixel:minTrackLength:)`` does, releasing
    /// the table's position columns as soon as each is in place: when the caller gives up the only
    /// reference to the table, its x and y never coexist with all of the tracks' (peak memory one
    /// position column less than the table and the tracks together). Returns the table's rows
    /// without positions beside the tracks.
    public static func groupReleasingPositions(
        _ table: consuming TrajectoryTable, nanometersPerPixel: Double?, minTrackLength: Int = 2
    ) -> (tracks: TrackSet, totalTracks: Int, dropped: DropTally, rows: TrajectoryRows) {
        let rows = table.rows
        var positions: PositionColumns? = PositionColumns(
            x: table.x, y: table.y, unit: table.positionUnit, nanometersPerPixel: nanometersPerPixel)
        table.x = []
        table.y = []
        _ = consume table
        // The columns are now held by `positions` alone: their storage may take scattered columns.
        positions?.ownsStorage = true
        let grouped = group(particle: rows.particle, frame: rows.frame, intensity: rows.intensity,
                            positions: &positions, minTrackLength: minTrackLength)
        return (grouped.tracks, grouped.totalTracks, grouped.dropped, rows)
    }

    /// Groups rows without positions into tracks: the same tracks, ids, frames, intensities and drops
    /// as ``group(_:nanometersPerPixel:minTrackLength:)`` gives for their table, with the position
    /// columns of the result empty (``TrackSet/hasPositions`` is false). For what counts particles or
    /// reads intensities by track.
    public static func group(
        _ rows: TrajectoryRows, minTrackLength: Int = 2
    ) -> (tracks: TrackSet, totalTracks: Int, dropped: DropTally) {
        var none: PositionColumns? = nil
        return group(particle: rows.particle, frame: rows.frame, intensity: rows.intensity,
                     positions: &none, minTrackLength: minTrackLength)
    }

    /// Position columns to group, in the table's unit, with the factor to nanometres. The grouping
    /// empties each column once it is scattered, releasing it when it held the only reference.
    struct PositionColumns {
        var x: [Double]
        var y: [Double]
        var scale: Double
        /// Whether these columns hold the only references to their storage, so that a column already
        /// scattered may be overwritten by the next one instead of being freed while a new one is allocated
        /// (fresh pages cost the kernel's zeroing: ≈ 0.5 ns a byte on the benchmark machine).
        var ownsStorage = false

        /// Positions `x` and `y` in `unit`, with their factor to nanometres, which positions in pixels
        /// need `nanometersPerPixel` for (checked by a precondition: the pipeline resolves it first).
        init(x: [Double], y: [Double], unit: PositionUnit, nanometersPerPixel: Double?) {
            let scale = unit.nanometersPerUnit(pixelSizeNanometers: nanometersPerPixel) ?? .nan
            precondition(!scale.isNaN, "positions in pixels need nanometersPerPixel")
            self.x = x
            self.y = y
            self.scale = scale
        }
    }

    /// The grouping itself: O(n) (see the type's summary). Without `positions`, the result's
    /// position columns are empty.
    static func group(
        particle: [Int64], frame inFrame: [Int32], intensity inIntensity: [Double]?,
        positions: inout PositionColumns?, minTrackLength: Int
    ) -> (tracks: TrackSet, totalTracks: Int, dropped: DropTally) {
        let n = particle.count
        let hasPositions = positions != nil

        // 1. Dense track index per row, in ascending particle id.
        var (dense, firstID) = denseIndices(particle)
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

        // 4. Scatter the kept rows into place, one column at a time (stable: a track's rows keep
        //    their file order), converting positions to nanometres. Each position column is let go
        //    as soon as it is scattered.
        var xs: [Double] = [], ys: [Double] = [], frame: [Int32] = [], intensity: [Double]?
        do {
            let layout = ScatterLayout(dense: &dense, start: &cursors, chunks: chunks, trackCount: trackCount, kept: kept)
            // Each Double column scattered into the storage of the position column scattered before it,
            // when the grouping owns that storage: y into x's, the intensities into y's.
            var spare: [Double] = []
            if var p = positions {
                positions = nil
                let scale = p.scale
                xs = layout.scatter(p.x, times: scale)
                if p.ownsStorage { spare = p.x }
                p.x = []
                ys = layout.scatter(p.y, ScatterLayout.Scaled(scale: scale), reusing: &spare)
                if p.ownsStorage { spare = p.y }
                p.y = []
            }
            frame = layout.scatter(inFrame)
            intensity = inIntensity.map { column in layout.scatter(column, ScatterLayout.Identity(), reusing: &spare) }
            spare = []
        }
        let hasIntensity = intensity != nil

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
                        if !sorted, !sortTrack(lower..<upper, f, hasPositions ? x : nil, hasPositions ? y : nil,
                                               hasIntensity ? inten : nil) {
                            bad.append(t)
                            continue
                        }
                        r = lower + 1
                        while r < upper {
                            if skipsTooMany(from: f[r - 1], to: f[r]) { gaps.append(t); break }
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
                        if hasPositions {
                            xs[write + r - lower] = xs[r]
                            ys[write + r - lower] = ys[r]
                        }
                        if hasIntensity { intensity![write + r - lower] = intensity![r] }
                    }
                }
                write += upper - lower
                newIDs.append(ids[t])
                newOffsets.append(write)
            }
            frame.removeSubrange(write...)
            if hasPositions {
                xs.removeSubrange(write...)
                ys.removeSubrange(write...)
            }
            if hasIntensity { intensity!.removeSubrange(write...) }
            ids = newIDs
            offsets = newOffsets
        }

        let tracks = TrackSet(particleIDs: ids, offsets: offsets, frame: frame, xNanometers: xs,
                              yNanometers: ys, intensity: intensity)
        return (tracks, trackCount, dropped)
    }

    /// What ``ScatterLayout/scatter(_:_:)`` does to each element on the way.
    protocol ScatterTransform: Sendable {
        associatedtype Value: Sendable
        func callAsFunction(_ value: Value) -> Value
    }

    /// Where each row of a table goes in the grouped columns (−1: its track is dropped), found once for
    /// every column from steps 1–3 of the grouping: each chunk of rows, in parallel, takes its tracks' places
    /// in turn from its own cursors (a track's rows keep their file order).
    struct ScatterLayout {
        /// Each row's place: 32-bit (in the dense indices' own storage) while the rows' count allows it.
        enum Places {
            case narrow([Int32])
            case wide([Int])
        }

        let places: Places
        let kept: Int

        /// The layout of the rows whose dense track indices are `dense`, with chunk k's first output row of
        /// track t at `start[k·trackCount + t]` (−1 for a dropped track) over `chunks` chunks of rows
        /// (``Parallel/chunk(_:of:count:)``). Both are used up and left empty: `dense`'s storage holds the places
        /// when they fit in 32 bits, `start`'s are the cursors. `widePlaces` chooses 64-bit places whatever the
        /// count (for tests; `nil`: by the count).
        init(dense: inout [Int32], start: inout [Int], chunks: Int, trackCount: Int, kept: Int, widePlaces: Bool? = nil) {
            self.kept = kept
            let n = dense.count
            if !(widePlaces ?? (n > Int(Int32.max))) {
                var places = dense
                dense = []
                ScatterLayout.fill(&places, cursors: &start, chunks: chunks, trackCount: trackCount)
                self.places = .narrow(places)
            } else {
                var places = [Int](repeating: 0, count: n)
                places.withUnsafeMutableBufferPointer { out in
                    dense.withUnsafeBufferPointer { d in for i in 0..<n { out[i] = Int(d[i]) } }
                }
                dense = []
                ScatterLayout.fill(&places, cursors: &start, chunks: chunks, trackCount: trackCount)
                self.places = .wide(places)
            }
            start = []
        }

        /// Replaces each row's dense track index in `column` by its place: chunk k's rows in order, each taking
        /// its track's next place from the chunk's cursors (`cursors[k·trackCount …]`, advanced), −1 for a dropped track.
        private static func fill<Place: FixedWidthInteger & Sendable>(_ column: inout [Place], cursors: inout [Int],
                                                                     chunks: Int, trackCount: Int) {
            let n = column.count
            cursors.withUnsafeMutableBufferPointer { cursorBuffer in
            column.withUnsafeMutableBufferPointer { columnBuffer in
                let shared = UncheckedSendable((cursorBuffer.baseAddress, columnBuffer))
                Parallel.forEach(count: chunks) { k in
                    let (cursorBase, rows) = shared.value
                    guard let cursor = cursorBase.map({ $0 + k * trackCount }) else { return }
                    for i in Parallel.chunk(k, of: chunks, count: n) {
                        let t = Int(rows[i])
                        let c = cursor[t]
                        rows[i] = Place(truncatingIfNeeded: c)
                        if c >= 0 { cursor[t] = c + 1 }
                    }
                }
            }}
        }

        /// The `kept` rows of `column` in grouped order.
        func scatter<T: Sendable>(_ column: [T]) -> [T] { scatter(column, Identity()) }

        /// The `kept` rows of `column` in grouped order, each multiplied by `scale`.
        func scatter(_ column: [Double], times scale: Double) -> [Double] { scatter(column, Scaled(scale: scale)) }

        /// An element as it is.
        struct Identity<T: Sendable>: ScatterTransform { func callAsFunction(_ value: T) -> T { value } }

        /// An element times a scale (positions to nanometres).
        struct Scaled: ScatterTransform {
            let scale: Double
            func callAsFunction(_ value: Double) -> Double { value * scale }
        }

        /// The `kept` rows of `column` in grouped order (`transform` applied to each), each row written to its
        /// place, in parallel over chunks of rows. The transform is a type, not a
        /// closure, so that each use is specialised and inlined (a closure was called once per row).
        func scatter<Transform: ScatterTransform>(_ column: [Transform.Value], _ transform: Transform) -> [Transform.Value] {
            [Transform.Value](unsafeUninitializedCapacity: kept) { out, initialized in
                ResidentMemory.preferHugePages(out)
                write(column, transform, into: out)
                initialized = kept
            }
        }

        /// The `kept` rows of `column` in grouped order, as ``scatter(_:_:)-(_,Transform)`` gives them, written
        /// over the elements of `storage` (which is left empty) when it holds at least `kept` of them and is
        /// not `column`'s storage: no new allocation, no fresh pages, and the whole pages past the first `kept`
        /// elements leave resident memory. A `storage` too short is let go and the result allocated.
        func scatter<Transform: ScatterTransform>(_ column: [Transform.Value], _ transform: Transform,
                                                  reusing storage: inout [Transform.Value]) -> [Transform.Value] {
            var out = storage
            storage = []
            let distinct = out.withUnsafeBufferPointer { o in column.withUnsafeBufferPointer { o.baseAddress != $0.baseAddress } }
            guard out.count >= kept, distinct else { return scatter(column, transform) }
            out.withUnsafeMutableBufferPointer { buffer in
                write(column, transform, into: buffer)
                // The elements past `kept` (as many as the table's rows the grouping dropped) are no longer part
                // of a column: their whole pages leave resident memory, as a column of `kept` would not hold them.
                if let base = buffer.baseAddress, buffer.count > kept {
                    ResidentMemory.releaseWholePages(UnsafeRawPointer(base + kept),
                                                     byteCount: (buffer.count - kept) * MemoryLayout<Transform.Value>.stride)
                }
            }
            out.removeLast(out.count - kept)
            return out
        }

        /// Writes the `kept` rows of `column` in grouped order into `out`'s first `kept` elements, in
        /// parallel over chunks of rows, each row to its place.
        private func write<Transform: ScatterTransform>(_ column: [Transform.Value], _ transform: Transform,
                                                        into out: UnsafeMutableBufferPointer<Transform.Value>) {
            switch places {
            case .narrow(let places): ScatterLayout.write(column, transform, places: places, into: out)
            case .wide(let places): ScatterLayout.write(column, transform, places: places, into: out)
            }
        }

        private static func write<Transform: ScatterTransform, Place: FixedWidthInteger & Sendable>(
            _ column: [Transform.Value], _ transform: Transform, places: [Place],
            into out: UnsafeMutableBufferPointer<Transform.Value>
        ) {
            let n = places.count
            let chunks = Parallel.chunkCount(n, minimumChunk: 1 << 18)
            places.withUnsafeBufferPointer { placeBuffer in
            column.withUnsafeBufferPointer { source in
                let shared = UncheckedSendable((placeBuffer, source, out))
                Parallel.forEach(count: chunks) { k in
                    let (places, source, out) = shared.value
                    for i in Parallel.chunk(k, of: chunks, count: n) {
                        let c = Int(places[i])
                        if c < 0 { continue }
                        out[c] = transform(source[i])
                    }
                }
            }}
        }
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
            ResidentMemory.preferHugePages(out)
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
                    // Which ids occur: a bit per id of the range, set by chunks of rows on all cores (each its
                    // own bitmap, joined after); then each present id, in ascending order, numbered.
                    let words = (Int(span.partialValue) + 1 + 63) / 64
                    var present = [UInt64](repeating: 0, count: words)
                    for chunkBits in Parallel.mapChunks(count: n, minimumChunk: 1 << 18, { range -> [UInt64] in
                        var bits = [UInt64](repeating: 0, count: words)
                        bits.withUnsafeMutableBufferPointer { bits in
                            for i in range {
                                let s = Int(source.value[i] &- lo)
                                bits[s >> 6] |= 1 << UInt64(s & 63)
                            }
                        }
                        return bits
                    }) {
                        for w in 0..<words { present[w] |= chunkBits[w] }
                    }
                    var slots = [Int32](repeating: -1, count: Int(span.partialValue) + 1)
                    slots.withUnsafeMutableBufferPointer { slot in
                        var next: Int32 = 0
                        for w in 0..<words {
                            var bits = present[w]
                            while bits != 0 {
                                let s = w << 6 | bits.trailingZeroBitCount
                                bits &= bits - 1
                                slot[s] = next
                                next += 1
                                ids.append(lo &+ Int64(s))
                            }
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
        _ range: Range<Int>, _ frame: UnsafeMutableBufferPointer<Int32>, _ x: UnsafeMutableBufferPointer<Double>?,
        _ y: UnsafeMutableBufferPointer<Double>?, _ intensity: UnsafeMutableBufferPointer<Double>?
    ) -> Bool {
        let lower = range.lowerBound
        var order = Array(range)
        order.sort { (frame[$0], $0) < (frame[$1], $1) }
        for k in 1..<max(order.count, 1) where frame[order[k]] == frame[order[k - 1]] { return false }
        for column in [x, y, intensity] {
            guard let column else { continue }
            let values = order.map { column[$0] }
            for k in order.indices { column[lower + k] = values[k] }
        }
        let f = order.map { frame[$0] }
        for k in order.indices { frame[lower + k] = f[k] }
        return true
    }
}
