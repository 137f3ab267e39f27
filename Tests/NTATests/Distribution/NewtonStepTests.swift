import Foundation
import Testing
import NTA
@testable import NTADistribution

/// Newton steps on the penalised objective: the curvature they step with is the objective's; seeded
/// with it, quasi-Newton steps shorten the bootstrap replicates' path to the very maximiser SQUAREM
/// reaches (issue 11), and Newton steps finish a fit where SQUAREM stalls.
@Suite struct NewtonStepTests {
    /// The EV-like fixture's matrix (a broad, multi-modal sample: flat directions along the tails).
    static let matrix = DeconvolutionTests.evMix.awareMatrix

    /// `count` bootstrap weightings of the rows (n tracks drawn with replacement), laid out for a batch
    /// (``PenalisedEM/rowEntry(_:member:batch:)``).
    static func replicateWeights(_ matrix: LikelihoodMatrix, count: Int, seed: UInt64) -> [Double] {
        var w = [Double](repeating: 0, count: PenalisedEM.rowEntryCount(rows: matrix.rowCount, batch: count))
        for k in 0..<count {
            var rng = SeededGenerator(seed: seed, stream: UInt64(k))
            for _ in 0..<matrix.trackCount {
                let row = Int(matrix.trackRow[rng.nextInt(below: matrix.trackCount)])
                w[PenalisedEM.rowEntry(row, member: k, batch: count)] += 1
            }
        }
        return w
    }

    /// F(β) = Σ wⱼ ln sⱼ − (λ/2)βᵀPβ from one E-step.
    static func objective(_ solver: PenalisedEM, _ beta: [Double], lambda: Double, weights: [Double]) -> Double {
        solver.expectation(PenalisedEM.softmax(beta), weights: weights).logLikelihood
            - 0.5 * lambda * solver.penaltyValue(beta)
    }

    /// vᵀAv from the factor against the objective's second difference −(F(β+hv) − 2F(β) + F(β−hv))/h²
    /// along smooth zero-sum directions v (no gauge term) at the full fit. The second difference's
    /// truncation error is h²/12 of the fourth derivative along v (≲ 10⁻³ relative at h = 0.05 for
    /// directions whose curvature is ≳ 10²); its rounding error is that of F (Float dot products:
    /// ≲ 10⁻⁶ of |F| ≈ 10⁴, so ≲ 4·10⁻²/h² = 16 in the second difference). Allowed: 2 % + 20.
    @Test func curvatureIsTheObjectivesSecondDerivative() throws {
        let matrix = Self.matrix
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let fit = SizeDeconvolution(matrix: matrix)
        let beta = fit.beta, lambda = fit.lambda, w = matrix.rowTrackCount
        let factor = try #require(solver.negativeHessian(at: beta, lambda: lambda, weights: w))
        let m = beta.count
        let h = 0.05
        let f0 = Self.objective(solver, beta, lambda: lambda, weights: w)
        // Bumps centred on the sample's sizes and on its tails, each minus its mean.
        for (centre, width) in [(60.0, 8.0), (90.0, 15.0), (120.0, 5.0), (30.0, 10.0)] {
            var v = (0..<m).map { i in exp(-0.5 * ((Double(i) - centre) / width) * ((Double(i) - centre) / width)) }
            let mean = v.reduce(0, +) / Double(m)
            v = v.map { $0 - mean }
            // vᵀAv = ‖Lᵀv‖² with A = LLᵀ.
            var quadratic = 0.0
            for j in 0..<m {
                var s = 0.0
                for i in j..<m { s += factor.l[i * m + j] * v[i] }
                quadratic += s * s
            }
            let plus = Self.objective(solver, (0..<m).map { beta[$0] + h * v[$0] }, lambda: lambda, weights: w)
            let minus = Self.objective(solver, (0..<m).map { beta[$0] - h * v[$0] }, lambda: lambda, weights: w)
            let difference = -(plus - 2 * f0 + minus) / (h * h)
            #expect(abs(quadratic - difference) <= 0.02 * abs(difference) + 20,
                    "centre \(centre): vᵀAv \(quadratic), second difference \(difference)")
        }
    }

    /// Quasi-Newton replicates run to a tight tolerance end at the replicate's maximiser: its gradient
    /// vanishes there up to the E-step's Float rounding (≲ 10⁻⁵ of the total weight W ≈ 3,000 per
    /// count, so |∇F| ≲ 0.1 in every component, as for ``newtonPolishFinishesWhereSQUAREMStalls()``),
    /// and plain SQUAREM from the same start, at the same tolerance, gets no higher (within 10⁻⁴: it
    /// stalls slightly short). At the default tolerance the quasi-Newton replicates take fewer E-steps.
    @Test func quasiNewtonReplicatesReachTheMaximiserSooner() {
        let matrix = Self.matrix
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let fit = SizeDeconvolution(matrix: matrix)
        let count = 6
        let w = Self.replicateWeights(matrix, count: count, seed: 7)
        let members = [Bool](repeating: true, count: count)
        let starts = [[Double]](repeating: fit.beta, count: count)
        guard let curvature = solver.negativeHessian(at: fit.beta, lambda: fit.lambda, weights: matrix.rowTrackCount) else {
            Issue.record("no curvature at the full fit")
            return
        }
        func plain(_ tolerance: Double) -> [PenalisedEM.Fit?] {
            solver.fit(starts: starts, lambda: fit.lambda, weights: w, members: members, tolerance: tolerance,
                       maxEvaluations: 20_000)
        }
        func quasiNewton(_ tolerance: Double) -> [PenalisedEM.Fit?] {
            solver.quasiNewtonFit(start: fit.beta, curvature: curvature, lambda: fit.lambda, weights: w,
                                  members: members, tolerance: tolerance, maxEvaluations: 20_000)
        }
        let (tightPlain, tightNewton) = (plain(1e-7), quasiNewton(1e-7))
        let (loosePlain, looseNewton) = (plain(0.01), quasiNewton(0.01))
        var stepsPlain = 0, stepsNewton = 0
        for k in 0..<count {
            let column = (0..<matrix.rowCount).map { w[PenalisedEM.rowEntry($0, member: k, batch: count)] }
            let e = solver.expectation(tightNewton[k]!.weights, weights: column)
            let largest = solver.gradient(at: tightNewton[k]!.beta, counts: e.counts, lambda: fit.lambda)
                .reduce(0) { max($0, abs($1)) }
            #expect(largest < 0.1, "replicate \(k): |∇F| \(largest)")
            #expect(tightPlain[k]!.objective <= tightNewton[k]!.objective + 1e-4,
                    "plain \(tightPlain[k]!.objective), quasi-Newton \(tightNewton[k]!.objective)")
            stepsPlain += loosePlain[k]!.evaluations
            stepsNewton += looseNewton[k]!.evaluations
        }
        #expect(stepsNewton < stepsPlain, "E-steps at the default tolerance: quasi-Newton \(stepsNewton), plain \(stepsPlain)")
    }

    /// The factor's product L(Lᵀx) is the matrix it factorised: A·(A⁻¹b) = b to rounding.
    @Test func choleskyMultipliesByWhatItFactorised() throws {
        let n = 5
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = 1 / Double(i + j + 1) + (i == j ? 1 : 0) } }
        let factor = try #require(Cholesky(a, n))
        let b = [1.0, -2, 0.5, 3, -1]
        let x = [0.3, 1, -0.7, 2, 0.1]
        let back = factor.multiply(factor.solve(b))
        let direct = (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i * n + $1] * x[$1] } }
        let product = factor.multiply(x)
        for i in 0..<n {
            #expect(abs(back[i] - b[i]) < 1e-12)
            #expect(abs(product[i] - direct[i]) < 1e-12)
        }
    }

    /// The factor's solves are the textbook loops' to the bit (the same terms in the same order: the
    /// effective dimension's λ choice must not move), and one entry alone is the whole solve's entry.
    @Test func choleskySolvesAsTheTextbookLoops() throws {
        let n = 37
        var generator = SeededGenerator(seed: 20261201)
        let g = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &generator) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = i == j ? Double(n) : 0
                for k in 0..<n { s += g[i * n + k] * g[j * n + k] }
                a[i * n + j] = s
            }
        }
        // The textbook: L row by row, then forward and back substitution reading L in place.
        var l = a
        for j in 0..<n {
            var d = l[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            l[j * n + j] = d.squareRoot()
            for i in (j + 1)..<n {
                var s = l[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / l[j * n + j]
            }
        }
        let b = (0..<n).map { _ in Double.random(in: -5...5, using: &generator) }
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * y[k] }
            y[i] = s / l[i * n + i]
        }
        let factor = try #require(Cholesky(a, n))
        let x = factor.solve(b)
        #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
        for j in 0..<n { #expect(factor.solveEntry(b, at: j).bitPattern == y[j].bitPattern, "entry \(j)") }
        // Not a matrix the factor accepts: nil, not a trap.
        var indefinite = a
        indefinite[5 * n + 5] = -1
        #expect(Cholesky(indefinite, n) == nil)
    }

    /// At a large λ the M-step is dominated by the penalty, EM's steps shrink and SQUAREM's stopping
    /// rule (a cycle gaining < 0.01) stops short, even at a far tighter tolerance. The maximiser is
    /// where ∇F = c − Wp − λPβ vanishes; the E-step's counts carry Float rounding of ≲ 10⁻⁵ of the
    /// total W ≈ 3,000, so a maximiser shows |∇F| ≲ 0.1 in every component. The polished fit must get
    /// there; the stalled fits must not (else this test shows nothing).
    @Test func newtonPolishFinishesWhereSQUAREMStalls() {
        let matrix = DeconvolutionTests.monoMatrix()
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let w = matrix.rowTrackCount, lambda = 1e7
        let zero = [Double](repeating: 0, count: matrix.grid.count)
        func largestGradient(_ fit: PenalisedEM.Fit) -> Double {
            let e = solver.expectation(fit.weights, weights: w)
            return solver.gradient(at: fit.beta, counts: e.counts, lambda: lambda).reduce(0) { max($0, abs($1)) }
        }
        let stalled = solver.fit(start: zero, lambda: lambda, weights: w, tolerance: 0.01, maxEvaluations: 3000)
        let tighter = solver.fit(start: zero, lambda: lambda, weights: w, tolerance: 1e-6, maxEvaluations: 3000)
        let polished = solver.newtonPolish(stalled, lambda: lambda, weights: w, tolerance: 0.01)
        #expect(largestGradient(stalled) > 1 && largestGradient(tighter) > 1,
                "SQUAREM did not stall: |∇F| \(largestGradient(stalled)), \(largestGradient(tighter))")
        #expect(largestGradient(polished) < 0.1, "polished |∇F| \(largestGradient(polished))")
        #expect(polished.objective > tighter.objective)
    }

    /// A refinement that SQUAREM finishes within one curvature's cost in E-steps is SQUAREM's, bit for bit
    /// (no curvature is bought): from the AIC fit, at its λ, one cycle gains less than the tolerance.
    @Test func refineIsSQUAREMWhereSQUAREMConvergesWithinTheBudget() {
        let matrix = Self.matrix
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let fit = SizeDeconvolution(matrix: matrix)
        let w = matrix.rowTrackCount
        let start = PenalisedEM.Fit(beta: fit.beta, weights: PenalisedEM.softmax(fit.beta), logLikelihood: fit.logLikelihood,
                                    objective: -.infinity, evaluations: 0)
        let plain = solver.fit(start: fit.beta, lambda: fit.lambda, weights: w, tolerance: 0.01, maxEvaluations: 3000)
        let refined = solver.refine(start, lambda: fit.lambda, weights: w, tolerance: 0.01, maxEvaluations: 3000)
        #expect(plain.evaluations < matrix.curvatureCostInEvaluations, "SQUAREM took \(plain.evaluations) E-steps")
        #expect(refined.beta == plain.beta && refined.objective == plain.objective
                && refined.evaluations == plain.evaluations)
    }

    /// Where SQUAREM crawls (the EV-like fixture at λ = 0.1, flat along many directions at once: 73 E-steps
    /// from a fit at the search tolerance), the refinement buys the curvature once SQUAREM has spent what it
    /// costs, and with the pipeline's Newton polish after it ends in fewer E-steps than SQUAREM and the same
    /// polish, at least as high: both stop by the same rule (a step gaining less than 0.01), so the
    /// refinement's end is not below the other's by more than that.
    @Test func refineBuysTheCurvatureWhereSQUAREMCrawls() {
        let matrix = Self.matrix
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let w = matrix.rowTrackCount, lambda = 0.1, tolerance = 0.01
        let zero = [Double](repeating: 0, count: matrix.grid.count)
        let searched = solver.fit(start: zero, lambda: lambda, weights: w, tolerance: 0.1, maxEvaluations: 3000)
        let plain = solver.fit(start: searched.beta, lambda: lambda, weights: w, tolerance: tolerance, maxEvaluations: 3000)
        let refined = solver.refine(searched, lambda: lambda, weights: w, tolerance: tolerance, maxEvaluations: 3000)
        #expect(plain.evaluations > matrix.curvatureCostInEvaluations,
                "SQUAREM did not crawl: \(plain.evaluations) E-steps, budget \(matrix.curvatureCostInEvaluations)")
        let polishedPlain = solver.newtonPolish(plain, lambda: lambda, weights: w, tolerance: tolerance)
        let polishedRefined = solver.newtonPolish(refined, lambda: lambda, weights: w, tolerance: tolerance)
        #expect(polishedRefined.evaluations < polishedPlain.evaluations,
                "E-steps with the polish: refined \(polishedRefined.evaluations), SQUAREM \(polishedPlain.evaluations)")
        #expect(polishedRefined.objective >= polishedPlain.objective - tolerance,
                "refined \(polishedRefined.objective), SQUAREM \(polishedPlain.objective)")
    }
}

extension NewtonStepTests {
    /// A bootstrap replicate stops where the model's remaining gain is small, not where one step gained
    /// little: against the same replicates run to 10⁻⁹, every replicate at the full fit's λ ends within the
    /// tolerance (0.01) of its maximiser's objective, where the step-gain rule (``QuasiNewtonIteration/Rule/refinement``)
    /// leaves some further short; and at λ/100, where F is flat along the tails and convergence is slow and
    /// linear, its total shortfall over the replicates is below that rule's. A remaining gain g is an error
    /// of √(2g) standard errors along the curvature, so replicates stopped short are too close to β̂ and
    /// the intervals too narrow (BENCHMARKS.md, the held-out file's D10 and mode).
    @Test func bootstrapReplicatesStopOnTheRemainingGain() throws {
        let matrix = Self.matrix
        let solver = PenalisedEM(matrix: matrix, order: 3)
        let full = SizeDeconvolution(matrix: matrix)
        let count = 16, tolerance = 0.01
        let w = Self.replicateWeights(matrix, count: count, seed: 7)
        let members = [Bool](repeating: true, count: count)
        func shortfalls(lambda: Double) throws -> (bootstrap: [Double], refinement: [Double]) {
            let start = PenalisedEM.Fit(beta: full.beta, weights: PenalisedEM.softmax(full.beta), logLikelihood: 0,
                                        objective: 0, evaluations: 0)
            let fit = solver.refine(start, lambda: lambda, weights: matrix.rowTrackCount, tolerance: 1e-8,
                                    maxEvaluations: 5_000)
            let curvature = try #require(solver.negativeHessian(at: fit.beta, lambda: lambda, weights: matrix.rowTrackCount))
            func replicates(_ tolerance: Double, _ rule: QuasiNewtonIteration.Rule) -> [Double] {
                solver.quasiNewtonFit(start: fit.beta, curvature: curvature, lambda: lambda, weights: w, members: members,
                                      tolerance: tolerance, maxEvaluations: tolerance < 1e-6 ? 20_000 : 300, rule: rule)
                    .map { $0!.objective }
            }
            let converged = replicates(1e-9, .bootstrapReplicate)
            let bootstrap = replicates(tolerance, .bootstrapReplicate), refinement = replicates(tolerance, .refinement)
            return ((0..<count).map { converged[$0] - bootstrap[$0] }, (0..<count).map { converged[$0] - refinement[$0] })
        }
        let atFit = try shortfalls(lambda: full.lambda)
        #expect(atFit.bootstrap.allSatisfy { $0 < tolerance }, "\(atFit.bootstrap)")
        #expect(atFit.refinement.contains { $0 >= tolerance }, "the step-gain rule: \(atFit.refinement)")
        let flat = try shortfalls(lambda: full.lambda / 100)
        let (bootstrapTotal, refinementTotal) = (flat.bootstrap.reduce(0, +), flat.refinement.reduce(0, +))
        #expect(bootstrapTotal < refinementTotal, "λ/100: total shortfall \(bootstrapTotal) against \(refinementTotal)")
    }
}
