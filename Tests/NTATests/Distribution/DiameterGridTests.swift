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
