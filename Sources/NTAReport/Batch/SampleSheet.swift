import Foundation
import NTACore
import NTARead
import NTAPopulations
import NTAPipeline

/// Per-sample values from a sample sheet that override the batch-wide flags.
///
/// Precedence in `nta-size batch`: a sheet value > a flag given to `batch` >
/// the file's own settings (sidecar, instrument export) > the default. The
/// sheet is the more specific statement (one sample, written by whoever ran
/// it); a flag is a day-wide default applied to every sample.
public struct SampleOverrides: Sendable, Hashable {
    /// Acquisition settings (frame rate Hz, pixel size nm, temperature °C,
    /// viscosity mPa·s, exposure ms, minimum track length).
    public var settings = AcquisitionSettings()
    /// Times the original sample was diluted before measuring (≥ 1).
    public var dilution: Double?
    /// Detection volume, nL (for concentration from trajectories).
    public var detectionVolumeNanoliters: Double?
    /// Size window for the number fraction, nm.
    public var window: SizeWindow?

    /// No overrides: every value comes from the batch flags, the files or the defaults.
    public init() {}

    /// Whether the sheet set nothing for this sample.
    public var isEmpty: Bool {
        settings == AcquisitionSettings() && dilution == nil && detectionVolumeNanoliters == nil && window == nil
    }

    /// `options` with these values replacing the batch-wide ones.
    public func applied(to options: AnalysisOptions) throws(PopulationError) -> AnalysisOptions {
        var o = options
        o.settings = options.settings.overridden(by: settings)
        if let dilution { o.dilution = dilution }
        if let nl = detectionVolumeNanoliters { o.detectionVolume = try DetectionVolume(nanoliters: nl) }
        if let window { o.window = window }
        return o
    }

    /// The report keys of the settings these overrides set (for provenance in reports).
    public var reportedSettingKeys: [String] {
        var keys: [String] = []
        if settings.frameRateHz != nil { keys.append("frameRateHz") }
        if settings.nanometersPerPixel != nil { keys.append("nanometersPerPixel") }
        if settings.temperatureCelsius != nil { keys.append("temperatureCelsius") }
        if settings.viscosityMillipascalSeconds != nil { keys.append("viscosityMillipascalSeconds") }
        if settings.exposureMilliseconds != nil { keys.append("exposureMilliseconds") }
        if settings.minTrackLength != nil { keys.append("minTrackLength") }
        if window != nil { keys += ["windowMinNm", "windowMaxNm"] }
        return keys
    }
}

/// One sample of a batch: its name, its files and any per-sample overrides.
public struct BatchSample: Sendable, Equatable {
    /// The sample's name: the sheet's `sample` cell, or the file's path.
    public var name: String
    /// Scatter-mode input files, pooled as one sample (as `analyze` pools them).
    public var files: [String]
    /// Fluorescence-mode captures of the same sample, for the marker-positive count.
    public var fluorescence: [String]
    /// The sheet's values for this sample (empty for a file given directly).
    public var overrides: SampleOverrides
    /// Where the sample was defined (`samples.csv:4`), or `nil` for a file given directly.
    public var origin: String?
    /// A problem with the sample's own definition (a bad sheet cell): the sample fails with it.
    public var problem: InputError?

    /// A sample of `files` named `name`, with optional fluorescence captures, sheet values, origin and problem.
    public init(name: String, files: [String], fluorescence: [String] = [], overrides: SampleOverrides = SampleOverrides(),
                origin: String? = nil, problem: InputError? = nil) {
        self.name = name
        self.files = files
        self.fluorescence = fluorescence
        self.overrides = overrides
        self.origin = origin
        self.problem = problem
    }
}

/// A sample sheet: one row per sample, naming its files and, optionally, its settings.
///
/// A delimited text file (comma; tab or semicolon when the header uses them)
/// with a header row. Columns, in any order, names case-insensitive:
///
/// | column | meaning |
/// | --- | --- |
/// | `sample` | the sample's name (required, unique) |
/// | `files` | its input files, separated by `;` or `\|` (only `\|` in a semicolon-delimited sheet), relative to the sheet's folder (required) |
/// | `fluorescence` | fluorescence captures of the sample, same form |
/// | `fps` | frame rate, Hz |
/// | `nm_per_pixel` | pixel size in the sample plane, nm |
/// | `temperature` | °C |
/// | `viscosity` | mPa·s (overrides the water model) |
/// | `exposure_ms` | exposure per frame, ms |
/// | `min_track_length` | localisations |
/// | `dilution` | factor, 1 … 10¹⁵ |
/// | `detection_volume_nl` | nL |
/// | `window` | `MIN-MAX`, nm |
///
/// An empty cell means "not given here". Blank lines and lines whose first
/// cell starts with `#` are skipped. A bad cell fails only its own sample
/// (with a `sheet:line:column` message); a bad header, a missing or repeated
/// sample name is an error for the whole sheet.
public struct SampleSheet: Sendable {
    /// The samples, in sheet order.
    public var samples: [BatchSample]

    /// Every column the sheet understands.
    public static let columns = ["sample", "files", "fluorescence", "fps", "nm_per_pixel", "temperature", "viscosity",
                                 "exposure_ms", "min_track_length", "dilution", "detection_volume_nl", "window"]

    /// The columns holding numbers (settings, dilution and detection volume).
    static let numberColumns = ["fps", "nm_per_pixel", "temperature", "viscosity", "exposure_ms", "min_track_length",
                                "dilution", "detection_volume_nl"]

    /// Reads the sheet at `path` (file paths in it are relative to its folder).
    public init(contentsOf path: String) throws(InputError) {
        let url = URL(fileURLWithPath: path)
        let bytes = try InstrumentFileLoading.bytes(of: url, displayName: path)
        let folder = (path as NSString).deletingLastPathComponent
        try self.init(bytes: bytes, fileName: path, folder: folder)
    }

    /// Parses a sheet's bytes; `folder` is prefixed to relative file paths (empty for none).
    public init(bytes: [UInt8], fileName: String, folder: String) throws(InputError) {
        let rows = TextRows(TextDecoding.decode(bytes), fileName: fileName)
        guard let h = (0..<rows.count).first(where: { !rows.isBlankLine($0) && !rows.isBlankLine($0, delimiter: 0x09) }) else {
            throw rows.error(line: nil, "expected a header row (sample,files,…), found an empty sheet")
        }
        let headerLine = rows.line(h)
        let tabs = headerLine.filter { $0 == "\t" }.count, commas = headerLine.filter { $0 == "," }.count
        let semicolons = headerLine.filter { $0 == ";" }.count
        let delimiter: UInt8 = tabs > 0 && tabs >= commas ? 0x09 : (semicolons > commas ? 0x3B : 0x2C)
        let listSeparators: Set<Character> = delimiter == 0x3B ? ["|"] : [";", "|"]
        let header = rows.strings(h, delimiter: delimiter).map { $0.lowercased() }
        var index: [String: Int] = [:]
        for (k, name) in header.enumerated() {
            guard Self.columns.contains(name) else {
                throw rows.error(line: h, column: k + 1,
                                 "expected a column named one of \(Self.columns.joined(separator: ", ")), found \"\(name)\"")
            }
            guard index[name] == nil else { throw rows.error(line: h, column: k + 1, "column \"\(name)\" appears twice") }
            index[name] = k
        }
        for required in ["sample", "files"] where index[required] == nil {
            throw rows.error(line: h, "expected a \"\(required)\" column in the header, found \(header.joined(separator: ","))")
        }
        // A semicolon-delimited sheet (a spreadsheet saved in a European locale) whose number cells hold commas writes
        // decimal commas: read them so, and refuse a point in a number cell there (thousands separator or decimal?).
        let numberColumns = Self.numberColumns.compactMap { index[$0] }
        let decimalComma = delimiter == 0x3B && ((h + 1)..<max(h + 1, rows.count)).contains { i in
            let cells = rows.strings(i, delimiter: delimiter)
            return numberColumns.contains { $0 < cells.count && cells[$0].contains(",") }
        }
        var samples: [BatchSample] = []
        var seen: [String: Int] = [:]
        for i in (h + 1)..<rows.count where !rows.isBlankLine(i, delimiter: delimiter) {
            let cells = rows.strings(i, delimiter: delimiter)
            if cells.first?.hasPrefix("#") == true { continue }
            func cell(_ name: String) -> String? {
                guard let k = index[name], k < cells.count, !cells[k].isEmpty else { return nil }
                return cells[k]
            }
            guard let name = cell("sample") else {
                throw rows.error(line: i, column: index["sample"].map { $0 + 1 }, "expected a sample name, found an empty cell")
            }
            if let first = seen[name] {
                throw rows.error(line: i, column: index["sample"].map { $0 + 1 },
                                 "sample \"\(name)\" is already defined on line \(first + 1); sample names must be unique")
            }
            seen[name] = i
            func paths(_ text: String?) -> [String] {
                (text ?? "").split(whereSeparator: { listSeparators.contains($0) })
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    .map { $0.hasPrefix("/") || folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
            }
            var sample = BatchSample(name: name, files: paths(cell("files")), fluorescence: paths(cell("fluorescence")),
                                     origin: "\(fileName):\(i + 1)")
            do throws(InputError) {
                // A quote left open swallows the rest of the row into one cell; say so rather than what is then missing.
                if rows.leavesQuoteOpen(i) {
                    throw rows.error(line: i, column: cells.count, "expected a closing quote (\") for the cell that opens with one, found the end of the row")
                }
                if cells.count > header.count {
                    throw rows.error(line: i, column: header.count + 1,
                                     "expected \(header.count) cells as in the header, found \(cells.count)")
                }
                if sample.files.isEmpty {
                    throw rows.error(line: i, column: index["files"].map { $0 + 1 }, "expected the sample's files, found an empty cell")
                }
                sample.overrides = try Self.overrides(cell: cell, column: { index[$0].map { $0 + 1 } }, line: i, rows: rows,
                                                      decimalComma: decimalComma)
            } catch {
                sample.problem = error
            }
            samples.append(sample)
        }
        self.samples = samples
    }

    /// Parses and checks a row's setting cells.
    private static func overrides(cell: (String) -> String?, column: (String) -> Int?, line i: Int, rows: TextRows,
                                  decimalComma: Bool) throws(InputError) -> SampleOverrides {
        func number(_ name: String, _ what: String, valid: (Double) -> Bool) throws(InputError) -> Double? {
            guard let text = cell(name) else { return nil }
            if decimalComma, text.contains(".") {
                throw rows.error(line: i, column: column(name), "expected a number with a decimal comma in column \"\(name)\", as the sheet's other numbers are written, found \"\(text)\" (a point there: a thousands separator or a decimal point?)")
            }
            guard let v = Double(decimalComma ? text.replacingOccurrences(of: ",", with: ".") : text), v.isFinite, valid(v) else {
                throw rows.error(line: i, column: column(name), "expected \(what) in column \"\(name)\", found \"\(text)\"")
            }
            return v
        }
        /// A setting's cell, checked against the same limits as its flag (``SettingLimit``), so that a bad cell is
        /// blamed on the sheet, not on a flag the user never gave.
        func setting(_ name: String, _ limit: SettingLimit, whole: Bool = false) throws(InputError) -> Double? {
            let what = "\(limit.meaning) between \(plainNumber(limit.range.lowerBound)) and \(plainNumber(limit.range.upperBound))"
            return try number(name, whole ? "\(what) (a whole number)" : what) {
                limit.problem($0) == nil && (!whole || $0 == $0.rounded())
            }
        }
        var o = SampleOverrides()
        o.settings.frameRateHz = try setting("fps", .frameRateHz)
        o.settings.nanometersPerPixel = try setting("nm_per_pixel", .nanometersPerPixel)
        o.settings.temperatureCelsius = try setting("temperature", .temperatureCelsius)
        o.settings.viscosityMillipascalSeconds = try setting("viscosity", .viscosityMillipascalSeconds)
        o.settings.exposureMilliseconds = try setting("exposure_ms", .exposureMilliseconds)
        if let m = try setting("min_track_length", .minTrackLength, whole: true) {
            o.settings.minTrackLength = Int(m)
        }
        o.dilution = try number("dilution", "a dilution factor of 1 … 10¹⁵") { DilutionFactor.accepted.contains($0) }
        o.detectionVolumeNanoliters = try number("detection_volume_nl", "a detection volume of 10⁻¹² … 10⁹ nL") {
            DetectionVolume.acceptsNanoliters($0)
        }
        if let text = cell("window") {
            guard let w = SizeWindow(parsing: text) else {
                throw rows.error(line: i, column: column("window"),
                                 "expected MIN-MAX in nm with MIN < MAX in column \"window\", found \"\(text)\"")
            }
            o.window = w
        }
        return o
    }
}
