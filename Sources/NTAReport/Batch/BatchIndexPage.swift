import NTACore
import Foundation

/// The index page of `nta-size batch --html DIR`: every sample with a link to
/// its own report (``HTMLReport``), a table of its headline figures, and two
/// dot-and-whisker charts comparing the samples side by side — the median
/// diameter d50 and the concentration in the size window, each with its
/// interval (bootstrap for d50, block bootstrap for the concentration) where
/// the analysis gave one.
///
/// Self-contained like the sample pages (inline CSS and SVG, no scripts); the
/// same batch gives the same bytes.
public enum BatchIndexPage {
    /// One sample's line on the index.
    public struct Entry: Sendable, Equatable {
        /// The sample's name.
        public var sample: String
        /// The sample's report file name inside the HTML folder, `nil` when it failed.
        public var page: String?
        /// The error message of a failed sample.
        public var error: String?
        /// The sample's input files.
        public var files: [String]
        /// Median diameter of the number distribution, nm, when known.
        public var d50Nm: Double?
        /// `[lower, upper]` bootstrap interval of ``d50Nm``, nm, when computed.
        public var d50NmCI: [Double?]?
        /// The size window, nm (0 for a failed sample).
        public var windowMinNm: Double
        /// The size window's upper end, nm (0 for a failed sample).
        public var windowMaxNm: Double
        /// Number fraction of the sample in the window, when known.
        public var windowFraction: Double?
        /// Particles per mL of the original sample in the size window, and its interval.
        public var inWindowPerMl: Double?
        /// `[lower, upper]` interval of inWindowPerMl, particles/mL.
        public var inWindowPerMlCI: [Double?]?
        /// Whether ``inWindowPerMl`` is of the original sample (every dilution behind it recorded or given); when not,
        /// it is as measured in the cell, another quantity, which the comparison figure leaves out.
        public var inWindowIsOfOriginalSample = false
        /// Tracks sized (trajectory inputs), `nil` for instrument summaries.
        public var tracksUsed: Int?
        /// Warnings in the sample's report (sample-level and per video).
        public var warnings: Int

        /// A sample analysed successfully, with its report page `page`.
        public init(sample: BatchSample, report r: AnalysisReport, page: String?) {
            self.sample = sample.name
            self.page = page
            error = nil
            files = sample.files
            d50Nm = r.size.d50Nm
            d50NmCI = r.size.d50NmCI
            windowMinNm = r.window.minNm
            windowMaxNm = r.window.maxNm
            windowFraction = r.window.fraction
            let inWindow = r.populations?.lazy.map(\.line).first { $0.name == .inWindow }
            inWindowPerMl = inWindow.flatMap { finiteOrNil($0.concentrationPerMl) }
            inWindowPerMlCI = inWindow.map { [finiteOrNil($0.concentrationLowerPerMl), finiteOrNil($0.concentrationUpperPerMl)] }
            let records = r.dilution.map { [$0] } ?? r.videos.compactMap(\.dilution)
            inWindowIsOfOriginalSample = !records.isEmpty && records.allSatisfy(\.isKnown)
            tracksUsed = r.tracks?.used
            warnings = r.warnings.count + r.videos.reduce(0) { $0 + $1.warnings.count }
        }

        /// A sample whose analysis failed.
        public init(sample: BatchSample, error: String) {
            self.sample = sample.name
            page = nil
            self.error = BatchSummaryTable.oneLine(error)
            files = sample.files
            windowMinNm = 0
            windowMaxNm = 0
            warnings = 0
        }
    }

    /// A file name for each sample's page, in sample order: the name without the folders all names share,
    /// its letters, digits, `.`, `-` and `_` kept (others become `_`, at most 80 characters), plus `.html`;
    /// made unique (ignoring case) with `-2`, `-3`, …; never `index.html`.
    public static func pageNames(_ samples: [String]) -> [String] {
        var used: Set<String> = ["index"]
        let folders = samples.map { $0.split(separator: "/", omittingEmptySubsequences: false).dropLast() }
        var shared = folders.first.map(Array.init) ?? []
        for f in folders.dropFirst() {
            shared = Array(zip(shared, f).prefix { $0.0 == $0.1 }.map(\.0))
        }
        let cut = shared.isEmpty ? 0 : shared.joined(separator: "/").count + 1
        return samples.map { full in
            let name = String(full.dropFirst(cut))
            var base = String(name.unicodeScalars.map { c -> Character in
                (c.isASCII && (CharacterSet.alphanumerics.contains(c) || c == "." || c == "-" || c == "_")) ? Character(c) : "_"
            }.prefix(80))
            while base.hasPrefix(".") { base = "_" + base.dropFirst() }
            if base.isEmpty { base = "sample" }
            var candidate = base, k = 1
            while !used.insert(candidate.lowercased()).inserted {
                k += 1
                candidate = "\(base)-\(k)"
            }
            return candidate + ".html"
        }
    }

    /// Renders the index page.
    public static func render(_ entries: [Entry], title: String = "NTA batch") -> String {
        let failed = entries.filter { $0.error != nil }.count
        var s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        s += "<meta name=\"color-scheme\" content=\"light dark\">\n"
        s += "<meta name=\"generator\" content=\"nta-size \(Markup.escape(NTAVersion.string))\">\n"
        s += "<title>\(Markup.escape(title))</title>\n"
        s += "<style>\n" + ReportStyle.figureCSS + "\n" + ReportStyle.pageCSS + "\n.failed{color:var(--warn)}\n.nta-dot{fill:\(ReportStyle.Colour.blue)}\n@media (prefers-color-scheme: dark){.nta-dot{fill:\(ReportStyle.Colour.skyBlue)}}\n</style>\n</head>\n<body>\n"
        s += "<header>\n<h1>\(Markup.escape(title))</h1>\n"
        s += "<p class=\"subtitle\">nta-size \(Markup.escape(NTAVersion.string)) — \(entries.count) sample\(entries.count == 1 ? "" : "s"): "
        s += "\(entries.count - failed) analysed, \(failed) failed.</p>\n</header>\n"

        s += "<section id=\"samples\">\n<h2>Samples</h2>\n<table>\n<thead><tr><th>Sample</th><th class=\"num\">d50 (interval)</th>"
        s += "<th class=\"num\">In the window, particles/mL (interval)</th><th class=\"num\">Window fraction</th>"
        s += "<th class=\"num\">Tracks used</th><th class=\"num\">Warnings</th></tr></thead>\n<tbody>\n"
        for e in entries {
            let name = e.page.map { "<a href=\"\(Markup.escape($0))\">\(Markup.escape(e.sample))</a>" } ?? Markup.escape(e.sample)
            if let error = e.error {
                s += "<tr><td>\(name)</td><td colspan=\"5\" class=\"failed\">failed: \(Markup.escape(error))</td></tr>\n"
                continue
            }
            s += "<tr><td>\(name)</td>"
            s += "<td class=\"num\">\(Markup.escape(nmText(e.d50Nm, e.d50NmCI)))</td>"
            s += "<td class=\"num\">\(Markup.escape(concentrationText(e.inWindowPerMl, e.inWindowPerMlCI)))"
            s += e.inWindowPerMl != nil && !e.inWindowIsOfOriginalSample ? " (in the cell: dilution unknown)</td>" : "</td>"
            s += "<td class=\"num\">\(Markup.escape(e.windowFraction.map(TextReport.percent) ?? "unknown"))</td>"
            s += "<td class=\"num\">\(e.tracksUsed.map(String.init) ?? "—")</td><td class=\"num\">\(e.warnings)</td></tr>\n"
        }
        s += "</tbody>\n</table>\n</section>\n"

        let ok = entries.filter { $0.error == nil }
        s += "<section id=\"compare\">\n<h2>Side by side</h2>\n"
        s += figure(ok, value: { ($0.d50Nm, $0.d50NmCI) }, axisTitle: "d50, nm", logarithmic: false,
                    title: "Median diameter d50 per sample")
        s += "<figcaption>Median diameter d50 of each sample's number distribution; whiskers: its bootstrap interval (none without --bootstrap or for histograms and instrument summaries). A sample without the figure is marked “unknown”.</figcaption>\n</figure>\n"
        let windows = Set(ok.map { "\(plainNumber($0.windowMinNm))–\(plainNumber($0.windowMaxNm)) nm" }).sorted()
        s += figure(ok, value: { $0.inWindowIsOfOriginalSample ? ($0.inWindowPerMl, $0.inWindowPerMlCI) : (nil, nil) },
                    axisTitle: "particles/mL in the window", logarithmic: true, title: "Concentration in the size window per sample")
        s += "<figcaption>Particles per mL of the original sample in the size window (\(Markup.escape(windows.joined(separator: "; ")))); whiskers: its interval. Unknown without a detection volume (--detection-volume-nl), and here for a sample whose dilution is unknown (neither recorded nor given with --dilution): its concentration is as measured in the cell, another quantity (in the table).</figcaption>\n</figure>\n"
        s += "</section>\n"
        s += "<footer>Made by nta-size \(Markup.escape(NTAVersion.string)). Each sample's figures are in its own page, the summary CSV and the JSON Lines file; the same inputs, flags and seed give the same pages.</footer>\n"
        s += "</body>\n</html>\n"
        return s
    }

    /// A horizontal dot-and-whisker chart, one row per sample; opens a `<figure>` the caller closes.
    static func figure(_ entries: [Entry], value: (Entry) -> (Double?, [Double?]?), axisTitle: String,
                       logarithmic: Bool, title: String) -> String {
        let points = entries.map { e -> (Double?, Double?, Double?) in
            let (v, ci) = value(e)
            let positive: (Double?) -> Double? = { x in x.flatMap { $0.isFinite && (!logarithmic || $0 > 0) ? $0 : nil } }
            return (positive(v), positive(ci?.first ?? nil), positive(ci?.dropFirst().first ?? nil))
        }
        let known = points.flatMap { [$0.0, $0.1, $0.2].compactMap { $0 } }
        let lo = known.min() ?? .nan, hi = known.max() ?? .nan
        let axis: PlotAxis
        if logarithmic, lo > 0 {
            axis = .logarithmic(PlotAxis.logFloor(lo), max(PlotAxis.logCeiling(hi), PlotAxis.logFloor(lo) * 10))
        } else {
            let span = hi - lo
            let pad = span > 0 ? span * 0.15 : max(abs(hi) * 0.1, 1)
            axis = .linear(lo - pad, hi + pad)
        }
        let labelWidth = 190.0, rowHeight = 24.0
        let rows = max(entries.count, 1)
        let frame = PlotFrame(width: 720, height: 70 + rowHeight * Double(rows), left: labelWidth, top: 12,
                              plotWidth: 720 - labelWidth - 24, plotHeight: rowHeight * Double(rows), x: axis,
                              y: .linear(0, Double(rows)))
        var s = "<figure>\n" + frame.open(title: title, standalone: false)
        s += "<rect class=\"nta-bg\" x=\"0\" y=\"0\" width=\"\(Markup.coordinate(frame.width))\" height=\"\(Markup.coordinate(frame.height))\" fill-opacity=\"0\"/>"
        s += "<g class=\"nta-axes\">"
        if !known.isEmpty {
            for t in axis.ticks {
                let p = Markup.coordinate(frame.px(t))
                s += "<line class=\"nta-grid\" x1=\"\(p)\" y1=\"\(Markup.coordinate(frame.top))\" x2=\"\(p)\" y2=\"\(Markup.coordinate(frame.bottom))\"/>"
                s += "<line class=\"nta-tick\" x1=\"\(p)\" y1=\"\(Markup.coordinate(frame.bottom))\" x2=\"\(p)\" y2=\"\(Markup.coordinate(frame.bottom + 5))\"/>"
                s += "<text class=\"nta-ticklabel\" x=\"\(p)\" y=\"\(Markup.coordinate(frame.bottom + 18))\" text-anchor=\"middle\">\(Markup.escape(axis.label(t)))</text>"
            }
        }
        s += "<rect class=\"nta-frame\" x=\"\(Markup.coordinate(frame.left))\" y=\"\(Markup.coordinate(frame.top))\" width=\"\(Markup.coordinate(frame.plotWidth))\" height=\"\(Markup.coordinate(frame.plotHeight))\"/>"
        s += "<text class=\"nta-axistitle\" x=\"\(Markup.coordinate(frame.left + frame.plotWidth / 2))\" y=\"\(Markup.coordinate(frame.bottom + 38))\" text-anchor=\"middle\">\(Markup.escape(axisTitle))</text>"
        s += "</g>"
        for (k, e) in entries.enumerated() {
            let y = frame.top + rowHeight * (Double(k) + 0.5), cy = Markup.coordinate(y)
            let label = e.sample.count > 28 ? String(e.sample.prefix(27)) + "…" : e.sample
            s += "<text class=\"nta-ticklabel\" x=\"\(Markup.coordinate(frame.left - 8))\" y=\"\(cy)\" dy=\"0.35em\" text-anchor=\"end\">\(Markup.escape(label))</text>"
            let (v, low, high) = points[k]
            if let low, let high, high >= low {
                let a = Markup.coordinate(frame.clippedX(low)), b = Markup.coordinate(frame.clippedX(high))
                s += "<path class=\"nta-whisker\" d=\"M\(a) \(Markup.coordinate(y - 5))V\(Markup.coordinate(y + 5))M\(a) \(cy)H\(b)M\(b) \(Markup.coordinate(y - 5))V\(Markup.coordinate(y + 5))\"/>"
            }
            if let v {
                s += "<circle class=\"nta-dot\" cx=\"\(Markup.coordinate(frame.clippedX(v)))\" cy=\"\(cy)\" r=\"4.5\"/>"
            } else {
                s += "<text class=\"nta-annot\" x=\"\(Markup.coordinate(frame.left + 8))\" y=\"\(cy)\" dy=\"0.35em\">unknown</text>"
            }
        }
        return s + "</svg>\n"
    }

    static func nmText(_ v: Double?, _ ci: [Double?]?) -> String {
        guard let v else { return "unknown" }
        var text = TextReport.nm(v)
        if let lo = ci?.first ?? nil, let hi = ci?.dropFirst().first ?? nil {
            text += String(format: " (%.1f–%.1f)", lo, hi)
        }
        return text
    }

    static func concentrationText(_ v: Double?, _ ci: [Double?]?) -> String {
        guard let v else { return "unknown" }
        var text = String(format: "%.3g", v)
        if let lo = ci?.first ?? nil, let hi = ci?.dropFirst().first ?? nil {
            text += String(format: " (%.3g–%.3g)", lo, hi)
        }
        return text
    }
}
