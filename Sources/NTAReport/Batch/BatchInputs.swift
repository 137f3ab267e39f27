import Foundation
import NTARead

/// Finds the samples of a batch among files and folders given on the command line.
///
/// A file given directly is always a sample. A folder is searched recursively,
/// in sorted order, and each data file in it is one sample, named by its path
/// (the folder as given joined with the path inside it). In folders these are
/// skipped, and counted by reason (``SkipReason``):
/// - hidden files and folders (names starting with `.`), symbolic links to folders (not followed) and to nothing;
/// - `<file>.settings.json` sidecars and every file that is not `.csv`, `.tsv`
///   or `.txt` (e.g. NanoSight `.nano` experiment files, videos, PDFs);
/// - the simulator's ground truth, `*.truth.*`;
/// - `.txt` companion tables that hold no size measurement: ZetaView per-position
///   (`_11pos`) tables and zeta-potential profiles, recognised by content;
/// - an earlier batch's summary table (a `.csv` starting with ``BatchSummaryTable/header``'s first names).
public enum BatchInputs {
    /// Why a file in a folder was not taken as a sample.
    public enum SkipReason: String, Sendable, CaseIterable {
        case hidden = "hidden"
        case linkedFolder = "linked folder (symbolic links to folders are not followed)"
        case settingsSidecar = "settings sidecar (.settings.json)"
        case groundTruth = "simulator ground truth (*.truth.*)"
        case notData = "not a .csv, .tsv or .txt file"
        case companionTable = "instrument companion table without sizes (ZetaView _11pos / profile)"
        case brokenLink = "symbolic link to nothing (its target is missing)"
        case batchSummary = "an nta-size batch summary (a CSV whose header starts sample,files,status,error)"
    }

    /// The samples found and the files skipped.
    public struct Discovery: Sendable {
        /// One sample per data file, sorted by name; paths given twice appear once.
        public var samples: [BatchSample]
        /// Files skipped in folders, by reason.
        public var skipped: [SkipReason: Int]
        /// Paths given more than once (analysed once).
        public var repeated: [String]
    }

    /// Extensions (lower case) of data files taken from folders.
    public static let dataExtensions: Set<String> = ["csv", "tsv", "txt"]

    /// Finds the samples in `paths`. A path that does not exist becomes a sample
    /// whose analysis fails with "cannot read the file", like any unreadable file.
    public static func discover(_ paths: [String]) -> Discovery {
        var names: [String] = []
        var skipped: [SkipReason: Int] = [:]
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                names.append(path)
                continue
            }
            let root = URL(fileURLWithPath: path)
            for relative in files(under: root) {
                let shown = (path as NSString).appendingPathComponent(relative)
                if let reason = skipReason(relativePath: relative, url: root.appendingPathComponent(relative)) {
                    skipped[reason, default: 0] += 1
                } else {
                    names.append(shown)
                }
            }
        }
        // One file under several names (`a.csv`, `./a.csv`, a folder's path to it, a link to it) is one sample, named as
        // first given; the others are reported as repeated.
        var seen = Set<String>(), repeated: [String] = []
        var unique: [String] = []
        for n in names {
            let identity = URL(fileURLWithPath: n).standardizedFileURL.resolvingSymlinksInPath().path
            if seen.insert(identity).inserted { unique.append(n) } else if !repeated.contains(n) { repeated.append(n) }
        }
        let samples = unique.sorted().map { BatchSample(name: $0, files: [$0]) }
        return Discovery(samples: samples, skipped: skipped, repeated: repeated)
    }

    /// Every file under `root`, as paths relative to it, sorted. Hidden folders and
    /// symbolic links to folders are listed but not entered (each is one skipped entry).
    static func files(under root: URL) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        var pending = [""]
        while let folder = pending.popLast() {
            let url = folder.isEmpty ? root : root.appendingPathComponent(folder)
            guard let entries = try? fm.contentsOfDirectory(atPath: url.path) else { continue }
            for entry in entries.sorted() {
                let relative = folder.isEmpty ? entry : folder + "/" + entry
                var isDirectory: ObjCBool = false
                // A link to nothing is listed (and skipped, counted) rather than passed over in silence.
                guard fm.fileExists(atPath: url.appendingPathComponent(entry).path, isDirectory: &isDirectory) else {
                    out.append(relative)
                    continue
                }
                if isDirectory.boolValue {
                    let type = (try? fm.attributesOfItem(atPath: url.appendingPathComponent(entry).path))?[.type] as? FileAttributeType
                    if entry.hasPrefix(".") || type == .typeSymbolicLink { out.append(relative) } else { pending.append(relative) }
                } else {
                    out.append(relative)
                }
            }
        }
        return out.sorted()
    }

    /// Whether the file at `url` starts as a batch summary table does (``BatchSummaryTable/header``'s first four names):
    /// an earlier run's summary left in a folder is not a sample.
    static func isBatchSummary(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 64)) ?? Data()
        return start.starts(with: Data(BatchSummaryTable.header.prefix(4).joined(separator: ",").utf8))
    }

    /// Why the file at `relativePath` in a searched folder is not a sample, or `nil` when it is one.
    static func skipReason(relativePath: String, url: URL) -> SkipReason? {
        let name = (relativePath as NSString).lastPathComponent
        if relativePath.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return .hidden }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return .brokenLink }
        if isDirectory.boolValue { return .linkedFolder }
        let lower = name.lowercased()
        if lower.hasSuffix(".settings.json") { return .settingsSidecar }
        if lower.contains(".truth.") { return .groundTruth }
        let ext = (lower as NSString).pathExtension
        guard dataExtensions.contains(ext) else { return .notData }
        if ext == "csv", isBatchSummary(url) { return .batchSummary }
        if ext == "txt", let format = try? InstrumentFormatDetector.detect(contentsOf: url),
           [.zetaViewPositions, .zetaViewProfile, .nanoSightExperimentFile].contains(format) {
            return .companionTable
        }
        return nil
    }
}
