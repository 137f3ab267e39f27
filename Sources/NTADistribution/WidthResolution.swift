import Foundation
import NTACore

/// Whether the tracks resolve a narrow sample's width: the likelihood of the deconvolved distribution against that of
/// a single size.
///
/// A sample narrower than the tracks' own spread in D (beads) leaves the likelihood flat along the distribution's
/// width: the penalised fit then stops wherever its optimiser does (BENCHMARKS.md: D10 of 100 nm beads moving by 3 nm
/// with the frame rate's seventh digit), and the bootstrap, refitted from the fit at its λ, keeps that width (a
/// geometric SD interval of 1.048–1.049 on simulated monodisperse beads). The test: the track-weighted log-likelihood
/// ℓ̂ of the fitted distribution against ℓ₁, the best of a single size, a point between two neighbouring grid nodes
/// (mass split (1 − a, a), a on a 1/20 lattice, the nodes within ``searchedNodes`` of the fit's largest): when
/// 2(ℓ̂ − ℓ₁) < χ²₁(0.95) = 3.84 the data cannot tell the distribution shown from one size, and its width, D10, D90 and
/// geometric SD are the smoothing's, not the sample's (a likelihood-ratio test of one added parameter, conservative
/// where the width's null value lies on its boundary).
public struct WidthResolution: Sendable, Hashable {
    /// 2(ℓ̂ − ℓ₁): twice the log-likelihood the fitted distribution gains over the best single size.
    public var likelihoodRatio: Double
    /// The best single size, nm (the two nodes' diameters averaged in ln d by their masses).
    public var singleSizeNanometers: Double

    /// χ²₁'s 95th percentile: below it a single size fits the tracks as well as the distribution.
    public static let criticalRatio = 3.841458820694124
    /// Nodes on either side of the fit's largest searched for the single size: 6 (16 % in d on the default grid).
    public static let searchedNodes = 6
    /// The D90/D10 (track weights) above which a distribution is taken as resolved without a test: 1.5.
    public static let narrowRatio = 1.5

    /// Whether a single size fits the tracks as well as the distribution (the width is not resolved).
    public var isUnresolved: Bool { likelihoodRatio < WidthResolution.criticalRatio }

    /// The test for `deconvolution`, fitted on `matrix`; `nil` when the distribution is broad (``narrowRatio``) or empty.
    init?(matrix: LikelihoodMatrix, deconvolution: SizeDeconvolution, order: Int) {
        let p = deconvolution.trackWeights
        let grid = deconvolution.grid
        guard let top = p.indices.max(by: { p[$0] < p[$1] }), p[top] > 0,
              case .within(let i10, _) = Quantile.crossing(p, 0.1), case .within(let i90, _) = Quantile.crossing(p, 0.9),
              grid.diametersNanometers[i90] <= WidthResolution.narrowRatio * grid.diametersNanometers[i10] else { return nil }
        let solver = PenalisedEM(matrix: matrix, order: order)
        let weights = matrix.rowTrackCount
        let m = p.count
        // Candidates: node j and j + 1 split (1 − a, a), a = 0, 1/20, …, 19/20.
        let first = max(0, top - WidthResolution.searchedNodes), last = min(m - 1, top + WidthResolution.searchedNodes)
        guard first < last else { return nil }
        let fits = SingleSizeFits(matrix: matrix, first: first, last: last, splits: 20)
        let fitted = solver.expectation(deconvolution.trackWeights, weights: weights).logLikelihood
        guard let best = fits.best(weights: weights), fitted.isFinite else { return nil }
        likelihoodRatio = 2 * (fitted - best.logLikelihood)
        singleSizeNanometers = fits.diameterNanometers(best.candidate)
    }
}
