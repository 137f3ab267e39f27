import ArgumentParser
import Dispatch
import Foundation
import NTA

/// `nta-size batch`: a facility's day of measurements, one sample per file or per sample-sheet row.
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse many samples in parallel: one summary row (and JSON report) per sample.",
        discussion: """
            Each file is one sample (folders are searched recursively, skipping hidden files, .settings.json \
            sidecars, *.truth.* files, files other than .csv/.tsv/.txt, ZetaView companion tables and this batch's \
            own outputs), or --sheet \
            names each sample's files and settings. Settings: a sheet value, else a flag given to batch, else the \
            file's sidecar or export, else the default. A sample that fails is a row with status "error" and its \
            message; the others go on. Exit status 0 when every sample was analysed, 1 when any failed.
            """)

    @Argument(help: "Input files and folders (searched recursively); each file is one sample.")
    var inputs: [String] = []

    @Option(help: "Sample sheet (CSV): one row per sample with its files and optional settings (see the README).")
    var sheet: String?

    @Option(help: "Write the summary table (one row per sample, CSV) to this file.")
    var summary: String

    @Option(help: "Also write every sample's full JSON report to this file, one line per sample (JSON Lines).")
    var jsonl: String?

    @Option(help: "Also write one HTML report per sample into this folder, and index.html comparing the samples.")
    var html: String?

    @Option(parsing: .unconditional, help: "Samples analysed at once, 1 … 1024 (default: the number of cores).")
    var jobs: Int?

    @OptionGroup var analysis: AnalysisFlags

    func validate() throws {
        if sheet != nil, !inputs.isEmpty {
            throw ValidationError("--sheet: give either a sample sheet or files and folders, not both")
        }
        if sheet == nil, inputs.isEmpty {
            throw ValidationError("expected files or folders to analyse, or --sheet samples.csv")
        }
        guard !summary.isEmpty else { throw ValidationError("--summary: expected a file name") }
        if let jsonl, jsonl.isEmpty { throw ValidationError("--jsonl: expected a file name") }
        if let html, html.isEmpty { throw ValidationError("--html: expected a folder name") }
        if let jsonl, Self.absolute(jsonl) == Self.absolute(summary) {
            throw ValidationError("--jsonl: expected a file other than the --summary file, found \"\(jsonl)\"")
        }
        if let html, [summary, jsonl].compactMap({ $0 }).map(Self.absolute).contains(Self.absolute(html)) {
            throw ValidationError("--html: expected a folder other than the --summary and --jsonl files, found \"\(html)\"")
        }
        if let jobs, !(1...1024).contains(jobs) { throw ValidationError("--jobs: expected 1 … 1024, found \(jobs)") }
        if let html {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: html, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("--html: expected a folder (made if missing), found the file \"\(html)\"")
            }
            // Its pages and index.html are written there: the tables go elsewhere.
            let folder = Self.absolute(html) + "/"
            for (flag, path) in [("--summary", summary), ("--jsonl", jsonl)] {
                if let path, Self.absolute(path).hasPrefix(folder) {
                    throw ValidationError("\(flag): expected a file outside the --html folder \"\(html)\", which holds the HTML pages and index.html, found \"\(path)\"")
                }
            }
        }
        // Written files must not overwrite the sheet or a file given to analyse (folders are searched with this
        // batch's own outputs left out).
        let read = [sheet].compactMap { $0 } + inputs
        try OutputPath.check(summary, flag: "--summary", inputs: read)
        if let jsonl { try OutputPath.check(jsonl, flag: "--jsonl", inputs: read) }
    }

    func run() throws {
        let samples: [BatchSample]
        if let sheet {
            samples = try SampleSheet(contentsOf: sheet).samples
        } else {
            let found = BatchInputs.discover(inputs)
            for reason in BatchInputs.SkipReason.allCases {
                if let n = found.skipped[reason] { stderrLine("skipped \(n) file\(n == 1 ? "" : "s") in folders: \(reason.rawValue)") }
            }
            for path in found.repeated { stderrLine("\(path) was given more than once: analysed once") }
            // This batch's own outputs (from an earlier run into the same folder) are not samples; a file named
            // on the command line always is (the --summary and --jsonl files cannot be named: validate()).
            let own = Set([summary, jsonl].compactMap { $0 }.map(Self.absolute))
            let ownFolder = html.map { Self.absolute($0) + "/" }
            let named = Set(inputs.map(Self.absolute))
            let outputs = found.samples.filter { s in
                let path = Self.absolute(s.name)
                return !named.contains(path) && (own.contains(path) || ownFolder.map { path.hasPrefix($0) } == true)
            }
            if !outputs.isEmpty {
                stderrLine("skipped \(outputs.count) file\(outputs.count == 1 ? "" : "s") in folders: this batch's own output (--summary, --jsonl, --html)")
            }
            samples = found.samples.filter { !outputs.contains($0) }
        }
        guard !samples.isEmpty else {
            throw CLIError(sheet.map { "\($0): the sheet lists no samples" } ?? "found no data files to analyse in \(inputs.joined(separator: ", "))")
        }
        // Nor any file a sample reads: its files, a sheet's fluorescence captures, and their settings sidecars.
        let read = samples.flatMap { ($0.files + $0.fluorescence).flatMap { [$0, $0 + ".settings.json"] } }
        try OutputPath.check(summary, flag: "--summary", inputs: read)
        if let jsonl { try OutputPath.check(jsonl, flag: "--jsonl", inputs: read) }
        let pages = html.map { dir in BatchIndexPage.pageNames(samples.map(\.name)).map { (dir as NSString).appendingPathComponent($0) } }
        if let html {
            do { try FileManager.default.createDirectory(atPath: html, withIntermediateDirectories: true) } catch {
                throw CLIError("cannot create \(html): \(error.localizedDescription)")
            }
        }
        let engine = BatchEngine(base: try analysis.options(), format: analysis.format, mapping: try analysis.mapping(),
                                 writesJSONLines: jsonl != nil, pagePaths: pages)
        let progress = BatchProgress(total: samples.count)
        let outcomes = engine.run(samples, workers: jobs ?? Parallel.workerCount, progress: progress)
        progress.finish()

        try write(Data(BatchSummaryTable.csv(outcomes.map(\.row)).utf8), to: summary)
        var written = [summary]
        if let jsonl {
            try write(outcomes.reduce(into: Data()) { $0.append($1.jsonLine) }, to: jsonl)
            written.append(jsonl)
        }
        if let html {
            if let failure = outcomes.lazy.compactMap(\.pageWriteError).first { throw CLIError(failure) }
            try write(Data(BatchIndexPage.render(outcomes.map(\.index)).utf8), to: (html as NSString).appendingPathComponent("index.html"))
            written.append((html as NSString).appendingPathComponent("index.html"))
        }
        let failed = outcomes.filter { !$0.succeeded }.count
        stderrLine("\(samples.count) sample\(samples.count == 1 ? "" : "s"): \(samples.count - failed) analysed, \(failed) failed; wrote \(written.joined(separator: ", "))")
        if failed > 0 { throw ExitCode(1) }
    }

    /// `path` as an absolute, standardised path (for comparing paths written differently).
    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    func write(_ data: Data, to path: String) throws {
        do { try FileWriting.write(data, to: URL(fileURLWithPath: path)) } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// One sample's outputs, kept instead of its (large) analysis.
struct BatchOutcome: Sendable {
    var succeeded: Bool
    var row: [String]
    var jsonLine: Data
    /// Why the sample's HTML report (with `--html`) could not be written, if it could not.
    var pageWriteError: String?
    var index: BatchIndexPage.Entry
}

/// Runs a batch's samples on several threads; outcomes come back in sample order.
struct BatchEngine: Sendable {
    var base: AnalysisOptions
    var format: InputFormatChoice
    var mapping: ColumnMapping?
    var writesJSONLines: Bool
    /// Where to write each sample's HTML report (in sample order), or `nil` for no HTML.
    var pagePaths: [String]?

    func run(_ samples: [BatchSample], workers: Int, progress: BatchProgress) -> [BatchOutcome] {
        let slots = OutcomeSlots(count: samples.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, samples.count))) { _ in
            while let k = slots.next() {
                let outcome = process(samples[k], page: pagePaths?[k])
                slots.store(outcome, at: k)
                progress.finished(samples[k].name, error: outcome.succeeded ? nil : outcome.row[3])
            }
        }
        return slots.outcomes
    }

    /// Analyses one sample exactly as `analyze` would (`NTA.analyze(_:options:)`),
    /// after applying its sheet values, and renders its outputs.
    func process(_ sample: BatchSample, page: String?) -> BatchOutcome {
        do {
            if let problem = sample.problem { throw problem }
            // One file listed twice would count as two videos of the sample: refused, as `analyze` refuses it.
            if let problem = OutputPath.repeatedInput(sample.files + sample.fluorescence) {
                throw CLIError("\(sample.origin ?? sample.name): \(problem)")
            }
            let options: AnalysisOptions
            do { options = try sample.overrides.applied(to: base) } catch {
                throw CLIError("\(sample.origin ?? sample.name): \(error)")
            }
            var result = try NTA.analyze(SampleInput(files: sample.files, fluorescence: sample.fluorescence, format: format,
                                                     columns: mapping), options: options)
            let origin = sample.origin.map { "sample sheet \($0)" }
            if let origin { Self.recordSheet(sample.overrides, origin: origin, in: &result) }
            var report = AnalysisReport(result)
            if let origin, sample.overrides.window != nil {
                for key in ["windowMinNm", "windowMaxNm"] { report.settings[key]?.detail = origin }
            }
            let line = writesJSONLines ? try BatchJSONLine.report(sample: sample, report) : Data()
            // The page is written now, so that only its index entry stays in memory.
            var pageWriteError: String?
            if let page {
                let html = HTMLReport.render(result, options: HTMLReportOptions(title: sample.name))
                do { try FileWriting.write(Data(html.utf8), to: URL(fileURLWithPath: page)) } catch {
                    pageWriteError = "cannot write \(page): \(error.localizedDescription)"
                }
            }
            return BatchOutcome(succeeded: true, row: BatchSummaryTable.row(sample: sample, report: report), jsonLine: line,
                                pageWriteError: pageWriteError,
                                index: BatchIndexPage.Entry(sample: sample, report: report,
                                                            page: page.map { ($0 as NSString).lastPathComponent }))
        } catch {
            let message = NTASize.commandLineDescription(of: error)
            let line = writesJSONLines ? ((try? BatchJSONLine.error(sample: sample, message: message)) ?? Data()) : Data()
            return BatchOutcome(succeeded: false, row: BatchSummaryTable.errorRow(sample: sample, message: message),
                                jsonLine: line, pageWriteError: nil, index: BatchIndexPage.Entry(sample: sample, error: message))
        }
    }

    /// Marks the settings a sample sheet supplied: they are explicit values (source `flag`) whose
    /// detail names the sheet row; a dilution from the sheet names it as its source.
    static func recordSheet(_ overrides: SampleOverrides, origin: String, in result: inout SampleResult) {
        for key in overrides.reportedSettingKeys {
            for v in result.videos.indices where result.videos[v].settings[key]?.source == .flag {
                result.videos[v].settings[key]?.detail = origin
            }
        }
        // The sheet's dilution was applied under the flag's name: to the sample's counts, and to each instrument file
        // that records none (whose source says so after the flag's name).
        guard overrides.dilution != nil else { return }
        func fromSheet(_ record: DilutionRecord?) -> DilutionRecord? {
            guard var r = record, r.appliedBy == .ntaSize, r.source.hasPrefix(DilutionRecord.flagSource) else { return record }
            r.source = origin + r.source.dropFirst(DilutionRecord.flagSource.count)
            return r
        }
        result.populations.dilution = fromSheet(result.populations.dilution)
        for v in result.videos.indices { result.videos[v].dilution = fromSheet(result.videos[v].dilution) }
    }
}

/// Outcomes written by worker threads into their own slots, and the next sample to take.
final class OutcomeSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [BatchOutcome?]
    private var nextIndex = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.withLock {
            guard nextIndex < slots.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    func store(_ outcome: BatchOutcome, at k: Int) { lock.withLock { slots[k] = outcome } }

    var outcomes: [BatchOutcome] { lock.withLock { slots.compactMap { $0 } } }
}

/// Progress on standard error: a bar redrawn in place on a terminal (samples done/total, elapsed,
/// estimated remaining), plain lines otherwise. Failed samples are always listed with their message.
final class BatchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    private let start = DispatchTime.now()
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(total: Int) {
        self.total = total
        lock.withLock {
            if isTerminal { draw() } else { stderrLine("batch: \(total) sample\(total == 1 ? "" : "s")") }
        }
    }

    func finished(_ sample: String, error: String?) {
        lock.withLock {
            done += 1
            if isTerminal {
                if let error { emit("\r\u{1B}[K\(sample): error: \(error)\n") }
                draw()
            } else {
                let status = error.map { "error: \($0)" } ?? "ok"
                stderrLine("[\(done)/\(total)] \(sample): \(status) (\(Self.clock(elapsed)) elapsed)")
            }
        }
    }

    func finish() {
        lock.withLock { if isTerminal { emit("\n") } }
    }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    private func draw() {
        let width = 30
        let filled = total > 0 ? width * done / total : width
        var line = "\r\u{1B}[K[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        line += "] \(done)/\(total) samples, \(Self.clock(elapsed)) elapsed"
        if done > 0, done < total {
            line += ", ~\(Self.clock(elapsed / Double(done) * Double(total - done))) remaining"
        }
        emit(line)
    }

    private func emit(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// `m:ss` (or `h:mm:ss`) for a duration in seconds.
    static func clock(_ seconds: Double) -> String {
        let s = seconds.isFinite ? Int(min(max(seconds, 0), 1e7).rounded()) : 0
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        let mm = h > 0 && m < 10 ? "0\(m)" : "\(m)"
        return (h > 0 ? "\(h):" : "") + mm + ":" + (r < 10 ? "0\(r)" : "\(r)")
    }
}

/// Writes one line to standard error.
func stderrLine(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
