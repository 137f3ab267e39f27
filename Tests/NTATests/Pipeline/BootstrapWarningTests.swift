import Foundation
import Testing
import NTA
@testable import NTAPipeline

/// What the report says of bootstrap intervals that cannot be read as confidence intervals.
@Suite struct BootstrapWarningTests {
    @Test("fewer than 40 replicates are said to give extremes, not percentiles; 40 or more are not")
    func fewReplicates() {
        let matrix = DeconvolutionTests.monoMatrix()
        let fit = SizeDeconvolution(matrix: matrix)
        let few = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 5, seed: 1)
        let warnings = Analysis.bootstrapWarnings(fit.summary(), few)
        #expect(warnings.contains { $0.contains("come from 5 bootstrap replicates") }, "\(warnings)")
        let enough = DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 40, seed: 1)
        #expect(!Analysis.bootstrapWarnings(fit.summary(), enough).contains { $0.contains("bootstrap replicates:") })
    }

    @Test("an interval that misses its own estimate is named with both; one that holds it is not")
    func estimateOutside() {
        var (s, b) = Self.monodisperseFit()
        b.d10Nm = ConfidenceInterval(lower: s.d10Nm - 2, upper: s.d10Nm + 2, standardError: 1)
        b.d50Nm = ConfidenceInterval(lower: s.d50Nm + 1, upper: s.d50Nm + 3, standardError: 0.5)
        let warnings = Analysis.bootstrapWarnings(s, b)
        let outside = warnings.filter { $0.hasPrefix("estimates outside their own 95 % bootstrap interval") }
        #expect(outside.count == 1, "\(warnings)")
        #expect(outside.first?.contains(String(format: "D50 %.4g nm (interval %.4g–%.4g nm)", s.d50Nm, s.d50Nm + 1, s.d50Nm + 3)) == true,
                "\(outside)")
        #expect(outside.first?.contains("D10") == false)
    }

    @Test("a size interval cut at 0 nm (the blur coefficient's uncertainty added) is named as not determined; others are not")
    func intervalReachingZero() {
        var (s, b) = Self.monodisperseFit()
        #expect(!Analysis.bootstrapWarnings(s, b).contains { $0.contains("reaching 0 nm") })
        b.d90Nm = ConfidenceInterval(lower: 0, upper: 3 * s.d90Nm, standardError: s.d90Nm)
        let warnings = Analysis.bootstrapWarnings(s, b).filter { $0.contains("reaching 0 nm") }
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.hasPrefix(String(format: "95 %% intervals reaching 0 nm, where they were cut: D90 %.4g nm (interval 0–%.4g nm)", s.d90Nm, 3 * s.d90Nm)) == true, "\(warnings)")
        #expect(warnings.first?.contains("D50") == false)
    }

    /// A monodisperse deconvolution's summary and its bootstrap of 40 replicates, whose intervals the tests then set.
    static func monodisperseFit() -> (GridSizeSummary, DeconvolutionBootstrap) {
        let matrix = DeconvolutionTests.monoMatrix()
        let fit = SizeDeconvolution(matrix: matrix)
        return (fit.summary(), DeconvolutionBootstrap(matrix: matrix, deconvolution: fit, replicates: 40, seed: 1))
    }

    @Test("tracks sized beyond the deconvolution's grid are warned of, with their share and the grid's span; up to 1 % are not")
    func beyondGrid() {
        let grid = DiameterGrid()
        let inside = [Double](repeating: 100, count: 98)
        #expect(Analysis.beyondGridWarning(inside + [100, 3000], grid: grid) == nil)
        let warning = Analysis.beyondGridWarning(inside + [3000, 2500], grid: grid)
        #expect(warning?.hasPrefix("of the 100 sized tracks, 2 (2 %) above 2027 nm lie beyond the deconvolution's grid (its cells span 9.87–2027 nm)") == true,
                "\(String(describing: warning))")
        let both = Analysis.beyondGridWarning([5, 6, 7, 100, 3000, 4000], grid: grid)
        #expect(both?.contains("3 (50 %) below 9.87 nm and 2 (33.3 %) above 2027 nm") == true, "\(String(describing: both))")
        #expect(Analysis.beyondGridWarning([], grid: grid) == nil)
    }
}
