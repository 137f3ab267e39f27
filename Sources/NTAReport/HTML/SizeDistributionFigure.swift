import Foundation
import NTACore
import NTADistribution
import NTAPopulations
import NTAPipeline

/// The size-distribution figure of a report, as SVG drawn by this package (no scripts, no fonts fetched).
///
/// On a logarithmic size axis (nm) it draws, each normalised to its own total as
/// a percentage of particles per nanometre: the sample's number distribution
/// (deconvolved, or the instrument's bins), the raw one-count-per-track histogram
/// for comparison (grouped into 24 bins per decade, each bin the mean of the
/// 1-nm bins it holds), each video's distribution when there are several, and
/// the log-normal components `wₖ·LN(d; ln medianₖ, ln gsdₖ)` in the same units.
/// The size window is shaded; D10, D50 and D90 are marked, with their bootstrap
/// intervals when the result carries them, and the deconvolved curve carries its
/// pointwise bootstrap band (the 2.5th–97.5th percentiles of the replicates'
/// distributions, each normalised as the curve is).
public enum SizeDistributionFigure {
    /// The figure as an SVG element.
    ///
    /// - Parameters:
    ///   - result: the analysed sample.
    ///   - standalone: `true` for a file of its own (`--output svg`): adds the
    ///     SVG namespace, the styles and a white background; `false` to inline it
    ///     in ``HTMLReport`` (whose page styles theme it).
    public static func svg(_ result: SampleResult, standalone: Bool = true) -> String {
        let histogram = result.distributionKind == .trackHistogram ? result.distribution : result.histogram
        let showsMainLine = result.distributionKind != .trackHistogram
        let xAxis = sizeAxis(result)
        func density(_ d: BinnedDistribution, total: Double? = nil) -> [(x: Double, y: Double)] {
            densityPoints(d, within: xAxis, total: total)
        }
        let main = showsMainLine ? density(result.distribution) : []
        let band = showsMainLine ? result.bootstrap.map { b in
            (lower: density(b.numberDistributionBand.lower, total: 1), upper: density(b.numberDistributionBand.upper, total: 1))
        } : nil
        let bars = histogram.map { logBinnedDensity($0, axis: xAxis) } ?? []
        let videos = result.videos.count > 1 ? result.videos.map { density($0.distribution) } : []
        let components = result.populations.components?.components ?? []
        let componentCurves = components.map { c in componentPoints(c, axis: xAxis) }

        var yMax = 0.0
        for p in main + videos.flatMap({ $0 }) + componentCurves.flatMap({ $0 }) + (band?.upper ?? []) where p.y.isFinite {
            yMax = max(yMax, p.y)
        }
        for b in bars where b.density.isFinite { yMax = max(yMax, b.density) }
        let frame = PlotFrame(width: 900, height: 450, left: 64, top: 74, plotWidth: 560, plotHeight: 310,
                              x: xAxis, y: .linear(0, PlotAxis.niceCeiling(yMax * 1.12)))

        var s = frame.open(title: "Size distribution", standalone: standalone)
        if standalone { s += "<rect class=\"nta-bg\" x=\"0\" y=\"0\" width=\"900\" height=\"450\"/>" }
        s += "<text class=\"nta-figtitle\" x=\"\(Markup.coordinate(frame.left))\" y=\"18\">Size distribution (number-weighted)</text>"
        let w = result.options.window
        s += frame.verticalBand(from: w.minNm, to: w.maxNm, cssClass: "nta-window")
        for edge in [w.minNm, w.maxNm] where xAxis.contains(edge) {
            let x = Markup.coordinate(frame.px(edge))
            s += "<line class=\"nta-windowedge\" x1=\"\(x)\" y1=\"\(Markup.coordinate(frame.top))\" x2=\"\(x)\" y2=\"\(Markup.coordinate(frame.bottom))\"/>"
        }
        s += frame.axes(xTitle: "diameter (nm, log scale)", yTitle: "particles (% per nm)")

        // Histogram bars.
        s += "<g>"
        for b in bars {
            let x0 = frame.clippedX(b.lower), x1 = frame.clippedX(b.upper), y = frame.clippedY(b.density)
            guard x1 > x0, frame.bottom - y > 0.05 else { continue }
            s += "<rect class=\"nta-hist\" x=\"\(Markup.coordinate(x0))\" y=\"\(Markup.coordinate(y))\" width=\"\(Markup.coordinate(x1 - x0))\" height=\"\(Markup.coordinate(frame.bottom - y))\"/>"
        }
        s += "</g>"
        for v in videos { s += frame.polyline(v, cssClass: "nta-video") }
        for c in componentCurves { s += frame.polyline(c, cssClass: "nta-component") }
        if let band { s += frame.area(lower: band.lower, upper: band.upper, cssClass: "nta-band") }
        s += frame.polyline(main, cssClass: "nta-main")
        if main.isEmpty, bars.isEmpty {
            s += "<text class=\"nta-annot\" x=\"\(Markup.coordinate(frame.left + frame.plotWidth / 2))\" y=\"\(Markup.coordinate(frame.top + frame.plotHeight / 2))\" text-anchor=\"middle\">no sized particles to draw</text>"
        }

        // D10 / D50 / D90 with their intervals.
        let marks: [(String, Double, ConfidenceInterval?)] = [
            ("D10", result.size.d10Nm, result.bootstrap?.d10Nm),
            ("D50", result.size.d50Nm, result.bootstrap?.d50Nm),
            ("D90", result.size.d90Nm, result.bootstrap?.d90Nm),
        ]
        for (k, (name, value, ci)) in marks.enumerated() {
            if let ci, ci.lower.isFinite, ci.upper.isFinite {
                s += frame.verticalBand(from: ci.lower, to: ci.upper, cssClass: "nta-dband")
            }
            guard value.isFinite, xAxis.contains(value) else { continue }
            let x = Markup.coordinate(frame.px(value))
            s += "<line class=\"nta-dline\" x1=\"\(x)\" y1=\"\(Markup.coordinate(frame.top - 4 - 13 * Double(2 - k)))\" x2=\"\(x)\" y2=\"\(Markup.coordinate(frame.bottom))\"/>"
            s += "<text class=\"nta-dlabel\" x=\"\(x)\" y=\"\(Markup.coordinate(frame.top - 7 - 13 * Double(2 - k)))\" dx=\"3\">\(name) \(Markup.escape(TextReport.nm(value)))</text>"
        }
        if xAxis.contains(w.minNm) || xAxis.contains(w.maxNm) {
            let mid = sqrt(max(w.minNm, xAxis.lower) * min(w.maxNm, xAxis.upper))
            s += "<text class=\"nta-annot\" x=\"\(Markup.coordinate(frame.px(mid)))\" y=\"\(Markup.coordinate(frame.top + 14))\" text-anchor=\"middle\">window \(plainNumber(w.minNm))–\(plainNumber(w.maxNm)) nm: \(Markup.escape(TextReport.percent(result.windowFraction)))</text>"
        }

        var legend = PlotLegend()
        if showsMainLine {
            legend.add(.line("nta-main"), result.distributionKind == .instrument
                ? "the instrument's distribution" + (result.videos.count > 1 ? " (mean of videos)" : "")
                : result.deconvolvedFiguresUnsupported
                    ? "deconvolution (not a measurement)"
                    : "sample's number distribution (deconvolved)")
        }
        if let b = result.bootstrap, band != nil {
            legend.add(.area("nta-band"), String(format: "its %.0f %% bootstrap band (%d replicates)", 100 * b.level, b.replicates.count))
        }
        if !bars.isEmpty { legend.add(.area("nta-hist"), "raw track histogram (one count per track)") }
        if !videos.isEmpty { legend.add(.line("nta-video"), "each of the \(videos.count) videos") }
        if !components.isEmpty {
            legend.add(.line("nta-component"), "log-normal component" + (components.count > 1 ? "s (\(components.count), by BIC)" : " (1, by BIC)"))
        }
        if marks.contains(where: { $0.1.isFinite }) { legend.add(.line("nta-dline"), "D10, D50, D90") }
        if let b = result.bootstrap {
            legend.add(.area("nta-dband"), String(format: "%.0f %% bootstrap intervals of D10, D50, D90", 100 * b.level))
        }
        legend.add(.area("nta-window"), "size window \(plainNumber(w.minNm))–\(plainNumber(w.maxNm)) nm")
        s += legend.render(x: frame.right + 24, y: frame.top)
        return s + "</svg>" + (standalone ? "\n" : "")
    }

    /// The size axis: from the 0.1th to the 99.9th percentile of the pooled
    /// distribution (and the window), widened to 1–2–5 values, at least 10–1000 nm wide where the data allow.
    static func sizeAxis(_ result: SampleResult) -> PlotAxis {
        let d = result.distribution
        var lo = SizeStatistics.percentile(d, 0.001), hi = SizeStatistics.percentile(d, 0.999)
        if let h = result.histogram, h.total > 0 {
            lo = min(lo, SizeStatistics.percentile(h, 0.001))
            hi = max(hi, SizeStatistics.percentile(h, 0.999))
        }
        let w = result.options.window
        lo = min(lo.isFinite ? lo : w.minNm, w.minNm, 10)
        hi = max(hi.isFinite ? hi : w.maxNm, w.maxNm, 1000)
        lo = max(lo, 1)
        hi = min(max(hi, lo * 10), 100_000)
        return .logarithmic(PlotAxis.logFloor(lo), PlotAxis.logCeiling(hi))
    }

    /// A distribution as % of its total (or of `total` when given) per nm inside the axis: a point per bin
    /// centre for 1-nm bins, a step outline (each bin flat across its width) for wider bins.
    static func densityPoints(_ d: BinnedDistribution, within axis: PlotAxis, total given: Double? = nil) -> [(x: Double, y: Double)] {
        let total = given ?? d.total
        let width = d.binWidthNanometers
        guard total > 0, width > 0 else { return [] }
        let scale = 100 / (total * width)
        var out: [(x: Double, y: Double)] = []
        for i in d.values.indices {
            let c = d.centre(i)
            guard c > 0, axis.contains(c) else { continue }
            if width > 1 {
                out.append((max(c - width / 2, axis.lower), d.values[i] * scale))
                out.append((min(c + width / 2, axis.upper), d.values[i] * scale))
            } else {
                out.append((c, d.values[i] * scale))
            }
        }
        return out
    }

    /// A histogram regrouped into 24 logarithmic bins per decade: each display
    /// bin holds the bins whose centres fall in it and shows their mean, in % of
    /// the total per nm (so it is on the same scale as the 1-nm distribution).
    static func logBinnedDensity(_ d: BinnedDistribution, axis: PlotAxis) -> [(lower: Double, upper: Double, density: Double)] {
        let total = d.total
        guard total > 0, d.binWidthNanometers > 0 else { return [] }
        let perDecade = 24.0
        var sums: [Int: (sum: Double, bins: Int)] = [:]
        for i in d.values.indices {
            let c = d.centre(i)
            guard c > 0, axis.contains(c) else { continue }
            let k = Int(floor(log10(c) * perDecade))
            let old = sums[k] ?? (0, 0)
            sums[k] = (old.sum + d.values[i], old.bins + 1)
        }
        return sums.keys.sorted().compactMap { k in
            guard let v = sums[k], v.bins > 0 else { return nil }
            let lower = pow(10, Double(k) / perDecade), upper = pow(10, Double(k + 1) / perDecade)
            return (lower, upper, 100 * v.sum / (total * Double(v.bins) * d.binWidthNanometers))
        }
    }

    /// A log-normal component's number density, % of all particles per nm, on
    /// 200 points spaced evenly in ln d across the axis:
    /// `100 · w / (d σ √(2π)) · exp(−(ln d − μ)² / 2σ²)`, μ = ln median, σ = ln gsd.
    static func componentPoints(_ c: LogNormalComponentFit, axis: PlotAxis) -> [(x: Double, y: Double)] {
        let mu = log(c.medianNanometers), sigma = log(c.geometricSD)
        guard mu.isFinite, sigma.isFinite, sigma > 0, c.weight.isFinite else { return [] }
        let a = log(axis.lower), b = log(axis.upper)
        return (0...200).map { k in
            let d = exp(a + (b - a) * Double(k) / 200)
            let z = (log(d) - mu) / sigma
            return (d, 100 * c.weight / (d * sigma * (2 * Double.pi).squareRoot()) * exp(-0.5 * z * z))
        }
    }
}
