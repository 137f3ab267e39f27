/// Which columns of a delimited trajectory file hold what.
///
/// Columns are named by their header text (matched case-insensitively, spaces
/// trimmed) or, for files without usable names, by 1-based position as `#3`.
public struct ColumnMapping: Sendable, Hashable {
    /// Column of the track (particle) id.
    public var particle: String
    /// Column of the frame index.
    public var frame: String
    /// Column of the x position, in ``positionUnit``.
    public var x: String
    /// Column of the y position, in ``positionUnit``.
    public var y: String
    /// Intensity column; `nil` when the file has none or it is not wanted.
    public var intensity: String?
    /// Unit of the x and y columns.
    public var positionUnit: PositionUnit
    /// Which column, if any, says which video (capture) each row belongs to (``VideoColumn``).
    public var video: VideoColumn = .byName

    /// Where the reader finds the video (capture) each row belongs to, when one file holds several.
    public enum VideoColumn: Sendable, Hashable {
        /// The first column named `video`, `capture`, `movie`, `acquisition`, `series`, `video_id`, `capture_id` or
        /// `movie_id` (trimmed, any case) that no other role reads; none when the header has no such column.
        case byName
        /// This column (header text, or `#n`): an error when the header has none.
        case named(String)
        /// Not read: the rows are one video (a column of those names is then reported as not read).
        case none
    }

    /// A mapping naming each column by header text or `#n` (1-based position); positions in `positionUnit`.
    public init(particle: String, frame: String, x: String, y: String, intensity: String? = nil,
                positionUnit: PositionUnit = .pixels) {
        self.particle = particle
        self.frame = frame
        self.x = x
        self.y = y
        self.intensity = intensity
        self.positionUnit = positionUnit
    }

    /// trackpy's column names: `particle`, `frame`, `x`, `y`, intensity from
    /// `mass` (positions in pixels).
    public static let trackpy = ColumnMapping(particle: "particle", frame: "frame", x: "x", y: "y", intensity: "mass")

    /// Parses a mapping written as `particle=ID,frame=t,x=X,y=Y[,intensity=I][,unit=px|nm|um]`.
    /// Keys not given keep trackpy's names; an empty text (or only commas and spaces) is an error.
    /// `video=COLUMN` names the column of each row's video (`video=none`: none is read; see ``VideoColumn``).
    /// A key may be given once; a column may hold one role (names compared as the reader matches them:
    /// case-insensitively, spaces trimmed); a position is `#n` with n ≥ 1.
    public init(parsing text: String) throws(ColumnMappingError) {
        self = .trackpy
        var given: Set<Key> = []
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        // An empty value (`--columns ""`) maps nothing: not trackpy's names by default, but a mistake.
        guard parts.contains(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            throw ColumnMappingError(message: "expected key=column pairs, e.g. particle=TrackID,frame=Frame,x=X,y=Y, found \"\(InputError.echo(text))\"")
        }
        for part in parts {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, !pieces[1].isEmpty else {
                throw ColumnMappingError(message: "expected key=column, found \"\(InputError.echo(String(part)))\"")
            }
            guard let role = Key(naming: pieces[0].lowercased()) else {
                throw ColumnMappingError(
                    message: "unknown key \"\(InputError.echo(pieces[0]))\"; expected particle, frame, x, y, intensity, video or unit")
            }
            guard given.insert(role).inserted else {
                throw ColumnMappingError(message: "expected each key once, found \(role.rawValue) given twice")
            }
            if role != .unit, pieces[1].hasPrefix("#"), !(Int(pieces[1].dropFirst()).map { $0 >= 1 } ?? false) {
                throw ColumnMappingError(message: "expected a column position #n with n ≥ 1, found \"\(InputError.echo(pieces[1]))\"")
            }
            switch role {
            case .particle: particle = pieces[1]
            case .frame: frame = pieces[1]
            case .x: x = pieces[1]
            case .y: y = pieces[1]
            case .intensity: intensity = pieces[1] == "none" ? nil : pieces[1]
            case .video: video = pieces[1] == "none" ? .none : .named(pieces[1])
            case .unit:
                switch pieces[1].lowercased() {
                case "px", "pixel", "pixels": positionUnit = .pixels
                case "nm", "nanometers", "nanometres": positionUnit = .nanometers
                case "um", "µm", "micron", "microns", "micrometers", "micrometres": positionUnit = .micrometers
                default: throw ColumnMappingError(message: "expected unit px, nm or um, found \"\(InputError.echo(pieces[1]))\"")
                }
            }
        }
        // Two roles read from one column would make every row unusable (or silently wrong): a usage error.
        let videoColumn: String?
        if case .named(let column) = video { videoColumn = column } else { videoColumn = nil }
        let roles: [(Key, String?)] = [(.particle, particle), (.frame, frame), (.x, x), (.y, y), (.intensity, intensity),
                                       (.video, videoColumn)]
        var seen: [String: Key] = [:]
        for case let (role, column?) in roles {
            let name = column.trimmingCharacters(in: .whitespaces).lowercased()
            if let other = seen[name] {
                throw ColumnMappingError(message: "expected one column per role, found \(other.rawValue) and \(role.rawValue) both in column \"\(InputError.echo(column))\"")
            }
            seen[name] = role
        }
    }

    /// What a `--columns` key sets: a column's role, or the position unit.
    private enum Key: String {
        case particle, frame, x, y, intensity, video, unit

        /// The key named (its synonyms: track and id for particle, t for frame, mass for intensity, capture and
        /// movie for video); `nil` for an unknown name.
        init?(naming name: String) {
            switch name {
            case "track", "id": self = .particle
            case "t": self = .frame
            case "mass": self = .intensity
            case "capture", "movie": self = .video
            default: self.init(rawValue: name)
            }
        }
    }
}

/// A `--columns` specification that could not be understood.
public struct ColumnMappingError: Error, CustomStringConvertible, Sendable {
    /// What was expected and what was found.
    public var message: String
    public var description: String { "--columns: \(message)" }
}

import Foundation
import NTACore
