import Foundation
import NTA

/// Writes synthetic NanoSight experiment summaries in the layouts FORMATS.md
/// documents (3.4 trailing commas, Excel re-saves, autosampler exports …),
/// with known bins, so the reader's placement of every value can be checked.
struct NanoSightFixture {
    var videos = ["beads_00", "beads_01", "beads_02"]
    /// Excel re-save: rectangular padding, quoted fields, a leading space in a header, integer concentrations.
    var excel = false
    /// Autosampler export: no `Average` / `Standard Error` columns.
    var autosampler = false
    /// The `Dilution factor` cell of every video.
    var dilution = "1.00e+03"
    var lineEnding = "\r\n"
    /// Include surface-area, volume and diffusion-coefficient blocks.
    var allBlocks = false
    /// `Diluent` text.
    var diluent = "PBS"
    var createdWith = "Created with NTA 3.4 Build 3.4.003"

    /// Deterministic bins of video `v`: a bell around 90 + 10v nm.
    func bins(_ v: Int) -> [Double] {
        (0..<1000).map { i in
            let c = Double(i) + 0.5, mu = 90 + 10 * Double(v)
            return (2e8 * exp(-0.5 * pow((c - mu) / 12, 2))).rounded()
        }
    }

    var width: Int { 1 + videos.count + (autosampler ? 0 : 2) + 1 }

    /// The file's lines (without line endings).
    func lines() -> [String] {
        var out: [String] = []
        let n = videos.count
        func row(_ cells: [String]) {
            var cells = cells.map { $0.contains(",") ? "\"\($0)\"" : $0 }
            if excel {
                while cells.count < width { cells.append("") }
                out.append(cells.joined(separator: ","))
            } else {
                out.append(cells.joined(separator: ",") + ",")
            }
        }
        func avg(_ values: [Double], _ format: (Double) -> String) -> [String] {
            guard !autosampler else { return [] }
            let a = Self.averageAndStandardError(values)
            return [format(a.average), format(a.standardError)]
        }
        func conc(_ x: Double) -> String {
            excel ? String(format: "%.0f", PrintedPrecision.significant(x, 3)) : String(format: "%.2e", x)
        }
        let oneDecimal: (Double) -> String = { String(format: "%.1f", $0) }
        row(["NTA Experiment Summary File"])
        row([createdWith])
        row([])
        row(["[Experiment Details]"])
        row(["Software Version", "NTA 3.4 Build 3.4.003"])
        row(["Experiment Name", "fixture.nano"])
        row(["Time Captured", "15:42:48  01/04/2021"])
        row(["Sample Description", "fixture beads"])
        row(["Diluent", diluent])
        row(["Remarks", "made, with commas"])
        row(["Filename:"] + videos)
        row(["Processed"] + videos.map { _ in "Yes" })
        row([])
        row(["[Conditions]"])
        row(["Temperature/C"] + videos.indices.map { String(format: "%.3f", 22.0 + Double($0)) })
        row(["Viscosity/cP"] + videos.map { _ in "0.952941" })
        row(["Camera Level"] + videos.map { _ in "11" })
        row(["Shutter/ms"] + videos.map { _ in "22.250000" })
        row(["Frame rate/fps"] + videos.map { _ in "24.982500" })
        row([])
        row(["[Settings]"])
        row(["Detection Threshold"] + videos.map { _ in "5" })
        row(["Min Track Length"] + videos.map { _ in "Auto" })
        row(["Total frames analysed"] + videos.map { _ in "749" })
        row([])
        row(["[Exclusion Regions]"])
        row(["No Exclusion Regions Used"])
        row([])
        row(["[Results]"] + Array(repeating: "", count: n - 1) + (autosampler ? [] : ["", "Average", "Standard Error"]))
        let concs = videos.indices.map { bins($0).reduce(0, +) }  // computed once per file
        row(["Dilution factor (concentrations adjusted for this factor)"] + videos.map { _ in dilution })
        row(["Concentration (Particles / ml)"] + concs.map(conc) + avg(concs, conc))
        row(["Particles per frame"] + videos.indices.map { String(format: "%.1f", 100 + Double($0)) }
            + avg(videos.indices.map { 100 + Double($0) }, oneDecimal))
        row(["Completed tracks"] + videos.indices.map { "\(4000 + $0)" })
        row(["X-Drift (pix/frame)"] + videos.map { _ in "-3.8" })
        row(["Y-Drift (pix/frame)"] + videos.map { _ in "0.1" })
        row([])
        row(["[Concentration Warnings]"])
        row(["Particles per frame"] + videos.indices.map { $0 == 1 ? "Too few" : "OK" })
        row([])
        row(["[Information]"])
        row(["Vibration detected"] + videos.map { _ in "No" })
        row([])
        row(["[Data Included]"])
        row(["Size distribution - Number weighting - With Percentiles"])
        row([])
        let weightings: [(String, String)] = allBlocks
            ? [("Number", "Concentration (particles / ml)"), ("Surface Area", "Surface area conc. (nm² / ml)"),
               ("Volume", "Volume conc. (nm³ / ml)")]
            : [("Number", "Concentration (particles / ml)")]
        let allBins = videos.indices.map { bins($0) }
        let allPercentiles = videos.indices.map { v in (0...100).map { Self.gaussianPercentile(v, $0) } }
        func block(binHeader: String, weighting: String, valueHeader: String, scale: Double) {
            row(["Analysis Method", "FTLA"])
            row(["Weighting", weighting])
            row(["Filename"] + videos + (autosampler ? [] : ["Average", "Standard Error"]))
            let stats = videos.indices.map { Self.gaussianStatistics($0) }
            for (key, get) in [("Mean", \SizeStatistics.meanNm), ("Mode", \.modeNm), ("SD", \.sdNm),
                               ("D10", \.d10Nm), ("D50", \.d50Nm), ("D90", \.d90Nm)] {
                let values = stats.map { $0[keyPath: get] }
                row([key] + values.map(oneDecimal) + avg(values, oneDecimal))
            }
            row(["Valid Tracks"] + videos.map { _ in "1800.0" })
            row(["Graph Data"])
            row([(excel ? "Bin centre (nm)" : binHeader)] + videos.indices.map { $0 == 0 && excel ? " \(valueHeader)" : valueHeader }
                + (autosampler ? [] : ["Concentration average", "Standard Error"]))
            for i in 0..<1000 {
                let values = allBins.map { $0[i] * scale }
                let a = Self.averageAndStandardError(values)
                let cells = values.map { String(format: "%.0f", $0) }
                row([String(format: "%.1f", Double(i) + 0.5)] + (excel && i == 100 ? ["\"\(cells[0])\""] + cells.dropFirst() : cells)
                    + (autosampler ? [] : [String(format: "%.0f", a.average), String(format: "%.0f", a.standardError.isNaN ? 0 : a.standardError)]))
            }
            row([])
            row(["Percentile"] + videos.map { _ in "Size (nm)" })
            for p in 0...100 {
                row(["\(p)"] + allPercentiles.map { String(format: "%.1f", $0[p]) })
            }
            row([])
        }
        row(["[Size Data]"])
        for (w, header) in weightings {
            block(binHeader: "Bin centre (nm)", weighting: w, valueHeader: header, scale: w == "Number" ? 1 : 2)
        }
        if allBlocks {
            row(["[Diffusion Coefficient Data]"])
            block(binHeader: "Bin centre (E4 nm²/s)", weighting: "Number", valueHeader: "Concentration (particles / ml)", scale: 1)
        }
        return out
    }

    func text() -> String { lines().joined(separator: lineEnding) + lineEnding }

    // The "printed" figures, written without the code under test: the bins of video v are a Gaussian of
    // mean μ = 90 + 10v nm and σ = 12 nm sampled at the 1-nm bin centres (symmetric about the integer μ).

    /// NTA's Average and Standard Error columns: the mean and the sample SD / √n.
    static func averageAndStandardError(_ values: [Double]) -> (average: Double, standardError: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (mean, (variance / n).squareRoot())
    }

    /// Closed-form statistics of video v's bins: mean = D50 = mode = μ by symmetry; SD = √(σ² + 1/12)
    /// (Sheppard's correction for 1-nm bins); D10/D90 = μ ∓ 1.2815516 σ (the normal's 10 % quantile).
    static func gaussianStatistics(_ v: Int) -> SizeStatistics {
        let mu = 90 + 10 * Double(v)
        return SizeStatistics(meanNm: mu, modeNm: mu, sdNm: (144 + 1.0 / 12).squareRoot(),
                              d10Nm: mu - 1.2815516 * 12, d50Nm: mu, d90Nm: mu + 1.2815516 * 12)
    }

    /// The p-th percentile of video v's Gaussian, μ + σ z_p, with z_p found by bisection on the normal CDF
    /// ½(1 + erf(z/√2)); percentiles 0 and 100 are printed as μ ∓ 60 nm (NTA prints extreme track sizes there).
    static func gaussianPercentile(_ v: Int, _ p: Int) -> Double {
        let mu = 90 + 10 * Double(v)
        if p == 0 { return mu - 60 }
        if p == 100 { return mu + 60 }
        var lo = -10.0, hi = 10.0
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if 0.5 * (1 + erf(mid / 2.0.squareRoot())) < Double(p) / 100 { lo = mid } else { hi = mid }
        }
        return mu + 12 * (lo + hi) / 2
    }

    /// The text in cp1252 (², ³ as single bytes).
    func windows1252() -> [UInt8] {
        text().unicodeScalars.map { s -> UInt8 in
            precondition(s.value < 0x100, "fixture text must be Latin-1")
            return UInt8(s.value)
        }
    }
}
