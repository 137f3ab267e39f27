import Foundation
import NTACore

/// Reads a NanoSight NTA 3.x `-ExperimentSummary.csv` (3.2, 3.3, 3.4; Excel
/// re-saved variants with rectangular padding and quoted fields; autosampler
/// exports without `Average`/`Standard Error` columns).
///
/// The file is parsed by section and key, never by row number. Any table that
/// ends early (a truncated file) or holds a non-number where a number belongs
/// is an ``InputError`` naming the file and line.
public struct NanoSightSummaryReader: Sendable {
    /// A reader; it has no options.
    public init() {}

    /// Reads the file at `url`; errors name it `displayName` (default: the path).
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> NanoSightExperimentSummary {
        let name = displayName ?? url.path
        return try read(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads a summary from bytes in any supported encoding.
    public func read(bytes: [UInt8], fileName: String) throws(InputError) -> NanoSightExperimentSummary {
        let decoded = TextDecoding.decode(bytes)
        var parser = Parser(rows: TextRows.sniffingDelimiter(decoded, fileName: fileName), encoding: decoded.encoding)
        return try parser.parse()
    }

    /// Whether `rows` look like a NanoSight experiment summary; `nil` if so, else why not.
    static func mismatch(_ rows: TextRows) -> String? {
        for i in 0..<min(rows.count, 12) {
            let first = rows.string(rows.fields(i).first ?? 0..<0)
            if first.hasPrefix("NTA Experiment Summary File") || first == "[Experiment Details]" { return nil }
        }
        return "no \"NTA Experiment Summary File\" title or \"[Experiment Details]\" section in the first lines"
    }

    /// The `[Conditions]` rows the report gives as a video's settings, with the limits of their flags.
    static let limitedConditions: [(key: String, limit: SettingLimit)] = [
        ("Temperature/C", .temperatureCelsius), ("Viscosity/cP", .viscosityMillipascalSeconds),
        ("Frame rate/fps", .frameRateHz), ("Shutter/ms", .exposureMilliseconds),
    ]

    private struct Parser {
        let rows: TextRows
        let encoding: TextEncoding
        var sections: [NanoSightSection] = []
        var blocks: [NanoSightDistributionBlock] = []
        var createdWith: String?

        init(rows: TextRows, encoding: TextEncoding) {
            self.rows = rows
            self.encoding = encoding
        }

        static func sectionName(_ s: String) -> String? {
            guard s.count >= 2, s.hasPrefix("["), s.hasSuffix("]") else { return nil }
            return String(s.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }

        mutating func parse() throws(InputError) -> NanoSightExperimentSummary {
            guard rows.count > 0 else { throw rows.error(line: nil, "the file is empty; expected a NanoSight experiment summary") }
            // Where every section starts.
            var starts: [(name: String, index: Int)] = []
            for i in 0..<rows.count {
                guard let f = rows.fields(i).first else { continue }
                let s = rows.string(f)
                if let name = Self.sectionName(s) { starts.append((name, i)) }
                if i < 5, s.hasPrefix("Created with") { createdWith = s }
            }
            guard !starts.isEmpty else {
                throw rows.error(line: nil, "no [section] found; expected a NanoSight experiment summary with [Experiment Details], [Results] …")
            }
            // Video count: the manifest, else the first block's Filename row.
            let manifest = manifestNames(starts)
            var videoCount = manifest.count
            if videoCount == 0 {
                for i in 0..<rows.count where rows.string(rows.fields(i).first ?? 0..<0) == "Filename" {
                    videoCount = rows.strings(i).dropFirst().filter {
                        !$0.isEmpty && $0 != "Average" && $0 != "Standard Error"
                    }.count
                    break
                }
            }
            guard videoCount > 0 else {
                throw rows.error(line: nil, "found no video names (neither a \"Filename:\" manifest nor a \"Filename\" row); expected at least one video")
            }
            for (k, start) in starts.enumerated() {
                let end = k + 1 < starts.count ? starts[k + 1].index : rows.count
                let lower = start.name.lowercased()
                if lower == "size data" || lower == "diffusion coefficient data" {
                    try parseBlocks(from: start.index + 1, to: end,
                                    quantity: lower == "size data" ? .size : .diffusionCoefficient)
                    sections.append(NanoSightSection(name: start.name, line: start.index + 1, rows: []))
                } else {
                    sections.append(keyRows(name: start.name, from: start.index, to: end, videoCount: videoCount))
                }
            }
            return try assemble(manifest: manifest, videoCount: videoCount)
        }

        func manifestNames(_ starts: [(name: String, index: Int)]) -> [String] {
            for i in 0..<rows.count {
                let f = rows.strings(i)
                if f.first == "Filename:" { return f.dropFirst().filter { !$0.isEmpty } }
                if let first = starts.first(where: { $0.name.lowercased() == "conditions" }), i >= first.index { break }
            }
            return []
        }

        /// The key rows of a plain section; columns headed `Average`/`Standard Error` in the section header row are split off.
        func keyRows(name: String, from header: Int, to end: Int, videoCount: Int) -> NanoSightSection {
            let headerFields = rows.strings(header)
            let averageColumn = headerFields.firstIndex(of: "Average")
            let seColumn = headerFields.firstIndex(of: "Standard Error")
            var out: [NanoSightKeyRow] = []
            var i = header + 1
            // A row right after the header holding only the key column (e.g. `No Exclusion Regions Used`) is a row too.
            while i < end {
                defer { i += 1 }
                let f = rows.strings(i)
                guard let key = f.first, !key.isEmpty else { continue }
                var values = Array(f.dropFirst().prefix(videoCount))
                if values.count < videoCount { values += Array(repeating: "", count: videoCount - values.count) }
                func at(_ c: Int?) -> String? {
                    guard let c, c < f.count, !f[c].isEmpty else { return nil }
                    return f[c]
                }
                var row = NanoSightKeyRow(key: key, values: values, average: at(averageColumn),
                                          standardError: at(seColumn), line: i + 1)
                row.decimalMark = rows.decimalMark
                if f.count > videoCount + 1 {
                    row.unplacedColumn = (videoCount + 1 ..< f.count).first { c in
                        !f[c].isEmpty && c != averageColumn && c != seColumn
                    }.map { $0 + 1 }
                }
                out.append(row)
            }
            return NanoSightSection(name: name, line: header + 1, rows: out)
        }

        /// Parses the distribution blocks of `[Size Data]` or `[Diffusion Coefficient Data]`.
        mutating func parseBlocks(from start: Int, to end: Int, quantity: NanoSightQuantity) throws(InputError) {
            var block: NanoSightDistributionBlock?
            var averageColumn: Int?
            var seColumn: Int?
            func newBlock(_ line: Int) -> NanoSightDistributionBlock {
                NanoSightDistributionBlock(quantity: quantity, weighting: .other, weightingText: "", analysisMethod: nil,
                                           line: line + 1, videoNames: [], statistics: [], binHeader: "",
                                           valueHeader: "", binCentres: [], binValues: [], binAverage: nil,
                                           binStandardError: nil, percentiles: [], percentileLine: nil)
            }
            var i = start
            while i < end {
                let f = rows.strings(i)
                let key = f.first ?? ""
                if key.isEmpty { i += 1; continue }
                switch key {
                case "Analysis Method":
                    if let b = block { blocks.append(b) }
                    block = newBlock(i)
                    block!.analysisMethod = f.count > 1 && !f[1].isEmpty ? f[1] : nil
                    averageColumn = nil; seColumn = nil
                case "Weighting":
                    if block == nil || !(block!.weightingText.isEmpty) {
                        if let b = block { blocks.append(b) }
                        block = newBlock(i)
                    }
                    let text = f.count > 1 ? f[1] : ""
                    block!.weightingText = text
                    switch text.lowercased().replacingOccurrences(of: " ", with: "") {
                    case "number": block!.weighting = .number
                    case "surfacearea", "surface": block!.weighting = .surfaceArea
                    case "volume": block!.weighting = .volume
                    default: block!.weighting = .other
                    }
                case "Filename":
                    if block == nil { block = newBlock(i) }
                    averageColumn = f.firstIndex(of: "Average")
                    seColumn = f.firstIndex(of: "Standard Error")
                    let last = averageColumn ?? f.count
                    block!.videoNames = Array(f[1..<max(1, last)]).filter { !$0.isEmpty }
                case "Graph Data":
                    guard block != nil else { throw rows.error(line: i, "\"Graph Data\" before any \"Weighting\" or \"Filename\" row") }
                    i = try parseBins(after: i, end: end, block: &block!)
                    continue
                case "Percentile":
                    guard block != nil else { throw rows.error(line: i, "percentile table before any distribution block") }
                    i = try parsePercentiles(header: i, end: end, block: &block!)
                    continue
                default:
                    guard block != nil else { throw rows.error(line: i, column: 1, "unexpected row \"\(InputError.echo(key))\" before the first \"Analysis Method\" or \"Weighting\" row") }
                    let n = block!.videoNames.count
                    var values = Array(f.dropFirst().prefix(n))
                    if values.count < n { values += Array(repeating: "", count: n - values.count) }
                    func at(_ c: Int?) -> String? {
                        guard let c, c < f.count, !f[c].isEmpty else { return nil }
                        return f[c]
                    }
                    var row = NanoSightKeyRow(key: key, values: values, average: at(averageColumn),
                                              standardError: at(seColumn), line: i + 1)
                    row.decimalMark = rows.decimalMark
                    block!.statistics.append(row)
                }
                i += 1
            }
            if let b = block { blocks.append(b) }
        }

        /// Parses `Graph Data` → header → bin rows up to a blank row. Returns the index after the table.
        func parseBins(after graphData: Int, end: Int, block: inout NanoSightDistributionBlock) throws(InputError) -> Int {
            let header = graphData + 1
            guard header < end else {
                // The block ends here because another section starts (a repeated or cut block), not the file.
                if header < rows.count {
                    throw rows.error(line: header, column: 1, "expected a \"Bin centre …\" header after \"Graph Data\", found \"\(InputError.echo(rows.strings(header).first ?? ""))\", which starts another section (a block repeated or cut short?)")
                }
                throw rows.error(line: graphData, "the file ends after \"Graph Data\"; expected a \"Bin centre\" header and the bin table (truncated file?)")
            }
            let h = rows.strings(header)
            guard let first = h.first, first.lowercased().hasPrefix("bin centre") else {
                throw rows.error(line: header, column: 1, "expected a \"Bin centre …\" header after \"Graph Data\", found \"\(InputError.echo(h.first ?? ""))\"")
            }
            // The units the numbers are in, as the header states them: sizes in nm, concentrations in particles / ml
            // (another unit, e.g. µm or E6 particles / ml, would be read 10³ or 10⁶ off).
            func unit(_ header: String) -> String? {
                guard let open = header.firstIndex(of: "("), let close = header[open...].firstIndex(of: ")") else { return nil }
                return header[header.index(after: open)..<close].lowercased().filter { $0 != " " }
            }
            if block.quantity == .size, let u = unit(first), u != "nm" {
                throw rows.error(line: header, column: 1, "expected the bin centres in nm (\"Bin centre (nm)\"), found \"\(InputError.echo(first))\"")
            }
            for (k, value) in h.enumerated().dropFirst()
            where value.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("concentration") {
                if let u = unit(value), u != "particles/ml" {
                    throw rows.error(line: header, column: k + 1, "expected concentrations in particles / ml (\"Concentration (particles / ml)\"), found \"\(InputError.echo(value))\"")
                }
            }
            let n = block.videoNames.count
            guard n > 0 else { throw rows.error(line: header, "the block has no \"Filename\" row naming its videos") }
            block.binHeader = first
            block.valueHeader = h.count > 1 ? h[1] : ""
            // Columns after the videos: an average and a standard error, when headed so.
            let extra = h.dropFirst(1 + n).filter { !$0.isEmpty }
            let hasAverage = extra.contains { $0.lowercased().contains("average") }
            let hasSE = extra.contains { $0.lowercased().contains("standard error") }
            // The header's columns, up to its last named one.
            let headerWidth = (h.lastIndex { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? 0) + 1
            var centres: [Double] = []
            var values = [[Double]](repeating: [], count: n)
            var average: [Double] = []
            var se: [Double] = []
            var i = header + 1
            var cutBySection = false
            while i < end {
                if rows.isBlankLine(i) { break }
                let f = rows.fields(i)
                guard let c = rows.number(f[0]) else {
                    // The next block's first row without a blank line between: stop here.
                    if Self.sectionName(rows.string(f[0])) != nil || rows.string(f[0]) == "Percentile" { cutBySection = true; break }
                    throw rows.error(line: i, column: 1, "expected a bin centre (a number), found \"\(rows.excerpt(f[0]))\"\(rows.decimalHint(f[0]))")
                }
                let needed = 1 + n + (hasAverage ? 1 : 0) + (hasSE ? 1 : 0)
                guard f.count >= needed else {
                    throw rows.error(line: i, column: f.count + 1, "expected \(needed) fields (bin centre, \(n) video\(n == 1 ? "" : "s")\(hasAverage ? ", average" : "")\(hasSE ? ", standard error" : "")), found \(f.count)\(i == rows.count - 1 ? " (truncated file?)" : "")")
                }
                // More values than the header has columns: a shifted row (decimal commas in a comma-separated
                // file split every number in two), whose numbers would land in the wrong videos.
                let width = max(needed, headerWidth)
                if let k = (width..<max(f.count, width)).first(where: { !rows.string(f[$0]).isEmpty }) {
                    throw rows.error(line: i, column: k + 1, "expected \(width) fields as the \"Bin centre\" header has, found a value in field \(k + 1), \"\(rows.excerpt(f[k]))\" (decimal commas in a comma-separated file?)")
                }
                for v in 0..<n {
                    guard let x = rows.number(f[1 + v]) else {
                        throw rows.error(line: i, column: 2 + v, "expected a number for video \"\(block.videoNames[v])\", found \"\(rows.excerpt(f[1 + v]))\"\(rows.decimalHint(f[1 + v]))")
                    }
                    // An amount per bin cannot be negative, or infinite.
                    guard x.isFinite, x >= 0 else {
                        throw rows.error(line: i, column: 2 + v, "expected a non-negative amount for video \"\(block.videoNames[v])\" in the bin at \(c) nm, found \"\(rows.excerpt(f[1 + v]))\"")
                    }
                    values[v].append(x)
                }
                var col = 1 + n
                if hasAverage {
                    guard let x = rows.number(f[col]) else {
                        throw rows.error(line: i, column: col + 1, "expected a number in the average column, found \"\(rows.excerpt(f[col]))\"\(rows.decimalHint(f[col]))")
                    }
                    average.append(x); col += 1
                }
                if hasSE {
                    guard let x = rows.number(f[col]) else {
                        throw rows.error(line: i, column: col + 1, "expected a number in the standard error column, found \"\(rows.excerpt(f[col]))\"\(rows.decimalHint(f[col]))")
                    }
                    se.append(x)
                }
                if let last = centres.last, centres.count >= 2 {
                    let step = centres[1] - centres[0]
                    if abs((c - last) - step) > 1e-6 * max(1, abs(step)) {
                        throw rows.error(line: i, column: 1, "bin centres are not evenly spaced: \(c) after \(last) (step \(step))")
                    }
                } else if let last = centres.last, c <= last {
                    throw rows.error(line: i, column: 1, "bin centres must increase: \(c) after \(last)")
                }
                centres.append(c)
                i += 1
            }
            if centres.isEmpty {
                throw rows.error(line: header, "the bin table after this header has no rows (truncated file?)")
            }
            // A 1-nm size table short of 999.5 nm is incomplete where something other than a blank line ends it:
            // another section (a block pasted into it) or the file's end; its remaining bins would be read as none.
            if block.quantity == .size, centres.count >= 2, centres[1] - centres[0] == 1, let last = centres.last, last < 999 {
                if cutBySection || (i >= end && end < rows.count) {
                    throw rows.error(line: i, column: 1, "expected bins up to 999.5 nm, found \"\(InputError.echo(rows.strings(i).first ?? ""))\" after the bin at \(last) nm, which starts another section (a block repeated or cut short?)")
                }
                if i >= end {
                    throw rows.error(line: i - 1, "the file ends inside the bin table at \(last) nm; expected bins up to 999.5 nm (truncated file?)")
                }
            }
            block.binCentres = centres
            block.binValues = values
            block.binAverage = hasAverage ? average : nil
            block.binStandardError = hasSE ? se : nil
            return i
        }

        /// Parses `Percentile,Size (nm)…` and its 101 rows (0 … 100).
        func parsePercentiles(header: Int, end: Int, block: inout NanoSightDistributionBlock) throws(InputError) -> Int {
            let n = block.videoNames.count
            var table = [[Double]](repeating: [], count: n)
            var i = header + 1
            var expected = 0
            while i < end, expected <= 100 {
                if rows.isBlankLine(i) { break }
                let f = rows.fields(i)
                guard let p = rows.number(f[0]), p == Double(expected) else {
                    throw rows.error(line: i, column: 1, "expected percentile \(expected), found \"\(rows.excerpt(f[0]))\"\(rows.decimalHint(f[0]))")
                }
                guard f.count >= 1 + n else {
                    throw rows.error(line: i, column: f.count + 1, "expected \(1 + n) fields (percentile, \(n) video\(n == 1 ? "" : "s")), found \(f.count)\(i == rows.count - 1 ? " (truncated file?)" : "")")
                }
                for v in 0..<n {
                    guard let x = rows.number(f[1 + v]) else {
                        throw rows.error(line: i, column: 2 + v, "expected a size for video \"\(block.videoNames[v])\", found \"\(rows.excerpt(f[1 + v]))\"\(rows.decimalHint(f[1 + v]))")
                    }
                    table[v].append(x)
                }
                expected += 1
                i += 1
            }
            guard expected == 101 else {
                throw rows.error(line: i < rows.count ? i : rows.count - 1,
                                 "the percentile table has \(expected) rows; expected 101 (0 … 100)\(i >= rows.count ? " (truncated file?)" : "")")
            }
            block.percentiles = table
            block.percentileLine = header + 1
            return i
        }

        func assemble(manifest: [String], videoCount: Int) throws(InputError) -> NanoSightExperimentSummary {
            let details = sections.first { $0.name.lowercased() == "experiment details" }
            func detail(_ key: String) -> String? {
                guard let v = details?.row(key)?.values.first, !v.isEmpty else { return nil }
                return v
            }
            let conditions = sections.first { $0.name.lowercased() == "conditions" }
            let settings = sections.first { $0.name.lowercased() == "settings" }
            let results = sections.first { $0.name.lowercased() == "results" }
            let nameSource = blocks.first { $0.videoNames.count == videoCount }?.videoNames
            // A number the summary reads, written with a comma that is not the file's delimiter's decimal mark (a
            // thousands separator, 1,000, or a decimal comma, 22,5), is two fields: every later video's value shifts
            // by one, read silently as the next video's. The layout shows it: a value where the section has no column.
            // The dilution row never fills `Average`/`Standard Error` (NTA averages no dilution), so a value there is one too.
            let dilutionRow = results?.rows.first { $0.key.lowercased().hasPrefix("dilution factor") }
            let numericRows: [NanoSightKeyRow] = [dilutionRow].compactMap { $0 }
                + NanoSightSummaryReader.limitedConditions.compactMap { conditions?.row($0.key) }
                + ["Camera Level"].compactMap { conditions?.row($0) }
                + ["Detection Threshold", "Max Jump Distance", "Min Track Length", "Total frames analysed"].compactMap { settings?.row($0) }
                + ["Concentration (Particles / ml)", "Particles per frame", "Centres per frame", "Completed tracks",
                   "X-Drift (pix/frame)", "Y-Drift (pix/frame)"].compactMap { results?.row($0) }
            for row in numericRows {
                let column = row.unplacedColumn ?? (row == dilutionRow && row.fillsAverageColumns ? videoCount + 2 : nil)
                guard let column else { continue }
                throw rows.error(line: row.line - 1, column: column, "expected \"\(InputError.echo(row.key))\" to hold \(videoCount) value\(videoCount == 1 ? "" : "s"), one per video, found more: a number written with a comma (a thousands separator, 1,000, or a decimal comma, 22,5) in a comma-delimited file splits into two fields and shifts every later video's value")
            }
            var videos: [NanoSightVideo] = []
            for v in 0..<videoCount {
                func num(_ s: NanoSightSection?, _ key: String) -> Double? { s?.row(key)?.number(v) }
                func text(_ s: NanoSightSection?, _ key: String) -> String? {
                    guard let t = s?.row(key)?.values[v], !t.isEmpty else { return nil }
                    return t
                }
                var dilution: NanoSightDilution?
                if let row = dilutionRow {
                    let t = row.values[v]
                    if t.lowercased() == "not recorded" { dilution = .notRecorded }
                    else if let x = NanoSightNumbers.parse(t, decimalMark: rows.decimalMark) {
                        // 0 is how NTA says none was recorded (as in its .nano files: DistributionSummary applies none);
                        // any other factor is held to the flag's limits (``DilutionFactor``).
                        guard x == 0 || DilutionFactor.problem(x) == nil else {
                            throw rows.error(line: row.line - 1, column: v + 2,
                                             "expected a dilution factor of 0 (not recorded) or 1 … 10¹⁵, found \"\(InputError.echo(t))\"")
                        }
                        dilution = .factor(x)
                    }
                    else if !t.isEmpty { dilution = .text(t) }
                }
                // The settings the report gives are held to the flags' limits (``SettingLimit``): one outside them is
                // an error at its line and field, as the flag's would be (and as ZetaView's are).
                for (key, limit) in NanoSightSummaryReader.limitedConditions {
                    guard let row = conditions?.row(key), let x = row.number(v), let problem = limit.problem(x) else { continue }
                    throw rows.error(line: row.line - 1, column: v + 2, "\"\(key)\" \(problem)")
                }
                let s = NanoSightVideoSettings(
                    temperatureCelsius: num(conditions, "Temperature/C"),
                    viscosityMillipascalSeconds: num(conditions, "Viscosity/cP"),
                    frameRateHz: num(conditions, "Frame rate/fps"),
                    cameraLevel: num(conditions, "Camera Level"),
                    cameraType: text(conditions, "Camera Type"),
                    laserType: text(conditions, "Laser Type"),
                    shutterMilliseconds: num(conditions, "Shutter/ms"),
                    detectionThreshold: num(settings, "Detection Threshold"),
                    maxJumpDistancePixels: num(settings, "Max Jump Distance"),
                    minTrackLength: NanoSightNumbers.integer(num(settings, "Min Track Length")),
                    totalFramesAnalysed: NanoSightNumbers.integer(num(settings, "Total frames analysed")),
                    dilution: dilution)
                let r = NanoSightVideoResults(
                    printedConcentrationPerMl: num(results, "Concentration (Particles / ml)"),
                    particlesPerFrame: num(results, "Particles per frame"),
                    centresPerFrame: num(results, "Centres per frame"),
                    completedTracks: NanoSightNumbers.integer(num(results, "Completed tracks")),
                    xDriftPixelsPerFrame: num(results, "X-Drift (pix/frame)"),
                    yDriftPixelsPerFrame: num(results, "Y-Drift (pix/frame)"))
                var flags: [NanoSightFlag] = []
                for section in sections where ["concentration warnings", "information"].contains(section.name.lowercased()) {
                    for row in section.rows { flags.append(NanoSightFlag(section: section.name, key: row.key, value: row.values[v])) }
                }
                let manifestName = v < manifest.count ? manifest[v] : nil
                videos.append(NanoSightVideo(name: nameSource?[v] ?? manifestName ?? "video \(v + 1)",
                                             manifestName: manifestName, settings: s, results: r, flags: flags))
            }
            return NanoSightExperimentSummary(
                createdWith: createdWith, softwareVersion: detail("Software Version"),
                experimentName: detail("Experiment Name"), timeCaptured: detail("Time Captured"),
                sampleDescription: detail("Sample Description") ?? detail("Sample Name"),
                diluent: detail("Diluent"), remarks: detail("Remarks"), manifest: manifest, sections: sections,
                videos: videos, blocks: blocks, encoding: encoding)
        }
    }
}
