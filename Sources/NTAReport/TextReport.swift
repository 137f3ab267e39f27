import Foundation
import NTACore
import NTARead
import NTAPipeline
import NTAPopulations

/// Plain-text and CSV renderings of an analysis, for people and spreadsheets.
public enum TextReport {
    /// A readable report: what was counted, the size statistics, and how.
    public static func render(_ a: SampleResult) -> String {
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        let fromTracks = a.videos.contains { $0.analysis != nil }
        let files = Set(a.videos.map(\.file)).count
        line("nta-size \(NTAVersion.string) — \(a.videos.count) video\(a.videos.count == 1 ? "" : "s") from \(files) file\(files == 1 ? "" : "s")")
        line()
        if let d = a.populations.decomposition {
            for sentence in d.plainWords(fluorescenceGiven: a.populations.fluorescenceGiven,
                                         ofOriginalSample: a.concentrationIsOfOriginalSample) { line(sentence) }
            line()
        }
        if fromTracks {
            let tracks = a.tracks, rows = a.rows
            line("Tracks: \(tracks.used) sized of \(tracks.read) read\(droppedText(tracks.dropped))")
            if rows.dropped.total > 0 { line("Rows:   \(rows.read) read\(droppedText(rows.dropped))") }
        } else {
            line("Source: the instrument's own size distribution (\(Set(a.videos.map(\.format)).sorted().joined(separator: ", "))).")
        }
        if let text = concentrationText(a) { line(text) }
        line()
        let how: String
        switch a.distributionKind {
        case .trackHistogram: how = "one count per track, estimator \(a.estimatorName ?? "—")"
        case .deconvolved:
            let weighed = a.videos.reduce(0) { $0 + ($1.analysis?.deconvolved?.deconvolution.trackCount ?? 0) }
            let more = weighed > a.tracks.used ? ", \(weighed - a.tracks.used) more than were sized: each weighs in by its likelihood whatever its own estimate" : ""
            how = "the sample's number distribution, deconvolved from the likelihoods of \(weighed) tracks\(more); estimator \(a.estimatorName ?? "—") for the histogram"
        case .mixed: how = "the sum of the videos' distributions, formed in different ways: deconvolved for some, one count per track for others"
        case .instrument: how = "the instrument's bins, averaged over videos"
        }
        line("Size distribution (\(how)):")
        line(statsText(a.size))
        if let why = a.deconvolvedFiguresUnknownReason { line("  unknown: \(why)") }
        if let b = a.bootstrap {
            line(String(format: "  %.0f %% intervals (%d bootstrap replicates over tracks, seed %@): D10 %.1f–%.1f, D50 %.1f–%.1f, D90 %.1f–%.1f nm, mode %.1f–%.1f nm",
                        100 * b.level, b.replicates.count, String(a.options.seed), b.d10Nm.lower, b.d10Nm.upper, b.d50Nm.lower, b.d50Nm.upper,
                        b.d90Nm.lower, b.d90Nm.upper, b.modeNm.lower, b.modeNm.upper))
        }
        line(windowText(a))
        if a.distributionKind == .deconvolved, let hs = a.histogramSize, let hw = a.histogramWindowFraction {
            line("For comparison, the raw one-count-per-track histogram: D10 \(nm(hs.d10Nm)), D50 \(nm(hs.d50Nm)), D90 \(nm(hs.d90Nm)), window \(percent(hw)).")
        }
        if a.videos.count > 1 {
            line()
            line("Per video:")
            for v in a.videos {
                var text = "  \(v.name): "
                if let t = v.analysis { text += "\(t.tracksUsed) tracks, " }
                text += "d50 \(nm(v.size.d50Nm)), window \(percent(v.windowFraction))"
                if let c = v.concentrationPerMl { text += String(format: ", %.3g /mL", c) }
                line(text)
            }
        }
        if let text = componentsText(a) { line(text) }
        if let text = intensityText(a) { line(text) }
        line()
        line("Settings:")
        var shown = Set<String>()
        for v in a.videos where shown.insert(v.file + "|" + String(describing: v.settings.sorted { $0.key < $1.key }.map(\.value.value))).inserted {
            let parts = v.settings.sorted { $0.key < $1.key }.map { key, setting -> String in
                // An unknown value says so, and one nobody gave says "not given", not "default" (an unknown exposure
                // has no default: R is then estimated from the tracks, or their combination used).
                setting.value == .null
                    ? "\(key) unknown (\(setting.source == .default ? "not given" : "\(setting.source)"))"
                    : "\(key) \(settingText(setting.value)) (\(setting.source))"
            }
            line("  \(v.name): " + parts.joined(separator: ", "))
            if let d = v.dilution {
                line(d.appliedBy == .none ? "    no dilution applied: \(d.source)"
                                          : "    dilution ×\(plainNumber(d.appliedFactor)) applied by \(d.appliedBy.rawValue): \(d.source)")
            }
            if let n = v.analysis?.nuisance {
                let report = NuisanceReport(n)
                if report.identified, n.isMeasured {
                    var text = ""
                    if let sigma = report.localisationSigmaNm {
                        text = String(format: "    pooled localisation error σ ≈ %.1f nm per axis", sigma)
                    } else {
                        text = "    pooled localisation error σ: below what the tracks resolve (σ̂² ≤ 0)"
                    }
                    if let ci = report.localisationSigmaNmCI { text += String(format: " (95 %% CI %.1f–%.1f nm)", ci[0], ci[1]) }
                    line(text)
                    if n.localisationVarianceFollowsBrightness, let sizing = report.sizingLocalisationVarianceNm2 {
                        let used = sizing == 0 && n.sizingLocalisationVarianceNm2 < 0
                            ? "σ² = 0 (the model is below 0 at the analysed tracks' brightness)"
                            : sizing < 0
                            ? String(format: "σ² ≈ %.0f nm² at the analysed tracks' brightness, as fitted jointly with R (negative: noise below what the tracks resolve)", sizing)
                            : String(format: "σ² ≈ %.0f nm², at the analysed tracks' brightness", sizing)
                        let how = report.sizingLocalisationVarianceSlopeNm2PerInverseIntensity.map {
                            "the deconvolution (and the per-track estimator when it is ml, σ² known) used each track's σ² at its own brightness (s₁ = \(threeSignificantDigits($0)) nm² per unit of 1/I; " + used + ")"
                        } ?? "the sizes used " + used
                        line("    σ² modelled as photon-limited (s₀ + s₁/I, from the intensities): σ above is the file's localisations' mean; " + how)
                    }
                    if n.blurSource == .estimated, let r = report.blurCoefficient, let ci = report.blurCoefficientCI {
                        line(String(format: "    motion blur estimated from the tracks: R ≈ %.3f (95 %% CI %.3f–%.3f)", r, ci[0], ci[1]))
                    }
                }
                if let note = n.note { line("    " + note) }
            }
        }
        // The count decomposition's warnings are in the headline above.
        let warnings = a.warnings + videoWarningLines(a)
        if !warnings.isEmpty {
            line()
            line("Warnings:")
            for w in warnings { line("  - " + w) }
        }
        if !a.notes.isEmpty {
            line()
            line("Notes:")
            for n in a.notes { line("  - " + n) }
        }
        for note in methodNotes(a) {
            for (k, part) in note.enumerated() { line((k == 0 ? "  - " : "    ") + part) }
        }
        return out
    }

    /// The concentration sentence: from trajectories with its interval and how it was
    /// obtained, or the instrument's particles per mL; `nil` when unknown.
    static func concentrationText(_ a: SampleResult) -> String? {
        if let c = a.populations.concentration, !c.particlesPerMl.isFinite {
            return "Concentration: unknown (the figures overflow a double: check the detection volume and dilution)."
        } else if let c = a.populations.concentration {
            let interval = c.lowerPerMl.isFinite && c.upperPerMl.isFinite
                ? String(format: "%.0f %% CI %.3g–%.3g", 100 * c.confidenceLevel, c.lowerPerMl, c.upperPerMl)
                : c.frames / max(c.blockLengthFrames, 1) < 2 ? "no interval: one block of correlated counts"
                : "no interval: the count never changes from frame to frame"
            let dilution = a.concentrationIsOfOriginalSample ? "dilution ×\(plainNumber(c.dilution))" : "as measured in the cell (dilution unknown)"
            return String(format: "Concentration: %.3g particles/mL (%@) from %.1f particles per frame over %d frame%@, %@, %@.",
                          c.particlesPerMl, interval, c.meanParticlesPerFrame, c.frames, c.frames == 1 ? "" : "s",
                          c.detectionVolumeDescription, dilution)
        } else if let c = a.concentrationPerMl, c.isFinite {
            var text = String(format: "Particles: %.3g per mL %@", c,
                              a.concentrationIsOfOriginalSample ? "of the original sample" : "as measured in the cell (dilution unknown)")
            if let se = a.concentrationStandardErrorPerMl { text += String(format: " (± %.2g SE across videos)", se) }
            return text + "."
        }
        return nil
    }

    /// The window sentence: the number fraction in the size window, with its bootstrap interval when known.
    static func windowText(_ a: SampleResult) -> String {
        let w = a.options.window
        let fromTracks = a.videos.contains { $0.analysis != nil }
        let unit = fromTracks ? "of tracks" : "of particles"
        let unitText = a.distributionKind == .deconvolved ? "of particles" : unit
        var windowLine = "In the \(plainNumber(w.minNm))–\(plainNumber(w.maxNm)) nm window: \(percent(a.windowFraction)) \(unitText)"
        if let b = a.bootstrap { windowLine += " (\(percent(b.windowFraction.lower))–\(percent(b.windowFraction.upper)))" }
        // Beside the count's shares of particles (each track weighed by the frames it was seen in), this one counts
        // each track once: two quantities, so say which is which.
        let other = a.distributionKind == .trackHistogram && a.populations.decomposition != nil
            ? ", each track counted once (the shares of particles above weigh each track by the frames it was seen in)" : ""
        return windowLine + other + " — a size fraction, not a count of vesicles."
    }

    /// The log-normal components sentence, or `nil` when none were fitted.
    static func componentsText(_ a: SampleResult) -> String? {
        guard let comps = a.populations.components?.components, !comps.isEmpty else { return nil }
        return componentsSentence(comps)
    }

    /// "Log-normal components (by BIC): …" for `comps`.
    package static func componentsSentence(_ comps: [LogNormalComponentFit]) -> String {
        // Whole percents, or tenths for all when one is under 1 % (0.4 %, not "0 %"; then 99.6 %, not "100 %").
        let tenths = comps.contains { 100 * $0.weight < 1 }
        return "Log-normal components (by BIC): " + comps.map {
            String(format: tenths ? "%.1f %% at %.0f nm (×/÷ %.2f)" : "%.0f %% at %.0f nm (×/÷ %.2f)",
                   100 * $0.weight, $0.medianNanometers, $0.geometricSD)
        }.joined(separator: "; ")
    }

    /// The intensity–size sentence (vesicle-like share of the window with its interval), or `nil` without a classification.
    static func intensityText(_ a: SampleResult) -> String? {
        guard let i = a.populations.intensity else { return nil }
        guard let share = i.separatedVesicleLikeFraction, let ci = i.separatedVesicleLikeFractionCI else {
            return String(format: "Vesicle-like (low refractive index) share of the window, from intensity vs size: unknown: the two classes are not separated (polarisability ratio %.5g); a single-material sample cannot be split.",
                          i.polarisabilityRatio)
        }
        return String(format: "Vesicle-like (low refractive index) share of the window, from intensity vs size: %@ (%.0f %% CI %@–%@).",
                      percent(share), 100 * i.confidenceLevel, percent(ci.first ?? .nan), percent(ci.last ?? .nan))
    }

    /// A reported setting's value as text: whole numbers plainly, others to 6 significant digits, `—` for null.
    static func settingText(_ value: ReportedValue) -> String {
        switch value {
        case .number(let x): return x == x.rounded() ? plainNumber(x) : String(format: "%.6g", x)
        case .text(let t): return t
        case .null: return "—"
        }
    }

    /// Notes on the estimator used, each as the lines a terminal shows (join with a space for one sentence).
    static func methodNotes(_ a: SampleResult) -> [[String]] {
        var notes: [[String]] = []
        // The automatic choice with the exposure unknown; ml-free asked for by name, or chosen because too few tracks
        // measured σ² (the nuisance's note says so), is not the exposure's doing.
        if a.videos.contains(where: {
            $0.analysis.map { $0.estimator == .mlFree && $0.settings.exposureMilliseconds.source == .default } ?? false
        }) {
            notes.append(["the exposure time is unknown, so σ² was fitted per track (ml-free, independent of motion blur);",
                          "pass --exposure-ms for the more precise ml estimator with the video's pooled σ²"])
        }
        if a.videos.contains(where: { $0.analysis != nil }), a.estimatorName == EstimatorChoice.msd1.rawValue {
            notes.append(["the one-lag MSD histogram is broadened and skewed to large sizes by short tracks, and motion",
                          "blur (if any) enlarges sizes; it describes tracks, not the sample's number distribution"])
        }
        return notes
    }

    /// Every warning of the report, one line each, as the JSON and HTML reports give them: the sample's and its count
    /// decomposition's (``sampleWarningLines(_:)``), then each video's, named (``videoWarningLines(_:)``).
    public static func warningLines(_ a: SampleResult) -> [String] { sampleWarningLines(a) + videoWarningLines(a) }

    /// The sample's warnings and its count decomposition's: the JSON report's `warnings`.
    package static func sampleWarningLines(_ a: SampleResult) -> [String] {
        a.warnings + (a.populations.decomposition?.warnings.map(\.message) ?? [])
    }

    /// Each video's warnings, prefixed with its name.
    package static func videoWarningLines(_ a: SampleResult) -> [String] {
        a.videos.flatMap { v in v.warnings.map { "\(v.name): \($0)" } }
    }

    /// The distribution table as CSV: `bin_centre_nm,all[,<video>…]` (tracks per
    /// 1-nm bin for trajectories; the instrument's particles/mL per bin for summaries). A column whose deconvolved
    /// figures the data do not support (``SampleResult/deconvolvedFiguresUnsupported``,
    /// ``VideoAnalysis/deconvolvedFiguresUnsupported``) has empty cells: unknown, as the report's `null`.
    public static func distributionCSV(_ a: SampleResult) -> String {
        var out = "bin_centre_nm,all"
        if a.videos.count > 1 { for v in a.videos { out += "," + CSVText.field(v.name) } }
        out += "\n"
        let rows = a.distribution.values.count
        let sampleKnown = !a.deconvolvedFiguresUnsupported
        let videoKnown = a.videos.map { $0.analysis?.deconvolvedFiguresUnsupported != true }
        for i in 0..<rows {
            out += plainNumber(a.distribution.centre(i)) + "," + (sampleKnown ? plainNumber(a.distribution.values[i]) : "")
            if a.videos.count > 1 {
                for (v, known) in zip(a.videos, videoKnown) {
                    out += "," + (known ? plainNumber(i < v.distribution.values.count ? v.distribution.values[i] : 0) : "")
                }
            }
            out += "\n"
        }
        return out
    }

    static func statsText(_ s: SizeStatistics) -> String {
        "  mean \(nm(s.meanNm)), mode \(nm(s.modeNm)), SD \(nm(s.sdNm))\n" +
            "  D10 \(nm(s.d10Nm)), D50 \(nm(s.d50Nm)), D90 \(nm(s.d90Nm))"
    }

    static func droppedText(_ t: DropTally) -> String {
        guard t.total > 0 else { return "" }
        let parts = t.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return "; dropped " + parts.joined(separator: ", ")
    }

    package static func nm(_ x: Double) -> String { x.isFinite ? String(format: "%.1f nm", x) : "n/a" }
    package static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", 100 * x) : "n/a" }
}
