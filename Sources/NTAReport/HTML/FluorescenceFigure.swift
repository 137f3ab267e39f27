import Foundation
import NTAPipeline

/// The marker-positive fraction per size bin, as SVG: one bar per bin of the
/// fluorescence pairing (``FluorescencePairing/bins``) with its confidence
/// interval as a whisker, and the whole window's fraction as a dashed line in
/// its interval band. Linear size axis over the window (nm), 0–100 %.
enum FluorescenceFigure {
    /// The figure, or `nil` when the sample has no fluorescence pairing or no bins.
    static func svg(_ result: SampleResult) -> String? {
        guard let f = result.populations.fluorescence, let first = f.bins.first, let last = f.bins.last,
              first.minNm.isFinite, last.maxNm.isFinite, last.maxNm > first.minNm else { return nil }
        let frame = PlotFrame(width: 900, height: 330, left: 64, top: 34, plotWidth: 560, plotHeight: 230,
                              x: .linear(first.minNm, last.maxNm), y: .linear(0, 100))
        var s = frame.open(title: "Marker-positive fraction per size bin", standalone: false)
        s += "<text class=\"nta-figtitle\" x=\"\(Markup.coordinate(frame.left))\" y=\"18\">Marker-positive share of the particles, per size bin</text>"
        s += frame.axes(xTitle: "diameter (nm)", yTitle: "marker-positive (%)")
        let wf = f.window
        if wf.positiveFractionLower.isFinite, wf.positiveFractionUpper.isFinite {
            let y0 = frame.clippedY(100 * wf.positiveFractionUpper), y1 = frame.clippedY(100 * wf.positiveFractionLower)
            s += "<rect class=\"nta-levelband\" x=\"\(Markup.coordinate(frame.left))\" y=\"\(Markup.coordinate(y0))\" width=\"\(Markup.coordinate(frame.plotWidth))\" height=\"\(Markup.coordinate(max(y1 - y0, 0)))\"/>"
        }
        for b in f.bins where b.minNm.isFinite && b.maxNm.isFinite && b.positiveFraction.isFinite {
            let x0 = frame.clippedX(b.minNm), x1 = frame.clippedX(b.maxNm)
            let gap = min(4, (x1 - x0) / 6)
            let y = frame.clippedY(100 * b.positiveFraction)
            s += "<rect class=\"nta-bar\" x=\"\(Markup.coordinate(x0 + gap))\" y=\"\(Markup.coordinate(y))\" width=\"\(Markup.coordinate(max(x1 - x0 - 2 * gap, 0)))\" height=\"\(Markup.coordinate(frame.bottom - y))\"/>"
            if b.positiveFractionLower.isFinite, b.positiveFractionUpper.isFinite {
                let xm = Markup.coordinate((x0 + x1) / 2)
                let ya = Markup.coordinate(frame.clippedY(100 * b.positiveFractionUpper))
                let yb = Markup.coordinate(frame.clippedY(100 * b.positiveFractionLower))
                s += "<path class=\"nta-whisker\" d=\"M\(xm) \(ya)L\(xm) \(yb)M\(Markup.coordinate((x0 + x1) / 2 - 5)) \(ya)L\(Markup.coordinate((x0 + x1) / 2 + 5)) \(ya)M\(Markup.coordinate((x0 + x1) / 2 - 5)) \(yb)L\(Markup.coordinate((x0 + x1) / 2 + 5)) \(yb)\"/>"
            }
        }
        if wf.positiveFraction.isFinite {
            let y = Markup.coordinate(frame.clippedY(100 * wf.positiveFraction))
            s += "<line class=\"nta-level\" x1=\"\(Markup.coordinate(frame.left))\" y1=\"\(y)\" x2=\"\(Markup.coordinate(frame.right))\" y2=\"\(y)\"/>"
        }
        var legend = PlotLegend()
        let level = String(format: "%.0f %%", 100 * f.confidenceLevel)
        legend.add(.area("nta-bar"), "marker-positive share of the bin, with its \(level) interval")
        legend.add(.line("nta-level"), "whole window: \(TextReport.percent(wf.positiveFraction))")
        legend.add(.area("nta-levelband"), "its \(level) interval")
        s += legend.render(x: frame.right + 24, y: frame.top)
        return s + "</svg>"
    }
}
