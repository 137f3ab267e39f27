import CNTAKernels
import Dispatch
import Foundation
import NTACore

/// The result of reading a trajectory file: the rows kept, and what was left out.
public struct TrajectoryReadResult: Sendable {
    /// The localisations read.
    public var table: TrajectoryTable
    /// Number of data rows in the file (kept + dropped).
    public var rowsRead: Int
    /// Rows left out, by reason (e.g. an empty x field).
    public var droppedRows: DropTally
    /// Whether frame numbers are shared by all tracks (one camera frame is one
    /// frame number for every particle). `false` for exports that give each
    /// track's positions only relative to its own start (NanoSight NTA 2.x
    /// `-alltracks.csv`): anything comparing particles in the same frame
    /// (drift, particles per frame, concentration) cannot be computed.
    public var framesSharedAcrossTracks = true
    /// Tracks the reader left out (not in ``table``), each with its reason; they
    /// count among the file's tracks.
    public var droppedTracks: [DroppedTrack] = []
    /// The instrument's own per-track estimates, when the file prints them
    /// (NanoSight `Diffusion Co`/`Particle Size`, `Diffusion coefficient`/`Size`), in file order.
    public var instrumentTracks: [InstrumentTrackEstimate] = []
    /// What the reader noticed that a report must show (e.g. coordinates so large
    /// that doubles lose sub-nanometre precision); one line each.
    public var warnings: [String] = []
    /// Settings the file itself records (e.g. the frame rate a TrackMate table's times give), with
    /// ``recordedSettingsDetail`` naming where; a sidecar's and the flags' values override them.
    public var recordedSettings: AcquisitionSettings?
    /// Where ``recordedSettings`` were read from, for the report's settings.
    public var recordedSettingsDetail: String?
    /// What the reader did that a report should say but that is not a problem (e.g. captures whose frame numbers
    /// restart, laid end to end: ``CaptureRestarts``); one line each.
    public var notes: [String] = []

    /// A read result for trajectories obtained otherwise (e.g. simulated).
    public init(table: TrajectoryTable, rowsRead: Int, droppedRows: DropTally = DropTally()) {
        self.table = table
        self.rowsRead = rowsRead
        self.droppedRows = droppedRows
    }

    /// The reader's dropped tracks, tallied by reason.
    public var droppedTrackTally: DropTally {
        var tally = DropTally()
        for t in droppedTracks { tally.add(t.reason) }
        return tally
    }
}

/// A track a reader left out of its ``TrajectoryReadResult/table``.
public struct DroppedTrack: Sendable, Hashable {
    /// The track's particle id, as the file gives it.
    public var particleID: Int64
    /// Its number of positions (localisations).
    public var localisations: Int
    /// Why it was left out.
    public var reason: DropReason

    /// A track `particleID` of `localisations` positions left out for `reason`.
    package init(particleID: Int64, localisations: Int, reason: DropReason) {
        self.particleID = particleID
        self.localisations = localisations
        self.reason = reason
    }
}

/// One track's diffusion coefficient and size as an instrument printed them.
public struct InstrumentTrackEstimate: Sendable, Hashable {
    /// The track's particle id.
    public var particleID: Int64
    /// The instrument's diffusion coefficient, µm²/s (NaN when not printed).
    public var diffusionUm2PerS: Double
    /// The instrument's Stokes–Einstein diameter, nm (NaN when not printed).
    public var diameterNanometers: Double

    /// Track `particleID`'s printed D (µm²/s) and diameter (nm).
    package init(particleID: Int64, diffusionUm2PerS: Double, diameterNanometers: Double) {
        self.particleID = particleID
        self.diffusionUm2PerS = diffusionUm2PerS
        self.diameterNanometers = diameterNanometers
    }
}

/// Reads delimited trajectory files as particle trackers write them: one row
/// per localisation, with a header row naming the columns.
///
/// By default it reads trackpy's output (`particle,frame,x,y[,mass,…]`,
/// with or without pandas' unnamed index column, in any column order, extra
/// columns ignored). Give a ``ColumnMapping`` for other trackers.
///
/// The file is memory-mapped and parsed from bytes in parallel chunks; no
/// `String` is created per field. Any malformed field stops the read with an
/// ``InputError`` naming file, line and column, as does a row with more fields than the header (empty fields past
/// the header's, a trailing delimiter, are allowed). Rows whose particle, frame,
/// x or y is empty or NaN (pandas' spelling of a missing value) are dropped
/// and counted in ``TrajectoryReadResult/droppedRows``.
public struct TrajectoryCSVReader: Sendable {
    /// Explicit column mapping; `nil` means trackpy's names.
    public var mapping: ColumnMapping?

    /// A reader using `mapping`, or trackpy's column names when `nil`.
    public init(mapping: ColumnMapping? = nil) {
        self.mapping = mapping
    }

    /// Reads the file at `url`. `displayName` is how errors name it (default: the path as given).
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> TrajectoryReadResult {
        let name = displayName ?? url.path
        let (data, isMapped) = try MappedFile.contents(at: url, displayName: name)
        // When the bytes are a read-only mapping of the file, pages already read can be let go.
        var reader = self
        reader.releasesMappedPages = isMapped
        let result = data.withUnsafeBytes { raw in
            Result { () throws(InputError) -> TrajectoryReadResult in try reader.read(bytes: raw, fileName: name) }
        }
        return try result.get()
    }

    /// Reads trajectories from bytes already in memory.
    public func read(bytes: UnsafeRawBufferPointer, fileName: String) throws(InputError) -> TrajectoryReadResult {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw InputError(file: fileName, message: "the file is empty; expected a header row naming the columns")
        }
        let count = bytes.count
        // Old Mac OS text ends lines with a lone CR: read it as LF (same line count, same line numbers).
        if let copy = DelimitedText.normalizingLoneCarriageReturns(base, count: count) {
            var plain = self
            plain.releasesMappedPages = false
            return try Self.readCopy(copy, reader: plain, fileName: fileName)
        }
        var position = 0
        // UTF-8 byte-order mark.
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { position = 3 }
        // Skip blank lines before the header.
        var headerLine = 1
        while position < count, base[position] == 0x0A || base[position] == 0x0D {
            if base[position] == 0x0A { headerLine += 1 }
            position += 1
        }
        guard position < count else {
            throw InputError(file: fileName, message: "the file has no header row; expected one naming the columns")
        }
        let headerEnd = DelimitedText.lineEnd(base, from: position, count: count)
        let delimiter = DelimitedText.detectDelimiter(base, position, headerEnd)
        let header = DelimitedText.splitFields(base, position, headerEnd, delimiter: delimiter)
        var parsedLayout = try ColumnLayout(header: header, mapping: mapping ?? .trackpy, file: fileName,
                                            line: headerLine, explicit: mapping != nil)
        let dataStart = min(headerEnd + 1, count)
        // A `;`-delimited file (a spreadsheet re-save in a European locale) whose rows hold commas writes
        // decimal commas: parse a copy whose data has its commas and points swapped, and swap them back
        // in messages. A point left in such a file is then an error (thousands separator or decimal?).
        if delimiter == 0x3B, !swapsDecimalMarks, dataStart < count,
           memchr(base + dataStart, 0x2C, count - dataStart) != nil {
            var copy = [UInt8](UnsafeBufferPointer(start: base, count: count))
            for k in dataStart..<count {
                if copy[k] == 0x2C { copy[k] = 0x2E } else if copy[k] == 0x2E { copy[k] = 0x2C }
            }
            var swapped = self
            swapped.swapsDecimalMarks = true
            swapped.releasesMappedPages = false
            return try Self.readCopy(copy, reader: swapped, fileName: fileName)
        }
        parsedLayout.swapsDecimalMarks = swapsDecimalMarks
        let layout = parsedLayout

        // Split the data into chunks at line boundaries and parse them in parallel: four per core, taken
        // as cores come free, so that no core is left parsing alone at the end. The chunks' rows join in
        // file order, whatever the split.
        let dataBytes = count - dataStart
        let workers = dataBytes > 1 << 22 ? 4 * Parallel.workerCount : 1
        // A quoted field may hold a newline (pandas writes one so): chunks and pieces cut inside one make a row fail,
        // and then the file is read again cut only at newlines outside quotes (below; not by default: counting the
        // quotes would read every page of a mapped file before the pieces let them go).
        let hasQuotes = quoteAwareCuts
        var bounds = [dataStart]
        for k in 1..<workers {
            var cut = dataStart + dataBytes * k / workers
            cut = hasQuotes ? DelimitedText.rowEnd(base, from: bounds.last!, atOrAfter: max(cut, bounds.last!), count: count)
                : DelimitedText.lineEnd(base, from: max(cut, bounds.last!), count: count)
            bounds.append(min(cut + 1, count))
        }
        bounds.append(count)
        let baseAddress = UInt(bitPattern: base)
        // Each worker's chunk in pieces of about 16 MB (cut after a newline): a mapped file's pages are
        // let go piece by piece once counted and once parsed, so the file is never resident whole.
        let releases = releasesMappedPages
        let pieces: [[Range<Int>]] = (0..<workers).map { k in
            var out: [Range<Int>] = []
            var start = bounds[k]
            while start < bounds[k + 1] {
                var end = min(start + max(pieceBytes, 1), bounds[k + 1])
                if end < bounds[k + 1] {
                    let newline = hasQuotes ? DelimitedText.rowEnd(base, from: start, atOrAfter: end, count: count)
                        : DelimitedText.lineEnd(base, from: end, count: count)
                    end = min(newline + 1, bounds[k + 1])
                }
                out.append(start..<end)
                start = end
            }
            return out
        }

        // Each chunk has at most as many rows as lines: count them, give each
        // chunk its own region of the output columns, parse straight into it,
        // then close the gaps left by blank lines and dropped rows.
        let lineCounts = Parallel.map(count: workers, minimumChunk: 1) { k in
            var lines = 0
            for piece in pieces[k] {
                let base = UnsafePointer<UInt8>(bitPattern: baseAddress)!
                lines += DelimitedText.countLines(base, from: piece.lowerBound, to: piece.upperBound)
                if releases { MappedFile.releasePages(base, from: piece.lowerBound, to: piece.upperBound) }
            }
            return lines
        }
        var regionStarts = [0]
        for k in 0..<workers { regionStarts.append(regionStarts[k] + lineCounts[k]) }
        let capacity = regionStarts[workers]
        let hasIntensity = layout.intensity != nil
        var columnsFrame: [Int32] = [], columnsX: [Double] = [], columnsY: [Double] = []
        var columnsIntensity: [Double] = []

        var results: [ChunkResult] = []
        var kept = 0
        // Each chunk's first row once the chunks are joined (its rows' video numbers are its own).
        var chunkFirstRows: [Int] = []
        // Each row's video, numbered per chunk, when a video column is read.
        let videoNumbers: UnsafeMutablePointer<Int64>? = layout.video == nil ? nil : .allocate(capacity: max(capacity, 1))
        defer { videoNumbers?.deallocate() }
        func parseAll(_ out: OutputColumns) {
            var out = out
            out.video = videoNumbers
            let sendableOut = UncheckedSendable(out)
            let starts = regionStarts
            results = Parallel.map(count: workers, minimumChunk: 1) { k in
                // A chunk's pieces in order, each writing on where the last stopped.
                var total = ChunkResult()
                let base = UnsafePointer<UInt8>(bitPattern: baseAddress)!
                for piece in pieces[k] {
                    let r = parseChunk(base, from: piece.lowerBound, to: piece.upperBound, layout: layout,
                                       delimiter: delimiter, into: sendableOut.value.advanced(by: starts[k] + total.kept),
                                       capacity: lineCounts[k] - total.kept, videos: total.videos)
                    total.videos = r.videos
                    total.rows += r.rows
                    total.kept += r.kept
                    total.dropped.merge(r.dropped)
                    if releases { MappedFile.releasePages(base, from: piece.lowerBound, to: piece.upperBound) }
                    if let failure = r.failure { total.failure = failure; break }
                }
                return total
            }
            for k in 0..<workers {
                let n = results[k].kept
                if kept != regionStarts[k], n > 0 { out.move(from: regionStarts[k], to: kept, count: n) }
                chunkFirstRows.append(kept)
                kept += n
            }
        }
        let particle = [Int64](unsafeUninitializedCapacity: capacity) { particleOut, particleCount in
            let frame = [Int32](unsafeUninitializedCapacity: capacity) { frameOut, frameCount in
                let x = [Double](unsafeUninitializedCapacity: capacity) { xOut, xCount in
                    let y = [Double](unsafeUninitializedCapacity: capacity) { yOut, yCount in
                        // Fresh columns of every row: faulted in 2 MiB at a time where the system allows.
                        ResidentMemory.preferHugePages(particleOut)
                        ResidentMemory.preferHugePages(frameOut)
                        ResidentMemory.preferHugePages(xOut)
                        ResidentMemory.preferHugePages(yOut)
                        if hasIntensity {
                            let intensity = [Double](unsafeUninitializedCapacity: capacity) { iOut, iCount in
                                ResidentMemory.preferHugePages(iOut)
                                parseAll(OutputColumns(particle: particleOut.baseAddress, frame: frameOut.baseAddress,
                                                       x: xOut.baseAddress, y: yOut.baseAddress,
                                                       intensity: iOut.baseAddress))
                                iCount = kept
                            }
                            columnsIntensity = intensity
                        } else {
                            parseAll(OutputColumns(particle: particleOut.baseAddress, frame: frameOut.baseAddress,
                                                   x: xOut.baseAddress, y: yOut.baseAddress, intensity: nil))
                        }
                        yCount = kept
                    }
                    columnsY = y
                    xCount = kept
                }
                columnsX = x
                frameCount = kept
            }
            columnsFrame = frame
            particleCount = kept
        }

        var dropped = DropTally()
        var rows = 0
        for k in 0..<workers {
            let chunk = results[k]
            if let failure = chunk.failure {
                if !quoteAwareCuts, pieces.count > 1 || pieces[0].count > 1,
                   memchr(base + dataStart, 0x22, count - dataStart) != nil {
                    var aware = self
                    aware.quoteAwareCuts = true
                    return try aware.read(bytes: bytes, fileName: fileName)
                }
                let line = headerLine + 1 + DelimitedText.countNewlines(base, from: dataStart, to: failure.rowStart)
                throw InputError(file: fileName, line: line, column: failure.column, message: failure.message)
            }
            dropped.merge(chunk.dropped)
            rows += chunk.rows
        }
        var table = TrajectoryTable(particle: particle, frame: columnsFrame, x: columnsX, y: columnsY,
                                    intensity: hasIntensity ? columnsIntensity : nil,
                                    positionUnit: layout.positionUnit)
        let largest = table.largestCoordinateMagnitude
        if largest > Self.largestPositionMagnitude {
            throw positionBeyondLimit(base, from: dataStart, count: count, headerLine: headerLine, delimiter: delimiter,
                                      layout: layout, fileName: fileName)
        }
        var videoWarnings: [String] = []
        var videos: VideoColumnCaptures?
        if let videoNumbers, let field = layout.video {
            // The chunks' names joined in file order (so numbered in order of first appearance in the file), and each
            // row's number made the file's.
            var names = VideoNames()
            var overflowed = false
            for k in 0..<workers {
                overflowed = overflowed || results[k].videos.overflowed
                let global = results[k].videos.names.map { names.number(of: $0) }
                let end = k + 1 < workers ? chunkFirstRows[k + 1] : kept
                for i in chunkFirstRows[k]..<end where videoNumbers[i] >= 0 { videoNumbers[i] = Int64(global[Int(videoNumbers[i])]) }
            }
            if overflowed || names.overflowed {
                videoWarnings.append("the column \"\(layout.names[field])\" (column \(field + 1)) has more than \(CaptureRestarts.maximumCaptures) different values, too many for videos of one sample: it was not read as each row's video, and the file's rows were taken as one video (name the right column with --columns video=…, or --columns video=none)")
            } else if names.names.count >= 2 {
                let numbers = UnsafeBufferPointer(start: videoNumbers, count: kept)
                let labels = names.names.map { String(decoding: $0, as: UTF8.self) }
                switch VideoColumnCaptures.layEndToEnd(&table, videos: numbers, names: labels, column: layout.names[field]) {
                case .success(let laid): videos = laid
                case .failure(let error): videoWarnings.append(error.message)
                }
            }
        }
        // Captures concatenated with their frame numbers restarting: laid end to end (unless a video column did).
        let restarts = videos == nil ? CaptureRestarts.layEndToEnd(&table) : nil
        var result = TrajectoryReadResult(table: table, rowsRead: rows, droppedRows: dropped)
        if let restarts { result.notes.append(restarts.note) }
        if let videos { result.notes.append(videos.note) }
        result.warnings.append(contentsOf: videoWarnings)
        result.warnings.append(contentsOf: layout.duplicateNameWarnings)
        if let note = layout.captureColumnNote { result.notes.append(note) }
        if let warning = Self.precisionWarning(largest: largest, unit: table.positionUnit) { result.warnings.append(warning) }
        return result
    }

    /// The largest |x| or |y| a trajectory file may hold, in its own unit: a pixel is at most 10⁶ nm
    /// (``SettingLimit/nanometersPerPixel``) and a micrometre 10³, so no accepted position overflows a double
    /// (≈ 1.8·10³⁰⁸) on conversion to nanometres. No sample is anywhere near it (10³⁰⁰ nm).
    public static let largestPositionMagnitude = 1e300

    /// What a position beyond ``largestPositionMagnitude`` in `column` (its text `found`, echoed) is told.
    static func positionBeyondLimitMessage(column: String, found: String) -> String {
        "expected a position of magnitude at most 1e300 in column \"\(column)\" (no sample is larger; beyond it, nanometres can overflow a double), found \"\(found)\""
    }

    /// The error for the first row whose |x| or |y| exceeds ``largestPositionMagnitude``, at its line and field,
    /// the rows read again from the bytes (only on this error path; quoted fields as the general parser reads them).
    private func positionBeyondLimit(
        _ base: UnsafePointer<UInt8>, from dataStart: Int, count: Int, headerLine: Int, delimiter: UInt8,
        layout: ColumnLayout, fileName: String
    ) -> InputError {
        var position = dataStart
        while position < count {
            let rowStart = position
            var row = RowValues()
            switch generalRow(base, from: rowStart, to: count, delimiter: delimiter, layout: layout, into: &row) {
            case .success(let next): position = max(next, rowStart + 1)
            case .failure: position = DelimitedText.lineEnd(base, from: rowStart, count: count) + 1; continue
            }
            for (value, field) in [(row.x, layout.x), (row.y, layout.y)] where abs(value) > Self.largestPositionMagnitude {
                let line = headerLine + 1 + DelimitedText.countNewlines(base, from: dataStart, to: rowStart)
                let fields = DelimitedText.splitFields(base, rowStart, DelimitedText.lineEnd(base, from: rowStart, count: count),
                                                       delimiter: delimiter)
                let found = field < fields.count ? InputError.echo(fields[field]) : "\(value)"
                return InputError(file: fileName, line: line, column: field + 1,
                                  message: Self.positionBeyondLimitMessage(column: layout.names[field], found: found))
            }
        }
        return InputError(file: fileName, message: "expected positions of magnitude at most 1e300, found a larger one")
    }

    /// Whether the data rows had their decimal commas and points swapped (see ``read(bytes:fileName:)``).
    private var swapsDecimalMarks = false
    /// Whether the bytes are a read-only mapping of the file whose pages may be let go once read
    /// (never for bytes in memory: letting go of those would zero them).
    private var releasesMappedPages = false
    /// Whether chunks and pieces are cut only at newlines outside double quotes (after a failure in a file with quotes).
    private var quoteAwareCuts = false
    /// Bytes per piece of a chunk (cut after a newline): counted, parsed and let go one at a time.
    var pieceBytes = 1 << 24

    private static func readCopy(
        _ copy: [UInt8], reader: TrajectoryCSVReader, fileName: String
    ) throws(InputError) -> TrajectoryReadResult {
        let result = copy.withUnsafeBytes { raw in
            Result { () throws(InputError) -> TrajectoryReadResult in try reader.read(bytes: raw, fileName: fileName) }
        }
        return try result.get()
    }

    /// Magnitude of a coordinate (in nm) beyond which doubles are spaced more
    /// than ~1e-4 nm apart (the spacing at 2⁴⁰ nm ≈ 1.1e12 nm is 2⁻¹² ≈ 2.4e-4 nm):
    /// steps computed there lose sub-nanometre precision.
    public static let precisionLimitNanometers = 1e12

    /// A warning when the table's largest |x| or |y| reaches ``precisionLimitNanometers``,
    /// else `nil`. The reader does not know the pixel size: a pixel is taken as 100 nm,
    /// below the 160–720 nm of NTA cameras' pixels in the sample plane, so the warning
    /// comes early rather than late.
    public static func precisionWarning(_ table: TrajectoryTable) -> String? {
        precisionWarning(largest: table.largestCoordinateMagnitude, unit: table.positionUnit)
    }

    /// ``precisionWarning(_:)`` for a table whose largest |x| or |y| is `largest`, in `unit`.
    static func precisionWarning(largest: Double, unit: PositionUnit) -> String? {
        // Pixels: judged at a typical 100 nm pixel (the pixel size is not known while reading).
        let nanometresPerUnit = unit.nanometersPerUnit(pixelSizeNanometers: 100) ?? 100
        guard largest * nanometresPerUnit >= precisionLimitNanometers else { return nil }
        let spacing = largest.ulp
        return "coordinates reach \(largest) \(unit.rawValue): at that magnitude doubles are \(spacing) \(unit.rawValue) apart, so steps lose precision (subtract an offset from the positions before export)"
    }

    private struct Failure: Error, Sendable {
        var rowStart: Int
        var column: Int
        var message: String
    }

    private struct ChunkResult: Sendable {
        /// Rows parsed (kept + dropped).
        var rows = 0
        /// Rows written to the output columns.
        var kept = 0
        var dropped = DropTally()
        var failure: Failure?
        /// The video names of its rows, in order of first appearance (their indices are the chunk's video column's).
        var videos = VideoNames()
    }

    /// Video names (a ``ColumnLayout/video`` column's fields, as bytes) numbered 0, 1, … in order of first
    /// appearance; at most ``CaptureRestarts/maximumCaptures`` + 1 kept, so that a column of a different name on every
    /// row (no video column) costs no memory beyond that.
    struct VideoNames: Sendable {
        private(set) var names: [[UInt8]] = []
        private var index: [[UInt8]: Int32] = [:]
        /// Whether more names than ``CaptureRestarts/maximumCaptures`` were met (the rest not numbered).
        var overflowed: Bool { names.count > CaptureRestarts.maximumCaptures }

        /// The number of `name`, given one if it is new (−1 once the names have overflowed).
        mutating func number(of name: [UInt8]) -> Int32 {
            if let known = index[name] { return known }
            guard !overflowed else { return -1 }
            let number = Int32(names.count)
            index[name] = number
            names.append(name)
            return number
        }
    }

    /// Where a chunk writes its rows: one pointer per column (`nil` for an
    /// empty column, whose pointer is never used).
    private struct OutputColumns {
        var particle: UnsafeMutablePointer<Int64>?
        var frame: UnsafeMutablePointer<Int32>?
        var x: UnsafeMutablePointer<Double>?
        var y: UnsafeMutablePointer<Double>?
        var intensity: UnsafeMutablePointer<Double>?
        /// Each row's video: its field's place in the bytes as parsed (`nta_video_place`), then its number in the
        /// chunk (``VideoNames``), then in the file; `nil` when no video column is read.
        var video: UnsafeMutablePointer<Int64>?

        func advanced(by n: Int) -> OutputColumns {
            OutputColumns(particle: particle.map { $0 + n }, frame: frame.map { $0 + n }, x: x.map { $0 + n },
                          y: y.map { $0 + n }, intensity: intensity.map { $0 + n }, video: video.map { $0 + n })
        }

        /// Moves rows `from ..< from + count` to `to ..< to + count` (the ranges may overlap).
        func move(from: Int, to: Int, count: Int) {
            (particle! + to).moveInitialize(from: particle! + from, count: count)
            (frame! + to).moveInitialize(from: frame! + from, count: count)
            (x! + to).moveInitialize(from: x! + from, count: count)
            (y! + to).moveInitialize(from: y! + from, count: count)
            if let intensity { (intensity + to).moveInitialize(from: intensity + from, count: count) }
            if let video { (video + to).moveInitialize(from: video + from, count: count) }
        }
    }

    /// The values of one row's mapped fields (NaN when empty).
    private struct RowValues {
        var particle = Double.nan, frame = Double.nan, x = Double.nan, y = Double.nan, intensity = Double.nan
        /// The video field's bytes (``ColumnLayout/video``), not parsed as a number.
        var video: Range<Int>?

        @inline(__always)
        mutating func set(_ role: UInt8, _ value: Double) {
            switch role {
            case ColumnLayout.Role.particle: particle = value
            case ColumnLayout.Role.frame: frame = value
            case ColumnLayout.Role.x: x = value
            case ColumnLayout.Role.y: y = value
            case ColumnLayout.Role.intensity: intensity = value
            default: break
            }
        }
    }

    /// A range of rows being parsed: the C fast path's cursor (position, counts and output columns) and what
    /// only the general parser finds (rows dropped for missing values, the failure).
    private struct RowCursor {
        var c: nta_row_cursor
        var missingID = 0
        var nonFinite = 0
        var failure: Failure?
        /// The video names numbered so far.
        var videos = VideoNames()

        init(_ range: Range<Int>, into out: OutputColumns, capacity: Int) {
            c = nta_row_cursor(position: Int64(range.lowerBound), end: Int64(range.upperBound), rows: 0, kept: 0,
                               capacity: Int64(capacity), particle: out.particle, frame: out.frame, x: out.x, y: out.y,
                               intensity: out.intensity, video: out.video)
        }

        /// Whether it has lines left and no failure.
        var parsing: Bool { failure == nil && c.position < c.end }

        /// The rows parsed, kept and dropped, and the failure.
        var result: ChunkResult {
            var r = ChunkResult(rows: Int(c.rows), kept: Int(c.kept), failure: failure, videos: videos)
            r.dropped.add(.missingParticleOrFrame, missingID)
            r.dropped.add(.nonFinitePosition, nonFinite)
            return r
        }
    }

    /// Parses the rows in `[start, end)` into `out` (room for `capacity` rows), numbering their videos on from
    /// `videos` (the names the chunk's earlier pieces met; the result's are these and the new ones).
    ///
    /// The rows go through the fast path for the common case (no quotes, plain decimals: CNTAKernels'
    /// `nta_parse_rows`); any line it does not take is parsed by ``generalLine(_:_:layout:delimiter:)``, which
    /// decides what the row means or which error it is, and the fast path resumes after it.
    private func parseChunk(
        _ base: UnsafePointer<UInt8>, from start: Int, to end: Int, layout: ColumnLayout, delimiter: UInt8,
        into out: OutputColumns, capacity: Int, videos: VideoNames
    ) -> ChunkResult {
        var cursor = RowCursor(start..<end, into: out, capacity: capacity)
        cursor.videos = videos
        let lastNeeded = Int64(layout.lastNeeded), lastField = Int64(layout.headerFields - 1)
        layout.roles.withUnsafeBufferPointer { roles in
            while cursor.parsing {
                if nta_parse_rows(base, &cursor.c, roles.baseAddress, lastNeeded, lastField, delimiter) != 0 {
                    generalLine(base, &cursor, layout: layout, delimiter: delimiter)
                }
            }
        }
        // The rows' video fields, while their bytes are at hand: each the number of its name. Rows of one video
        // mostly follow one another, so a field equal to the last row's takes its number without a look-up.
        if let video = cursor.c.video {
            var last: (start: Int, length: Int, number: Int64) = (0, -1, 0)
            for i in 0..<Int(cursor.c.kept) {
                let start = Int(nta_video_place_start(video[i])), length = Int(nta_video_place_length(video[i]))
                if length != last.length || memcmp(base + start, base + last.start, length) != 0 {
                    let name = DelimitedText.unquotedField(base, start, start + length,
                                                           swapsDecimalMarks: layout.swapsDecimalMarks)
                    last = (start, length, Int64(cursor.videos.number(of: name)))
                }
                video[i] = last.number
            }
        }
        return cursor.result
    }

    /// Parses the row at the cursor, one the fast path did not take (it skips blank lines itself), with the
    /// general row parser: a line of spaces and tabs skipped as blank, the row written, counted as dropped (a
    /// missing id, frame or position), or the cursor's failure.
    private func generalLine(_ base: UnsafePointer<UInt8>, _ cursor: inout RowCursor, layout: ColumnLayout,
                             delimiter: UInt8) {
        let position = Int(cursor.c.position), end = Int(cursor.c.end)
        // A line of spaces and tabs only is blank, as an empty one is (pandas skips both).
        var scan = position
        while scan < end, base[scan] == 0x20 || base[scan] == 0x09 { scan += 1 }
        if scan > position, scan == end || base[scan] == 0x0A || base[scan] == 0x0D {
            if scan < end, base[scan] == 0x0D { scan += 1 }
            if scan < end, base[scan] == 0x0A { scan += 1 }
            cursor.c.position = Int64(scan)
            return
        }
        var row = RowValues()
        switch generalRow(base, from: position, to: end, delimiter: delimiter, layout: layout, into: &row) {
        case .success(let next): cursor.c.position = Int64(next)
        case .failure(let failure):
            cursor.failure = failure
            return
        }
        cursor.c.rows += 1
        let particle = row.particle, frame = row.frame
        if particle.isNaN || frame.isNaN { cursor.missingID += 1; return }
        // The field as the file writes it, for a message (the parsed double may have rounded it).
        func written(_ column: Int) -> String {
            let fields = DelimitedText.splitFields(base, position, end, delimiter: delimiter)
            return column < fields.count ? InputError.echo(fields[column]) : ""
        }
        // Integral and in range (the range test first: it also rejects ±inf).
        guard abs(particle) < 9.0e15, Double(Int64(particle)) == particle else {
            let column = layout.particle
            let what = particle.isFinite && particle == particle.rounded()
                ? "an integer particle id below 9·10¹⁵ in magnitude (which a double holds exactly)" : "an integer particle id"
            cursor.failure = Failure(rowStart: position, column: column + 1,
                                     message: "expected \(what) in column \"\(layout.names[column])\", found \"\(written(column))\"")
            return
        }
        guard abs(frame) <= Double(Int32.max), Double(Int64(frame)) == frame else {
            let column = layout.frame
            let what = frame.isFinite && frame == frame.rounded()
                ? "an integer frame number within ±\(Int32.max)" : "an integer frame number"
            cursor.failure = Failure(rowStart: position, column: column + 1,
                                     message: "expected \(what) in column \"\(layout.names[column])\", found \"\(written(column))\"")
            return
        }
        guard row.x.isFinite, row.y.isFinite else { cursor.nonFinite += 1; return }
        let kept = Int(cursor.c.kept)
        precondition(kept < Int(cursor.c.capacity), "more rows than lines in a chunk")
        cursor.c.particle[kept] = Int64(particle)
        cursor.c.frame[kept] = Int32(frame)
        cursor.c.x[kept] = row.x
        cursor.c.y[kept] = row.y
        if let intensity = cursor.c.intensity { intensity[kept] = row.intensity }
        if let videoOut = cursor.c.video, let field = layout.video {
            // Its place, as the fast path writes it; named after the chunk's rows are parsed.
            let range = row.video ?? position..<position
            let name = DelimitedText.unquotedField(base, range.lowerBound, range.upperBound,
                                                   swapsDecimalMarks: layout.swapsDecimalMarks)
            guard !name.isEmpty, range.count <= NTA_VIDEO_FIELD_MAX else {
                let what = name.isEmpty ? "the name of the row's video" : "a video name of at most \(NTA_VIDEO_FIELD_MAX) bytes"
                let found = name.isEmpty ? "an empty field" : "\(range.count) bytes"
                cursor.failure = Failure(rowStart: position, column: field + 1,
                                         message: "expected \(what) in column \"\(layout.names[field])\", found \(found)")
                return
            }
            videoOut[kept] = nta_video_place(Int64(range.lowerBound), Int64(range.count))
        }
        cursor.c.kept += 1
    }

    /// The general row parser: quotes (a delimiter or newline inside double
    /// quotes is part of the field), blank fields (NaN), and any number
    /// ``NumberParsing/parseDouble(_:_:_:)`` accepts. Returns where the next
    /// row starts, or the error.
    private func generalRow(
        _ base: UnsafePointer<UInt8>, from rowStart: Int, to end: Int, delimiter: UInt8, layout: ColumnLayout,
        into row: inout RowValues
    ) -> Result<Int, Failure> {
        let lastNeeded = layout.lastNeeded
        var position = rowStart
        var field = 0
        var fieldStart = position
        var inQuotes = false
        while true {
            let atEnd = position >= end
            let byte: UInt8 = atEnd ? 0x0A : base[position]
            if byte == 0x22 { inQuotes.toggle(); position += 1; continue }
            if !inQuotes && (byte == delimiter || byte == 0x0A) || atEnd {
                // Field [fieldStart, position).
                let role = field <= lastNeeded ? layout.roles[field] : ColumnLayout.Role.none
                if role == ColumnLayout.Role.video {
                    row.video = fieldStart..<position
                } else if role != ColumnLayout.Role.none {
                    let value: Double
                    if DelimitedText.isBlank(base, fieldStart, position) {
                        value = .nan
                    } else if let v = NumberParsing.parseDouble(base, fieldStart, position) {
                        value = v
                    } else if DelimitedText.isMissingValueWord(base, fieldStart, position) {
                        // Missing, as pandas reads it: the row is counted as dropped for its missing value.
                        value = .nan
                    } else {
                        return .failure(Failure(
                            rowStart: rowStart, column: field + 1,
                            message: "expected a number in column \"\(layout.names[field])\", found \"\(DelimitedText.excerpt(base, fieldStart, position, swapsDecimalMarks: layout.swapsDecimalMarks))\"\(DelimitedText.decimalHint(base, fieldStart, position, delimiter: delimiter, swapped: layout.swapsDecimalMarks))"))
                    }
                    row.set(role, value)
                }
                if byte == 0x0A || atEnd { position += 1; break }
                field += 1
                position += 1
                fieldStart = position
                if field > lastNeeded {
                    // The rest of the line: no more fields than the header's, beyond which only empty ones.
                    let lineEnd = DelimitedText.rowEnd(base, from: position, atOrAfter: position, count: end)
                    if let failure = extraFields(base, rowStart: rowStart, from: position, to: lineEnd, field: field,
                                                 layout: layout, delimiter: delimiter) {
                        return .failure(failure)
                    }
                    position = lineEnd + 1
                    break
                }
                continue
            }
            position += 1
        }
        if field < lastNeeded {
            return .failure(Failure(
                rowStart: rowStart, column: field + 1,
                message: "expected at least \(lastNeeded + 1) fields (up to column \"\(layout.names[lastNeeded])\"), found \(field + 1)"))
        }
        return .success(position)
    }

    /// The failure of a row whose fields in `[start, end)` (the rest of its line, from field number `field`, 0-based)
    /// run past the header's, or `nil` when they do not or when every field past the header's is blank (a trailing
    /// delimiter, as some spreadsheets write: tolerated, the row read as without it). Column: the first extra
    /// field's. A comma-delimited row whose extra fields look numeric, at most twice the header's fields in all (each
    /// number split in two at most), is most likely numbers written with decimal commas: the message says so.
    private func extraFields(
        _ base: UnsafePointer<UInt8>, rowStart: Int, from start: Int, to end: Int, field first: Int,
        layout: ColumnLayout, delimiter: UInt8
    ) -> Failure? {
        let header = layout.headerFields
        var fields = first, fieldStart = start, content = false, numeric = true
        func close(_ fieldEnd: Int) {
            guard fields >= header, !DelimitedText.isBlank(base, fieldStart, fieldEnd) else { return }
            content = true
            if numeric { numeric = DelimitedText.looksNumeric(base, fieldStart, fieldEnd) }
        }
        // Split outside double quotes, as the header is (``DelimitedText/fieldRanges(_:_:_:delimiter:)``).
        var inQuotes = false
        for k in start..<end {
            let b = base[k]
            if b == 0x22 { inQuotes.toggle() } else if b == delimiter, !inQuotes {
                close(k)
                fields += 1
                fieldStart = k + 1
            }
        }
        close(end)
        fields += 1
        guard content else { return nil }
        let hint = delimiter == 0x2C && numeric && fields <= 2 * header
            ? ": a decimal comma in a comma-delimited file? Export with a decimal point, or use ';' between fields" : ""
        return Failure(rowStart: rowStart, column: header + 1,
                       message: "expected \(header) fields (as the header), found \(fields)\(hint)")
    }
}

/// Where the mapped columns are in a header.
struct ColumnLayout: Sendable {
    var particle: Int
    var frame: Int
    var x: Int
    var y: Int
    var intensity: Int?
    /// The column naming each row's video (``ColumnMapping/VideoColumn``); `nil` when none is read.
    var video: Int?
    var names: [String]
    /// The header's number of fields; a row may have fewer (when it has every mapped one), not more but for empty ones.
    var headerFields: Int
    var positionUnit: PositionUnit
    /// Whether the data's commas and points were swapped (a `;`-delimited file with decimal commas).
    var swapsDecimalMarks = false
    var lastNeeded: Int { max(particle, frame, x, y, intensity ?? 0, video ?? 0) }
    /// What each field up to ``lastNeeded`` holds (a ``Role`` constant). When
    /// two mappings name one column, the first of particle, frame, x, y,
    /// intensity, video gets it.
    var roles: [UInt8] = []
    /// One warning per column read whose name the header gives to more than one column: the first such column is
    /// read, and the report must say so (pandas writes a column twice when an index shares its name, with the same
    /// values; two different columns of one name are read as whichever comes first).
    var duplicateNameWarnings: [String] = []
    /// A note when the header has a column naming the video or capture a row belongs to (``captureColumnNames``)
    /// and `--columns video=none` said not to read it: the rows are one video.
    var captureColumnNote: String?

    /// Header names (trimmed, lower case) of a column that says which video or capture a row belongs to.
    static let captureColumnNames: Set<String> = ["video", "capture", "movie", "acquisition", "series", "video_id",
                                                  "capture_id", "movie_id"]

    /// What a field holds.
    enum Role {
        static let none: UInt8 = 0
        static let particle: UInt8 = 1
        static let frame: UInt8 = 2
        static let x: UInt8 = 3
        static let y: UInt8 = 4
        static let intensity: UInt8 = 5
        static let video: UInt8 = 6
    }

    init(header: [String], mapping: ColumnMapping, file: String, line: Int, explicit: Bool) throws(InputError) {
        names = header.map { InputError.echo($0) }  // for messages only
        headerFields = header.count
        positionUnit = mapping.positionUnit
        let normalized = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ key: String) -> Int? {
            let k = key.trimmingCharacters(in: .whitespaces).lowercased()
            if let i = normalized.firstIndex(of: k) { return i }
            if k.hasPrefix("#"), let n = Int(k.dropFirst()), n >= 1, n <= header.count { return n - 1 }
            return nil
        }
        var missing: [String] = []
        let p = find(mapping.particle), f = find(mapping.frame), xi = find(mapping.x), yi = find(mapping.y)
        if p == nil { missing.append(mapping.particle) }
        if f == nil { missing.append(mapping.frame) }
        if xi == nil { missing.append(mapping.x) }
        if yi == nil { missing.append(mapping.y) }
        guard let p, let f, let xi, let yi else {
            let shown = InputError.echoList(header, count: 12)
            let hint = explicit ? "" : "; map them with --columns particle=…,frame=…,x=…,y=…"
            // A position (#n) past the last column: say so in those terms, with the count.
            let beyond = missing.filter { $0.hasPrefix("#") && Int($0.dropFirst()) != nil }
            let what = beyond.count == missing.count
                ? "a header with at least \(beyond.compactMap { Int($0.dropFirst()) }.max()!) columns (--columns \(beyond.joined(separator: ", ")))"
                    + ", found \(header.count): "
                : "a header with columns \(missing.map { "\"\($0)\"" }.joined(separator: ", ")), found "
            throw InputError(file: file, line: line, column: 1, message: "expected \(what)\(shown)\(hint)")
        }
        particle = p; frame = f; x = xi; y = yi
        if let name = mapping.intensity {
            intensity = find(name)
            if intensity == nil, explicit, mapping.intensity != ColumnMapping.trackpy.intensity {
                throw InputError(file: file, line: line, column: 1, message: "expected an intensity column \"\(name)\" in the header")
            }
            if intensity == nil, !explicit {
                intensity = ["intensity", "raw_mass", "signal"].lazy.compactMap { find($0) }.first
            }
        }
        // Names (not #n positions) that the header gives to more than one column.
        let used: [(role: String, key: String, field: Int?)] = [
            ("particle", mapping.particle, particle), ("frame", mapping.frame, frame), ("x", mapping.x, x),
            ("y", mapping.y, y), ("intensity", mapping.intensity.flatMap { find($0) == intensity ? $0 : nil } ?? "", intensity)]
        for (role, key, field) in used {
            guard let field else { continue }
            let name = normalized[field]
            let fields = normalized.indices.filter { normalized[$0] == name }
            guard fields.count > 1, !key.hasPrefix("#") else { continue }
            let others = fields.filter { $0 != field }.map { "#\($0 + 1)" }
            duplicateNameWarnings.append(
                "the header names \"\(InputError.echo(header[field]))\" in \(fields.count) columns (\(fields.map { String($0 + 1) }.joined(separator: ", "))): column \(field + 1) was read as \(role); if another holds it, map that one with --columns \(role)=\(others[0])")
        }
        let read = Set([particle, frame, x, y] + (intensity.map { [$0] } ?? []))
        // The first column a video's name names that no other role reads.
        let namedVideo = normalized.indices.first { Self.captureColumnNames.contains(normalized[$0]) && !read.contains($0) }
        switch mapping.video {
        case .byName:
            video = namedVideo
        case .named(let name):
            guard let field = find(name) else {
                throw InputError(file: file, line: line, column: 1,
                                 message: "expected a video column \"\(InputError.echo(name))\" (--columns video=…), found \(InputError.echoList(header, count: 12))")
            }
            guard !read.contains(field) else {
                throw InputError(file: file, line: line, column: field + 1,
                                 message: "expected a video column other than the particle, frame, x, y and intensity columns, found column \(field + 1) (\"\(InputError.echo(header[field]))\") read as one of them")
            }
            video = field
        case .none:
            video = nil
            if let field = namedVideo {
                captureColumnNote = "the column \"\(InputError.echo(header[field]))\" (column \(field + 1)) was not read as each row's video (--columns video=none): the file's rows are one video"
            }
        }
        roles = (0...lastNeeded).map { field in
            if field == particle { return Role.particle }
            if field == frame { return Role.frame }
            if field == x { return Role.x }
            if field == y { return Role.y }
            if field == intensity { return Role.intensity }
            if field == video { return Role.video }
            return Role.none
        }
    }
}

/// Byte-level helpers for delimited text.
enum DelimitedText {
    /// Index of the `\n` ending the line that contains `from`, or `count`.
    @inline(__always)
    static func lineEnd(_ base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        guard from < count else { return count }
        if let hit = memchr(base + from, 0x0A, count - from) {
            return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
        }
        return count
    }

    /// The first newline at or after `candidate` outside double quotes, quotes counted from `start` (a row's start, or
    /// a field's, outside quotes); `count` when there is none. A quoted field may hold newlines (RFC 4180).
    static func rowEnd(_ base: UnsafePointer<UInt8>, from start: Int, atOrAfter candidate: Int, count: Int) -> Int {
        var quotes = 0, i = start
        var end = lineEnd(base, from: max(candidate, start), count: count)
        while true {
            while i < end, let hit = memchr(base + i, 0x22, end - i) {
                quotes += 1
                i = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base + 1
            }
            i = end
            if quotes % 2 == 0 || end >= count { return end }
            end = lineEnd(base, from: end + 1, count: count)
        }
    }

    /// Number of lines in `[from, to)`: its newlines, plus one for a last
    /// line without one. No chunk of rows has more rows than lines.
    static func countLines(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        guard to > from else { return 0 }
        return countNewlines(base, from: from, to: to) + (base[to - 1] == 0x0A ? 0 : 1)
    }

    /// Number of newlines in `[from, to)` (CNTAKernels, sixteen bytes at a time).
    static func countNewlines(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        to > from ? Int(nta_count_newlines(base, Int64(from), Int64(to))) : 0
    }

    /// Picks the delimiter of a header line: the most frequent of comma, tab
    /// and semicolon outside quotes (comma when none occurs).
    static func detectDelimiter(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt8 {
        var commas = 0, tabs = 0, semicolons = 0
        var inQuotes = false
        for i in start..<end {
            switch base[i] {
            case 0x22: inQuotes.toggle()
            case 0x2C where !inQuotes: commas += 1
            case 0x09 where !inQuotes: tabs += 1
            case 0x3B where !inQuotes: semicolons += 1
            default: break
            }
        }
        if tabs > commas && tabs >= semicolons { return 0x09 }
        if semicolons > commas { return 0x3B }
        return 0x2C
    }

    /// Splits one line into fields, honouring double quotes (`""` inside quotes
    /// is a literal quote). Used for headers, not for data rows.
    static func splitFields(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, delimiter: UInt8) -> [String] {
        var stop = end
        if stop > start, base[stop - 1] == 0x0D { stop -= 1 }
        return fieldRanges(base, start, stop, delimiter: delimiter).map { field in
            decodeField(unquoted(base, field.lowerBound, field.upperBound))
        }
    }

    /// The bytes of the field `[start, end)` with its quotes removed: quotes open and close anywhere in the field,
    /// and `""` inside quotes is one quote.
    private static func unquoted(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> [UInt8] {
        var current: [UInt8] = []
        var inQuotes = false
        var i = start
        while i < end {
            let b = base[i]
            if b == 0x22 {
                if inQuotes, i + 1 < end, base[i + 1] == 0x22 { current.append(0x22); i += 2; continue }
                inQuotes.toggle()
            } else {
                current.append(b)
            }
            i += 1
        }
        return current
    }

    /// A data row's text field `[start, end)` as a name: a line's closing CR dropped, its quotes removed
    /// (``splitFields(_:_:_:delimiter:)``'s rule), then spaces and tabs trimmed from both ends; in a copy whose
    /// commas and points were swapped (`swapsDecimalMarks`, a decimal-comma file), swapped back.
    static func unquotedField(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int,
                              swapsDecimalMarks: Bool = false) -> [UInt8] {
        var stop = end
        if stop > start, base[stop - 1] == 0x0D { stop -= 1 }
        var bytes = unquoted(base, start, stop)[...]
        while let b = bytes.first, b == 0x20 || b == 0x09 { bytes = bytes.dropFirst() }
        while let b = bytes.last, b == 0x20 || b == 0x09 { bytes = bytes.dropLast() }
        guard swapsDecimalMarks else { return Array(bytes) }
        return bytes.map { $0 == 0x2C ? 0x2E : $0 == 0x2E ? 0x2C : $0 }
    }

    /// Byte ranges of the fields of `[start, end)`, split at `delimiter` outside double quotes
    /// (quotes kept in the ranges; `""` toggles twice, so it never splits): the one field
    /// splitter of delimited text, for headers here and every line of ``TextRows``.
    static func fieldRanges(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, delimiter: UInt8) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var fieldStart = start
        var inQuotes = false
        var k = start
        while k < end {
            let b = base[k]
            if b == 0x22 { inQuotes.toggle() } else if b == delimiter, !inQuotes {
                out.append(fieldStart..<k)
                fieldStart = k + 1
            }
            k += 1
        }
        out.append(fieldStart..<end)
        return out
    }

    private static func decodeField(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        // Not UTF-8: read it as Latin-1 so no character is lost.
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// Whether `[start, end)` looks like (a piece of) a decimal: a digit, and nothing but digits, '.', '-', '+', 'e'
    /// and 'E' (a CR at its end aside).
    static func looksNumeric(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let stop = end > start && base[end - 1] == 0x0D ? end - 1 : end
        var digit = false
        for k in start..<stop {
            switch base[k] {
            case 0x30...0x39: digit = true
            case 0x2E, 0x2D, 0x2B, 0x65, 0x45: break
            default: return false
            }
        }
        return digit
    }

    /// The words pandas' `read_csv` reads as a missing value by default (its `na_values`), as R, Excel and
    /// databases write them: `NA`, `#N/A`, `NULL`, `None` …
    static let missingValueWords: Set<String> = [
        "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
        "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    /// Whether the field (spaces, tabs, CR and double quotes around it ignored) is one of ``missingValueWords``.
    static func isMissingValueWord(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var lo = start, hi = end
        func trimmed(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x22 }
        while lo < hi, trimmed(base[lo]) { lo += 1 }
        while hi > lo, trimmed(base[hi - 1]) { hi -= 1 }
        guard hi - lo <= 8 else { return false }
        return missingValueWords.contains(String(decoding: UnsafeBufferPointer(start: base + lo, count: hi - lo), as: UTF8.self))
    }

    static func isBlank(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let b = base[i]
            if b != 0x20 && b != 0x09 && b != 0x0D && b != 0x22 { return false }
            i += 1
        }
        return true
    }

    /// The field's text for an error message (at most 40 characters, control
    /// characters escaped; decimal marks swapped back when the reader swapped them).
    static func excerpt(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, swapsDecimalMarks: Bool = false) -> String {
        var stop = end
        if stop > start, base[stop - 1] == 0x0D { stop -= 1 }
        var bytes = Array(UnsafeBufferPointer(start: base + start, count: min(max(stop - start, 0), 160)))
        if swapsDecimalMarks {
            for k in bytes.indices {
                if bytes[k] == 0x2C { bytes[k] = 0x2E } else if bytes[k] == 0x2E { bytes[k] = 0x2C }
            }
        }
        return InputError.echo(String(decoding: bytes, as: UTF8.self))
    }

    /// A note for a field that failed to parse because of its decimal mark, or "".
    static func decimalHint(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, delimiter: UInt8, swapped: Bool) -> String {
        var commas = 0, points = 0
        for k in start..<end {
            if base[k] == 0x2C { commas += 1 } else if base[k] == 0x2E { points += 1 }
        }
        // In a swapped copy, the file's points are commas here.
        if swapped, commas > 0 {
            return " (this ';'-delimited file uses decimal commas, so a point is ambiguous: thousands separator or decimal point?)"
        }
        if !swapped, delimiter != 0x3B, commas == 1, points == 0 {
            return " (a decimal comma is accepted only in ';'-delimited files, where it cannot be a delimiter)"
        }
        return ""
    }

    /// The `count` bytes at `base` with every lone CR (old Mac OS line end) turned into LF, so a
    /// reader that splits at LF sees the same lines and line numbers as ``TextRows``; `nil` when
    /// there is no lone CR (the bytes can be read as they are).
    static func normalizingLoneCarriageReturns(_ base: UnsafePointer<UInt8>, count: Int) -> [UInt8]? {
        guard let first = firstLoneCarriageReturn(base, count: count) else { return nil }
        var copy = [UInt8](UnsafeBufferPointer(start: base, count: count))
        var k = first
        while k < count {
            if copy[k] == 0x0D, k + 1 >= count || copy[k + 1] != 0x0A { copy[k] = 0x0A }
            k += 1
        }
        return copy
    }

    /// Index of the first CR not followed by LF, or `nil`: the file's chunks searched on all cores (the scan
    /// is the first to touch a mapped file's pages), the first chunk with one giving it.
    static func firstLoneCarriageReturn(_ base: UnsafePointer<UInt8>, count: Int) -> Int? {
        let address = UncheckedSendable(base)
        return Parallel.mapChunks(count: count, minimumChunk: 1 << 22) { range -> Int? in
            let base = address.value
            var i = range.lowerBound
            while i < range.upperBound {
                guard let hit = memchr(base + i, 0x0D, range.upperBound - i) else { return nil }
                let k = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                // The byte after a chunk's last CR may lie in the next chunk: the whole file is readable.
                if k + 1 >= count || base[k + 1] != 0x0A { return k }
                i = k + 2
            }
            return nil
        }.lazy.compactMap { $0 }.first
    }
}
