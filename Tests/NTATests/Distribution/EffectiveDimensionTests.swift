import Foundation
import Testing
import NTA
@testable import NTADistribution

/// The effective dimension ED = tr((I + λP)⁻¹I) that AIC charges a fit at λ.
@Suite struct EffectiveDimensionTests {
    /// Where the penalty dominates, ED falls towards the dimension of the penalty's null space: at most 3 for the
    /// third-order penalty (quadratics in ln p, one of them the softmax gauge the data never see). At λ ≥ 10⁸ the
    /// factorisation's rounding (λP's entries reach ~20λ) exceeded the ridge that keeps I + λP definite, and ED was
    /// given as the number of active nodes (27 on this fixture, at λ = 10⁸ and 10^9.5). Rounding still costs ED
    /// some accuracy at large λ (3.5 at λ = 10⁷ between 2.0 and 1.4, where it cannot rise with λ), so the bound
    /// allowed below 10⁸ is 4; from 10⁸ on, where the penalty holds every direction but the null space's, 3.
    @Test func largeLambdasGiveAtMostTheNullSpacesDimension() throws {
        let matrix = DeconvolutionTests.monoMatrix()
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let w = matrix.rowTrackCount
        var options = DeconvolutionOptions()
        options.smoothing = .fixed(1e9)
        let p = SizeDeconvolution(matrix: matrix, options: options).trackWeights
        for q in stride(from: 5.0, through: 10.0, by: 0.5) {
            let ed = solver.effectiveDimension(p, lambda: pow(10, q), weights: w)
            #expect(ed > 0 && ed <= (q >= 8 ? 3 : 4), "λ = 1e\(q): ED \(ed)")
        }
    }
}
