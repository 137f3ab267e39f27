import Foundation
import Testing
@testable import NTA

@Suite struct DiameterGridTests {
    @Test func binningPreservesTotalsAndQuantiles() {
        let grid = DiameterGrid(minNanometers: 10, maxNanometers: 2000, count: 200)
        #expect(abs(grid.diametersNanometers[0] - 10) < 1e-9)
        #expect(abs(grid.diametersNanometers[199] - 2000) < 1e-6)
        var w = [Double](repeating: 0, count: grid.count)
        w[100] = 2; w[120] = 3
        let binned = grid.binned(w)
        #expect(abs(binned.total - 5) < 1e-9)
        // Median: inside node 120's cell (it holds 3/5 > 1/2 of the mass above node 100).
        let q = grid.quantile(w, 0.5)
        #expect(q > grid.diametersNanometers[120] * exp(-grid.logSpacing / 2) - 1e-9)
        #expect(q < grid.diametersNanometers[120] * exp(grid.logSpacing / 2) + 1e-9)
        // The binned median agrees with the grid median to within a bin.
        #expect(abs(SizeStatistics(binned).d50Nm - q) < 1.0)
        // Window fraction: both nodes inside 30–1000 nm.
        #expect(abs(grid.fraction(w, fromNanometers: 30, toNanometers: 1000) - 1) < 1e-12)
    }
}
