import Foundation
import Testing
import NTA

@Suite("NanoSight-style size statistics")
struct SizeStatisticsTests {
    @Test("moments, interpolated percentiles and the parabolic mode on hand-checked bins")
    func handChecked() {
        // Bins centred 0.5…9.5 nm; amounts 0,0,1,2,4,2,1,0,0,0 (total 10).
        let dist = BinnedDistribution(values: [0, 0, 1, 2, 4, 2, 1, 0, 0, 0])
        let s = SizeStatistics(dist)
        #expect(abs(s.meanNm - 4.5) < 1e-12)
        // Σw(c−4.5)² = 1·4 + 2·1 + 0 + 2·1 + 1·4 = 12 → SD = √1.2.
        #expect(abs(s.sdNm - 1.2.squareRoot()) < 1e-12)
        // D10: 1 of 10 reached at the top of bin [2,3] → 3.0. D50: cumulative 3 before bin [4,5] (4), need 2 → 4.5.
        #expect(abs(s.d10Nm - 3.0) < 1e-12)
        #expect(abs(s.d50Nm - 4.5) < 1e-12)
        // D90: cumulative 9 after bin [5,6]? 1+2+4+2 = 9 → 6.0.
        #expect(abs(s.d90Nm - 6.0) < 1e-12)
        #expect(abs(s.modeNm - 4.5) < 1e-12)  // symmetric neighbours
        // Asymmetric neighbours shift the vertex toward the larger one: a=2,b=4,d=3 → 0.5·(2−3)/(2−8+3) = +1/6.
        let skew = BinnedDistribution(values: [0, 0, 1, 2, 4, 3, 1, 0])
        #expect(abs(SizeStatistics.mode(skew) - (4.5 + 1.0 / 6)) < 1e-12)
        #expect(abs(dist.fraction(from: 3, to: 6) - 0.8) < 1e-12)
        #expect(abs(dist.fraction(from: 4.5, to: 5) - 0.2) < 1e-12)
    }

    @Test("an empty distribution has no statistics rather than garbage")
    func empty() {
        let s = SizeStatistics(BinnedDistribution(values: [0, 0, 0]))
        #expect(s.meanNm.isNaN && s.d50Nm.isNaN && s.modeNm.isNaN)
    }

    @Test("reproduces NanoSight NTA 3.4's printed Mean, Mode, SD, D10, D50, D90 from its own bins",
          .enabled(if: SharedFormats.available, "needs ../shared/formats/nanosight-3.4-beads100-ExperimentSummary.csv or $NTA_SHARED_FORMATS"))
    func reproducesNanoSight() throws {
        let text = try SharedFormats.latin1("nanosight-3.4-beads100-ExperimentSummary.csv")
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        // The first distribution block after [Size Data] is number-weighted (FTLA, Number).
        guard let sizeData = lines.firstIndex(where: { $0.first == "[Size Data]" }) else {
            Issue.record("no [Size Data] section"); return
        }
        func row(_ key: String) -> [Double] {
            let r = lines[sizeData...].first { $0.first == key }!
            return r.dropFirst().prefix(5).compactMap(Double.init)
        }
        let printed = (mean: row("Mean"), mode: row("Mode"), sd: row("SD"), d10: row("D10"), d50: row("D50"), d90: row("D90"))
        let header = lines[sizeData...].firstIndex { $0.first?.hasPrefix("Bin centre (nm)") == true }!
        var bins = Array(repeating: [Double](), count: 5)
        var centres: [Double] = []
        for r in lines[(header + 1)...] {
            guard let c = r.first.flatMap(Double.init), r.count > 5 else { break }
            centres.append(c)
            for v in 0..<5 { bins[v].append(Double(r[v + 1]) ?? 0) }
        }
        #expect(centres.count == 1000 && centres.first == 0.5)
        for v in 0..<5 {
            let s = SizeStatistics(BinnedDistribution(values: bins[v]))
            #expect(abs(s.meanNm - printed.mean[v]) <= 0.05 + 1e-9, "video \(v) mean")
            #expect(abs(s.modeNm - printed.mode[v]) <= 0.05 + 1e-9, "video \(v) mode")
            #expect(abs(s.sdNm - printed.sd[v]) <= 0.05 + 1e-9, "video \(v) SD")
            #expect(abs(s.d10Nm - printed.d10[v]) <= 0.05 + 1e-9, "video \(v) D10")
            #expect(abs(s.d50Nm - printed.d50[v]) <= 0.05 + 1e-9, "video \(v) D50")
            #expect(abs(s.d90Nm - printed.d90[v]) <= 0.05 + 1e-9, "video \(v) D90")
        }
    }
}
