import Foundation
import Testing
import NTA
@testable import NTAPopulations

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

    /// A bead sample's deconvolved distribution, narrower than its grid, whose shape three close log-normals fit
    /// best by BIC (97.6, 101.1 and 103.0 nm, as `SampleData/beads-100nm.csv` gave): reported as one population.
    @Test func componentsCloserThanTheGridAreOnePopulation() throws {
        let shape = SizeMixture([
            SizeComponent(name: "a", weight: 0.63, medianNanometers: 97.6, geometricSD: 1.023),
            SizeComponent(name: "b", weight: 0.23, medianNanometers: 101.1, geometricSD: 1.005),
            SizeComponent(name: "c", weight: 0.14, medianNanometers: 103.0, geometricSD: 1.020),
        ])
        let grid = (0..<200).map { 9.87 * exp(Double($0) * log(2027 / 9.87) / 199) }
        let w = grid.indices.map { i -> Double in
            let lo = i == 0 ? 0 : (grid[i - 1] * grid[i]).squareRoot()
            let hi = i == grid.count - 1 ? 1e9 : (grid[i] * grid[i + 1]).squareRoot()
            return shape.components.reduce(0) { $0 + $1.weight * ($1.cumulative(hi) - $1.cumulative(lo)) }
        }
        let fit = try LogNormalMixture.fit(try SizeGrid(diametersNanometers: grid, weights: w), effectiveSampleSize: 10_000)
        // BIC alone would split it (its minimum is not at K = 1); the separation rule keeps one.
        let bics = fit.bicByComponentCount
        #expect(bics.firstIndex(of: bics.min()!) != 0, "BIC \(bics)")
        #expect(fit.componentCount == 1, "\(fit.components)")
        #expect(abs(fit.components[0].medianNanometers - 99) < 1.5)
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

    /// Each cell's amount as `truth` gives it: the cells between the log-midpoints of `diameters`, the end
    /// cells open (as the fit's cells are).
    static func exactCells(_ truth: [SizeComponent], diameters grid: [Double]) -> [Double] {
        grid.indices.map { i -> Double in
            let lo = i == 0 ? 0 : (grid[i - 1] * grid[i]).squareRoot()
            let hi = i == grid.count - 1 ? Double.infinity : (grid[i] * grid[i + 1]).squareRoot()
            return truth.reduce(0) { $0 + $1.weight * ($1.cumulative(hi) - $1.cumulative(lo)) }
        }
    }

    /// Two overlapping populations given exactly (each cell's amount is the mixture's probability of it):
    /// the likelihood per unit amount is then at most Σ p ln p (Gibbs' inequality), reached at the truth
    /// alone. Plain EM crawls here (the populations overlap: a large fraction of missing information) and
    /// 500 of its steps stop short; the SQUAREM-accelerated fit converges, its likelihood within the
    /// remaining gain its stopping rule allows of the maximum, and its components on the truth.
    @Test func overlappingPopulationsGivenExactlyConvergeToTheTruth() throws {
        let truth = [SizeComponent(name: "a", weight: 0.6, medianNanometers: 80, geometricSD: 1.3),
                     SizeComponent(name: "b", weight: 0.4, medianNanometers: 125, geometricSD: 1.35)]
        let grid = (0..<160).map { 20 * pow(1.025, Double($0)) }
        let p = Self.exactCells(truth, diameters: grid)
        let maximum = p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
        let sizeGrid = try SizeGrid(diametersNanometers: grid, weights: p)
        let n = 1e5

        // Plain EM, the same step from the quantile-spread start, 500 times: short of the maximum.
        let problem = LogNormalMixture.Problem(sizeGrid)
        let start = problem.starts(components: 2, seed: 1)[0]
        var theta = LogNormalMixture.Problem.Parameters(mu: start, s: [problem.sd / 2, problem.sd / 2], pi: [0.5, 0.5])
        var plain = -Double.infinity
        for _ in 0..<LogNormalMixture.maximumEMSteps { (theta, plain) = problem.emStep(theta) }
        let run = problem.em(from: start)
        #expect(run.converged)
        #expect(run.ll > plain, "SQUAREM \(run.ll), plain EM \(plain), maximum \(maximum)")

        let fit = try LogNormalMixture.fit(sizeGrid, effectiveSampleSize: n)
        try #require(fit.componentCount == 2, "BIC \(fit.bicByComponentCount)")
        #expect(fit.converged && fit.convergenceNote == nil)
        // ℓ ≤ Σ p ln p always; converged, the gap is the KL divergence left, here under 10⁻⁶ per unit amount
        // (a thousand times the stopping rule's last step: a convergence rate up to 0.999 a step).
        let gap = maximum - fit.logLikelihood / n
        #expect(gap >= -1e-12 && gap < 1e-6, "gap \(gap) (plain EM: \(maximum - plain))")
        let (a, b) = (fit.components[0], fit.components[1])
        #expect(abs(log(a.medianNanometers / 80)) < 0.01 && abs(log(b.medianNanometers / 125)) < 0.01, "\(fit.components)")
        #expect(abs(a.weight - 0.6) < 0.01 && abs(a.geometricSD - 1.3) < 0.01 && abs(b.geometricSD - 1.35) < 0.01)
    }

    /// A fit stopped at the step cap says so, in words a report can carry; a converged fit says nothing.
    @Test func aFitStoppedShortCarriesANote() throws {
        var fit = try LogNormalMixture.fit(try Self.histogram(.evLike, count: 6000, seed: 3))
        #expect(fit.converged && fit.convergenceNote == nil)
        fit.converged = false
        let note = try #require(fit.convergenceNote)
        #expect(note.contains("K = \(fit.componentCount)") && note.contains("did not converge within 500 EM steps"))
    }
}
