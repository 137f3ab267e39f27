import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import NTA
@testable import NTAReport

/// The HTML report checked structurally, without a browser (scripts/screenshot-report.sh looks at it in one).
@Suite("HTML and SVG report")
struct HTMLReportTests {
    /// A small EV-like sample with a detection volume, a bootstrap and a fluorescence capture:
    /// every section of the report has something to draw.
    static func sample(seed: UInt64) throws -> SampleResult {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = seed
        p.frameCount = 150
        p.concentrationPerMl = 1e9
        p.exposureMilliseconds = 10
        let scatter = Simulator.run(p)
        let capture = Simulator.fluorescenceCapture(of: scatter, labelling: FluorescenceLabelling(labelledFraction: [0.7, 0, 0]))
        var options = AnalysisOptions()
        options.bootstrapReplicates = 20
        options.detectionVolume = try DetectionVolume(
            fieldWidthMicrometers: Double(p.fieldWidthPixels) * p.nanometersPerPixel / 1000,
            fieldHeightMicrometers: Double(p.fieldHeightPixels) * p.nanometersPerPixel / 1000,
            sheetDepthMicrometers: p.sheetThicknessMicrometers)
        options.dilution = 10
        return try SampleResult([.video(try analyzeSimulated(scatter, name: "scatter.csv", options: options))],
                                fluorescence: [.video(try analyzeSimulated(capture.video, name: "fl.csv", options: options))],
                                options: options)
    }

    /// The sample analysed once for the suite (the analysis, not the rendering, is what takes time).
    static let shared: Result<SampleResult, any Error> = Result { try sample(seed: 7) }

    /// The `<svg …>…</svg>` elements of a page, in order.
    static func svgElements(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// True when `xml` parses as well-formed XML.
    static func isWellFormed(_ xml: String) -> Bool {
        XMLParser(data: Data(xml.utf8)).parse()
    }

    @Test("one offline page: inline SVG figures, no scripts, nothing loaded from the network; the numbers are the JSON's")
    func structure() throws {
        let sample = try Self.shared.get()
        let html = HTMLReport.render(sample)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        let svgs = Self.svgElements(html)
        // Size distribution, intensity–size plane (the simulator writes intensities), fluorescence bins.
        #expect(svgs.count == 3)
        #expect(svgs.allSatisfy(Self.isWellFormed))
        let lower = html.lowercased()
        for forbidden in ["<script", "src=\"http", "src='http", "href=\"http", "href='http", "url(http", "url(\"http", "@import", "<link", "<img", "<iframe"] {
            #expect(!lower.contains(forbidden), "found \(forbidden)")
        }
        #expect(lower.contains("@media print") && lower.contains("@page") && lower.contains("prefers-color-scheme: dark"))
        #expect(html.contains("A particle count is not an exosome count"))

        // D50 and the window fraction as the JSON reports them, rounded to 0.1 nm and 0.1 %.
        let json = try #require(try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as? [String: Any])
        let d50 = try #require((json["size"] as? [String: Any])?["d50Nm"] as? Double)
        let fraction = try #require((json["window"] as? [String: Any])?["fraction"] as? Double)
        let d50Text = String(format: "%.1f nm", d50)
        #expect(html.contains("<td>D50 (median)</td><td class=\"num\">\(d50Text)</td>"))
        #expect(svgs[0].contains(">D50 \(d50Text)</text>"))
        #expect(html.contains(String(format: "nm window</td><td class=\"num\">%.1f %%</td>", 100 * fraction)))
        // The decomposition's in-window concentration, as %.2e like the text report.
        let populations = try #require(json["populations"] as? [[String: Any]])
        let inWindow = try #require(populations.first { $0["name"] as? String == "inWindow" }?["concentrationPerMl"] as? Double)
        #expect(html.contains("<td class=\"num\">\(String(format: "%.2e", inWindow))</td>"))
        // Every section is there, in the order the issue lists.
        let order = ["id=\"counts\"", "id=\"size\"", "id=\"intensity\"", "id=\"fluorescence\"", "id=\"settings\"", "id=\"messages\""]
        let positions = order.compactMap { html.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
    }

    @Test("text from files is escaped; the same result renders to the same bytes")
    func escapingAndDeterminism() throws {
        var sample = try Self.shared.get()
        let hostile = "<script>alert('x')</script> & \"q\""
        sample.videos[0].name = hostile
        sample.videos[0].file = hostile
        sample.warnings.append(hostile)
        let html = HTMLReport.render(sample)
        #expect(!html.contains(hostile) && !html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"))
        #expect(Self.svgElements(html).allSatisfy(Self.isWellFormed))
        // Rendering depends on nothing but the result (no clock, no locale, no hash order);
        // scripts/screenshot-report.sh checks that re-running the CLI gives the same bytes.
        #expect(HTMLReport.render(sample) == html)
    }

    @Test("the settings table names a default size window as default, and a window that was set as a flag")
    func sizeWindowSource() throws {
        let sample = try Self.shared.get()
        #expect(HTMLReport.render(sample).contains("<td>Size window</td><td>30–150 nm</td><td>default</td>"))
        var options = sample.options
        options.window = SizeWindow(minNm: 40, maxNm: 120)
        let set = try SampleResult(sample.videos.compactMap(\.analysis).map { LoadedInput.video($0) }, options: options)
        #expect(HTMLReport.render(set).contains("<td>Size window</td><td>40–120 nm</td><td>flag</td>"))
    }

    @Test("the standalone SVG is a well-formed file with its own styles and the D10/D50/D90 marks")
    func standaloneSVG() throws {
        let sample = try Self.shared.get()
        let svg = SizeDistributionFigure.svg(sample)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(Self.isWellFormed(svg))
        #expect(svg.contains("<style>") && svg.contains("class=\"nta-bg\""))
        for mark in ["D10", "D50", "D90"] { #expect(svg.contains(">\(mark) ")) }
        // The bootstrap intervals are drawn as bands (one per D), and no per-bin band is claimed.
        #expect(svg.components(separatedBy: "class=\"nta-dband\"").count - 1 == 3 + 1)  // three bands and the legend swatch
    }

    @Test("an instrument summary renders: its bins, per-video overlays, no track sections")
    func instrumentSummary() throws {
        let dir = ScratchDirectory()
        let file = dir.file("beads-ExperimentSummary.csv")
        try Data(NanoSightFixture().text().utf8).write(to: file)
        let sample = try SampleResult([try Analysis.load(file: file.path, options: AnalysisOptions())], options: AnalysisOptions())
        let html = HTMLReport.render(sample)
        let svgs = Self.svgElements(html)
        #expect(svgs.count == 1 && svgs.allSatisfy(Self.isWellFormed))
        // Three videos: three overlays, and the pooled line.
        #expect(svgs[0].components(separatedBy: "class=\"nta-video\"").count - 1 == 3 + 1)  // and the legend swatch
        #expect(!html.contains("id=\"intensity\"") && !html.contains("id=\"fluorescence\""))
        #expect(html.contains(String(format: "<td>D50 (median)</td><td class=\"num\">%.1f nm</td>", sample.size.d50Nm)))
        #expect(html.contains("A particle count is not an exosome count"))
    }

    @Test("log size axis ticks at 1–2–5 steps; linear ticks at round steps")
    func axisTicks() {
        #expect(PlotAxis.logarithmic(10, 1000).ticks == [10, 20, 50, 100, 200, 500, 1000])
        #expect(PlotAxis.logarithmic(10, 1000).ticks.map(PlotAxis.logarithmic(10, 1000).label)
                == ["10", "20", "50", "100", "200", "500", "1000"])
        #expect(PlotAxis.linear(0, 1).ticks.map(PlotAxis.linear(0, 1).label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(PlotAxis.linear(0, 100).ticks.map(PlotAxis.linear(0, 100).label) == ["0", "20", "40", "60", "80", "100"])
        #expect(PlotAxis.linear(0, 1).label(0) == "0.0" && PlotAxis.linear(0, 1).label(-0.0) == "0.0")
        #expect(PlotAxis.logarithmic(1, 1e7).ticks.map(PlotAxis.logarithmic(1, 1e7).label).last == "10⁷")
        #expect(Markup.escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
    }
}

@Suite("nta-size --output html and svg")
struct HTMLCommandLineTests {
    @Test("--output html writes the page; a second run writes the same bytes; --output svg writes the figure")
    func htmlAndSVG() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("s", in: dir, ["--frames", "100", "--seed", "3"])
        let args = ["analyze", prefix + ".csv", "--bootstrap", "10", "--seed", "5"]
        let first = try CommandLine_.run(args + ["--output", "html", "-o", dir.file("a.html").path])
        let second = try CommandLine_.run(args + ["--output", "html", "-o", dir.file("b.html").path])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)")
        let a = try Data(contentsOf: dir.file("a.html")), b = try Data(contentsOf: dir.file("b.html"))
        #expect(!a.isEmpty && a == b)
        #expect(String(decoding: a, as: UTF8.self).contains("<svg class=\"nta-figure\""))
        let svg = try CommandLine_.run(args + ["--output", "svg"])
        #expect(svg.status == 0 && svg.stdout.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(HTMLReportTests.isWellFormed(svg.stdout))
    }
}
