import Foundation

/// Escaping and fixed-format numbers for HTML and SVG text.
///
/// Every string that comes from an input (file names, warnings, video names)
/// passes through ``escape(_:)``; every coordinate through ``coordinate(_:)``
/// (one decimal, no locale), so the same result always renders to the same bytes.
package enum Markup {
    /// Replaces `& < > " '` by their character references (safe in text and in quoted attributes).
    package static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate in SVG user units: one decimal; a non-finite value becomes 0
    /// (callers clip to the plot first, so this only guards the bytes).
    package static func coordinate(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let s = String(format: "%.1f", x)
        return s == "-0.0" ? "0.0" : s
    }
}

/// One axis of a plot: a value range mapped onto [0, 1], linear or logarithmic,
/// with readable tick values (1–2–5 steps).
package struct PlotAxis: Sendable {
    enum Kind: Sendable { case linear, logarithmic }
    var kind: Kind
    var lower: Double
    var upper: Double

    /// A linear axis over `[lower, upper]` (an empty or non-finite range becomes [0, 1]).
    package static func linear(_ lower: Double, _ upper: Double) -> PlotAxis {
        guard lower.isFinite, upper.isFinite, upper > lower else { return PlotAxis(kind: .linear, lower: 0, upper: 1) }
        return PlotAxis(kind: .linear, lower: lower, upper: upper)
    }

    /// A logarithmic axis over `[lower, upper]`, both > 0 (else 10–1000).
    package static func logarithmic(_ lower: Double, _ upper: Double) -> PlotAxis {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > lower else {
            return PlotAxis(kind: .logarithmic, lower: 10, upper: 1000)
        }
        return PlotAxis(kind: .logarithmic, lower: lower, upper: upper)
    }

    /// Position of `value` along the axis, 0 at `lower`, 1 at `upper` (not clipped; NaN for ≤ 0 on a log axis).
    func fraction(_ value: Double) -> Double {
        switch kind {
        case .linear: return (value - lower) / (upper - lower)
        case .logarithmic:
            guard value > 0 else { return .nan }
            return (log(value) - log(lower)) / (log(upper) - log(lower))
        }
    }

    func contains(_ value: Double) -> Bool { value >= lower && value <= upper }

    /// Tick values inside the range: 1–2–5 × 10ᵏ on a log axis spanning up to
    /// three decades (powers of ten beyond), about five 1–2–5 steps on a linear one.
    package var ticks: [Double] {
        switch kind {
        case .logarithmic:
            let first = Int(floor(log10(lower))), last = Int(ceil(log10(upper)))
            guard last - first < 40 else { return [] }
            let mantissas: [Double] = log10(upper / lower) <= 3.5 ? [1, 2, 5] : [1]
            var out: [Double] = []
            for k in first...last {
                for m in mantissas {
                    let v = m * pow(10, Double(k))
                    if v >= lower * (1 - 1e-9), v <= upper * (1 + 1e-9) { out.append(v) }
                }
            }
            return out
        case .linear:
            let step = PlotAxis.niceStep((upper - lower) / 5)
            guard step > 0, step.isFinite else { return [] }
            var out: [Double] = []
            var k = ceil(lower / step - 1e-9)
            while k * step <= upper + step * 1e-9, out.count < 50 {
                out.append(k * step)
                k += 1
            }
            return out
        }
    }

    /// The tick label of `value`: integers plainly, decimals to the step's
    /// precision, powers of ten beyond 10⁵ or below 10⁻² as 10ᵏ.
    func label(_ value: Double) -> String {
        let value = value == 0 ? 0 : value  // no "-0"
        if kind == .logarithmic, log10(upper / lower) > 3.5 {
            // Only powers of ten are ticked: label them all alike.
            let k = log10(value)
            if abs(k - k.rounded()) < 1e-9 { return "10" + PlotAxis.superscript(Int(k.rounded())) }
        }
        if value != 0, abs(value) >= 1e5 || abs(value) < 1e-2 {
            let k = log10(abs(value))
            if abs(k - k.rounded()) < 1e-9 { return "10" + PlotAxis.superscript(Int(k.rounded())) }
            return String(format: "%.0e", value)
        }
        if kind == .linear {
            let step = PlotAxis.niceStep((upper - lower) / 5)
            let decimals = step >= 1 ? 0 : min(6, Int(ceil(-log10(step) - 1e-9)))
            return String(format: "%.\(decimals)f", value)
        }
        return value == value.rounded() ? String(format: "%.0f", value) : String(format: "%g", value)
    }

    /// The smallest 1, 2 or 5 × 10ᵏ at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 0 }
        let p = pow(10, floor(log10(rough)))
        for m in [1.0, 2, 5, 10] where m * p >= rough * (1 - 1e-9) { return m * p }
        return 10 * p
    }

    /// The smallest 1–2–5 value at least `x` (for the top of a linear axis).
    static func niceCeiling(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let p = pow(10, floor(log10(x)))
        for m in [1.0, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where m * p >= x * (1 - 1e-9) { return m * p }
        return 10 * p
    }

    /// The largest 1–2–5 × 10ᵏ at most `x` (for the ends of a log axis).
    package static func logFloor(_ x: Double) -> Double {
        let p = pow(10, floor(log10(x)))
        for m in [5.0, 2, 1] where m * p <= x * (1 + 1e-9) { return m * p }
        return p
    }

    /// The smallest 1–2–5 × 10ᵏ at least `x`.
    package static func logCeiling(_ x: Double) -> Double {
        let p = pow(10, floor(log10(x)))
        for m in [1.0, 2, 5, 10] where m * p >= x * (1 - 1e-9) { return m * p }
        return 10 * p
    }

    static func superscript(_ k: Int) -> String {
        let digits: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
                                              "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return String(String(k).map { digits[$0] ?? $0 })
    }
}

/// A rectangular plot area inside an SVG canvas, with its two axes: maps data
/// to SVG coordinates and draws frame, grid, ticks and axis titles.
package struct PlotFrame: Sendable {
    /// Canvas size, SVG user units (≈ CSS px).
    var width: Double
    var height: Double
    /// Plot area, SVG user units.
    var left: Double
    var top: Double
    var plotWidth: Double
    var plotHeight: Double
    var x: PlotAxis
    var y: PlotAxis

    var right: Double { left + plotWidth }
    var bottom: Double { top + plotHeight }

    func px(_ value: Double) -> Double { left + x.fraction(value) * plotWidth }
    func py(_ value: Double) -> Double { bottom - y.fraction(value) * plotHeight }

    /// `px` clipped to the plot area.
    func clippedX(_ value: Double) -> Double { min(max(px(value), left), right) }
    func clippedY(_ value: Double) -> Double { min(max(py(value), top), bottom) }

    /// Grid lines, the frame, tick marks with labels, and the axis titles.
    func axes(xTitle: String, yTitle: String) -> String {
        var s = "<g class=\"nta-axes\">"
        for t in x.ticks {
            let p = Markup.coordinate(px(t))
            s += "<line class=\"nta-grid\" x1=\"\(p)\" y1=\"\(Markup.coordinate(top))\" x2=\"\(p)\" y2=\"\(Markup.coordinate(bottom))\"/>"
            s += "<line class=\"nta-tick\" x1=\"\(p)\" y1=\"\(Markup.coordinate(bottom))\" x2=\"\(p)\" y2=\"\(Markup.coordinate(bottom + 5))\"/>"
            s += "<text class=\"nta-ticklabel\" x=\"\(p)\" y=\"\(Markup.coordinate(bottom + 18))\" text-anchor=\"middle\">\(Markup.escape(x.label(t)))</text>"
        }
        for t in y.ticks {
            let p = Markup.coordinate(py(t))
            s += "<line class=\"nta-grid\" x1=\"\(Markup.coordinate(left))\" y1=\"\(p)\" x2=\"\(Markup.coordinate(right))\" y2=\"\(p)\"/>"
            s += "<line class=\"nta-tick\" x1=\"\(Markup.coordinate(left - 5))\" y1=\"\(p)\" x2=\"\(Markup.coordinate(left))\" y2=\"\(p)\"/>"
            s += "<text class=\"nta-ticklabel\" x=\"\(Markup.coordinate(left - 8))\" y=\"\(p)\" dy=\"0.35em\" text-anchor=\"end\">\(Markup.escape(y.label(t)))</text>"
        }
        s += "<rect class=\"nta-frame\" x=\"\(Markup.coordinate(left))\" y=\"\(Markup.coordinate(top))\" width=\"\(Markup.coordinate(plotWidth))\" height=\"\(Markup.coordinate(plotHeight))\"/>"
        s += "<text class=\"nta-axistitle\" x=\"\(Markup.coordinate(left + plotWidth / 2))\" y=\"\(Markup.coordinate(bottom + 38))\" text-anchor=\"middle\">\(Markup.escape(xTitle))</text>"
        let cy = Markup.coordinate(top + plotHeight / 2)
        s += "<text class=\"nta-axistitle\" x=\"16\" y=\"\(cy)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(cy))\">\(Markup.escape(yTitle))</text>"
        return s + "</g>"
    }

    /// An SVG path through the points inside the plot; a point outside it, or
    /// not finite, breaks the line. Empty when fewer than two points remain.
    func polyline(_ points: [(x: Double, y: Double)], cssClass: String) -> String {
        var d = ""
        var pen = false, drawn = 0
        for p in points {
            guard p.x.isFinite, p.y.isFinite, x.contains(p.x), y.contains(p.y) else { pen = false; continue }
            d += (pen ? "L" : "M") + Markup.coordinate(px(p.x)) + " " + Markup.coordinate(py(p.y))
            pen = true
            drawn += 1
        }
        guard drawn >= 2 else { return "" }
        return "<path class=\"\(cssClass)\" d=\"\(d)\"/>"
    }

    /// A filled area between two curves sampled at the same x (data units): `upper` left to right,
    /// then `lower` back; points outside the x range or not finite are left out, y is clipped to the plot.
    func area(lower: [(x: Double, y: Double)], upper: [(x: Double, y: Double)], cssClass: String) -> String {
        let pairs = zip(lower, upper).filter { l, u in
            l.x.isFinite && l.y.isFinite && u.y.isFinite && x.contains(l.x)
        }
        guard pairs.count >= 2 else { return "" }
        var d = ""
        for (k, p) in pairs.enumerated() {
            d += (k == 0 ? "M" : "L") + Markup.coordinate(px(p.1.x)) + " " + Markup.coordinate(clippedY(p.1.y))
        }
        for p in pairs.reversed() {
            d += "L" + Markup.coordinate(px(p.0.x)) + " " + Markup.coordinate(clippedY(p.0.y))
        }
        return "<path class=\"\(cssClass)\" d=\"\(d)Z\"/>"
    }

    /// A filled band between `lower` and `upper` (in data units) over the x range `[from, to]`, full height when both are nil.
    func verticalBand(from: Double, to: Double, cssClass: String) -> String {
        let a = clippedX(from), b = clippedX(to)
        guard b > a else { return "" }
        return "<rect class=\"\(cssClass)\" x=\"\(Markup.coordinate(a))\" y=\"\(Markup.coordinate(top))\" width=\"\(Markup.coordinate(b - a))\" height=\"\(Markup.coordinate(plotHeight))\"/>"
    }

    /// Opening of the canvas: `standalone` adds the SVG namespace and the figure styles (a file of its own).
    func open(title: String, standalone: Bool) -> String {
        let ns = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
        var s = "<svg\(ns) class=\"nta-figure\" viewBox=\"0 0 \(Markup.coordinate(width)) \(Markup.coordinate(height))\" width=\"\(Markup.coordinate(width))\" height=\"\(Markup.coordinate(height))\" role=\"img\" font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\" font-size=\"12\"><title>\(Markup.escape(title))</title>"
        if standalone { s += "<style>" + ReportStyle.figureCSS + "</style>" }
        return s
    }
}

/// A legend column beside a plot: one swatch and label per entry.
struct PlotLegend {
    enum Swatch { case line(String), area(String), point(String) }
    var entries: [(Swatch, String)] = []

    mutating func add(_ swatch: Swatch, _ label: String) { entries.append((swatch, label)) }

    /// The legend, top-left corner at (`x`, `y`), one 18-unit row per entry (labels longer than `wrap` characters wrap once).
    func render(x: Double, y: Double, wrap: Int = 30) -> String {
        var s = "<g class=\"nta-legend\">"
        var row = y
        for (swatch, label) in entries {
            let cy = row + 6
            switch swatch {
            case .line(let c):
                s += "<line class=\"\(c)\" x1=\"\(Markup.coordinate(x))\" y1=\"\(Markup.coordinate(cy))\" x2=\"\(Markup.coordinate(x + 22))\" y2=\"\(Markup.coordinate(cy))\"/>"
            case .area(let c):
                s += "<rect class=\"\(c)\" x=\"\(Markup.coordinate(x))\" y=\"\(Markup.coordinate(cy - 6))\" width=\"22\" height=\"12\"/>"
            case .point(let c):
                s += "<circle class=\"\(c)\" cx=\"\(Markup.coordinate(x + 11))\" cy=\"\(Markup.coordinate(cy))\" r=\"3\"/>"
            }
            let lines = PlotLegend.wrapped(label, width: wrap)
            for (k, text) in lines.enumerated() {
                s += "<text class=\"nta-legendlabel\" x=\"\(Markup.coordinate(x + 30))\" y=\"\(Markup.coordinate(cy + Double(k) * 14))\" dy=\"0.35em\">\(Markup.escape(text))</text>"
            }
            row += 8 + 14 * Double(lines.count)
        }
        return s + "</g>"
    }

    /// Splits `text` at spaces into lines of at most `width` characters (a longer word stands alone).
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty { current = String(word) }
            else if current.count + 1 + word.count <= width { current += " " + word }
            else { lines.append(current); current = String(word) }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }
}
