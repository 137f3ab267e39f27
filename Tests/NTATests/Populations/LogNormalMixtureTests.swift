import Foundation
import Testing
import NTA

@Suite struct LogNormalMixtureTests {
    static func histogram(_ mixture: SizeMixture, count: Int, seed: UInt64) throws -> SizeGrid {
        var rng = SeededGenerator(seed: seed)
        let d = (0..<count).map { _ in mixture.sample(using: &rng).diameterNanometers }
        return try SizeGrid(BinnedDistribution.histogram(diametersNanometers: d))
    }

    /// Two populations, 4000 particles in 1-nm bins: BIC picks K = 2, and the
    /// medians, geometric SDs and weights are within ~4 standard errors
    /// (SE of μ_k ≈ s_k/√(n π_k) ≈ 0.004–0.007; of π ≈ √(π(1−π)/n) ≈ 0.008).
    @Test func twoPopulations() throws {
        let truth = SizeMixture([
            SizeComponent(name: "a", weight: 0.6, medianNanometers: 70, geometricSD: 1.2),
            SizeComponent(name: "b", weight: 0.4, medianNanometers: 180, geometricSD: 1.3),
        ])
        let fit = try LogNormalMixture.fit(try Self.histogram(truth, count: 4000, seed: 11))
        try #require(fit.componentCount == 2, "BIC \(fit.bicByComponentCount)")
        let (a, b) = (fit.components[0], fit.components[1])
        #expect(abs(log(a.medianNanometers / 70)) < 0.02 && abs(log(b.medianNanometers / 180)) < 0.03)
        #expect(abs(a.logSD - log(1.2)) < 0.015 && abs(b.logSD - log(1.3)) < 0.02)
        #expect(abs(a.weight - 0.6) < 0.035)
        #expect(fit.effectiveSampleSize == 4000)
    }

    @Test func onePopulationIsNotSplit() throws {
        let fit = try LogNormalMixture.fit(try Self.histogram(
            SizeMixture([SizeComponent(name: "a", medianNanometers: 100, geometricSD: 1.25)]), count: 3000, seed: 5))
        #expect(fit.componentCount == 1, "BIC \(fit.bicByComponentCount)")
        #expect(abs(log(fit.components[0].medianNanometers / 100)) < 0.02)
    }

    /// The EV-like sample (40, 100, 200 nm): three components.
    @Test func evLikeHasThreeComponents() throws {
        let fit = try LogNormalMixture.fit(try Self.histogram(.evLike, count: 6000, seed: 3))
        try #require(fit.componentCount == 3, "BIC \(fit.bicByComponentCount) \(fit.components)")
        #expect(abs(fit.components[1].medianNanometers - 100) < 6)
        #expect(abs(fit.components[1].weight - 0.55) < 0.06)
        // The same histogram with n_eff = 60 (say, a few tracks) cannot support three components.
        let sparse = try LogNormalMixture.fit(try Self.histogram(.evLike, count: 6000, seed: 3), effectiveSampleSize: 60)
        #expect(sparse.componentCount < 3)
    }

    /// A log-spaced grid (as a deconvolution produces) gives the same answer as 1-nm bins.
    @Test func logGrid() throws {
        let truth = SizeComponent(name: "a", medianNanometers: 90, geometricSD: 1.3)
        let grid = (0..<130).map { 20 * pow(1.025, Double($0)) }
        let w = grid.indices.map { i -> Double in
            let lo = i == 0 ? 0 : (grid[i - 1] * grid[i]).squareRoot()
            let hi = i == grid.count - 1 ? 1e9 : (grid[i] * grid[i + 1]).squareRoot()
            return truth.cumulative(hi) - truth.cumulative(lo)
        }
        let fit = try LogNormalMixture.fit(try SizeGrid(diametersNanometers: grid, weights: w), effectiveSampleSize: 2000)
        #expect(fit.componentCount == 1)
        #expect(abs(fit.components[0].medianNanometers - 90) < 0.5)
        #expect(abs(fit.components[0].geometricSD - 1.3) < 0.01)
    }
}
