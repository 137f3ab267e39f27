import NTACore

/// Several videos in one trajectory file told apart by a column (`video`, `movie`, …: ``ColumnMapping/VideoColumn``),
/// as `pandas.concat` of per-video trackpy results with a key column writes them — laid end to end, so that they are
/// analysed as one video of several captures, in whatever order the rows come.
///
/// Read as one video, their frames overlap (every frame holds the particles of all of them: the concentration
/// reads K times too high for K videos) and, where each video's particles were numbered from 0, one id names K
/// particles (their rows read as duplicate frames, their tracks jump between videos). So, as for captures whose
/// frame numbers restart (``CaptureRestarts``): the videos in order of first appearance, video k's frames are
/// shifted to follow video k − 1's last frame, and where the videos' particle ids overlap, video k's ids are shifted
/// by k times the span of the file's ids (renumbered in order of first appearance when that would pass the reader's
/// 9·10¹⁵). ``CaptureWindows`` then finds the joins from the tracks.
public struct VideoColumnCaptures: Sendable, Hashable {
    /// The column's header text.
    public var column: String
    /// The videos' names, in order of first appearance.
    public var names: [String]
    /// Each video's first and last frame numbers, as the file numbers them.
    public var frameRanges: [ClosedRange<Int32>]
    /// Frames added to each video's frame numbers (0 for the first).
    public var frameOffsets: [Int64]
    /// How the particle ids were made distinct.
    public var particleIDs: CaptureRestarts.ParticleIDs

    /// Lays the videos of `table` end to end: `videos` holds row i's video, numbered 0 ..< `names.count` in order of
    /// first appearance (at least two, each with a row). Fails, leaving the table as it is, with a warning's text when
    /// the frames laid end to end would pass the reader's limit (2³¹ − 1).
    public static func layEndToEnd(_ table: inout TrajectoryTable, videos: some RandomAccessCollection<Int64>,
                                   names: [String], column: String) -> Result<VideoColumnCaptures, VideoColumnError> {
        let k = names.count, n = table.count
        precondition(k >= 2 && videos.count == n, "one video number per row, and two videos or more: a programmer error")
        var frames: [(min: Int32, max: Int32)] = Array(repeating: (Int32.max, Int32.min), count: k)
        var ids: [(min: Int64, max: Int64)] = Array(repeating: (Int64.max, Int64.min), count: k)
        for (i, number) in videos.enumerated() {
            precondition(number >= 0 && number < k, "a video number below the names' count: a programmer error")
            let v = Int(number)
            frames[v] = (min(frames[v].min, table.frame[i]), max(frames[v].max, table.frame[i]))
            ids[v] = (min(ids[v].min, table.particle[i]), max(ids[v].max, table.particle[i]))
        }
        precondition(frames.allSatisfy { $0.min <= $0.max }, "every video numbered has a row: a programmer error")
        var offsets = [Int64](repeating: 0, count: k)
        for v in 1..<k { offsets[v] = Int64(frames[v - 1].max) + offsets[v - 1] + 1 - Int64(frames[v].min) }
        guard Int64(frames[k - 1].max) + offsets[k - 1] <= Int64(Int32.max) else {
            return .failure(VideoColumnError(message: "the column \"\(column)\" names \(k) videos, whose frames laid end to end would be numbered past \(Int32.max), the most the reader holds: they were taken as one video (give each video its own file and pass the files together, which nta-size pools)"))
        }
        let particleIDs = CaptureRestarts.particleIDs(ranges: ids)
        var renumbered = CaptureRestarts.ParticleIDs.Renumbering()
        for (i, number) in videos.enumerated() {
            let v = Int(number)
            table.frame[i] = Int32(Int64(table.frame[i]) + offsets[v])
            switch particleIDs {
            case .unchanged: break
            case .shifted(let stride): table.particle[i] += stride * Int64(v)
            case .renumbered: table.particle[i] = renumbered.number(part: v, id: table.particle[i])
            }
        }
        return .success(VideoColumnCaptures(column: column, names: names, frameRanges: frames.map { $0.min...$0.max },
                                            frameOffsets: offsets, particleIDs: particleIDs))
    }

    /// One line for the report: what was found and what was done.
    public var note: String {
        let k = names.count
        let shown = names.prefix(5).map { "\"\(InputError.echo($0))\"" }.joined(separator: ", ") + (k > 5 ? ", …" : "")
        return "the column \"\(column)\" names \(k) videos (\(shown)): their frames were laid end to end in order of first appearance, each video's following the last one's, and analysed as one video of \(k) captures"
            + particleIDs.noteClause(parts: "video")
    }
}

/// Why a file's videos could not be laid end to end (a warning's text: the rows are then one video).
public struct VideoColumnError: Error, Sendable, Hashable {
    /// What happened and what was done.
    public var message: String
}
