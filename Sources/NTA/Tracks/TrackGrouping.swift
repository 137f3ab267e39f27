/// Groups a ``TrajectoryTable``'s rows into tracks.
///
/// Rows may arrive in any order (trackers usually write them frame by frame).
/// Grouping is O(n): particle ids are mapped to dense indices (directly when
/// their range is compact, by hashing otherwise), rows are distributed by a
/// stable counting sort, and only tracks whose frames are out of order are
/// sorted. A track in which one frame appears twice is ambiguous and is
/// dropped whole (reason ``DropReason/duplicateFrame``).
public enum TrackGrouping {
    /// Groups `table` into tracks, converting positions to nanometres.
    ///
    /// - Parameters:
    ///   - nanometersPerPixel: needed when the table's positions are in pixels.
    ///   - minTrackLength: tracks with fewer localisations are dropped
    ///     (reason ``DropReason/tooShort``).
    /// - Returns: the tracks kept, in order of first appearance, and the
    ///   tracks dropped by reason.
    public static func group(
        _ table: TrajectoryTable, nanometersPerPixel: Double?, minTrackLength: Int = 2
    ) -> (tracks: TrackSet, totalTracks: Int, dropped: DropTally) {
        let n = table.count
        let scale: Double
        switch table.positionUnit {
        case .pixels: scale = nanometersPerPixel ?? .nan
        case .nanometers: scale = 1
        case .micrometers: scale = 1000
        }
        precondition(!scale.isNaN, "positions in pixels need nanometersPerPixel")

        // 1. Dense index per row.
        var dense = [Int32](repeating: 0, count: n)
        var trackCount = 0
        var firstID: [Int64] = []
        if n > 0 {
            var lo = Int64.max, hi = Int64.min
            for p in table.particle { lo = min(lo, p); hi = max(hi, p) }
            let span = hi.subtractingReportingOverflow(lo)
            if !span.overflow, span.partialValue < Int64(max(4 * n, 1 << 16)) {
                var slot = [Int32](repeating: -1, count: Int(span.partialValue) + 1)
                for i in 0..<n {
                    let s = Int(table.particle[i] - lo)
                    if slot[s] < 0 { slot[s] = Int32(trackCount); trackCount += 1; firstID.append(table.particle[i]) }
                    dense[i] = slot[s]
                }
            } else {
                var map: [Int64: Int32] = [:]
                map.reserveCapacity(n / 8)
                for i in 0..<n {
                    let p = table.particle[i]
                    if let d = map[p] { dense[i] = d } else {
                        map[p] = Int32(trackCount); dense[i] = Int32(trackCount); trackCount += 1; firstID.append(p)
                    }
                }
            }
        }

        // 2. Counting sort of rows by track (stable).
        var starts = [Int](repeating: 0, count: trackCount + 1)
        for d in dense { starts[Int(d) + 1] += 1 }
        for t in 0..<trackCount { starts[t + 1] += starts[t] }
        var cursor = starts
        var order = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let d = Int(dense[i])
            order[cursor[d]] = i
            cursor[d] += 1
        }

        // 3. Keep tracks that are long enough and unambiguous; gather columns.
        var dropped = DropTally()
        var ids: [Int64] = []
        var offsets = [0]
        var frame: [Int32] = [], xs: [Double] = [], ys: [Double] = []
        var inten: [Double]? = table.intensity == nil ? nil : []
        frame.reserveCapacity(n); xs.reserveCapacity(n); ys.reserveCapacity(n); inten?.reserveCapacity(n)
        var rowsOfTrack: [Int] = []
        for t in 0..<trackCount {
            let lower = starts[t], upper = starts[t + 1]
            let length = upper - lower
            if length < max(minTrackLength, 1) { dropped.add(.tooShort); continue }
            rowsOfTrack.removeAll(keepingCapacity: true)
            rowsOfTrack.append(contentsOf: order[lower..<upper])
            var sorted = true
            for k in 1..<max(length, 1) where table.frame[rowsOfTrack[k]] <= table.frame[rowsOfTrack[k - 1]] {
                sorted = false
                break
            }
            if !sorted {
                rowsOfTrack.sort { (table.frame[$0], $0) < (table.frame[$1], $1) }
                var duplicate = false
                for k in 1..<length where table.frame[rowsOfTrack[k]] == table.frame[rowsOfTrack[k - 1]] {
                    duplicate = true
                    break
                }
                if duplicate { dropped.add(.duplicateFrame); continue }
            }
            ids.append(firstID[t])
            for r in rowsOfTrack {
                frame.append(table.frame[r])
                xs.append(table.x[r] * scale)
                ys.append(table.y[r] * scale)
                inten?.append(table.intensity![r])
            }
            offsets.append(frame.count)
        }
        let tracks = TrackSet(particleIDs: ids, offsets: offsets, frame: frame, xNanometers: xs,
                              yNanometers: ys, intensity: inten)
        return (tracks, trackCount, dropped)
    }
}
