import Foundation
import NTACore

/// Reads a NanoSight NTA 2.x per-step export (`<video>-alltracks.csv`) as trajectories.
///
/// The file has one row per step, not per position (FORMATS.md):
/// `Particle ID, Track Step, X1, Y1, X2, Y2, Diffusion Co, Particle Size`,
/// positions in pixels, rows grouped by particle in step order. Step k of a
/// track moves from (X1, Y1) to (X2, Y2). Each track's positions are rebuilt
/// from its steps: the first row's (X1, Y1), then each row's displacement
/// (X2 − X1, Y2 − Y1) added in turn, at consecutive frames 0, 1, 2 … from the
/// track's own start. The file has no frame numbers, so frames are not shared
/// across tracks (``TrajectoryReadResult/framesSharedAcrossTracks`` is `false`):
/// drift, particles per frame and concentration cannot be computed from it.
///
/// `Diffusion Co` is NTA's one-lag MSD, ⟨(X2−X1)² + (Y2−Y1)²⟩/4 × (nm/px)² × fps,
/// printed in 10⁴ nm²/s; `Particle Size` its Stokes–Einstein diameter (nm).
/// Both are kept for every track, dropped or not (``TrajectoryReadResult/instrumentTracks``, D in µm²/s).
/// A track whose every step is zero (NTA prints D = 0 and a huge size) is left out
/// and counted (``DropReason/allStepsZero``).
///
/// `;`-delimited re-saves with decimal commas are read too (see ``DecimalMark``).
public struct NanoSightTrackStepReader: Sendable {
    /// A reader; it has no options.
    public init() {}

    /// `Diffusion Co` unit: 10⁴ nm²/s = 10⁻² µm²/s.
    public static let printedDiffusionUnitUm2PerS = 1e-2

    /// Reads the file at `url`; errors name it `displayName` (default: the path).
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> TrajectoryReadResult {
        let name = displayName ?? url.path
        return try read(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// The columns of the header, by role.
    struct Columns {
        var particle: Int, step: Int, x1: Int, y1: Int, x2: Int, y2: Int
        var diffusion: Int?, size: Int?
        var lastNeeded: Int { max(particle, step, x1, y1, x2, y2) }

        init?(header: [String]) {
            let n = header.map { $0.lowercased().replacingOccurrences(of: " ", with: "") }
            func find(_ name: String) -> Int? { n.firstIndex(of: name) }
            guard let p = find("particleid"), let s = find("trackstep"), let x1 = find("x1"), let y1 = find("y1"),
                  let x2 = find("x2"), let y2 = find("y2") else { return nil }
            particle = p; step = s; self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
            diffusion = n.firstIndex { $0.hasPrefix("diffusionco") }
            size = n.firstIndex { $0.hasPrefix("particlesize") }
        }
    }

    /// Why `rows` is not an NTA 2.x per-step export, or `nil`.
    static func mismatch(_ rows: TextRows) -> String? {
        guard let h = (0..<rows.count).first(where: { !rows.isBlankLine($0) }) else { return "the file is empty" }
        if Columns(header: rows.strings(h)) == nil {
            return "the header lacks \"Particle ID\", \"Track Step\", \"X1\", \"Y1\", \"X2\" or \"Y2\""
        }
        return nil
    }

    /// Reads an export from bytes in any supported encoding.
    public func read(bytes: [UInt8], fileName: String) throws(InputError) -> TrajectoryReadResult {
        let rows = TextRows.sniffingDelimiter(TextDecoding.decode(bytes), fileName: fileName)
        guard let headerIndex = (0..<rows.count).first(where: { !rows.isBlankLine($0) }) else {
            throw rows.error(line: nil, "the file is empty; expected an NTA 2.x header \"Particle ID, Track Step, X1, Y1, X2, Y2, Diffusion Co, Particle Size\"")
        }
        let header = rows.strings(headerIndex)
        guard let cols = Columns(header: header) else {
            throw rows.error(line: headerIndex, "expected an NTA 2.x header with \"Particle ID\", \"Track Step\", \"X1\", \"Y1\", \"X2\", \"Y2\", found \(InputError.echoList(header))")
        }
        var table = TrajectoryTable(positionUnit: .pixels)
        var result = TrajectoryReadResult(table: table, rowsRead: 0)
        result.framesSharedAcrossTracks = false

        // The track being rebuilt.
        var currentID: Int64?
        var currentLine = 0
        var xs: [Double] = [], ys: [Double] = []
        var moved = false
        var instrument = InstrumentTrackEstimate(particleID: 0, diffusionUm2PerS: .nan, diameterNanometers: .nan)
        var firstLine: [Int64: Int] = [:]

        func finishTrack() {
            guard let id = currentID else { return }
            if moved {
                for k in xs.indices {
                    table.particle.append(id)
                    table.frame.append(Int32(k))
                    table.x.append(xs[k])
                    table.y.append(ys[k])
                }
            } else {
                result.droppedTracks.append(DroppedTrack(particleID: id, localisations: xs.count, reason: .allStepsZero))
            }
            result.instrumentTracks.append(instrument)
            xs.removeAll(keepingCapacity: true)
            ys.removeAll(keepingCapacity: true)
            moved = false
        }

        for i in (headerIndex + 1)..<max(headerIndex + 1, rows.count) where !rows.isBlankLine(i) {
            let f = rows.fields(i)
            guard f.count > cols.lastNeeded else {
                throw rows.error(line: i, "expected at least \(cols.lastNeeded + 1) fields (up to \"\(InputError.echo(header[cols.lastNeeded]))\"), found \(f.count)\(i == rows.count - 1 ? " (truncated file?)" : "")")
            }
            func number(_ c: Int) throws(InputError) -> Double {
                guard let v = rows.number(f[c]), v.isFinite else {
                    throw rows.error(line: i, column: c + 1, "expected a finite number in column \"\(InputError.echo(header[c]))\", found \"\(rows.excerpt(f[c]))\"\(rows.decimalHint(f[c]))")
                }
                return v
            }
            func optionalNumber(_ c: Int?) -> Double {
                guard let c, c < f.count, let v = rows.number(f[c]) else { return .nan }
                return v
            }
            let idValue = try number(cols.particle)
            guard abs(idValue) < 9e15, idValue == idValue.rounded() else {
                throw rows.error(line: i, column: cols.particle + 1, "expected an integer particle id in column \"\(InputError.echo(header[cols.particle]))\", found \"\(rows.excerpt(f[cols.particle]))\"")
            }
            _ = try number(cols.step)
            func position(_ c: Int) throws(InputError) -> Double {
                let v = try number(c)
                guard abs(v) <= TrajectoryCSVReader.largestPositionMagnitude else {
                    throw rows.error(line: i, column: c + 1, TrajectoryCSVReader.positionBeyondLimitMessage(
                        column: InputError.echo(header[c]), found: rows.excerpt(f[c])))
                }
                return v
            }
            let x1 = try position(cols.x1), y1 = try position(cols.y1), x2 = try position(cols.x2), y2 = try position(cols.y2)
            result.rowsRead += 1
            let id = Int64(idValue)
            if id != currentID {
                finishTrack()
                if let earlier = firstLine[id] {
                    throw rows.error(line: i, column: cols.particle + 1, "expected the rows of each particle together, found particle \(id) again after other particles (its rows began on line \(earlier))")
                }
                guard xs.count < Int(Int32.max) else {
                    throw rows.error(line: i, "a track longer than \(Int32.max) positions")
                }
                firstLine[id] = i + 1
                currentID = id
                currentLine = i + 1
                xs.append(x1)
                ys.append(y1)
                instrument = InstrumentTrackEstimate(
                    particleID: id,
                    diffusionUm2PerS: optionalNumber(cols.diffusion) * Self.printedDiffusionUnitUm2PerS,
                    diameterNanometers: optionalNumber(cols.size))
            }
            guard xs.count < Int(Int32.max) else {
                throw rows.error(line: i, "track \(id) (from line \(currentLine)) has more than \(Int32.max) positions")
            }
            let dx = x2 - x1, dy = y2 - y1
            if dx != 0 || dy != 0 { moved = true }
            guard let lastX = xs.last, let lastY = ys.last else { continue }
            xs.append(lastX + dx)
            ys.append(lastY + dy)
        }
        finishTrack()
        result.table = table
        if let warning = TrajectoryCSVReader.precisionWarning(table) { result.warnings.append(warning) }
        return result
    }
}
