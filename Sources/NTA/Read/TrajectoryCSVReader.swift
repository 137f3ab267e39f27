import Dispatch
import Foundation

/// The result of reading a trajectory file: the rows kept, and what was left out.
public struct TrajectoryReadResult: Sendable {
    /// The localisations read.
    public var table: TrajectoryTable
    /// Number of data rows in the file (kept + dropped).
    public var rowsRead: Int
    /// Rows left out, by reason (e.g. an empty x field).
    public var droppedRows: DropTally
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
/// ``InputError`` naming file, line and column. Rows whose particle, frame,
/// x or y is empty or NaN (pandas' spelling of a missing value) are dropped
/// and counted in ``TrajectoryReadResult/droppedRows``.
public struct TrajectoryCSVReader: Sendable {
    /// Explicit column mapping; `nil` means trackpy's names.
    public var mapping: ColumnMapping?

    public init(mapping: ColumnMapping? = nil) {
        self.mapping = mapping
    }

    /// Reads the file at `url`. `displayName` is how errors name it (default: the path as given).
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> TrajectoryReadResult {
        let name = displayName ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw InputError(file: name, message: "cannot read the file: \(error.localizedDescription)")
        }
        let result = data.withUnsafeBytes { raw in
            Result { () throws(InputError) -> TrajectoryReadResult in try read(bytes: raw, fileName: name) }
        }
        return try result.get()
    }

    /// Reads trajectories from bytes already in memory.
    public func read(bytes: UnsafeRawBufferPointer, fileName: String) throws(InputError) -> TrajectoryReadResult {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw InputError(file: fileName, message: "the file is empty; expected a header row naming the columns")
        }
        let count = bytes.count
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
        let layout = try ColumnLayout(header: header, mapping: mapping ?? .trackpy, file: fileName,
                                      line: headerLine, explicit: mapping != nil)
        let dataStart = min(headerEnd + 1, count)

        // Split the data into chunks at line boundaries and parse them in parallel.
        let dataBytes = count - dataStart
        let workers = dataBytes > 1 << 22 ? max(1, ProcessInfo.processInfo.activeProcessorCount) : 1
        var bounds = [dataStart]
        for k in 1..<workers {
            var cut = dataStart + dataBytes * k / workers
            cut = DelimitedText.lineEnd(base, from: max(cut, bounds.last!), count: count)
            bounds.append(min(cut + 1, count))
        }
        bounds.append(count)
        let baseAddress = UInt(bitPattern: base)
        let chunkBounds = bounds
        let results = Parallel.map(count: workers, minimumChunk: 1) { k in
            parseChunk(UnsafePointer<UInt8>(bitPattern: baseAddress)!, from: chunkBounds[k], to: chunkBounds[k + 1],
                       layout: layout, delimiter: delimiter)
        }

        var table = TrajectoryTable(intensity: layout.intensity == nil ? nil : [], positionUnit: layout.positionUnit)
        var dropped = DropTally()
        var rows = 0
        let total = (0..<workers).reduce(0) { $0 + results[$1].table.count }
        table.reserveCapacity(total)
        for k in 0..<workers {
            let chunk = results[k]
            if let failure = chunk.failure {
                let line = headerLine + 1 + DelimitedText.countNewlines(base, from: dataStart, to: failure.rowStart)
                throw InputError(file: fileName, line: line, column: failure.column, message: failure.message)
            }
            table.append(contentsOf: chunk.table)
            dropped.merge(chunk.dropped)
            rows += chunk.rows
        }
        return TrajectoryReadResult(table: table, rowsRead: rows, droppedRows: dropped)
    }

    private struct Failure: Sendable {
        var rowStart: Int
        var column: Int
        var message: String
    }

    private struct ChunkResult: Sendable {
        var table: TrajectoryTable
        var rows = 0
        var dropped = DropTally()
        var failure: Failure?
    }

    private func parseChunk(
        _ base: UnsafePointer<UInt8>, from start: Int, to end: Int, layout: ColumnLayout, delimiter: UInt8
    ) -> ChunkResult {
        var result = ChunkResult(table: TrajectoryTable(intensity: layout.intensity == nil ? nil : [],
                                                        positionUnit: layout.positionUnit))
        result.table.reserveCapacity((end - start) / 24)
        let pCol = layout.particle, fCol = layout.frame, xCol = layout.x, yCol = layout.y
        let iCol = layout.intensity ?? -1
        let lastNeeded = layout.lastNeeded
        var missingID = 0
        var nonFinite = 0
        var position = start
        while position < end {
            let rowStart = position
            // Blank line (or a lone CR): skip.
            if base[position] == 0x0A { position += 1; continue }
            if base[position] == 0x0D, position + 1 < end, base[position + 1] == 0x0A { position += 2; continue }
            var field = 0
            var fieldStart = position
            var particle = Double.nan, frame = Double.nan, x = Double.nan, y = Double.nan, intensity = Double.nan
            var inQuotes = false
            var lineDone = false
            while true {
                let atEnd = position >= end
                let byte: UInt8 = atEnd ? 0x0A : base[position]
                if byte == 0x22 { inQuotes.toggle(); position += 1; continue }
                if !inQuotes && (byte == delimiter || byte == 0x0A) || atEnd {
                    // Field [fieldStart, position).
                    if field == pCol || field == fCol || field == xCol || field == yCol || field == iCol {
                        let value: Double
                        if DelimitedText.isBlank(base, fieldStart, position) {
                            value = .nan
                        } else if let v = NumberParsing.parseDouble(base, fieldStart, position) {
                            value = v
                        } else {
                            result.failure = Failure(
                                rowStart: rowStart, column: field + 1,
                                message: "expected a number in column \"\(layout.names[field])\", found \"\(DelimitedText.excerpt(base, fieldStart, position))\"")
                            return result
                        }
                        if field == pCol { particle = value }
                        else if field == fCol { frame = value }
                        else if field == xCol { x = value }
                        else if field == yCol { y = value }
                        else { intensity = value }
                    }
                    if byte == 0x0A || atEnd { lineDone = true; position += 1; break }
                    field += 1
                    position += 1
                    fieldStart = position
                    if field > lastNeeded {
                        // Skip the rest of the line.
                        position = DelimitedText.lineEnd(base, from: position, count: end) + 1
                        lineDone = true
                        break
                    }
                    continue
                }
                position += 1
            }
            _ = lineDone
            if field < lastNeeded {
                result.failure = Failure(
                    rowStart: rowStart, column: field + 1,
                    message: "expected at least \(lastNeeded + 1) fields (up to column \"\(layout.names[lastNeeded])\"), found \(field + 1)")
                return result
            }
            result.rows += 1
            if particle.isNaN || frame.isNaN { missingID += 1; continue }
            guard particle == particle.rounded(), abs(particle) < 9.0e15 else {
                result.failure = Failure(rowStart: rowStart, column: pCol + 1,
                                         message: "expected an integer particle id in column \"\(layout.names[pCol])\", found \(particle)")
                return result
            }
            guard frame == frame.rounded(), abs(frame) <= Double(Int32.max) else {
                result.failure = Failure(rowStart: rowStart, column: fCol + 1,
                                         message: "expected an integer frame number in column \"\(layout.names[fCol])\", found \(frame)")
                return result
            }
            guard x.isFinite, y.isFinite else { nonFinite += 1; continue }
            result.table.particle.append(Int64(particle))
            result.table.frame.append(Int32(frame))
            result.table.x.append(x)
            result.table.y.append(y)
            if iCol >= 0 { result.table.intensity!.append(intensity) }
        }
        result.dropped.add(.missingParticleOrFrame, missingID)
        result.dropped.add(.nonFinitePosition, nonFinite)
        return result
    }
}

/// Where the mapped columns are in a header.
struct ColumnLayout: Sendable {
    var particle: Int
    var frame: Int
    var x: Int
    var y: Int
    var intensity: Int?
    var names: [String]
    var positionUnit: PositionUnit
    var lastNeeded: Int { max(particle, frame, x, y, intensity ?? 0) }

    init(header: [String], mapping: ColumnMapping, file: String, line: Int, explicit: Bool) throws(InputError) {
        names = header
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
            let shown = header.prefix(12).map { "\"\($0)\"" }.joined(separator: ", ")
            let hint = explicit ? "" : "; map them with --columns particle=…,frame=…,x=…,y=…"
            throw InputError(file: file, line: line,
                             message: "expected a header with columns \(missing.map { "\"\($0)\"" }.joined(separator: ", ")), found \(shown)\(hint)")
        }
        particle = p; frame = f; x = xi; y = yi
        if let name = mapping.intensity {
            intensity = find(name)
            if intensity == nil, explicit, mapping.intensity != ColumnMapping.trackpy.intensity {
                throw InputError(file: file, line: line, message: "expected an intensity column \"\(name)\" in the header")
            }
            if intensity == nil, !explicit {
                intensity = ["intensity", "raw_mass", "signal"].lazy.compactMap { find($0) }.first
            }
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

    static func countNewlines(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var n = 0
        var i = from
        while i < to {
            guard let hit = memchr(base + i, 0x0A, to - i) else { break }
            n += 1
            i = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base + 1
        }
        return n
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
        var fields: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var i = start
        var stop = end
        if stop > start, base[stop - 1] == 0x0D { stop -= 1 }
        while i < stop {
            let b = base[i]
            if b == 0x22 {
                if inQuotes, i + 1 < stop, base[i + 1] == 0x22 { current.append(0x22); i += 2; continue }
                inQuotes.toggle()
            } else if b == delimiter, !inQuotes {
                fields.append(decodeField(current))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
            i += 1
        }
        fields.append(decodeField(current))
        return fields
    }

    private static func decodeField(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        // Not UTF-8: read it as Latin-1 so no character is lost.
        return String(bytes.map { Character(Unicode.Scalar($0)) })
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

    /// The field's text for an error message (at most 40 characters).
    static func excerpt(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
        var stop = end
        if stop > start, base[stop - 1] == 0x0D { stop -= 1 }
        let bytes = Array(UnsafeBufferPointer(start: base + start, count: min(stop - start, 40)))
        let text = String(decoding: bytes, as: UTF8.self)
        return stop - start > 40 ? text + "…" : text
    }
}
