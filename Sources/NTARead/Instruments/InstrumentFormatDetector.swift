import Foundation
import NTACore

/// The file formats the instrument readers understand.
public enum InstrumentFormat: String, CaseIterable, Sendable, Codable, Hashable {
    /// NanoSight NTA 3.x `-ExperimentSummary.csv` (binned distributions and settings).
    case nanoSightExperimentSummary
    /// NanoSight `.nano` experiment file (INI: pixel size, frame rate, dilution …).
    case nanoSightExperimentFile
    /// NanoSight `_ParticleData.csv` (one row per track).
    case nanoSightParticleData
    /// NanoSight `_AllTracks.csv` (one row per particle per frame).
    case nanoSightAllTracks
    /// NanoSight NTA 2.x `-alltracks.csv` (one row per step; no frame numbers).
    case nanoSightTrackSteps
    /// ZetaView 8.x `_size_` measurement.
    case zetaViewSize
    /// ZetaView `_11pos` per-position table.
    case zetaViewPositions
    /// ZetaView `_prof_` zeta-potential profile: recognised only to be refused.
    case zetaViewProfile
    /// TrackMate spots table (CSV).
    case trackMateSpots
    /// trackpy trajectories (CSV with particle, frame, x, y).
    case trackpyTrajectories

    /// A human name for messages.
    public var displayName: String {
        switch self {
        case .nanoSightExperimentSummary: "NanoSight experiment summary (-ExperimentSummary.csv)"
        case .nanoSightExperimentFile: "NanoSight experiment file (.nano)"
        case .nanoSightParticleData: "NanoSight per-track export (_ParticleData.csv)"
        case .nanoSightAllTracks: "NanoSight per-frame export (_AllTracks.csv)"
        case .nanoSightTrackSteps: "NanoSight NTA 2.x per-step export (-alltracks.csv)"
        case .zetaViewSize: "ZetaView size measurement (_size_*.txt)"
        case .zetaViewPositions: "ZetaView per-position table (_11pos.txt)"
        case .zetaViewProfile: "ZetaView zeta-potential profile (_prof_*.txt)"
        case .trackMateSpots: "TrackMate spots table (CSV)"
        case .trackpyTrajectories: "trackpy trajectories (CSV: particle, frame, x, y)"
        }
    }
}

/// Whether one format fits a file, and if not, why.
public struct FormatVerdict: Sendable, Hashable {
    /// The format judged.
    public var format: InstrumentFormat
    /// `nil` when the content fits the format; otherwise what did not fit.
    public var mismatch: String?
}

/// Recognises an export from its content (never its file name).
///
/// Only the beginning of the file is decoded (64 KiB, cut at a line end);
/// formats are tried in a fixed order and the first that fits wins. For a
/// file that fits none, the error lists every format tried and why it did
/// not fit.
public enum InstrumentFormatDetector {
    /// Bytes of the file's beginning examined.
    static let sampleBytes = 1 << 16

    /// Every format's verdict on `bytes`, in the order tried.
    public static func verdicts(bytes: [UInt8], fileName: String) -> [FormatVerdict] {
        var sample = bytes.count >= sampleBytes ? Array(bytes[0..<sampleBytes]) : bytes
        if bytes.count >= sampleBytes {
            // Cut at the last line end so a multi-byte character is not split (keep UTF-16 pairs whole).
            if let nl = sample.lastIndex(where: { $0 == 0x0A || $0 == 0x0D }) { sample.removeSubrange((nl + 1)...) }
            if sample.count % 2 == 1, sample.first == 0xFF || sample.first == 0xFE { sample.append(0) }
        }
        let rows = TextRows.sniffingDelimiter(TextDecoding.decode(sample), fileName: fileName)
        guard rows.count > 0, (0..<rows.count).contains(where: { !rows.line($0).trimmingCharacters(in: .whitespaces).isEmpty }) else {
            return InstrumentFormat.allCases.map { FormatVerdict(format: $0, mismatch: "the file is empty") }
        }
        var out: [FormatVerdict] = []
        for format in InstrumentFormat.allCases {
            let why: String?
            switch format {
            case .nanoSightExperimentSummary: why = NanoSightSummaryReader.mismatch(rows)
            case .nanoSightExperimentFile: why = NanoSightExperimentFileReader.mismatch(rows)
            case .nanoSightParticleData: why = NanoSightPerParticleReader.particleDataMismatch(rows)
            case .nanoSightAllTracks: why = NanoSightPerParticleReader.allTracksMismatch(rows)
            case .nanoSightTrackSteps: why = NanoSightTrackStepReader.mismatch(rows)
            case .zetaViewSize:
                why = ZetaViewSizeReader.mismatch(rows)
            case .zetaViewPositions: why = ZetaViewSizeReader.positionsMismatch(rows)
            case .zetaViewProfile:
                if rows.line(0).hasPrefix("Original File:"), ZetaViewSizeReader.profileReason(rows) != nil {
                    why = nil
                } else {
                    why = "not a ZetaView export whose Type of Measurement (or Original File) is a zeta-potential profile"
                }
            case .trackMateSpots: why = TrackMateSpotsReader.mismatch(rows)
            case .trackpyTrajectories: why = trackpyMismatch(rows)
            }
            out.append(FormatVerdict(format: format, mismatch: why))
        }
        return out
    }

    /// The format of `bytes`, or an ``InputError`` listing every format tried and why each did not fit.
    public static func detect(bytes: [UInt8], fileName: String) throws(InputError) -> InstrumentFormat {
        let all = verdicts(bytes: bytes, fileName: fileName)
        // A profile is recognised before the size reader refuses it.
        if all.contains(where: { $0.format == .zetaViewProfile && $0.mismatch == nil }) { return .zetaViewProfile }
        if let hit = all.first(where: { $0.mismatch == nil }) { return hit.format }
        let tried = all.filter { $0.format != .zetaViewProfile }
            .map { "\($0.format.displayName): \($0.mismatch ?? "")" }.joined(separator: "; ")
        // What the file starts with, where it starts: its first line that is not blank.
        let rows = TextRows.sniffingDelimiter(TextDecoding.decode(Array(bytes.prefix(sampleBytes))), fileName: fileName)
        guard let first = (0..<rows.count).first(where: { !rows.line($0).trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw InputError(file: fileName, message: "expected trajectories or an instrument export, found an empty file")
        }
        throw InputError(file: fileName, line: first + 1, column: 1,
                         message: "expected trajectories (a header naming particle, frame, x and y; other trackers' columns with --columns) or an instrument export, found \"\(InputError.echo(rows.line(first)))\"; tried: \(tried)")
    }

    /// The format of the file at `url`.
    public static func detect(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> InstrumentFormat {
        let name = displayName ?? url.path
        return try detect(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    static func trackpyMismatch(_ rows: TextRows) -> String? {
        guard let h = (0..<rows.count).first(where: { !rows.isBlankLine($0) }) else { return "the file is empty" }
        let line = rows.line(h)
        let tabs = line.filter { $0 == "\t" }.count, commas = line.filter { $0 == "," }.count
        let semicolons = line.filter { $0 == ";" }.count
        let delimiter: UInt8 = tabs > commas && tabs >= semicolons ? 0x09 : (semicolons > commas ? 0x3B : 0x2C)
        let names = Set(rows.strings(h, delimiter: delimiter).map { $0.lowercased() })
        let missing = ["particle", "frame", "x", "y"].filter { !names.contains($0) }
        if !missing.isEmpty {
            return "the header has no \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) column\(missing.count == 1 ? "" : "s")"
        }
        return nil
    }
}

/// What reading an instrument export produced.
public enum InstrumentReading: Sendable {
    /// A NanoSight NTA 3.x `-ExperimentSummary.csv`.
    case nanoSightSummary(NanoSightExperimentSummary)
    /// A NanoSight `.nano` experiment file.
    case nanoSightExperimentFile(NanoSightExperimentFile)
    /// A NanoSight `_ParticleData.csv` (one row per track).
    case nanoSightParticleData(NanoSightParticleData)
    /// Per-frame positions (NanoSight AllTracks, TrackMate, trackpy) for the trajectory pipeline.
    case trajectories(TrajectoryReadResult, InstrumentFormat)
    /// A ZetaView `_size_` measurement.
    case zetaViewSize(ZetaViewSizeMeasurement)
    /// A ZetaView `_11pos` per-position table.
    case zetaViewPositions(ZetaViewPositionTable)

    /// Detects the format from content and reads the file with its reader.
    /// A ZetaView zeta-potential profile is an ``InputError`` saying so.
    public static func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> InstrumentReading {
        let name = displayName ?? url.path
        let (data, isMapped) = try MappedFile.contents(at: url, displayName: name)
        // trackpy files can be large: when the beginning is 8-bit text, let the trajectory
        // reader parse the memory-mapped file in place instead of copying and transcoding it
        // (a pipe, read once already, goes on from the bytes read).
        let prefix = [UInt8](data.prefix(InstrumentFormatDetector.sampleBytes))
        if isMapped, try InstrumentFormatDetector.detect(bytes: prefix, fileName: name) == .trackpyTrajectories,
           TextDecoding.decode(prefix).encoding != .utf16LittleEndian,
           TextDecoding.decode(prefix).encoding != .utf16BigEndian {
            return .trajectories(try TrajectoryCSVReader().read(contentsOf: url, displayName: name), .trackpyTrajectories)
        }
        return try read(bytes: [UInt8](data), fileName: name)
    }

    /// Reads the file at `url` when its content is in the `required` format, else throws `mismatch(found)`. The file
    /// is read once for both the check and the reading (a pipe cannot be read twice).
    public static func read(contentsOf url: URL, displayName: String? = nil, requiring required: InstrumentFormat,
                            mismatch: (InstrumentFormat) -> InputError) throws(InputError) -> InstrumentReading {
        let name = displayName ?? url.path
        let bytes = [UInt8](try MappedFile.contents(at: url, displayName: name).bytes)
        let found = try InstrumentFormatDetector.detect(bytes: bytes, fileName: name)
        guard found == required else { throw mismatch(found) }
        return try read(bytes: bytes, fileName: name)
    }

    /// Detects the format of `bytes` and reads them.
    public static func read(bytes: [UInt8], fileName: String) throws(InputError) -> InstrumentReading {
        switch try InstrumentFormatDetector.detect(bytes: bytes, fileName: fileName) {
        case .nanoSightExperimentSummary:
            return .nanoSightSummary(try NanoSightSummaryReader().read(bytes: bytes, fileName: fileName))
        case .nanoSightExperimentFile:
            return .nanoSightExperimentFile(try NanoSightExperimentFileReader().read(bytes: bytes, fileName: fileName))
        case .nanoSightParticleData:
            return .nanoSightParticleData(try NanoSightPerParticleReader().readParticleData(bytes: bytes, fileName: fileName))
        case .nanoSightAllTracks:
            return .trajectories(try NanoSightPerParticleReader().readAllTracks(bytes: bytes, fileName: fileName), .nanoSightAllTracks)
        case .nanoSightTrackSteps:
            return .trajectories(try NanoSightTrackStepReader().read(bytes: bytes, fileName: fileName), .nanoSightTrackSteps)
        case .zetaViewSize, .zetaViewProfile:
            return .zetaViewSize(try ZetaViewSizeReader().read(bytes: bytes, fileName: fileName))
        case .zetaViewPositions:
            return .zetaViewPositions(try ZetaViewSizeReader().readPositions(bytes: bytes, fileName: fileName))
        case .trackMateSpots:
            return .trajectories(try TrackMateSpotsReader().read(bytes: bytes, fileName: fileName), .trackMateSpots)
        case .trackpyTrajectories:
            let utf8 = TextDecoding.decode(bytes).utf8
            let result = utf8.withUnsafeBytes { raw in
                Result { () throws(InputError) -> TrajectoryReadResult in
                    try TrajectoryCSVReader().read(bytes: raw, fileName: fileName)
                }
            }
            return .trajectories(try result.get(), .trackpyTrajectories)
        }
    }
}
