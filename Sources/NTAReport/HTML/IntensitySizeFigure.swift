import Foundation
import NTACore
import NTATracks
import NTAPopulations
import NTAPipeline

/// The intensity–size plane of a report, as SVG: each sized track as a point
/// (diameter, mean scattered intensity; both log scales) and, when the sample
/// was classified, the two classes' Rayleigh lines ln I = 6 ln d + offset
/// (SCIENCE.md §6; ``IntensityClassifier``), solid inside the size window
/// where they were fitted and dashed outside it.
enum IntensitySizeFigure {
    /// The tracks' points, pooled over the videos in input order (the same
    /// construction as the classifier's: ``TrackIntensities`` from the grouped tracks).
    static func points(_ result: SampleResult) -> [(diameterNm: Double, intensity: Double)] {
        var out: [(diameterNm: Double, intensity: Double)] = []
        for v in result.videos {
            guard let a = v.analysis, let rows = a.trajectoryRows, rows.intensity != nil else { continue }
            let grouped = TrackGrouping.group(rows, minTrackLength: a.settings.minTrackLength.value)
            let byTrack = a.tracks.diametersByParticle
            guard let p = try? TrackIntensities(tracks: grouped.tracks, diametersByTrack: byTrack) else { continue }
            for i in 0..<p.count {
                let intensity = exp(p.meanLogIntensity[i])
                if intensity.isFinite, intensity > 0 { out.append((p.diametersNanometers[i], intensity)) }
            }
        }
        return out
    }

    /// The figure, or `nil` when no video has intensities. At most `maxPoints`
    /// points are drawn (every k-th track beyond that; `shownPoints` says how many).
    static func svg(_ result: SampleResult, maxPoints: Int) -> (svg: String, totalPoints: Int, shownPoints: Int)? {
        let all = points(result)
        guard !all.isEmpty else { return nil }
        let stride = max(1, (all.count + max(maxPoints, 1) - 1) / max(maxPoints, 1))
        let shown = Swift.stride(from: 0, to: all.count, by: stride).map { all[$0] }
        let xAxis = SizeDistributionFigure.sizeAxis(result)
        let sorted = all.map(\.intensity).sorted()
        let lo = sorted[Int(Double(sorted.count - 1) * 0.002)], hi = sorted[Int(Double(sorted.count - 1) * 0.998)]
        let yAxis = PlotAxis.logarithmic(PlotAxis.logFloor(lo), PlotAxis.logCeiling(max(hi, lo * 10)))
        let frame = PlotFrame(width: 900, height: 400, left: 64, top: 34, plotWidth: 560, plotHeight: 300, x: xAxis, y: yAxis)

        var s = frame.open(title: "Intensity versus size", standalone: false)
        s += "<text class=\"nta-figtitle\" x=\"\(Markup.coordinate(frame.left))\" y=\"18\">Scattered intensity versus size, one point per track</text>"
        let w = result.options.window
        s += frame.verticalBand(from: w.minNm, to: w.maxNm, cssClass: "nta-window")
        s += frame.axes(xTitle: "diameter (nm, log scale)", yTitle: "mean intensity (arbitrary units, log)")
        s += "<g>"
        for p in shown where xAxis.contains(p.diameterNm) && yAxis.contains(p.intensity) {
            s += "<circle class=\"nta-point\" cx=\"\(Markup.coordinate(frame.px(p.diameterNm)))\" cy=\"\(Markup.coordinate(frame.py(p.intensity)))\" r=\"1.6\"/>"
        }
        s += "</g>"
        var legend = PlotLegend()
        legend.add(.point("nta-point"), shown.count == all.count ? "tracks (\(all.count))" : "tracks (every \(stride)th of \(all.count))")
        if let c = result.populations.intensity {
            for (cls, css, name) in [(c.vesicleLike, "nta-class-vesicle", "vesicle-like (low refractive index)"),
                                     (c.dense, "nta-class-dense", "dense (high refractive index)")] {
                let line = { (a: Double, b: Double) -> [(x: Double, y: Double)] in
                    (0...40).map { k in
                        let d = exp(log(a) + (log(b) - log(a)) * Double(k) / 40)
                        return (d, exp(c.slope * log(d) + cls.offset))
                    }
                }
                s += frame.polyline(line(xAxis.lower, w.minNm), cssClass: "\(css) nta-class-extension")
                s += frame.polyline(line(w.maxNm, xAxis.upper), cssClass: "\(css) nta-class-extension")
                s += frame.polyline(line(w.minNm, w.maxNm), cssClass: css)
                legend.add(.line(css), name)
            }
            legend.add(.area("nta-window"), "size window (classes fitted here; lines dashed outside)")
        } else {
            legend.add(.area("nta-window"), "size window \(plainNumber(w.minNm))–\(plainNumber(w.maxNm)) nm")
        }
        s += legend.render(x: frame.right + 24, y: frame.top)
        return (s + "</svg>", all.count, shown.count)
    }
}
