import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// Sizes beyond the deconvolution's default 10–2000 nm: the grid is extended to cover them, so the distribution
/// measures them instead of piling their weight against its edge.
@Suite struct GridExtensionTests {
    @Test("40 % of the particles at 3 µm: the grid covers them, and D90 measures them instead of the grid's edge")
    func largeParticlesAreDeconvolved() throws {
        // 100 nm beads (60 %) and 3 µm particles (40 %, geometric SD 1.15) by number. The number distribution's D90
        // is the large component's 75th percentile, 3000 · 1.15^0.674 = 3297 nm; ~90 large particles in view over
        // the video put the sampling SE of that percentile near 2 % (0.14 · √(0.75 · 0.25) / φ(0.674) / √90), so
        // ±15 % is ~7 of them. The default grid's upper cell ends at 2027 nm, where the D90 read 2013 nm (−39 %).
        // The exposure is recorded (instantaneous, as simulated): with it unknown, the large particles' sizes are as
        // uncertain as σ², which R's weak identifiability leaves wide in a sample of 100 nm and 3 µm particles (there
        // the D90's interval carries it, by the delta method), and this test is about the grid.
        var p = SimulationParameters(mixture: SizeMixture([
            SizeComponent(name: "beads", weight: 0.6, medianNanometers: 100, geometricSD: 1.05),
            SizeComponent(name: "large", weight: 0.4, medianNanometers: 3000, geometricSD: 1.15),
        ]))
        p.seed = 4
        p.frameCount = 3000
        var options = AnalysisOptions()
        options.bootstrapReplicates = 100
        let a = try analyzeSimulated(Simulator.run(p), options: options)
        let d = try #require(a.deconvolved)
        let sized = a.tracks.diametersNanometers
        #expect(Double(DiameterGrid().sizesBeyond(sized).above) > 0.05 * Double(sized.count))
        #expect(d.deconvolution.grid.upperEdgeNanometers >= sized.max()!)
        #expect(abs(a.size.d90Nm / 3297 - 1) < 0.15, "D90 \(a.size.d90Nm)")
        #expect(Analysis.beyondGridWarning(sized, grid: d.deconvolution.grid) == nil)
        #expect(a.notes.contains { $0.contains("the deconvolution's grid was extended to cells spanning 9.87–") },
                "\(a.notes)")
    }

    @Test("a sample inside the default span keeps the default grid, and no note is given")
    func defaultGridKept() throws {
        var p = PipelineRobustnessTests.monodisperse(seed: 5)
        p.frameCount = 600
        let a = try analyzeSimulated(Simulator.run(p))
        #expect(try #require(a.deconvolved).deconvolution.grid == DiameterGrid())
        #expect(!a.notes.contains { $0.contains("grid was extended") })
    }

    @Test("the note gives the extended span, the default's, the cells and the share of sized tracks beyond")
    func noteText() {
        let sizes = [Double](repeating: 100, count: 97) + [2500, 3000, 4000]
        let grid = DiameterGrid.covering(sizes, beyondShare: Analysis.beyondGridShare)
        #expect(Analysis.extendedGridNote(sizes, grid: grid)
                == "the deconvolution's grid was extended to cells spanning 9.87–4050 nm (by default 9.87–2027 nm, 200 cells, now 226 at the same spacing): 3 of the 100 sized tracks (3 %) lay beyond the default, more than the 1 % whose weight may pile at an edge")
        #expect(Analysis.extendedGridNote(sizes, grid: DiameterGrid()) == nil)
    }
}
