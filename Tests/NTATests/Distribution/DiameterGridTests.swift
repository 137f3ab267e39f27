import Foundation
import Testing
import NTA

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

@Suite struct DiameterGridCoveringTests {
    let standard = DiameterGrid()

    /// Node k of the default grid's lattice, extended past its ends: 10 nm · 200^(k/199).
    func lattice(_ k: Int) -> Double { 10 * pow(200, Double(k) / 199) }

    @Test("no more than the share beyond either end: the default grid itself")
    func defaultWhenFewBeyond() {
        let inside = [Double](repeating: 100, count: 98)
        #expect(DiameterGrid.covering(inside + [5, 3000], beyondShare: 0.01) == standard)
        #expect(DiameterGrid.covering([], beyondShare: 0.01) == standard)
        #expect(DiameterGrid.covering([.nan, -3, 0, .infinity], beyondShare: 0.01) == standard)
    }

    @Test("more than the share above: extended upwards on the default's lattice until the largest size's cell")
    func extendsUpwards() {
        let sizes = [Double](repeating: 100, count: 97) + [2500, 3000, 4000]
        let grid = DiameterGrid.covering(sizes, beyondShare: 0.01)
        // 4000 nm is node round(199·ln(400)/ln(200)) = 225 of the lattice: 26 nodes past the default's last.
        #expect(grid.count == 226)
        #expect(abs(grid.logSpacing - standard.logSpacing) < 1e-14)
        for k in [0, 57, 199, 225] { #expect(abs(grid.diametersNanometers[k] / lattice(k) - 1) < 1e-12) }
        #expect(abs(grid.lowerEdgeNanometers / standard.lowerEdgeNanometers - 1) < 1e-12)
        #expect(grid.upperEdgeNanometers > 4000 && grid.diametersNanometers[224] * exp(grid.logSpacing / 2) < 4000)
    }

    @Test("more than the share below: extended downwards; both ends when both have more than the share beyond")
    func extendsDownwardsAndBoth() {
        let sizes = [Double](repeating: 100, count: 96) + [2, 3, 3000, 5000]
        let grid = DiameterGrid.covering(sizes, beyondShare: 0.01)
        // 2 nm is lattice node round(199·ln(0.2)/ln(200)) = −60; 5000 nm is node 233.
        #expect(grid.count == 60 + 234)
        #expect(abs(grid.diametersNanometers[0] / lattice(-60) - 1) < 1e-12)
        #expect(abs(grid.diametersNanometers[60] / 10 - 1) < 1e-12)
        #expect(abs(grid.diametersNanometers[grid.count - 1] / lattice(233) - 1) < 1e-12)
        #expect(grid.lowerEdgeNanometers < 2 && grid.upperEdgeNanometers > 5000)
    }

    @Test("sizes past 1 nm–100 µm extend the grid only that far: its size follows the sizes' range, not their magnitude")
    func extensionIsBounded() {
        let grid = DiameterGrid.covering([1e-300, 1e-300, 100, 1e300, 1e300], beyondShare: 0.01)
        #expect(grid.count == 433)
        #expect(abs(grid.diametersNanometers[0] / lattice(-86) - 1) < 1e-12)
        #expect(grid.upperEdgeNanometers > 1e5 && grid.upperEdgeNanometers < 1.03e5)
    }
}

@Suite struct DeconvolutionEdgeCaseTests {
    /// No tracks, or degenerate ones, must give NaN statistics, never a trap.
    @Test func emptyAndDegenerateInputsDoNotTrap() {
        let empty = OneLagGammaLikelihood(sumSquared2DNm2: [], steps: [], frameIntervalSeconds: 1.0 / 30)
        let r = DeconvolvedSizeDistribution(model: empty, framesPerTrack: [], frameIntervalSeconds: 1.0 / 30,
                                            temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95,
                                            minimumTrackLength: 10, bootstrapReplicates: 3)
        #expect(r.summary.d50Nm.isNaN)
        #expect(r.deconvolution.trackCount == 0)
        let degenerate = OneLagGammaLikelihood(sumSquared2DNm2: [0, .nan, 4e5], steps: [12, 12, 12],
                                               frameIntervalSeconds: 1.0 / 30)
        let d = DeconvolvedSizeDistribution(model: degenerate, framesPerTrack: [13, 13, 13],
                                            frameIntervalSeconds: 1.0 / 30, temperatureCelsius: 22,
                                            viscosityMillipascalSeconds: 0.95, minimumTrackLength: 10)
        #expect(d.summary.d50Nm.isFinite)
    }
}
