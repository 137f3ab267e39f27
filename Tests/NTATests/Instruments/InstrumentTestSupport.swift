import Foundation
import NTA

/// Locations of the real instrument exports (read-only, outside the package)
/// and of scratch fixtures written by the tests.
enum InstrumentFiles {
    /// `$NTA_SHARED_FORMATS` when set (e.g. for a checkout elsewhere, such as a git worktree), else
    /// `../shared/formats` next to the package root.
    static let sharedFormats: URL = ProcessInfo.processInfo.environment["NTA_SHARED_FORMATS"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Instruments
        .deletingLastPathComponent()  // NTATests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()
        .appendingPathComponent("shared/formats")

    static func real(_ name: String) -> URL { sharedFormats.appendingPathComponent(name) }

    /// Whether the real file `name` is present (tests on it are skipped otherwise).
    static func has(_ name: String) -> Bool { FileManager.default.isReadableFile(atPath: real(name).path) }

    static let nanoSight34 = "nanosight-3.4-beads100-ExperimentSummary.csv"
    static let nanoSight32 = "nanosight-3.2-beads-12videos-ExperimentSummary.csv"
    static let nano33 = "nanosight-3.3-experiment.nano"
    static let zetaViewSize = "zetaview-8.06-ev-size_488.txt"
    static let zetaViewPositions = "zetaview-8.06-ev-size_488_11pos.txt"

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: real(name))) }

    /// Writes `bytes` to a fresh file in a temporary directory and returns its URL.
    static func fixture(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("nta-instrument-fixtures-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func fixture(_ name: String, _ text: String) throws -> URL { try fixture(name, Array(text.utf8)) }
}
