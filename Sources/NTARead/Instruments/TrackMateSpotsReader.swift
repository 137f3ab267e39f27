import Foundation
import NTACore

/// Reads a TrackMate spots table exported as CSV (`…_spots.csv`).
///
/// TrackMate 7+ writes four header rows: feature keys (`LABEL, ID, TRACK_ID,
/// QUALITY, POSITION_X, POSITION_Y, …, FRAME, …`), full names, short names and
/// units (`(micron)`). Older ImageJ exports have only the key row. Rows map
/// `TRACK_ID` → particle, `FRAME` → frame, `POSITION_X`/`POSITION_Y` → x/y and
/// `MEAN_INTENSITY_CH1` (or `MEAN_INTENSITY`) → intensity. Spots that belong
/// to no track (empty `TRACK_ID`, or `None`, which TrackMate's table export writes
/// for a value it does not have) are dropped and counted; a `None` in any other
/// field is read as an empty one.
public struct TrackMateSpotsReader: Sendable {
    /// The position unit to assume when the file has no units row (older
    /// exports); `nil` makes such a file an error rather than a guess.
    public var unitWhenUnstated: PositionUnit?

    /// A reader that assumes `unitWhenUnstated` for files without a units row (`nil`: such a file is an error).
    public init(unitWhenUnstated: PositionUnit? = nil) {
        self.unitWhenUnstated = unitWhenUnstated
    }

    /// Reads the file at `url`.
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> TrajectoryReadResult {
        let name = displayName ?? url.path
        return try read(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads a spots table from bytes in any supported encoding.
    public func read(bytes: [UInt8], fileName: String) throws(InputError) -> TrajectoryReadResult {
        let utf8 = TextRows.normalizingLoneCarriageReturns(TextDecoding.decode(bytes).utf8)
        // Only the first five lines are split here; the data rows go to the byte-level reader.
        var lineStarts = [0]
        var k = 0
        while lineStarts.count < 6, let nl = utf8[k...].firstIndex(of: 0x0A) {
            lineStarts.append(nl + 1)
            k = nl + 1
        }
        if lineStarts.count < 6 { lineStarts.append(utf8.count + 1) }
        var head = TextRows(bytes: Array(utf8[0..<min(utf8.count, max(0, (lineStarts.last ?? 1) - 1))]), fileName: fileName)
        switch head.lines.first.map({ Self.delimiter(ofHeader: head.bytes[$0]) }) {
        case 0x3B?: // an Excel re-save in a European locale: decimal commas
            head.delimiter = 0x3B
            head.decimalMark = .comma
        case 0x09?: // TrackMate 6 and ImageJ results tables saved as text
            head.delimiter = 0x09
        default: break
        }
        guard head.count > 0 else { throw head.error(line: nil, "the file is empty; expected a TrackMate spots header") }
        let keys = head.strings(0)
        guard let xCol = keys.firstIndex(of: "POSITION_X"), keys.contains("POSITION_Y"),
              keys.contains("FRAME"), keys.contains("TRACK_ID") else {
            throw head.error(line: 0, "expected TrackMate columns TRACK_ID, POSITION_X, POSITION_Y, FRAME, found \(InputError.echoList(keys))")
        }
        // Extra header rows: those (of lines 2–4) whose POSITION_X is not a number.
        var extraRows = 0
        var unit: PositionUnit?
        var unitsLine: Int?
        for line in 1..<min(4, head.count) {
            let f = head.fields(line)
            guard xCol < f.count, head.number(f[xCol]) == nil, !head.isBlank(f[xCol]) else { break }
            extraRows += 1
            let text = head.string(f[xCol]).lowercased()
            if text.hasPrefix("(") || ["micron", "µm", "um", "pixel", "nm"].contains(where: { text.contains($0) }) {
                unitsLine = line
                if text.contains("micron") || text.contains("µm") || text == "(um)" { unit = .micrometers }
                else if text.contains("pixel") { unit = .pixels }
                else if text.contains("nm") { unit = .nanometers }
                else {
                    throw head.error(line: line, column: xCol + 1, "unknown position unit \"\(head.excerpt(f[xCol]))\"; expected (micron), (nm) or (pixel)")
                }
            }
        }
        guard let positionUnit = unit ?? unitWhenUnstated else {
            let intensityColumn = ["MEAN_INTENSITY_CH1", "MEAN_INTENSITY", "TOTAL_INTENSITY_CH1"].first { keys.contains($0) }
            let columns = "particle=TRACK_ID,frame=FRAME,x=POSITION_X,y=POSITION_Y" + (intensityColumn.map { ",intensity=\($0)" } ?? "")
            throw head.error(line: 0, "the TrackMate table states no position unit (no \"(micron)\" units row); give it with --columns \(columns),unit=um (or unit=px, unit=nm)")
        }
        // Blank the extra header rows (keeping their newlines, so line numbers stay those of the file).
        var body = utf8
        if extraRows > 0 {
            body = Array(utf8[0..<lineStarts[1]]) + Array(repeating: 0x0A, count: extraRows)
                + Array(utf8[min(utf8.count, lineStarts[1 + extraRows])...])
        }
        body = Self.blankingNone(body, delimiter: head.delimiter, from: lineStarts[1])
        let intensity = ["MEAN_INTENSITY_CH1", "MEAN_INTENSITY", "TOTAL_INTENSITY_CH1"].first { keys.contains($0) }
        let mapping = ColumnMapping(particle: "TRACK_ID", frame: "FRAME", x: "POSITION_X", y: "POSITION_Y",
                                    intensity: intensity, positionUnit: positionUnit)
        let result = body.withUnsafeBytes { raw in
            Result { () throws(InputError) -> TrajectoryReadResult in
                try TrajectoryCSVReader(mapping: mapping).read(bytes: raw, fileName: fileName)
            }
        }
        var read = try result.get()
        // The frame interval the table's times record, below a sidecar's and the flags' (``TrajectoryReadResult/recordedSettings``).
        let secondsPerUnit = unitsLine.flatMap { line -> Double? in
            let f = head.fields(line)
            guard let t = keys.firstIndex(of: "POSITION_T"), t < f.count else { return nil }
            return Self.secondsPerTimeUnit(head.string(f[t]))
        }
        switch Self.frameInterval(body, from: lineStarts[1], keys: keys, delimiter: head.delimiter,
                                  decimalMark: head.decimalMark, secondsPerUnit: secondsPerUnit) {
        case .seconds(let dt):
            read.recordedSettings = AcquisitionSettings(frameRateHz: 1 / dt)
            read.recordedSettingsDetail = "TrackMate POSITION_T ÷ FRAME (a frame every \(String(format: "%.6g", dt)) s)"
        case .unknown(let why?):
            read.notes.append("the frame rate was not taken from the table's POSITION_T: \(why)")
        case .unknown(nil):
            break
        }
        return read
    }

    /// Seconds per unit of a TrackMate units-row entry for time (`(sec)`, `(ms)`, `(min)`); `nil` for `(frame)`
    /// (an uncalibrated movie: times are frame numbers) or anything else.
    static func secondsPerTimeUnit(_ text: String) -> Double? {
        let unit = text.trimmingCharacters(in: .whitespaces).lowercased()
            .trimmingCharacters(in: CharacterSet(charactersIn: "()"))
        switch unit {
        case "s", "sec", "secs", "second", "seconds": return 1
        case "ms", "msec": return 1e-3
        case "min", "minute", "minutes": return 60
        default: return nil
        }
    }

    /// What a TrackMate table's times say of its frame interval.
    enum FrameInterval: Equatable {
        /// Seconds between frames: POSITION_T = FRAME × Δt (TrackMate's calibration).
        case seconds(Double)
        /// Not known from the table; why, when the table has times that could have told.
        case unknown(String?)
    }

    /// The frame interval from the `POSITION_T` and `FRAME` of the first and the last 4,096 data rows (TrackMate writes
    /// POSITION_T = FRAME × Δt in the movie's time unit; a table sorted by frame spans the movie between its ends, one
    /// sorted by track spans it within a few tracks): Δt by least squares through the origin, accepted when every row
    /// lies within a tenth of a frame of it (the times' printed rounding is far smaller) and the rows span at least 10
    /// frames. `unknown(nil)` without a time column or a time unit in seconds (`(frame)`: uncalibrated).
    static func frameInterval(_ body: [UInt8], from start: Int, keys: [String], delimiter: UInt8, decimalMark: DecimalMark,
                              secondsPerUnit: Double?) -> FrameInterval {
        guard let tCol = keys.firstIndex(of: "POSITION_T"), let fCol = keys.firstIndex(of: "FRAME"),
              let secondsPerUnit else { return .unknown(nil) }
        let sampled = 4096
        let begin = min(start, body.count)
        var headEnd = begin, lines = 0
        while lines < sampled, headEnd < body.count, let nl = body[headEnd...].firstIndex(of: 0x0A) {
            headEnd = nl + 1; lines += 1
        }
        if lines < sampled { headEnd = body.count }
        // The last rows: from the start of the line after the (sampled + 1)-th newline from the end (a final newline
        // ends the last row), never before the head's end.
        var tailStart = body.count, newlines = 0
        while tailStart > headEnd, newlines <= sampled {
            tailStart -= 1
            if body[tailStart] == 0x0A { newlines += 1 }
        }
        if newlines > sampled { tailStart += 1 }
        var text = Array(body[begin..<headEnd])
        if text.last != 0x0A { text.append(0x0A) }
        text += body[max(tailStart, headEnd)...]
        var rows = TextRows(bytes: text, fileName: "")
        rows.delimiter = delimiter
        rows.decimalMark = decimalMark
        var sumFT = 0.0, sumFF = 0.0, lowest = Double.infinity, highest = -Double.infinity
        var pairs: [(frame: Double, time: Double)] = []
        for i in 0..<rows.count {
            let f = rows.fields(i)
            guard tCol < f.count, fCol < f.count, let t = rows.number(f[tCol]), let frame = rows.number(f[fCol]),
                  t.isFinite, frame.isFinite, frame >= 0 else { continue }
            pairs.append((frame, t))
            sumFT += frame * t; sumFF += frame * frame
            lowest = min(lowest, frame); highest = max(highest, frame)
        }
        guard pairs.count >= 2, highest - lowest >= 10 else {
            return .unknown("its rows span fewer than 10 frames")
        }
        let slope = sumFT / sumFF // time units per frame
        guard slope.isFinite, slope > 0 else {
            return .unknown("the times do not grow with the frame number")
        }
        if let worst = pairs.max(by: { abs($0.time - slope * $0.frame) < abs($1.time - slope * $1.frame) }),
           abs(worst.time - slope * worst.frame) > 0.1 * slope {
            return .unknown("POSITION_T is not FRAME × a fixed interval (frame \(plainNumber(worst.frame)) at time \(plainNumber(worst.time)), where \(plainNumber(slope * worst.frame)) was expected)")
        }
        return .seconds(slope * secondsPerUnit)
    }

    /// `bytes` with every whole field `None` from byte `start` on made empty (the delimiters and newlines kept,
    /// so line and field numbers stay the file's).
    static func blankingNone(_ bytes: [UInt8], delimiter: UInt8, from start: Int) -> [UInt8] {
        let none: [UInt8] = Array("None".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var k = 0
        var fieldStart = true
        while k < bytes.count {
            if fieldStart, k >= start, k + 4 <= bytes.count, bytes[k..<(k + 4)].elementsEqual(none) {
                let end = k + 4
                let next: UInt8? = end < bytes.count ? bytes[end] : nil
                if next == nil || next == delimiter || next == 0x0A || next == 0x0D {
                    k = end
                    fieldStart = false
                    continue
                }
            }
            let b = bytes[k]
            out.append(b)
            fieldStart = b == delimiter || b == 0x0A
            k += 1
        }
        return out
    }

    /// The delimiter of a header line: tab, `;` or `,`, whichever it holds most of (`,` when none).
    static func delimiter<C: Collection<UInt8>>(ofHeader line: C) -> UInt8 {
        var tabs = 0, semicolons = 0, commas = 0
        for b in line {
            switch b {
            case 0x09: tabs += 1
            case 0x3B: semicolons += 1
            case 0x2C: commas += 1
            default: break
            }
        }
        if tabs > commas, tabs > semicolons { return 0x09 }
        return semicolons > commas ? 0x3B : 0x2C
    }

    /// Why `rows` is not a TrackMate spots table, or `nil`.
    static func mismatch(_ rows: TextRows) -> String? {
        guard rows.count > 0, let first = rows.lines.first else { return "the file is empty" }
        let keys = rows.strings(0, delimiter: Self.delimiter(ofHeader: rows.bytes[first]))
        for k in ["TRACK_ID", "POSITION_X", "POSITION_Y", "FRAME"] where !keys.contains(k) {
            return "the header has no \(k) column"
        }
        return nil
    }
}
