import Foundation
import NTACore

/// One header entry of a ZetaView export: `Key:<TAB>value`.
public struct ZetaViewHeaderEntry: Sendable, Hashable {
    /// The key without its trailing colon(s) (`Dilution::` gives `Dilution`).
    public var key: String
    /// The value fields after the key, joined by single spaces (may be empty).
    public var value: String
    /// 1-based line.
    public var line: Int

    /// The first number in the value, e.g. `24.93` of `24.930000 sensed`
    /// (or of `24,930000 sensed`: ZetaView on a German-locale PC writes decimal
    /// commas, unambiguous in its tab-delimited text).
    public var number: Double? {
        for token in value.split(separator: " ") {
            if let x = NanoSightNumbers.parse(String(token), decimalMark: .either) { return x }
        }
        return nil
    }
}

/// One row of a ZetaView size table.
public struct ZetaViewSizeRow: Sendable, Hashable {
    /// `Size / nm`.
    public var sizeNanometers: Double
    /// `Number`: traces counted in this size class.
    public var number: Double
    /// `Concentration / cm-3` (= per ml), as measured in the cell (before dilution).
    public var concentrationPerMl: Double
    /// `Volume / nm^3`.
    public var volumeCubicNanometers: Double
    /// `Area / nm^2`.
    public var areaSquareNanometers: Double
}

/// The dilution applied to a concentration, and where it came from.
public struct DilutionRecord: Sendable, Hashable {
    /// The factor the measured concentration was multiplied by to give the
    /// original sample's (1 when none was applied).
    public var appliedFactor: Double
    /// The factor the file recorded, if any.
    public var recordedFactor: Double?
    /// Who applied a dilution factor (JSON `appliedBy`, the raw value).
    public enum Applier: String, Sendable, Hashable, CaseIterable {
        /// The instrument: already in the file's concentrations.
        case instrument
        /// This library, from the analysis options (`--dilution`) or a sample sheet.
        case ntaSize = "nta-size"
        /// Nobody: no factor was recorded or given.
        case none
    }

    /// Who applied it.
    public var appliedBy: Applier
    /// Where the factor was read, e.g. `ZetaView header "Dilution::" (line 32)`.
    public var source: String

    /// Whether the dilution is known (recorded in the file or given): the concentration is then the original
    /// sample's. `false` when none was recorded or given (``appliedBy`` `none`): it is the one measured in the cell.
    public var isKnown: Bool { appliedBy != .none }

    /// A dilution of `appliedFactor` (and the `recordedFactor` the file gave), applied by `appliedBy`, read from
    /// `source`.
    package init(appliedFactor: Double, recordedFactor: Double?, appliedBy: Applier, source: String) {
        self.appliedFactor = appliedFactor
        self.recordedFactor = recordedFactor
        self.appliedBy = appliedBy
        self.source = source
    }
}

/// A Particle Metrix ZetaView 8.x size measurement (`…_size_<laser>.txt`):
/// the header's key/values and the linear (5-nm) and log-spaced size tables.
/// Read one with ``ZetaViewSizeReader``.
public struct ZetaViewSizeMeasurement: Sendable, Hashable {
    /// Every header entry, in file order.
    public var header: [ZetaViewHeaderEntry]
    /// The linear table (1200 rows of 5 nm in 8.x), empty for a measurement without traces.
    public var linearRows: [ZetaViewSizeRow]
    /// The log-spaced table after the `-1` separator row.
    public var logRows: [ZetaViewSizeRow]
    /// How the file was decoded.
    public var encoding: TextEncoding

    /// The first header entry with `key` (without colons, case-insensitive).
    public func entry(_ key: String) -> ZetaViewHeaderEntry? {
        let k = key.lowercased()
        return header.first { $0.key.lowercased() == k }
    }

    /// Whether the measurement has no traces (its tables are empty or all zero).
    public var isEmpty: Bool { linearRows.allSatisfy { $0.number == 0 } }

    /// `Temperature`, °C.
    public var temperatureCelsius: Double? { entry("Temperature")?.number }
    /// `Viscosity`, mPa·s.
    public var viscosityMillipascalSeconds: Double? { entry("Viscosity")?.number }
    /// `Dilution::`.
    public var dilutionFactor: Double? { entry("Dilution")?.number }
    /// `Number of Traces` as printed (particle traces counted).
    public var numberOfTraces: Double? { entry("Number of Traces")?.number }
    /// `Average Number of Particles` as printed.
    public var averageNumberOfParticles: Double? { entry("Average Number of Particles")?.number }
    /// `Micrometer per Pixel` in nm.
    public var nanometersPerPixel: Double? { entry("Micrometer per Pixel")?.number.map { $0 * 1000 } }
    /// The camera's frame rate: `FRate` (else `FpSec`) of the `Camera:` entry.
    public var frameRateHz: Double? {
        guard let v = entry("Camera")?.value else { return nil }
        let tokens = v.split(separator: " ").map(String.init)
        for name in ["FRate", "FpSec"] {
            if let i = tokens.firstIndex(of: name), i + 1 < tokens.count, let x = NanoSightNumbers.parse(tokens[i + 1], decimalMark: .either) {
                return x
            }
        }
        return nil
    }
    /// ZetaView's printed `Median Number (D50)`, nm.
    public var printedMedianNumberNanometers: Double? { entry("Median Number (D50)")?.number }

    /// The median of the `Number` column as ZetaView computes it: the
    /// cumulative count, reached at each row's listed size, interpolated
    /// linearly between successive listed sizes. `nil` without traces.
    public var medianNumberNanometers: Double? {
        ZetaViewSizeMeasurement.percentileAtListedSizes(linearRows.map { $0.sizeNanometers }, linearRows.map { $0.number }, 0.5)
    }

    /// Size below which `fraction` of the amount lies, where row k's amount is
    /// reached at its listed size and the cumulative amount is linear between
    /// successive listed sizes (works for the linear and the log table).
    public static func percentileAtListedSizes(_ sizes: [Double], _ amounts: [Double], _ fraction: Double) -> Double? {
        guard sizes.count == amounts.count else { return nil }
        // Unlike a centred bin (SizeStatistics.percentile), row k's cell ends at its listed size: that reproduces ZetaView's printed D50 (FORMATS.md).
        switch Quantile.crossing(amounts, fraction) {
        case .empty: return nil
        case .within(let k, let t):
            let lower = k > 0 ? sizes[k - 1] : sizes[0] - (sizes.count > 1 ? sizes[1] - sizes[0] : 0)
            return lower + t * (sizes[k] - lower)
        case .beyondLastCell: return sizes.last
        }
    }

    /// Concentration in the cell, particles/ml: the sum of the linear table's `Concentration / cm-3`.
    public var measuredConcentrationPerMl: Double { linearRows.reduce(0) { $0 + $1.concentrationPerMl } }

    /// The original sample's concentration, particles/ml: measured × `Dilution::`
    /// (× 1 when the header has no dilution; ``dilution`` says which).
    public var concentrationPerMl: Double { measuredConcentrationPerMl * dilution.appliedFactor }

    /// The dilution applied to reach ``concentrationPerMl``: ZetaView's table
    /// does not include it, so this library applies `Dilution::`.
    public var dilution: DilutionRecord {
        if let e = entry("Dilution"), let f = e.number, f > 0 {
            return DilutionRecord(appliedFactor: f, recordedFactor: f, appliedBy: .ntaSize,
                                  source: "ZetaView header \"Dilution::\" (line \(e.line)); the table's concentrations do not include it")
        }
        return DilutionRecord(appliedFactor: 1, recordedFactor: nil, appliedBy: .none,
                              source: "ZetaView header has no \"Dilution::\"; concentrations are those measured in the cell")
    }

    /// The number distribution in the cell as uniform bins: row k's count in the
    /// bin that ends at its listed size (the convention that reproduces
    /// ZetaView's D50), in particles/ml of the original sample.
    public var numberDistribution: BinnedDistribution? {
        guard linearRows.count >= 2 else { return nil }
        let width = linearRows[1].sizeNanometers - linearRows[0].sizeNanometers
        return BinnedDistribution(firstCentreNanometers: linearRows[0].sizeNanometers - width / 2,
                                  binWidthNanometers: width,
                                  values: linearRows.map { $0.concentrationPerMl * dilution.appliedFactor })
    }
}

/// One row of a ZetaView `_11pos.txt` per-position table.
public struct ZetaViewPositionRow: Sendable, Hashable {
    /// Whether the position was used (`Use` column non-empty, e.g. `X`); the summary rows are never used.
    public var used: Bool
    /// `Position`, or the label of a summary row (`Mean`, `St.Dev.`, `Rel.St.Dev.`).
    public var position: String
    /// The remaining columns by header name (numbers; NaN where not numeric).
    public var values: [String: Double]
    /// `Removal` code (e.g. `MIN_TRACES`, `GRUBBS_NUMBER`), empty when kept.
    public var removal: String
    /// 1-based line.
    public var line: Int

    /// `X50 (nm)`, with ZetaView's 5997.5 "no data" mapped to `nil`.
    public var x50Nanometers: Double? {
        guard let x = values["X50 (nm)"], x.isFinite, x != 5997.5 else { return nil }
        return x
    }
}

/// A ZetaView `_11pos.txt` per-position table.
public struct ZetaViewPositionTable: Sendable, Hashable {
    /// Column names as printed.
    public var columns: [String]
    /// Measurement positions (no summary rows).
    public var positions: [ZetaViewPositionRow]
    /// Summary rows (`Mean`, `St.Dev.`, `Rel.St.Dev.`) by label.
    public var summaries: [String: ZetaViewPositionRow]
}

/// Reads ZetaView 8.x exports: the `_size_` measurement, the `_11pos`
/// per-position table, and refuses a `_prof_` zeta-potential profile with a
/// clear error.
public struct ZetaViewSizeReader: Sendable {
    /// A reader; it has no options.
    public init() {}

    /// Reads a size measurement from `url`.
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> ZetaViewSizeMeasurement {
        let name = displayName ?? url.path
        return try read(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads a size measurement from bytes in any supported encoding.
    public func read(bytes: [UInt8], fileName: String) throws(InputError) -> ZetaViewSizeMeasurement {
        let decoded = TextDecoding.decode(bytes)
        var rows = TextRows(decoded, fileName: fileName)
        rows.delimiter = 0x09
        rows.decimalMark = .either
        return try Self.parse(rows, encoding: decoded.encoding)
    }

    /// How many of `entries`' value tokens are numbers written with a decimal point and how many with a decimal comma:
    /// digits, one mark with digits on both sides, nothing else but a leading sign (a version such as 8.05.16, a date
    /// or a time is neither): the header's decimal mark, as its values show it.
    static func decimalMarks(_ entries: [ZetaViewHeaderEntry]) -> (points: Int, commas: Int) {
        var points = 0, commas = 0
        for e in entries {
            for token in e.value.split(separator: " ") {
                var b = Array(token.utf8)
                if b.first == 0x2D || b.first == 0x2B { b.removeFirst() }
                let marks = b.indices.filter { b[$0] == 0x2E || b[$0] == 0x2C }
                guard marks.count == 1, let i = marks.first, i > 0, i + 1 < b.count,
                      b.indices.allSatisfy({ $0 == i || (b[$0] >= 0x30 && b[$0] <= 0x39) }) else { continue }
                if b[i] == 0x2E { points += 1 } else { commas += 1 }
            }
        }
        return (points, commas)
    }

    /// Splits a header line into entries: tokens ending in `:` are keys; a
    /// token `Key: value` (a space, not a tab, after the colon) is split too.
    static func headerEntries(_ line: String, number: Int) -> [ZetaViewHeaderEntry] {
        var out: [ZetaViewHeaderEntry] = []
        for raw in line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) {
            let token = raw.trimmingCharacters(in: .whitespaces)
            if token.hasSuffix(":") {
                var key = token
                while key.hasSuffix(":") { key.removeLast() }
                out.append(ZetaViewHeaderEntry(key: key, value: "", line: number))
            } else if out.isEmpty {
                if let r = token.range(of: ": ") {
                    var key = String(token[..<r.lowerBound])
                    while key.hasSuffix(":") { key.removeLast() }
                    out.append(ZetaViewHeaderEntry(key: key, value: String(token[r.upperBound...]).trimmingCharacters(in: .whitespaces), line: number))
                }
            } else if !token.isEmpty {
                out[out.count - 1].value += out[out.count - 1].value.isEmpty ? token : " " + token
            }
        }
        return out
    }

    /// The values the report gives as settings, and the dilution it applies, are held to the limits of the flags
    /// (``SettingLimit``, ``DilutionFactor``): one outside them is an error at its line and field, as the flag's would be.
    static func checkLimits(_ m: ZetaViewSizeMeasurement, _ rows: TextRows) throws(InputError) {
        let checks: [(key: String, printed: String, value: Double?, problem: (Double) -> String?)] =
            [("Dilution", "Dilution::", m.dilutionFactor, DilutionFactor.problem)]
            + reportedSettings(m).map { ($0.key, $0.printed, $0.value, $0.limit.problem) }
        // The first in the file is reported.
        for c in checks.sorted(by: { (m.entry($0.key)?.line ?? 0) < (m.entry($1.key)?.line ?? 0) }) {
            guard let value = c.value, let problem = c.problem(value), let e = m.entry(c.key) else { continue }
            let unit = c.key == "Micrometer per Pixel" ? " (the file's µm × 1000)" : ""
            throw rows.error(line: e.line - 1, column: valueColumn(of: e, in: rows), "\"\(c.printed)\" \(problem)\(unit)")
        }
    }

    /// The header entries the report gives as settings: key, as printed, value read (`nil` when none) and limit.
    static func reportedSettings(_ m: ZetaViewSizeMeasurement)
        -> [(key: String, printed: String, value: Double?, limit: SettingLimit)] {
        [("Temperature", "Temperature:", m.temperatureCelsius, .temperatureCelsius),
         ("Viscosity", "Viscosity:", m.viscosityMillipascalSeconds, .viscosityMillipascalSeconds),
         ("Micrometer per Pixel", "Micrometer per Pixel:", m.nanometersPerPixel, .nanometersPerPixel),
         ("Camera", "Camera: FRate/FpSec", m.frameRateHz, .frameRateHz)]
    }

    /// Warnings for the settings the report gives whose header entry is filled but holds no number (the setting is
    /// then unknown), e.g. `Temperature: abc`.
    static func unreadSettings(_ m: ZetaViewSizeMeasurement) -> [String] {
        reportedSettings(m).compactMap { c in
            guard c.value == nil, let e = m.entry(c.key), !e.value.isEmpty else { return nil }
            return "\"\(c.printed)\" (line \(e.line)) reads \"\(InputError.echo(e.value))\", not a number: the \(c.limit.name) is not known"
        }
    }

    /// The 1-based field of `entry`'s value on its line: the field after `Key:`, or the key's own for `Key: value`.
    static func valueColumn(of entry: ZetaViewHeaderEntry, in rows: TextRows) -> Int? {
        let key = entry.key.lowercased()
        for (k, field) in rows.line(entry.line - 1).split(separator: "\t", omittingEmptySubsequences: false).enumerated() {
            var token = field.trimmingCharacters(in: .whitespaces).lowercased()
            if token.hasSuffix(":") {
                while token.hasSuffix(":") { token.removeLast() }
                if token == key { return k + 2 }
            } else if token.hasPrefix(key + ": ") {
                return k + 1
            }
        }
        return nil
    }

    /// Why `rows` is not a ZetaView size measurement, or `nil` if it is one.
    static func mismatch(_ rows: TextRows) -> String? {
        guard rows.count > 0, rows.line(0).hasPrefix("Original File:") else {
            return "the first line is not ZetaView's \"Original File:\" header"
        }
        if let why = profileReason(rows) { return why }
        for i in 0..<min(rows.count, 200) where rows.line(i).hasPrefix("Size / nm") { return nil }
        // A header naming the size in another column (columns moved by hand) is not ZetaView's export: say where it is.
        if let i = (0..<min(rows.count, 200)).first(where: { rows.line($0).contains("\tSize / nm") }) {
            return "line \(i + 1) names \"Size / nm\" in a later column, where ZetaView's table header starts with it"
        }
        return "no \"Size / nm\" table header in the first 200 lines"
    }

    /// Why the file is a zeta-potential profile rather than a size measurement, or `nil`.
    static func profileReason(_ rows: TextRows) -> String? {
        for i in 0..<min(rows.count, 120) {
            let line = rows.line(i)
            if line.hasPrefix("Type of Measurement:") {
                let v = line.dropFirst("Type of Measurement:".count).trimmingCharacters(in: .whitespaces)
                if v.lowercased().contains("zeta") || v.lowercased().contains("profile") {
                    return "this is a ZetaView zeta-potential profile (Type of Measurement: \(v), line \(i + 1)), not a size measurement; export the _size_ file instead"
                }
                return nil
            }
        }
        if rows.line(0).lowercased().contains("_prof_") {
            return "this is a ZetaView zeta-potential profile (its Original File is a _prof_ video, line 1), not a size measurement; export the _size_ file instead"
        }
        return nil
    }

    static func parse(_ rows: TextRows, encoding: TextEncoding) throws(InputError) -> ZetaViewSizeMeasurement {
        guard rows.count > 0 else { throw rows.error(line: nil, "the file is empty; expected a ZetaView size measurement") }
        if let why = profileReason(rows) { throw rows.error(line: nil, why) }
        var header: [ZetaViewHeaderEntry] = []
        var i = 0
        while i < rows.count, !rows.line(i).hasPrefix("Size / nm") {
            header += headerEntries(rows.line(i), number: i + 1)
            i += 1
        }
        // The dilution multiplies every concentration: a value that is there but unreadable is an error, not a 1.
        if let d = header.first(where: { $0.key.lowercased() == "dilution" }), !d.value.isEmpty {
            guard let f = d.number, f.isFinite, f > 0 else {
                throw rows.error(line: d.line - 1, column: valueColumn(of: d, in: rows), "expected a positive number after \"Dilution::\", found \"\(InputError.echo(d.value))\"")
            }
            // A mark the rest of the header does not use as its decimal mark is a thousands separator as likely as a
            // decimal one ("1,000" in a file of "24.930000": 1000 or 1?): the factor moves every concentration by it.
            let marks = decimalMarks(header.filter { $0.key.lowercased() != "dilution" })
            let dilution = decimalMarks([d])
            if (dilution.commas > 0 && marks.points > 0 && marks.commas == 0) || (dilution.points > 0 && marks.commas > 0 && marks.points == 0) {
                let (used, other) = marks.points > 0 ? ("point", "comma") : ("comma", "point")
                throw rows.error(line: d.line - 1, column: valueColumn(of: d, in: rows), "expected \"Dilution::\" written with the decimal \(used) the rest of the header uses, found \"\(InputError.echo(d.value))\": its decimal \(other) may as well be a thousands separator (e.g. 1,000: a thousand or one?)")
            }
        }
        try checkLimits(ZetaViewSizeMeasurement(header: header, linearRows: [], logRows: [], encoding: encoding), rows)
        guard i < rows.count else {
            throw rows.error(line: nil, "no \"Size / nm, Number, Concentration / cm-3 …\" (tab-separated) table header; expected a ZetaView size measurement\(rows.count < 100 ? " (truncated file?)" : "")")
        }
        let columns = rows.strings(i, delimiter: 0x09)
        guard columns.count >= 3, columns[1] == "Number", columns[2].hasPrefix("Concentration") else {
            throw rows.error(line: i, "expected columns \"Size / nm, Number, Concentration / cm-3, Volume / nm^3, Area / nm^2\", found \(InputError.echoList(columns))")
        }
        // The concentrations are read per cm³ (= per mL): a column in another unit, or naming none (ZetaView always
        // writes `/ cm-3`), could be read 1000× off or more.
        let unit = columns[2].dropFirst("Concentration".count).trimmingCharacters(in: .whitespaces)
        guard ["/ cm-3", "/ cm^-3", "/cm-3", "/ ml", "/ mL", "/ cm3", "(1/cm3)"].contains(unit) else {
            throw rows.error(line: i, column: 3, "expected concentrations per cm³ (\"Concentration / cm-3\"), found \"\(InputError.echo(columns[2]))\"")
        }
        var linear: [ZetaViewSizeRow] = []
        var linearLines: [Int] = []
        var log: [ZetaViewSizeRow] = []
        var sawSeparator = false
        i += 1
        while i < rows.count {
            defer { i += 1 }
            if rows.isBlankLine(i, delimiter: 0x09) { continue }
            let f = rows.fields(i, delimiter: 0x09)
            guard f.count >= 3 else {
                throw rows.error(line: i, column: f.count + 1, "expected 5 tab-separated numbers, found \(f.count) field\(f.count == 1 ? "" : "s")\(i == rows.count - 1 ? " (truncated file?)" : "")")
            }
            var x: [Double] = []
            for (c, r) in f.prefix(5).enumerated() {
                guard let v = rows.number(r) else {
                    throw rows.error(line: i, column: c + 1, "expected a number in column \"\(c < columns.count ? InputError.echo(columns[c]) : "#\(c + 1)")\", found \"\(rows.excerpt(r))\"")
                }
                x.append(v)
            }
            while x.count < 5 { x.append(.nan) }
            if x[0] == -1, x[1] == -1 {
                guard !sawSeparator else { throw rows.error(line: i, "a second -1 separator row") }
                sawSeparator = true
                continue
            }
            // Counts and concentrations per bin cannot be negative, or infinite.
            for c in 1...2 where !(x[c].isFinite && x[c] >= 0) {
                throw rows.error(line: i, column: c + 1, "expected a non-negative amount in column \"\(c < columns.count ? InputError.echo(columns[c]) : "#\(c + 1)")\" at \(x[0]) nm, found \"\(rows.excerpt(f[c]))\"")
            }
            let row = ZetaViewSizeRow(sizeNanometers: x[0], number: x[1], concentrationPerMl: x[2],
                                      volumeCubicNanometers: x[3], areaSquareNanometers: x[4])
            if sawSeparator { log.append(row) } else { linear.append(row); linearLines.append(i) }
        }
        if !linear.isEmpty, !sawSeparator {
            throw rows.error(line: rows.count - 1, "the file ends inside the linear size table after \(linear.count) rows, before the -1 separator row (truncated file?)")
        }
        for k in linear.indices.dropFirst() where linear[k].sizeNanometers <= linear[k - 1].sizeNanometers {
            throw rows.error(line: linearLines[k], column: 1, "linear size table: expected sizes that increase, found \(linear[k].sizeNanometers) nm after \(linear[k - 1].sizeNanometers) nm")
        }
        // Evenly spaced, as ZetaView writes the linear table: a missing or extra row would move every statistic.
        // Sizes are printed to 4 significant digits, so two neighbours' difference may be off the step by up to
        // one unit in that digit (5987.5 and 5992.5 nm print as 5.988E+3 and 5.992E+3).
        if linear.count >= 3 {
            let step = linear[1].sizeNanometers - linear[0].sizeNanometers
            for k in linear.indices.dropFirst(2) {
                let size = linear[k].sizeNanometers, previous = linear[k - 1].sizeNanometers
                let printed = Foundation.pow(10, (Foundation.log10(Swift.abs(size))).rounded(.down) - 3)
                guard Swift.abs((size - previous) - step) <= printed + 1e-9 * step else {
                    throw rows.error(line: linearLines[k], column: 1, "linear size table: expected sizes every \(step) nm, found \(size) nm after \(previous) nm (a row missing or added?)")
                }
            }
        }
        return ZetaViewSizeMeasurement(header: header, linearRows: linear, logRows: log, encoding: encoding)
    }

    /// Why `rows` is not a ZetaView `_11pos` table, or `nil`.
    static func positionsMismatch(_ rows: TextRows) -> String? {
        guard rows.count > 0 else { return "the file is empty" }
        let h = rows.strings(0, delimiter: 0x09)
        guard h.count >= 3, h[0] == "Use", h[1] == "Position" else {
            return "the header does not start with \"Use<TAB>Position\""
        }
        return nil
    }

    /// Reads a `_11pos.txt` per-position table.
    public func readPositions(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> ZetaViewPositionTable {
        let name = displayName ?? url.path
        return try readPositions(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads a `_11pos.txt` per-position table from bytes.
    public func readPositions(bytes: [UInt8], fileName: String) throws(InputError) -> ZetaViewPositionTable {
        var rows = TextRows(TextDecoding.decode(bytes), fileName: fileName)
        rows.delimiter = 0x09
        rows.decimalMark = .either
        if let why = Self.positionsMismatch(rows) { throw rows.error(line: 1, "not a ZetaView per-position table: \(why)") }
        var columns = rows.strings(0, delimiter: 0x09)
        while columns.last == "" { columns.removeLast() }
        var positions: [ZetaViewPositionRow] = []
        var summaries: [String: ZetaViewPositionRow] = [:]
        for i in 1..<rows.count where !rows.isBlankLine(i, delimiter: 0x09) {
            let f = rows.strings(i, delimiter: 0x09)
            guard f.count >= 2 else { throw rows.error(line: i, "expected \(columns.count) tab-separated fields, found \(f.count)") }
            var values: [String: Double] = [:]
            var removal = ""
            for c in 2..<columns.count {
                let text = c < f.count ? f[c] : ""
                if columns[c] == "Removal" { removal = text; continue }
                values[columns[c]] = NanoSightNumbers.parse(text, decimalMark: .either) ?? .nan
            }
            let row = ZetaViewPositionRow(used: !f[0].isEmpty, position: f[1], values: values, removal: removal, line: i + 1)
            if f[0].isEmpty, NanoSightNumbers.parse(f[1], decimalMark: .either) == nil { summaries[f[1]] = row } else { positions.append(row) }
        }
        return ZetaViewPositionTable(columns: columns, positions: positions, summaries: summaries)
    }
}
