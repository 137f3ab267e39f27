import Foundation
import Testing
@testable import NTADistribution

/// The slab's entry flux: each cell's exact integral of Φc(z/s) + Φc((w − z)/s), which the slab computes reusing a
/// cell's upper-edge antiderivatives as the next cell's lower edge's where the edges agree to the bit.
@Suite struct SlabEntryTests {
    /// The flux as the four antiderivatives per cell give it, summed in cell order (the definition, written out).
    static func fluxByDefinition(width w: Double, stepSD s: Double, cells n: Int) -> Double {
        func phiC(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }
        func integralPhiC(_ z: Double) -> Double {
            let x = z / s
            return z * phiC(x) - s * exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        }
        let dz = w / Double(n)
        var flux = 0.0
        for i in 0..<n {
            let a = Double(i) * dz, b = a + dz
            flux += (integralPhiC(b) - integralPhiC(a)) + (integralPhiC(w - a) - integralPhiC(w - b))
        }
        return flux
    }

    /// Widths and steps whose cell edges (i·dz + dz against (i + 1)·dz) agree everywhere and disagree somewhere:
    /// the flux is the definition's to the bit, and near 2s·(1/√(2π))·2 (both faces; the slab is many steps wide).
    @Test(arguments: [(5.0, 0.3), (2.9, 0.07), (0.7, 0.11), (13.0, 1.7)])
    func entryFluxIsTheDefinitionsToTheBit(width: Double, stepSD: Double) {
        // The cells the slab uses for these (≥ 160, ≤ s/2 each).
        let n = Int(min(max(160, (2 * width / stepSD).rounded(.up)), Double(VisitLengthModel.maximumCells)))
        let slab = VisitLengthModel.slab(width: width, stepSD: stepSD, cells: 160, steps: 2)
        #expect(slab.flux.bitPattern == Self.fluxByDefinition(width: width, stepSD: stepSD, cells: n).bitPattern)
        // Each face takes E[max(Z, 0)]·s = s/√(2π) per unit area and step.
        #expect(abs(slab.flux - 2 * stepSD / (2 * Double.pi).squareRoot()) < 1e-6 * stepSD)
    }

    /// The premise of the reuse: with these widths, some cells' edges differ in the last bit (so both branches run).
    @Test func someCellEdgesDisagreeInTheLastBit() {
        let w = 2.9, n = 160, dz = w / Double(n)
        let disagree = (0..<(n - 1)).filter { Double($0) * dz + dz != Double($0 + 1) * dz }.count
        #expect(disagree > 0 && disagree < n - 1, "\(disagree) of \(n - 1)")
    }
}
