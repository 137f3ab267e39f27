import Foundation

/// Plain-text and CSV renderings of an analysis, for people and spreadsheets.
public enum TextReport {
    /// A readable report: what was counted, the size statistics, and how.
    public static func render(_ a: SampleAnalysis) -> String {
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        let report = AnalysisReport(a)
        line("nta-size \(NTAVersion.string) — particle size from \(a.videos.count) video\(a.videos.count == 1 ? "" : "s")")
        line()
        line("Tracks: \(report.tracks.used) sized of \(report.tracks.read) read\(droppedText(report.tracks.dropped))")
        if report.rows.dropped.total > 0 {
            line("Rows:   \(report.rows.read) read\(droppedText(report.rows.dropped))")
        }
        line()
        line("Size distribution (one count per track, estimator \(a.options.estimator.rawValue)):")
        line(statsText(a.size))
        let w = a.options.window
        line(String(format: "In the %@–%@ nm window: %@ of tracks (a number fraction of particles sized, not of vesicles).",
                    trim(w.minNm), trim(w.maxNm), percent(a.windowFraction)))
        if a.videos.count > 1 {
            line()
            line("Per video:")
            for v in a.videos {
                line("  \(v.name): \(v.tracksUsed) tracks, d50 \(nm(v.size.d50Nm)), window \(percent(v.windowFraction))")
            }
        }
        line()
        line("Settings:")
        for v in a.videos {
            let s = v.settings
            var parts = [
                "\(trim(s.frameRateHz.value)) Hz (\(s.frameRateHz.source.rawValue))",
                "\(trim(s.temperatureCelsius.value)) °C (\(s.temperatureCelsius.source.rawValue))",
                String(format: "viscosity %.4f mPa·s (%@)", s.viscosityMillipascalSeconds.value,
                       s.viscosityMillipascalSeconds.detail ?? s.viscosityMillipascalSeconds.source.rawValue),
            ]
            if let px = s.nanometersPerPixel { parts.append("\(trim(px.value)) nm/px (\(px.source.rawValue))") }
            parts.append("exposure \(trim(s.exposureMilliseconds.value)) ms (\(s.exposureMilliseconds.source.rawValue))")
            parts.append("min track length \(s.minTrackLength.value) (\(s.minTrackLength.source.rawValue))")
            line("  \(v.name): " + parts.joined(separator: ", "))
            if let sigma = v.localisationSigmaNanometers {
                line(String(format: "    pooled localisation error σ ≈ %.1f nm per axis", sigma))
            }
        }
        if a.options.estimator == .msd1 {
            line()
            line("Note: the one-lag MSD histogram is broadened and skewed to large sizes by short tracks, and")
            line("motion blur (if any) enlarges sizes; it describes tracks, not the sample's number distribution.")
        }
        return out
    }

    /// The distribution table as CSV: `bin_centre_nm,all[,<video>…]`, tracks per 1-nm bin.
    public static func distributionCSV(_ a: SampleAnalysis) -> String {
        var out = "bin_centre_nm,all"
        if a.videos.count > 1 { for v in a.videos { out += "," + csvField(v.name) } }
        out += "\n"
        let rows = a.distribution.values.count
        for i in 0..<rows {
            out += trim(a.distribution.centre(i)) + "," + trim(a.distribution.values[i])
            if a.videos.count > 1 {
                for v in a.videos { out += "," + trim(i < v.distribution.values.count ? v.distribution.values[i] : 0) }
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

    static func nm(_ x: Double) -> String { x.isFinite ? String(format: "%.1f nm", x) : "n/a" }
    static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", 100 * x) : "n/a" }

    static func trim(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
