import Foundation
import NTACore
import NTARead
import NTAPipeline
import NTAPopulations

/// Options of ``HTMLReport``.
public struct HTMLReportOptions: Sendable, Hashable {
    /// The page's heading and `<title>`.
    public var title: String = "Nanoparticle tracking analysis report"
    /// Most track points drawn in the intensity–size plane (every k-th track beyond; the caption says so).
    public var maxIntensityPoints: Int = 4000

    /// Options with the given title and intensity–size point cap (defaults: the generic title, 4000 points).
    public init(title: String = "Nanoparticle tracking analysis report", maxIntensityPoints: Int = 4000) {
        self.title = title
        self.maxIntensityPoints = maxIntensityPoints
    }
}

/// The analysis as one self-contained HTML page, for people: the count
/// decomposition in plain words, the size distribution figure and statistics,
/// the intensity–size plane and the marker-positive fraction when the data
/// allow, a settings table in the spirit of MISEV2018 (Théry et al. 2018,
/// J Extracell Vesicles 7:1535750) and every warning and note.
///
/// One file with no network access: inline SVG figures drawn by this package,
/// inline CSS, no scripts, no fonts or images fetched. Light and dark themes
/// (`prefers-color-scheme`), A4 print rules. Numbers use the text report's
/// formatting helpers, so they equal the text's and round the JSON's values the
/// same way; every string from an input is HTML-escaped. The same result gives
/// the same bytes (no timestamps, sorted keys, fixed decimals without locale).
public enum HTMLReport {
    /// Renders the page.
    public static func render(_ result: SampleResult, options: HTMLReportOptions = HTMLReportOptions()) -> String {
        let report = AnalysisReport(result)
        var page = Page()
        page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        page.raw("<meta name=\"color-scheme\" content=\"light dark\">\n")
        page.raw("<meta name=\"generator\" content=\"nta-size \(Markup.escape(NTAVersion.string))\">\n")
        page.raw("<title>\(Markup.escape(options.title))</title>\n")
        page.raw("<style>\n" + ReportStyle.figureCSS + "\n" + ReportStyle.pageCSS + "\n</style>\n</head>\n<body>\n")
        header(result, options: options, into: &page)
        counts(result, into: &page)
        size(result, report: report, into: &page)
        intensity(result, options: options, into: &page)
        fluorescence(result, into: &page)
        settings(result, report: report, into: &page)
        messages(result, report: report, into: &page)
        page.raw("<footer>Made by nta-size \(Markup.escape(NTAVersion.string)) from the files listed above. The same files, flags and seed give the same report. The machine-readable figures are in <code>--output json</code>.</footer>\n")
        page.raw("</body>\n</html>\n")
        return page.text
    }

    /// Accumulates the page's markup.
    struct Page {
        var text = ""
        mutating func raw(_ s: String) { text += s }
        /// A paragraph of escaped text.
        mutating func paragraph(_ s: String, cssClass: String? = nil) {
            text += (cssClass.map { "<p class=\"\($0)\">" } ?? "<p>") + Markup.escape(s) + "</p>\n"
        }
        /// A table: the header cells, then rows of cells (escaped); `numeric` marks right-aligned columns.
        mutating func table(_ head: [String], _ rows: [[String]], numeric: Set<Int> = []) {
            text += "<table>\n<thead><tr>"
            for (k, h) in head.enumerated() { text += (numeric.contains(k) ? "<th class=\"num\">" : "<th>") + Markup.escape(h) + "</th>" }
            text += "</tr></thead>\n<tbody>\n"
            for row in rows {
                text += "<tr>"
                for (k, cell) in row.enumerated() { text += (numeric.contains(k) ? "<td class=\"num\">" : "<td>") + Markup.escape(cell) + "</td>" }
                text += "</tr>\n"
            }
            text += "</tbody>\n</table>\n"
        }
        /// A bulleted list of escaped items.
        mutating func list(_ items: [String], cssClass: String? = nil) {
            text += (cssClass.map { "<ul class=\"\($0)\">" } ?? "<ul>") + "\n"
            for i in items { text += "<li>" + Markup.escape(i) + "</li>\n" }
            text += "</ul>\n"
        }
        mutating func figure(_ svg: String, caption: String) {
            text += "<figure>\n" + svg + "\n<figcaption>" + Markup.escape(caption) + "</figcaption>\n</figure>\n"
        }
    }

    static func header(_ a: SampleResult, options: HTMLReportOptions, into page: inout Page) {
        page.raw("<header>\n<h1>\(Markup.escape(options.title))</h1>\n")
        let files = orderedUnique(a.videos.map(\.file))
        let kind: String
        switch a.distributionKind {
        case .deconvolved: kind = "trajectories analysed by nta-size (deconvolved number distribution)"
        case .trackHistogram: kind = "trajectories analysed by nta-size (one count per track)"
        case .instrument: kind = "the instrument's own size distribution"
        case .mixed: kind = a.distributionKind.rawValue
        }
        page.paragraph("nta-size \(NTAVersion.string) — \(a.videos.count) video\(a.videos.count == 1 ? "" : "s") from \(files.count) file\(files.count == 1 ? "" : "s"); source: \(kind).", cssClass: "subtitle")
        page.paragraph("Files: " + files.joined(separator: ", "), cssClass: "files")
        page.raw("</header>\n")
    }

    /// The count decomposition in plain words, then as a table.
    static func counts(_ a: SampleResult, into page: inout Page) {
        page.raw("<section id=\"counts\">\n<h2>What was counted</h2>\n<div class=\"headline\">\n")
        if let d = a.populations.decomposition {
            for sentence in d.plainWords(fluorescenceGiven: a.populations.fluorescenceGiven,
                                         ofOriginalSample: a.concentrationIsOfOriginalSample) where !sentence.hasPrefix("Warning:") {
                page.paragraph(sentence, cssClass: sentence.hasPrefix("A particle count") ? "caveat" : nil)
            }
        } else {
            if let text = TextReport.concentrationText(a) { page.paragraph(text) }
            else { page.paragraph("Concentration: not known (see the notes below for what it needs).") }
            page.paragraph(TextReport.windowText(a))
            page.paragraph("A particle count is not an exosome count: NTA cannot tell vesicles from debris of the same size.", cssClass: "caveat")
        }
        page.raw("</div>\n")
        if let d = a.populations.decomposition {
            let names: [PopulationCount.Name: String] = [
                .total: "all particles", .belowWindow: "below the window", .inWindow: "in the size window",
                .aboveWindow: "above the window", .markerPositive: "marker-positive, in the window"]
            // Below a millionth of the total, a concentration prints as 0, as in the text report.
            let c = { (x: Double) in concentrationText(x, total: d.total.concentrationPerMl) }
            let rows = d.populations.map { p -> [String] in
                let range: String
                if p.minNm <= 0, !p.maxNm.isFinite { range = "all sizes" }
                else if p.minNm <= 0 { range = "< \(plainNumber(p.maxNm)) nm" }
                else if !p.maxNm.isFinite { range = "≥ \(plainNumber(p.minNm)) nm" }
                else { range = "\(plainNumber(p.minNm))–\(plainNumber(p.maxNm)) nm" }
                return [names[p.name] ?? p.name.rawValue, range, c(p.concentrationPerMl),
                        interval(c(p.concentrationLowerPerMl), c(p.concentrationUpperPerMl)),
                        TextReport.percent(p.fraction),
                        interval(TextReport.percent(p.fractionLower), TextReport.percent(p.fractionUpper))]
            }
            page.table(["Population", "Size", "Particles/mL", "95 % CI", "Share", "95 % CI"], rows, numeric: [2, 3, 4, 5])
            page.paragraph("Shares are of all particles; the marker-positive share is of the particles in the window. Concentrations are per mL \(a.concentrationIsOfOriginalSample ? "of the original sample (dilution applied as listed under Settings)" : "as measured in the cell: the dilution is unknown (see Settings)").", cssClass: "source")
            if let text = TextReport.concentrationText(a) { page.paragraph(text, cssClass: "source") }
        }
        page.raw("</section>\n")
    }

    static func size(_ a: SampleResult, report: AnalysisReport, into page: inout Page) {
        page.raw("<section id=\"size\">\n<h2>Size distribution</h2>\n")
        var caption = "Log size axis. "
        switch a.distributionKind {
        case .deconvolved:
            caption += (a.deconvolvedFiguresUnsupported ? "Blue: the deconvolution of the per-track likelihoods (1-nm bins)" : "Blue: the sample's number distribution, deconvolved from the per-track likelihoods (1-nm bins)") + "; orange: the raw histogram of per-track sizes, one count per track, broadened by each track's estimation noise. "
        case .trackHistogram: caption += "Orange: the histogram of per-track sizes, one count per track (not deconvolved). "
        default: caption += "Blue: the instrument's own distribution. "
        }
        caption += "Each curve is scaled to its own total, in % of particles per nm. "
        if a.videos.count > 1 { caption += "Purple: each video separately. " }
        if a.populations.components != nil { caption += "Dashed: the log-normal components (number chosen by BIC). " }
        if let b = a.bootstrap {
            caption += String(format: "Green bands: %.0f %% bootstrap intervals of D10, D50 and D90 (%d replicates over tracks). ", 100 * b.level, b.replicates.count)
            if a.distributionKind == .deconvolved {
                caption += String(format: "Light blue: the curve's pointwise %.0f %% bootstrap band (2.5th–97.5th percentile of the replicates' distributions in each 1-nm bin).", 100 * b.level)
            }
        } else if let why = a.deconvolvedFiguresUnknownReason {
            caption += "The blue curve is the deconvolution's, and not a measurement: \(why); no figures or intervals are given for it."
        } else {
            caption += "No bootstrap intervals: " + (a.distributionKind == .deconvolved
                ? (a.videos.count > 1 ? "with several videos they are computed per video (see the table)." : "bootstrap replicates were 0.")
                : "they exist only for a deconvolved distribution.")
        }
        page.figure(SizeDistributionFigure.svg(a, standalone: false), caption: caption)

        // Statistics table.
        let s = report.size
        let hist = a.distributionKind == .deconvolved ? a.histogramSize : nil
        func value(_ x: Double?) -> String { TextReport.nm(x ?? .nan) }
        func ci(_ c: [Double?]?) -> String {
            guard let c, c.count == 2 else { return "" }
            return interval(TextReport.nm(c[0] ?? .nan), TextReport.nm(c[1] ?? .nan))
        }
        var head = ["Statistic", a.distributionKind == .deconvolved ? "Sample (deconvolved)" : "Value"]
        if a.bootstrap != nil { head.append(String(format: "%.0f %% CI", 100 * (a.bootstrap?.level ?? 0.95))) }
        if hist != nil { head.append("Raw track histogram") }
        var rows: [[String]] = []
        func row(_ name: String, _ v: String, _ c: String, _ h: String) {
            var r = [name, v]
            if a.bootstrap != nil { r.append(c) }
            if hist != nil { r.append(h) }
            rows.append(r)
        }
        row("Mean", value(s.meanNm), "", TextReport.nm(hist?.meanNm ?? .nan))
        row("Mode", value(s.modeNm), ci(s.modeNmCI), TextReport.nm(hist?.modeNm ?? .nan))
        row("SD", value(s.sdNm), "", TextReport.nm(hist?.sdNm ?? .nan))
        row("D10", value(s.d10Nm), ci(s.d10NmCI), TextReport.nm(hist?.d10Nm ?? .nan))
        row("D50 (median)", value(s.d50Nm), ci(s.d50NmCI), TextReport.nm(hist?.d50Nm ?? .nan))
        row("D90", value(s.d90Nm), ci(s.d90NmCI), TextReport.nm(hist?.d90Nm ?? .nan))
        let w = a.options.window
        row("In the \(plainNumber(w.minNm))–\(plainNumber(w.maxNm)) nm window", TextReport.percent(a.windowFraction),
            a.bootstrap.map { interval(TextReport.percent($0.windowFraction.lower), TextReport.percent($0.windowFraction.upper)) } ?? "",
            TextReport.percent(a.histogramWindowFraction ?? .nan))
        page.table(head, rows, numeric: Set(1..<head.count))
        page.paragraph(TextReport.windowText(a))
        if let text = TextReport.componentsText(a) { page.paragraph(text) }

        if a.videos.count > 1 {
            page.raw("<h3>Per video</h3>\n")
            let anyTracks = a.videos.contains { $0.analysis != nil }
            let anyConcentration = a.videos.contains { $0.concentrationPerMl != nil }
            var head = ["Video"]
            if anyTracks { head.append("Tracks") }
            head += ["D10", "D50", "D90", "Window"]
            if anyConcentration { head.append("Particles/mL") }
            let severalFiles = Set(a.videos.map(\.file)).count > 1
            let rows = a.videos.map { v -> [String] in
                let fileName = URL(fileURLWithPath: v.file).lastPathComponent
                var r = [severalFiles && v.name != fileName ? "\(v.name) (\(fileName))" : v.name]
                if anyTracks { r.append(v.analysis.map { String($0.tracksUsed) } ?? "—") }
                r += [TextReport.nm(v.size.d10Nm), TextReport.nm(v.size.d50Nm), TextReport.nm(v.size.d90Nm), TextReport.percent(v.windowFraction)]
                if anyConcentration { r.append(v.concentrationPerMl.map { String(format: "%.3g", $0) } ?? "—") }
                return r
            }
            page.table(head, rows, numeric: Set(1..<head.count))
        }
        page.raw("</section>\n")
    }

    static func intensity(_ a: SampleResult, options: HTMLReportOptions, into page: inout Page) {
        guard let fig = IntensitySizeFigure.svg(a, maxPoints: options.maxIntensityPoints) else { return }
        page.raw("<section id=\"intensity\">\n<h2>Intensity versus size</h2>\n")
        var caption = "Each point is one sized track: its estimated diameter and its mean scattered intensity (arbitrary units: only ratios within a video matter). A Rayleigh scatterer's intensity grows as d⁶, so particles of one material lie along a line of slope 6; low-refractive-index vesicles lie below dense particles of the same size. "
        if fig.shownPoints < fig.totalPoints {
            caption += "\(fig.shownPoints) of the \(fig.totalPoints) tracks are drawn (every k-th, in file order). "
        }
        caption += a.populations.intensity != nil
            ? "Lines: the two classes fitted in the size window (dashed outside it, where they are extrapolated)."
            : a.populations.concentration == nil
                ? "No classes were fitted: the classification counts particles per frame, which needs the detection volume (--detection-volume-nl V) and the dilution (see the notes)."
                : "No classes were fitted (the notes say why)."
        page.figure(fig.svg, caption: caption)
        if let text = TextReport.intensityText(a) { page.paragraph(text) }
        page.raw("</section>\n")
    }

    static func fluorescence(_ a: SampleResult, into page: inout Page) {
        guard let f = a.populations.fluorescence else { return }
        page.raw("<section id=\"fluorescence\">\n<h2>Marker-positive particles</h2>\n")
        if let svg = FluorescenceFigure.svg(a) {
            page.figure(svg, caption: String(format: "Share of the scatter-mode particles that the fluorescence capture also counts, per size bin, with %.0f %% intervals. ", 100 * f.confidenceLevel)
                + (f.bleachingCorrected ? "Corrected for photobleaching." : "Not corrected for photobleaching (not significant, or not requested)."))
        }
        let rows = ([f.window] + f.bins).enumerated().map { k, b -> [String] in
            ["\(k == 0 ? "whole window " : "")\(plainNumber(b.minNm))–\(plainNumber(b.maxNm)) nm",
             TextReport.percent(b.positiveFraction),
             interval(TextReport.percent(b.positiveFractionLower), TextReport.percent(b.positiveFractionUpper)),
             sci(b.positiveConcentrationPerMl),
             interval(sci(b.positiveConcentrationLowerPerMl), sci(b.positiveConcentrationUpperPerMl)),
             sci(b.scatterConcentrationPerMl)]
        }
        let level = String(format: "%.0f %% CI", 100 * f.confidenceLevel)
        page.table(["Size", "Marker-positive", level, "Positive particles/mL", level, "All particles/mL"], rows, numeric: [1, 2, 3, 4, 5])
        page.raw("</section>\n")
    }

    /// The settings and data table (MISEV2018-style reporting of instrument, acquisition and analysis).
    static func settings(_ a: SampleResult, report: AnalysisReport, into page: inout Page) {
        page.raw("<section id=\"settings\">\n<h2>Settings and data</h2>\n")
        var rows: [[String]] = []
        func add(_ name: String, _ value: String, _ source: String = "") { rows.append([name, value, source]) }
        func source(_ s: ReportedSetting) -> String { s.source.rawValue + (s.detail.map { ": " + $0 } ?? "") }
        /// A merged setting, or each video's value when they differ.
        func setting(_ key: String, _ name: String, unit: String) {
            guard let s = report.settings[key] else { return }
            if s.source == .perVideo {
                // The report's videos: their settings include what the report adds per video (drift correction).
                let parts = report.videos.map { v in "\(v.name): " + (v.settings[key].map { TextReport.settingText($0.value) } ?? "—") }
                add(name, "differs per video — " + parts.joined(separator: "; ") + (unit.isEmpty ? "" : " " + unit), "per video")
            } else {
                let text = TextReport.settingText(s.value)
                add(name, text + (unit.isEmpty || text == "—" ? "" : " " + unit), source(s))
            }
        }
        let formats = orderedUnique(a.videos.map { v in
            InstrumentFormat(rawValue: v.format)?.displayName ?? (v.format == "trajectories" ? "trajectories (particle, frame, x, y)" : v.format)
        })
        add("Software", "nta-size \(NTAVersion.string)")
        add("Input format / instrument", formats.joined(separator: "; "))
        add("Videos", "\(a.videos.count) from \(orderedUnique(a.videos.map(\.file)).count) file(s)")
        setting("frameRateHz", "Frame rate", unit: "Hz")
        setting("nanometersPerPixel", "Pixel size", unit: "nm/pixel")
        setting("temperatureCelsius", "Temperature", unit: "°C")
        setting("viscosityMillipascalSeconds", "Viscosity", unit: "mPa·s")
        setting("viscosityModel", "Viscosity model (from temperature)", unit: "")
        setting("exposureMilliseconds", "Exposure", unit: "ms")
        setting("blurCoefficient", "Motion-blur coefficient R", unit: "")
        setting("minTrackLength", "Minimum track length", unit: "localisations")
        setting("estimator", "Per-track estimator", unit: "")
        setting("driftCorrection", "Drift correction", unit: "")
        let fromTracks = a.videos.contains { $0.analysis != nil }
        if fromTracks {
            var method: String
            switch a.distributionKind {
            case .deconvolved:
                let likelihoods = orderedUnique(a.videos.compactMap(\.analysis).map(\.likelihood.rawValue))
                method = "deconvolved (penalised EM, \(likelihoods.joined(separator: ", ")) likelihood)"
            case .trackHistogram: method = "one count per track"
            case .instrument, .mixed: method = a.distributionKind.rawValue
            }
            add("Size distribution", method, "option")
            add("Bootstrap", a.options.bootstrapReplicates > 0 ? "\(a.options.bootstrapReplicates) replicates over tracks, seed \(a.options.seed)" : "none", "option")
            let t = a.tracks, r = a.rows
            add("Tracks", "\(t.read) read, \(t.used) sized" + TextReport.droppedText(t.dropped), "")
            add("Rows (localisations)", "\(r.read) read" + TextReport.droppedText(r.dropped), "")
            for v in a.videos {
                guard let n = v.analysis?.nuisance else { continue }
                if let sigma = v.analysis?.localisationSigmaNanometers {
                    add("Localisation error σ (\(v.name))", String(format: "%.1f nm per axis", sigma), "estimated (pooled over tracks)")
                } else if n.isIdentified, n.isMeasured {
                    // σ̂² ≤ 0, as the text report says it.
                    add("Localisation error σ (\(v.name))", "below what the tracks resolve (σ̂² ≤ 0)", "estimated (pooled over tracks)")
                } else {
                    add("Localisation error σ (\(v.name))", "unknown", "see the notes")
                }
            }
        }
        add("Size window", "\(plainNumber(a.options.window.minNm))–\(plainNumber(a.options.window.maxNm)) nm",
            a.options.explicitlySet.contains(.window) ? "flag" : "default")
        if let c = a.populations.concentration {
            add("Detection volume", String(format: "%.4g mL (%@)", c.detectionVolumeMl, c.detectionVolumeDescription), "flag")
        } else if fromTracks {
            add("Detection volume", "not given (no concentration)", "")
        }
        if let d = a.populations.dilution {
            add("Dilution", "×\(plainNumber(d.appliedFactor))", "\(d.appliedBy.rawValue): \(d.source)")
        }
        for v in a.videos {
            if let d = v.dilution { add("Dilution (\(v.name))", "×\(plainNumber(d.appliedFactor))", "\(d.appliedBy.rawValue): \(d.source)") }
        }
        page.table(["Parameter", "Value", "Source"], rows)
        page.raw("</section>\n")
    }

    /// Every warning and note, as in the JSON report (plus the per-video warnings, named).
    static func messages(_ a: SampleResult, report: AnalysisReport, into page: inout Page) {
        page.raw("<section id=\"messages\">\n<h2>Warnings and notes</h2>\n")
        let warnings = report.warnings + TextReport.videoWarningLines(a)
        if warnings.isEmpty { page.paragraph("No warnings.") } else { page.list(warnings, cssClass: "warnings") }
        // Each video's nuisance note (σ and R not told apart, σ² not measured, a clamp), which the text report gives
        // under its settings and the JSON in `nuisance.note`.
        let nuisanceNotes = a.videos.compactMap { v in v.analysis?.nuisance?.note.map { "\(v.name): \($0)" } }
        let notes = report.notes + nuisanceNotes + TextReport.methodNotes(a).map { $0.joined(separator: " ") }
        if !notes.isEmpty {
            page.raw("<h3>Notes</h3>\n")
            page.list(notes)
        }
        page.raw("</section>\n")
    }

    /// "lower–upper", or empty when either end is unknown.
    static func interval(_ lower: String, _ upper: String) -> String {
        lower == "n/a" || upper == "n/a" ? "" : lower + "–" + upper
    }

    static func orderedUnique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
