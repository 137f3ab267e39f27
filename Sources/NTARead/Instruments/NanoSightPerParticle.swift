import Foundation
import NTACore

/// A NanoSight `<video>_ParticleData.csv`: one row per track, with NTA's
/// diffusion coefficient and track length, stored by column. This is the
/// input of a deconvolution from per-track D and track length.
public struct NanoSightParticleData: Sendable, Hashable {
    /// `Particle ID`.
    public var particleID: [Int64] = []
    /// `Size/nm` (NaN when the column is absent or the cell empty).
    public var sizeNanometers: [Double] = []
    /// `Diffusion coefficient/nm^2 s^-1`.
    public var diffusionCoefficientSquareNanometersPerSecond: [Double] = []
    /// `Ln(Adjusted intensity)/AU` (NaN when absent).
    public var lnAdjustedIntensity: [Double] = []
    /// `Start frame` (−1 when absent).
    public var startFrame: [Int32] = []
    /// `Tracklength`, frames.
    public var trackLengthFrames: [Int32] = []
    /// `Included in distribution?` (true when the column is absent).
    public var includedInDistribution: [Bool] = []

    /// Number of tracks.
    public var count: Int { particleID.count }
}

/// How a NanoSight per-particle file's header maps to columns.
struct NanoSightParticleColumns {
    var particle: Int
    var size: Int?
    var diffusion: Int?
    var intensity: Int?
    var startFrame: Int?
    var trackLength: Int?
    var frame: Int?
    var x: Int?
    var y: Int?
    var included: Int?

    /// Header names lower-cased with spaces removed.
    static func normalize(_ s: String) -> String { s.lowercased().replacingOccurrences(of: " ", with: "") }

    init?(header: [String]) {
        let n = header.map(Self.normalize)
        func find(_ prefix: String) -> Int? { n.firstIndex { $0.hasPrefix(prefix) } }
        guard let p = find("particleid") else { return nil }
        particle = p
        size = find("size/nm") ?? find("size")
        diffusion = find("diffusioncoefficient")
        intensity = find("ln(adjustedintensity)") ?? find("ln(")
        startFrame = find("startframe")
        trackLength = find("tracklength")
        frame = n.firstIndex { $0 == "frame" || $0 == "frame/number" }
        x = find("x/pixel") ?? n.firstIndex { $0 == "x" }
        y = find("y/pixel") ?? n.firstIndex { $0 == "y" }
        included = find("includedindistribution")
    }
}

/// Reads NanoSight's per-particle exports: `_ParticleData.csv` (one row per
/// track) and `_AllTracks.csv` (one row per particle per frame, positions in
/// pixels). Headers are matched by name, case and spaces ignored.
public struct NanoSightPerParticleReader: Sendable {
    /// A reader; it has no options.
    public init() {}

    /// Parses an `Included in distribution?` cell: TRUE/True/1/Yes or FALSE/False/0/No.
    static func parseFlag(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true", "1", "yes", "y": return true
        case "false", "0", "no", "n": return false
        default: return nil
        }
    }

    /// Reads a `_ParticleData.csv`.
    public func readParticleData(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> NanoSightParticleData {
        let name = displayName ?? url.path
        return try readParticleData(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads a `_ParticleData.csv` from bytes in any supported encoding.
    public func readParticleData(bytes: [UInt8], fileName: String) throws(InputError) -> NanoSightParticleData {
        let rows = TextRows.sniffingDelimiter(TextDecoding.decode(bytes), fileName: fileName)
        guard let headerIndex = (0..<rows.count).first(where: { !rows.isBlankLine($0) }) else {
            throw rows.error(line: nil, "the file is empty; expected a header with Particle ID, Diffusion coefficient, Tracklength")
        }
        let header = rows.strings(headerIndex)
        guard let cols = NanoSightParticleColumns(header: header), let dCol = cols.diffusion, let lCol = cols.trackLength else {
            throw rows.error(line: headerIndex, "expected a NanoSight ParticleData header with \"Particle ID\", \"Diffusion coefficient/nm^2 s^-1\" and \"Tracklength\", found \(InputError.echoList(header))")
        }
        var out = NanoSightParticleData()
        let needed = [cols.particle, dCol, lCol, cols.size, cols.intensity, cols.startFrame, cols.included].compactMap { $0 }.max() ?? cols.particle
        for i in (headerIndex + 1)..<max(headerIndex + 1, rows.count) where !rows.isBlankLine(i) {
            let f = rows.fields(i)
            guard f.count > needed else {
                throw rows.error(line: i, "expected at least \(needed + 1) fields (up to \"\(InputError.echo(header[needed]))\"), found \(f.count)\(i == rows.count - 1 ? " (truncated file?)" : "")")
            }
            func number(_ c: Int?, required: Bool) throws(InputError) -> Double {
                guard let c else { return .nan }
                if rows.isBlank(f[c]) {
                    if required { throw rows.error(line: i, column: c + 1, "expected a number in column \"\(InputError.echo(header[c]))\", found an empty field") }
                    return .nan
                }
                guard let v = rows.number(f[c]) else {
                    throw rows.error(line: i, column: c + 1, "expected a number in column \"\(InputError.echo(header[c]))\", found \"\(rows.excerpt(f[c]))\"\(rows.decimalHint(f[c]))")
                }
                return v
            }
            func integer(_ c: Int, _ what: String) throws(InputError) -> Double {
                let v = try number(c, required: true)
                guard v == v.rounded(), abs(v) < 9e15 else {
                    throw rows.error(line: i, column: c + 1, "expected an integer \(what) in column \"\(InputError.echo(header[c]))\", found \(rows.excerpt(f[c]))")
                }
                return v
            }
            out.particleID.append(Int64(try integer(cols.particle, "particle id")))
            out.sizeNanometers.append(try number(cols.size, required: false))
            out.diffusionCoefficientSquareNanometersPerSecond.append(try number(dCol, required: true))
            out.lnAdjustedIntensity.append(try number(cols.intensity, required: false))
            let length = try integer(lCol, "track length")
            guard length >= 1, length <= Double(Int32.max) else {
                throw rows.error(line: i, column: lCol + 1, "expected a track length ≥ 1 frame, found \(length)")
            }
            out.trackLengthFrames.append(Int32(length))
            if let c = cols.startFrame {
                out.startFrame.append(Int32(clamping: Int64(try integer(c, "start frame"))))
            } else {
                out.startFrame.append(-1)
            }
            if let c = cols.included {
                let s = rows.string(f[c])
                guard let b = Self.parseFlag(s) else {
                    throw rows.error(line: i, column: c + 1, "expected TRUE/FALSE, Yes/No or 1/0 in \"\(InputError.echo(header[c]))\", found \"\(InputError.echo(s))\"")
                }
                out.includedInDistribution.append(b)
            } else {
                out.includedInDistribution.append(true)
            }
        }
        return out
    }

    /// Reads an `_AllTracks.csv` into a trajectory table (positions in pixels;
    /// intensity: the adjusted intensity, e^`Ln(Adjusted intensity)/AU`, when
    /// present). Every row is kept:
    /// NTA's own `Included in distribution?` selection is not applied, the
    /// pipeline makes its own.
    public func readAllTracks(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> TrajectoryReadResult {
        let name = displayName ?? url.path
        return try readAllTracks(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads an `_AllTracks.csv` from bytes in any supported encoding.
    public func readAllTracks(bytes: [UInt8], fileName: String) throws(InputError) -> TrajectoryReadResult {
        let decoded = TextDecoding.decode(bytes)
        let rows = TextRows(bytes: [], fileName: fileName)
        let utf8 = TextRows.normalizingLoneCarriageReturns(decoded.utf8)
        let headerEnd = utf8.firstIndex(of: 0x0A) ?? utf8.count
        let headerRows = TextRows.sniffingDelimiter(
            DecodedText(utf8: Array(utf8[0..<headerEnd]), encoding: .utf8, hadByteOrderMark: false, removedNULBytes: 0),
            fileName: fileName)
        guard headerRows.count > 0 else { throw rows.error(line: nil, "the file is empty; expected an AllTracks header") }
        let header = headerRows.strings(0)
        guard let cols = NanoSightParticleColumns(header: header), let f = cols.frame, let x = cols.x, let y = cols.y else {
            throw rows.error(line: 0, "expected a NanoSight AllTracks header with \"Particle ID\", \"Frame\", \"X/pixels\", \"Y/pixels\", found \(InputError.echoList(header))")
        }
        let mapping = ColumnMapping(particle: header[cols.particle], frame: header[f], x: header[x], y: header[y],
                                    intensity: cols.intensity.map { header[$0] }, positionUnit: .pixels)
        let result = utf8.withUnsafeBytes { raw in
            Result { () throws(InputError) -> TrajectoryReadResult in
                try TrajectoryCSVReader(mapping: mapping).read(bytes: raw, fileName: fileName)
            }
        }
        var read = try result.get()
        // The file holds the logarithm; the table holds intensities.
        if let ln = read.table.intensity { read.table.intensity = ln.map { Foundation.exp($0) } }
        if cols.diffusion != nil || cols.size != nil {
            read.instrumentTracks = Self.instrumentEstimates(utf8, columns: cols, fileName: fileName)
        }
        return read
    }

    /// NTA's own D and size of each particle (first row where they are numbers), in order of first
    /// appearance; D converted from nm²/s to µm²/s. Rows the trajectory reader refused never get here.
    static func instrumentEstimates(_ utf8: [UInt8], columns cols: NanoSightParticleColumns, fileName: String)
        -> [InstrumentTrackEstimate] {
        let rows = TextRows.sniffingDelimiter(
            DecodedText(utf8: utf8, encoding: .utf8, hadByteOrderMark: false, removedNULBytes: 0), fileName: fileName)
        var out: [InstrumentTrackEstimate] = []
        var index: [Int64: Int] = [:]
        for i in 1..<max(1, rows.count) where !rows.isBlankLine(i) {
            let f = rows.fields(i)
            guard cols.particle < f.count, let id = rows.number(f[cols.particle]), id.isFinite, abs(id) < 9e15,
                  id == id.rounded() else { continue }
            func value(_ c: Int?) -> Double {
                guard let c, c < f.count, let v = rows.number(f[c]) else { return .nan }
                return v
            }
            let d = value(cols.diffusion) * 1e-6, size = value(cols.size)
            if let k = index[Int64(id)] {
                if out[k].diffusionUm2PerS.isNaN { out[k].diffusionUm2PerS = d }
                if out[k].diameterNanometers.isNaN { out[k].diameterNanometers = size }
            } else {
                index[Int64(id)] = out.count
                out.append(InstrumentTrackEstimate(particleID: Int64(id), diffusionUm2PerS: d, diameterNanometers: size))
            }
        }
        return out
    }

    /// Why `rows` is not a ParticleData file, or `nil`.
    static func particleDataMismatch(_ rows: TextRows) -> String? {
        guard rows.count > 0, let c = NanoSightParticleColumns(header: rows.strings(0)) else {
            return "the header has no \"Particle ID\" column"
        }
        if c.diffusion == nil || c.trackLength == nil { return "the header lacks \"Diffusion coefficient\" or \"Tracklength\"" }
        if c.frame != nil { return "the header has a \"Frame\" column (one row per frame: AllTracks, not ParticleData)" }
        return nil
    }

    /// Why `rows` is not an AllTracks file, or `nil`.
    static func allTracksMismatch(_ rows: TextRows) -> String? {
        guard rows.count > 0, let c = NanoSightParticleColumns(header: rows.strings(0)) else {
            return "the header has no \"Particle ID\" column"
        }
        if c.frame == nil || c.x == nil || c.y == nil { return "the header lacks \"Frame\", \"X/pixels\" or \"Y/pixels\"" }
        return nil
    }
}
