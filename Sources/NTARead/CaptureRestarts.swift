import NTACore

/// Several captures (separately recorded videos) concatenated into one trajectory file with their frame numbers
/// restarting, as `pandas.concat` of per-video trackpy results writes them — found from the rows' order and laid
/// end to end, so that they are analysed as one video of several captures instead of one denser video.
///
/// Read as they stand, such captures overlap on one frame range: every frame holds the particles of all of them
/// (the concentration reads K times too high for K captures), and where the tracker numbered each video's
/// particles from 0, one particle id names K different particles in the same frames (their rows read as
/// duplicate frames and their tracks jump between videos).
///
/// **What marks them.** A frame-sorted export of one video has frame numbers that never decrease from one row to
/// the next, with several rows (particles) per frame. A concatenation of K such exports has K − 1 places where the
/// frame number falls back to the start. So the rows are cut where the frame number decreases, and the pieces
/// are taken as captures when all of these hold: 2 … ``maximumCaptures`` pieces; at least
/// ``minimumSharedFrameShare`` of the rows repeat the previous row's frame (a file sorted by particle, whose
/// frames fall back at every track, has almost none); every piece starts within ``restartSlack`` of the file's
/// span from its first frame, falling back over at least half the previous piece's range; and every piece has
/// frames in at least ``minimumFrameCoverage`` of its own frame range and a range at least
/// ``minimumRelativeRange`` of the longest piece's (a stray row out of order, or a few rows before it, is no
/// capture). Rows in another order (sorted by particle, or shuffled) show no restarts: such a file is read as one
/// capture, whatever its rows' order.
///
/// **Laying them end to end.** Capture k's frames are shifted to follow capture k − 1's last frame, as an
/// instrument numbering on would have written them (``CaptureWindows`` then finds the joins from the tracks).
/// When the captures' particle ids overlap, capture k's ids are shifted by k times the span of the file's ids
/// (or, if that would pass the reader's 9·10¹⁵, numbered in order of first appearance from 0) so that no track
/// joins two videos.
public struct CaptureRestarts: Sendable, Hashable {
    /// One capture's rows and frames as the file has them.
    public struct Capture: Sendable, Hashable {
        /// Its first row in the table (rows of a capture are contiguous).
        public var firstRow: Int
        /// Its first and last frame numbers, as the file numbers them.
        public var firstFrame: Int32
        /// Its last frame number, as the file numbers it.
        public var lastFrame: Int32
    }

    /// How particle ids were made distinct across captures.
    public enum ParticleIDs: Sendable, Hashable {
        /// They were distinct already: unchanged.
        case unchanged
        /// Capture k's ids were shifted by k × this amount.
        case shifted(by: Int64)
        /// Renumbered 0, 1, … in order of first appearance (a shift would have overflowed 64 bits).
        case renumbered

        /// New ids 0, 1, … in order of first appearance, one per (part, id): the same id in two captures or videos
        /// is two particles.
        struct Renumbering {
            private struct Key: Hashable { var part: Int; var id: Int64 }
            private var numbers: [Key: Int64] = [:]

            /// The new id of `id` in part `part`.
            mutating func number(part: Int, id: Int64) -> Int64 {
                let key = Key(part: part, id: id)
                if let number = numbers[key] { return number }
                let number = Int64(numbers.count)
                numbers[key] = number
                return number
            }
        }

        /// The clause a note adds for ids made distinct across `parts` ("capture", "video"): empty when unchanged.
        func noteClause(parts: String) -> String {
            switch self {
            case .unchanged: ""
            case .shifted(let stride):
                "; their particle ids repeat, so \(parts) k's (counting from 0) were shifted by k × \(stride) (track outputs show the shifted ids)"
            case .renumbered:
                "; their particle ids repeat, so the tracks were renumbered 0, 1, … in order of first appearance (track outputs show the new ids)"
            }
        }
    }

    /// The captures, in file order.
    public var captures: [Capture]
    /// Frames added to each capture's frame numbers (0 for the first).
    public var frameOffsets: [Int64]
    /// How the particle ids were made distinct.
    public var particleIDs: ParticleIDs

    /// Most captures one file is taken to hold.
    public static let maximumCaptures = 1000
    /// Share of rows (after the first of each capture) that must repeat the previous row's frame: 0.25, about 1.3
    /// particles a frame in view.
    public static let minimumSharedFrameShare = 0.25
    /// How far into the file's frame span (as a share of it) a capture may start and still count as restarting: 5 %.
    public static let restartSlack = 0.05
    /// Share of a capture's own frame range that must hold rows: 0.5.
    public static let minimumFrameCoverage = 0.5
    /// Share of the longest capture's frame range that every capture's must reach: 0.1 (captures of one sample
    /// may differ in length, but a piece of a few frames is rows out of order, not a recording).
    public static let minimumRelativeRange = 0.1

    /// The captures of `table` whose frame numbers restart, or `nil` when its rows do not show them.
    public static func detect(_ table: TrajectoryTable) -> CaptureRestarts? {
        let n = table.count
        guard n >= 4 else { return nil }
        var starts = [0], shared = 0
        let tooMany = table.frame.withUnsafeBufferPointer { f -> Bool in
            for i in 1..<n {
                if f[i] < f[i - 1] {
                    starts.append(i)
                    if starts.count > maximumCaptures { return true }
                } else if f[i] == f[i - 1] {
                    shared += 1
                }
            }
            return false
        }
        guard !tooMany, starts.count >= 2,
              Double(shared) >= minimumSharedFrameShare * Double(n - starts.count) else { return nil }
        let frame = table.frame
        var captures: [Capture] = []
        for (k, first) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1] : n
            captures.append(Capture(firstRow: first, firstFrame: frame[first], lastFrame: frame[end - 1]))
        }
        let earliest = Int64(captures.map(\.firstFrame).min()!)
        let latest = Int64(captures.map(\.lastFrame).max()!)
        let slack = restartSlack * Double(latest - earliest)
        let longest = captures.map { Int64($0.lastFrame) - Int64($0.firstFrame) + 1 }.max()!
        guard captures.allSatisfy({ Double(Int64($0.lastFrame) - Int64($0.firstFrame) + 1)
                                        >= minimumRelativeRange * Double(longest) }) else { return nil }
        for (k, c) in captures.enumerated() {
            guard Double(Int64(c.firstFrame) - earliest) <= slack else { return nil }
            // A fall back over at least half the previous capture's range: one row a frame or two out of order
            // near the start is not a restart.
            if k > 0 {
                let previous = captures[k - 1]
                let fall = Int64(previous.lastFrame) - Int64(c.firstFrame)
                guard fall > 0, 2 * fall >= Int64(previous.lastFrame) - Int64(previous.firstFrame) else { return nil }
            }
            // Distinct frames of the capture against its range: rows are frame-sorted within it.
            let end = k + 1 < captures.count ? captures[k + 1].firstRow : n
            var distinct = 1
            for i in (c.firstRow + 1)..<max(end, c.firstRow + 1) where frame[i] != frame[i - 1] { distinct += 1 }
            let range = Double(Int64(c.lastFrame) - Int64(c.firstFrame) + 1)
            guard Double(distinct) >= minimumFrameCoverage * range else { return nil }
        }
        // Frames laid end to end: capture k starts on the frame after capture k − 1's last.
        var offsets: [Int64] = [0]
        var laidEnd = Int64(captures[0].lastFrame)
        for c in captures.dropFirst() {
            let offset = laidEnd + 1 - Int64(c.firstFrame)
            offsets.append(offset)
            laidEnd = Int64(c.lastFrame) + offset
        }
        guard laidEnd <= Int64(Int32.max) else { return nil }
        return CaptureRestarts(captures: captures, frameOffsets: offsets,
                               particleIDs: particleIDs(table.particle, captures: captures))
    }

    /// How `ids` must change so that no id names particles of two captures.
    static func particleIDs(_ ids: [Int64], captures: [Capture]) -> ParticleIDs {
        var ranges: [(min: Int64, max: Int64)] = []
        for (k, c) in captures.enumerated() {
            let end = k + 1 < captures.count ? captures[k + 1].firstRow : ids.count
            let piece = ids[c.firstRow..<end]
            ranges.append((piece.min()!, piece.max()!))
        }
        return particleIDs(ranges: ranges)
    }

    /// How ids must change so that no id names particles of two captures whose ids span `ranges` (one per capture,
    /// in order; at least one): unchanged when the ranges are disjoint, else capture k's shifted by k times the
    /// span of all of them, or renumbered when that would pass the reader's 9·10¹⁵.
    static func particleIDs(ranges: [(min: Int64, max: Int64)]) -> ParticleIDs {
        let sorted = ranges.sorted { $0.min < $1.min }
        let overlap = zip(sorted, sorted.dropFirst()).contains { $0.max >= $1.min }
        guard overlap else { return .unchanged }
        let lowest = ranges.map(\.min).min()!, highest = ranges.map(\.max).max()!
        let (span, spanOverflow) = highest.subtractingReportingOverflow(lowest)
        let (stride, strideOverflow) = span.addingReportingOverflow(1)
        let (top, topOverflow) = stride.multipliedReportingOverflow(by: Int64(ranges.count - 1))
        let (shifted, shiftOverflow) = highest.addingReportingOverflow(top)
        // Shifted ids stay within what the reader accepts (|id| < 9·10¹⁵, which reports' doubles hold exactly).
        guard !spanOverflow, !strideOverflow, !topOverflow, !shiftOverflow, shifted < 9_000_000_000_000_000 else {
            return .renumbered
        }
        return .shifted(by: stride)
    }

    /// Lays the captures of `table` end to end (see ``CaptureRestarts``) and returns them, or leaves the table as
    /// it is and returns `nil` when its rows do not show restarting captures.
    public static func layEndToEnd(_ table: inout TrajectoryTable) -> CaptureRestarts? {
        guard let found = detect(table) else { return nil }
        let n = table.count
        for (k, c) in found.captures.enumerated() where k > 0 {
            let end = k + 1 < found.captures.count ? found.captures[k + 1].firstRow : n
            let offset = Int32(found.frameOffsets[k])
            for i in c.firstRow..<end { table.frame[i] += offset }
            if case .shifted(let stride) = found.particleIDs {
                let shift = stride * Int64(k)
                for i in c.firstRow..<end { table.particle[i] += shift }
            }
        }
        if case .renumbered = found.particleIDs {
            var numbers = ParticleIDs.Renumbering()
            var capture = 0
            for i in 0..<n {
                while capture + 1 < found.captures.count && found.captures[capture + 1].firstRow == i { capture += 1 }
                table.particle[i] = numbers.number(part: capture, id: table.particle[i])
            }
        }
        return found
    }

    /// One line for the report: what was found and what was done.
    public var note: String {
        let k = captures.count
        let ranges = Set(captures.map { "\($0.firstFrame)–\($0.lastFrame)" })
        let frames = ranges.count == 1 ? "each numbered \(ranges.first!)" : "each numbered from \(captures.map(\.firstFrame).min()!)"
        var text = "the file holds \(k) captures one after another whose frame numbers restart (\(frames)): they were laid end to end, each capture's frames following the last one's, and analysed as one video of \(k) captures rather than one video \(k) times as dense"
        text += particleIDs.noteClause(parts: "capture")
        return text
    }
}
