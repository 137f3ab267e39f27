import Foundation
import Testing
import NTA
@testable import NTADistribution

/// A quantity's mean as a function of size, read through wide size posteriors (``PosteriorRegression``).
@Suite("Posterior regression")
struct PosteriorRegressionTests {
    @Test("the cubic B-spline basis sums to 1 at every node and reproduces a straight line in ln d")
    func basis() {
        let u = DiameterGrid().diametersNanometers.map { log($0) }
        let k = PosteriorRegression.basisCount
        let b = PosteriorRegression.basis(u)
        for i in u.indices {
            let row = (0..<k).map { b[i * k + $0] }
            #expect(abs(row.reduce(0, +) - 1) < 1e-12)
            #expect(row.allSatisfy { $0 >= 0 })
        }
        // Coefficients on the knots' Greville abscissae (means of 3 consecutive inner knots) give the line itself.
        let step = (u.last! - u.first!) / Double(k - 3)
        let coefficients = (0..<k).map { j in 2 + 0.5 * (u.first! + Double(j - 1) * step) }
        for i in u.indices {
            let value = (0..<k).reduce(0.0) { $0 + coefficients[$1] * b[i * k + $1] }
            #expect(abs(value - (2 + 0.5 * u[i])) < 1e-9)
        }
    }

    /// Tracks of a two-population sample (80 % near 100 nm, 20 % near 45 nm) whose sizes are seen through a
    /// wide Gaussian in ln D (σ = 0.4, as short tracks give), each carrying y = 1 + 0.5·ln(d/100 nm): the
    /// exact posterior is the likelihood times the population's grid weights.
    struct Sample {
        let matrix: LikelihoodMatrix
        let p: [Double]
        let y: [Double]
        static let width = 0.4
        static func truth(_ d: Double) -> Double { 1 + 0.5 * log(d / 100) }

        init(seed: UInt64, tracks n: Int = 6000) {
            let grid = DiameterGrid()
            let logD = grid.diametersNanometers.map { -log($0) }
            var p = grid.diametersNanometers.map { d -> Double in
                let a = log(d / 100) / 0.15, b = log(d / 45) / 0.1
                return 0.8 * exp(-a * a / 2) / 0.15 + 0.2 * exp(-b * b / 2) / 0.1
            }
            let total = p.reduce(0, +)
            p = p.map { $0 / total }
            var cumulative = [Double](), running = 0.0
            for w in p { running += w; cumulative.append(running) }
            var rng = SeededGenerator(seed: seed)
            var node = [Int](), observed = [Double]()
            for _ in 0..<n {
                let u = Double.random(in: 0..<1, using: &rng)
                let i = min(cumulative.firstIndex { $0 > u } ?? grid.count - 1, grid.count - 1)
                // Box–Muller for the observation's noise.
                let r = (-2 * log(Double.random(in: Double.ulpOfOne..<1, using: &rng))).squareRoot()
                let z = logD[i] + Self.width * r * cos(2 * Double.pi * Double.random(in: 0..<1, using: &rng))
                node.append(i)
                observed.append(z)
            }
            let observations = observed
            let model = FunctionTrackLikelihood(trackCount: n) { t, diffusion, out in
                for m in diffusion.indices {
                    // −ln d is ln D up to a constant (the grid's D ∝ 1/d): a Gaussian around the observation.
                    let e = (observations[t] - logD[m]) / Self.width
                    out[m] = -e * e / 2
                }
            }
            matrix = LikelihoodMatrix(model: model, framesPerTrack: [Int](repeating: 1, count: n), grid: grid,
                                      diffusionNm2PerS: grid.diffusionNm2PerS(temperatureCelsius: 20,
                                                                              viscosityMillipascalSeconds: 1))
            self.p = p
            y = node.map { Self.truth(grid.diametersNanometers[$0]) }
        }

        /// Σ y per row (every track has one frame and its own row).
        var rowTargets: [Double] {
            var out = [Double](repeating: 0, count: matrix.rowCount)
            for t in 0..<matrix.trackCount { out[Int(matrix.trackRow[t])] += y[t] }
            return out
        }

        /// The plain posterior average at node i, Σₜ πₜᵢ yₜ / Σₜ πₜᵢ: the estimate the regression replaces.
        func posteriorAverage(at i: Int) -> Double {
            var top = 0.0, bottom = 0.0
            for t in 0..<matrix.trackCount {
                let j = Int(matrix.trackRow[t])
                let norm = (0..<p.count).reduce(0.0) { $0 + Double(matrix.value(row: j, node: $1)) * p[$1] }
                let pi = Double(matrix.value(row: j, node: i)) * p[i] / norm
                top += pi * y[t]
                bottom += pi
            }
            return top / bottom
        }
    }

    @Test("regressed through wide posteriors, E[y | d] comes back where a plain posterior average reports the neighbours'")
    func recoversTheCurve() throws {
        let grid = DiameterGrid()
        let small = grid.diametersNanometers.indices.min { abs(log(grid.diametersNanometers[$0] / 45)) < abs(log(grid.diametersNanometers[$1] / 45)) }!
        let large = grid.diametersNanometers.indices.min { abs(log(grid.diametersNanometers[$0] / 100)) < abs(log(grid.diametersNanometers[$1] / 100)) }!
        var fitted: [[Double]] = [], averaged: [Double] = []
        for seed in 1...6 as ClosedRange<UInt64> {
            let s = Sample(seed: seed)
            #expect(s.matrix.rowCount == s.matrix.trackCount)
            let f = try #require(PosteriorRegression.fit(s.matrix, at: s.p, rowWeights: [Double](repeating: 1, count: s.matrix.rowCount),
                                                        rowTargets: s.rowTargets))
            // Fixed chunks: one pass or many give the same sums up to rounding.
            let serial = try #require(PosteriorRegression.fit(s.matrix, at: s.p, rowWeights: [Double](repeating: 1, count: s.matrix.rowCount),
                                                             rowTargets: s.rowTargets, serial: true))
            #expect(zip(f, serial).allSatisfy { abs($0 - $1) < 1e-9 })
            fitted.append([f[small], f[large]])
            averaged.append(s.posteriorAverage(at: small))
        }
        // Over 6 independent samples, the mean of each fitted value lies within 4 of its standard errors (s/√6)
        // of the truth ((mean − truth)/(s/√6) ~ t₅ for an unbiased estimator; P(|t₅| > 4) = 0.01).
        for (k, node) in [small, large].enumerated() {
            let values = fitted.map { $0[k] }
            let mean = values.reduce(0, +) / 6
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 5).squareRoot()
            let truth = Sample.truth(grid.diametersNanometers[node])
            #expect(abs(mean - truth) < 4 * sd / 6.0.squareRoot(), "node \(grid.diametersNanometers[node]) nm: \(values) against \(truth)")
        }
        // The posterior average at 45 nm is pulled towards the commoner 100 nm tracks' y: by more than 10 of the
        // regression's standard errors there, so the regression is what removes it.
        let values = fitted.map { $0[0] }
        let mean = values.reduce(0, +) / 6
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 5).squareRoot()
        let truth = Sample.truth(grid.diametersNanometers[small])
        let averageBias = averaged.reduce(0, +) / 6 - truth
        #expect(averageBias > 10 * sd / 6.0.squareRoot(), "posterior average bias \(averageBias), regression SE \(sd / 6.0.squareRoot())")
    }
}
