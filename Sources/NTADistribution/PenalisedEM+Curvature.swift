import CNTAKernels
import Dispatch
import Foundation
import NTACore

extension PenalisedEM {
    /// M times the posterior rⱼₘ below which a row's node is left out of the curvature's Σ wⱼrⱼrⱼᵀ (see
    /// ``negativeHessian(at:lambda:weights:)``): 2⁻⁸⁰.
    static let negligiblePosterior = 0x1p-80

    /// The curvature of the penalised objective F at β (see ``PenalisedEM``), factorised: the
    /// negative Hessian
    ///
    ///   A = Σⱼ wⱼ rⱼrⱼᵀ − diag(c) + W(diag(p) − ppᵀ) + λP + (W/M)·11ᵀ
    ///
    /// with p = softmax(β), rⱼₘ = Lⱼₘpₘ / Σₗ Lⱼₗpₗ each row's posterior over the grid, c = Σⱼ wⱼrⱼ the
    /// E-step's counts and W = Σc. The last term fixes softmax's free constant (F does not change when
    /// a constant is added to β, so its gradient has no component along 1), as the M-step's ε term does.
    /// A is positive semi-definite at a maximiser of F; a damping κI (from 10⁻¹² of the largest
    /// diagonal entry, ×100 until the factorisation succeeds, at most 8 times) keeps it factorisable
    /// away from one.
    ///
    /// Rows are summed in fixed chunks in chunk order (over each row's stored band), so the result
    /// does not depend on the number of cores. Each row's rrᵀ is taken only between its first and last
    /// node with rⱼₘ ≥ ``negligiblePosterior``/M: the terms left out sum, per element, to below W·2⁻⁸⁰/M, 2⁻⁸⁰ of
    /// the gauge term W/M that every element carries, so 2⁻²⁸ of the rounding unit each element is already
    /// computed in: an element's bits can change only when its exact value lies that close to a rounding tie
    /// (about one element in 2²⁸). At a small λ the posteriors' tails fall below the cut over much of the stored
    /// bands (the held-out 10M file's curvatures take ~40 % less time: BENCHMARKS.md). Cost: Σ over rows of
    /// (that width)² / 2 multiply–adds.
    ///
    /// - Returns: the factor, or `nil` when A could not be factorised or β has no data.
    func negativeHessian(at beta: [Double], lambda: Double, weights w: [Double]) -> Cholesky? {
        let p = PenalisedEM.softmax(beta)
        let rows = matrix.rowCount
        let blocks = matrix.blocks
        let m = self.m
        // At most 16 chunks (fixed: the sums do not depend on the cores), so the per-chunk m × m sums stay a
        // few megabytes however many rows there are (an exact likelihood has one row per track).
        let chunks = ParallelChunks(count: rows, minimumChunk: max(4096, (rows + 15) / 16))
        // Per chunk: Σ w r rᵀ (upper triangle, m × m) then Σ w r (m).
        let stride = m * m + m
        var partial = [Double](repeating: 0, count: chunks.count * stride)
        partial.withUnsafeMutableBufferPointer { pb in
            let out = UnsafeSendable(pb)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                matrix.values.withUnsafeBufferPointer { vals in
                matrix.rowBlocks.withUnsafeBufferPointer { bands in
                matrix.rowOffsets.withUnsafeBufferPointer { offsets in
                w.withUnsafeBufferPointer { wb in
                p.withUnsafeBufferPointer { pb in
                    let range = chunks.range(c)
                    guard !range.isEmpty, let rowBase = vals.baseAddress else { return }
                    let outer = out.base.baseAddress! + c * stride
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: m)
                    defer { scratch.deallocate() }
                    UnsafeRawPointer(rowBase).withMemoryRebound(to: Float.self, capacity: vals.count * 8) { v in
                        nta_outer_rows(v, bands.baseAddress, offsets.baseAddress, wb.baseAddress, pb.baseAddress, Int64(blocks), Int64(m),
                                       Int64(range.lowerBound), Int64(range.upperBound),
                                       PenalisedEM.negligiblePosterior / Double(m), outer, outer + m * m, scratch)
                    }
                }
                }
                }
                }
                }
            }
        }
        var a = [Double](repeating: 0, count: m * m)
        var c = [Double](repeating: 0, count: m)
        for chunk in 0..<chunks.count {
            let base = chunk * stride
            for i in 0..<m {
                for k in i..<m { a[i * m + k] += partial[base + i * m + k] }
                c[i] += partial[base + m * m + i]
            }
        }
        let total = c.reduce(0, +)
        guard total > 0 else { return nil }
        let gauge = total / Double(m)
        var largest = 0.0
        for i in 0..<m {
            for k in i..<m {
                var v = a[i * m + k] + total * (-p[i] * p[k]) + lambda * penalty[i * m + k] + gauge
                if k == i { v += total * p[i] - c[i] }
                a[i * m + k] = v
                a[k * m + i] = v
            }
            largest = max(largest, abs(a[i * m + i]))
        }
        guard largest.isFinite else { return nil }
        var damping = 0.0
        for attempt in 0..<8 {
            var damped = a
            if attempt > 0 {
                damping = damping == 0 ? 1e-12 * max(largest, 1) : damping * 100
                for i in 0..<m { damped[i * m + i] += damping }
            }
            if let factor = Cholesky(damped, m) { return factor }
        }
        return nil
    }

    /// The gradient of the penalised objective at β from an E-step there: c − (Σc)·p − λPβ.
    func gradient(at beta: [Double], counts c: [Double], lambda: Double) -> [Double] {
        let p = PenalisedEM.softmax(beta)
        let total = c.reduce(0, +)
        return (0..<m).map { i in c[i] - total * p[i] - lambda * penaltyRow(beta, i) }
    }
}

extension PenalisedEM {
    /// Fits a batch of weightings that are close to one another's data (bootstrap replicates of one
    /// sample) from a shared start β₀ at which `curvature` was taken (``QuasiNewtonIteration``), all
    /// driven by ``run(_:lambda:weights:)``.
    func quasiNewtonFit(start: [Double], curvature: Cholesky, lambda: Double, weights w: [Double],
                        members: [Bool], tolerance: Double, maxEvaluations: Int,
                        rule: QuasiNewtonIteration.Rule = .refinement) -> [Fit?] {
        var iterations = members.map { member in
            member ? QuasiNewtonIteration(start: start, curvature: curvature, tolerance: tolerance,
                                          maxEvaluations: maxEvaluations, rule: rule) : nil
        }
        run(&iterations, lambda: lambda, weights: w)
        return iterations.map { $0?.fit(self, lambda: lambda) }
    }
}

extension PenalisedEM {
    /// Refines a fit to `tolerance` at `lambda`: SQUAREM (``SquaremIteration``) from its β for at most as
    /// many E-steps as one curvature costs (``LikelihoodMatrix/curvatureCostInEvaluations``), then, if it
    /// has not converged, quasi-Newton steps (``QuasiNewtonIteration``) seeded with the curvature at its
    /// point, within the rest of `maxEvaluations` (SQUAREM goes on when that curvature cannot be
    /// factorised). EM's steps crawl where the objective is flat along many directions at once (a small λ:
    /// 160 E-steps on the held-out benchmark file, where this takes 30 and then 15, BENCHMARKS.md); a fit
    /// that converges within the budget takes SQUAREM's path alone, bit for bit, and one that does not has
    /// spent no more on EM steps than the curvature costs before buying it (rent or buy).
    func refine(_ fit: Fit, lambda: Double, weights w: [Double], tolerance: Double, maxEvaluations: Int) -> Fit {
        let budget = min(maxEvaluations, matrix.curvatureCostInEvaluations)
        var squarem: [SquaremIteration?] = [SquaremIteration(start: fit.beta, tolerance: tolerance, maxEvaluations: budget)]
        run(&squarem, lambda: lambda, weights: w)
        let first = squarem[0]!.fit(self, lambda: lambda)
        let remaining = maxEvaluations - first.evaluations
        guard !squarem[0]!.converged, remaining > 0 else { return first }
        var rest: Fit
        if let curvature = negativeHessian(at: first.beta, lambda: lambda, weights: w),
           let steps = quasiNewtonFit(start: first.beta, curvature: curvature, lambda: lambda, weights: w,
                                      members: [true], tolerance: tolerance, maxEvaluations: remaining)[0] {
            rest = steps
        } else {
            rest = self.fit(start: first.beta, lambda: lambda, weights: w, tolerance: tolerance, maxEvaluations: remaining)
        }
        // Both continuations only accept points that do not lower F; a non-finite end keeps SQUAREM's.
        guard rest.objective.isFinite, !(rest.objective < first.objective) else { return first }
        rest.evaluations += first.evaluations
        return rest
    }

    /// Finishes a fit by Newton's method on the penalised objective: at each step the curvature A at the
    /// current β (``negativeHessian(at:lambda:weights:)``) and the gradient from one E-step give the
    /// step A⁻¹∇F, halved up to `maxHalvings` times while it lowers F; the fit stops after a step that gained
    /// less than `tolerance`, one that could not be taken, or `maxSteps` steps.
    ///
    /// EM's steps shrink where the penalty dominates the data (a large λ, or the grid's tails), so
    /// SQUAREM's stopping rule (a cycle that gains less than the tolerance) can stop it well short of
    /// the maximiser; Newton's steps do not shrink there. Each step costs one curvature (rows × band²/2
    /// multiply–adds) and one or more E-steps, counted in the fit's evaluations.
    func newtonPolish(_ fit: Fit, lambda: Double, weights w: [Double], tolerance: Double, maxSteps: Int = 20,
                      maxHalvings: Int = 3) -> Fit {
        var beta = fit.beta
        var current = expectation(PenalisedEM.softmax(beta), weights: w)
        var objective = self.objective(current, at: beta, lambda: lambda)
        var evaluations = fit.evaluations + 1
        for _ in 0..<maxSteps {
            guard objective.isFinite, let curvature = negativeHessian(at: beta, lambda: lambda, weights: w) else { break }
            let step = curvature.solve(gradient(at: beta, counts: current.counts, lambda: lambda))
            guard step.allSatisfy(\.isFinite) else { break }
            var length = 1.0
            var accepted: (beta: [Double], e: Expectation, objective: Double)?
            for _ in 0...maxHalvings {
                let trial = (0..<m).map { beta[$0] + length * step[$0] }
                let e = expectation(PenalisedEM.softmax(trial), weights: w)
                evaluations += 1
                let f = self.objective(e, at: trial, lambda: lambda)
                if f.isFinite && f >= objective {
                    accepted = (trial, e, f)
                    break
                }
                length *= 0.5
            }
            guard let accepted else { break }
            let gain = accepted.objective - objective
            (beta, current, objective) = (accepted.beta, accepted.e, accepted.objective)
            if gain < tolerance { break }
        }
        return Fit(beta: beta, weights: PenalisedEM.softmax(beta), logLikelihood: current.logLikelihood,
                   objective: objective, evaluations: evaluations)
    }
}

/// A fit of one weighting close to the data at which a curvature was taken (a bootstrap replicate of
/// one sample), from that shared start β₀ with the factorised negative Hessian A there
/// (``PenalisedEM/negativeHessian(at:lambda:weights:)``), by a quasi-Newton method: each step is
/// d = H∇F with H = A⁻¹ corrected by the fit's own last steps and gradient changes (L-BFGS's two-loop
/// recursion, Nocedal & Wright 2006 §7.2, seeded with A⁻¹ instead of a multiple of I), one E-step per
/// trial point. A failed trial is followed by the maximum of the parabola through F, its slope and the
/// trial (kept within 0.1–0.5 of the failed length), up to `maxHalvings` times.
///
/// A replicate's curvature differs from A by its resampling noise, so the iteration converges in a few
/// E-steps. Each pair (s, y) is damped after Powell with A as the reference curvature (N&W Procedure
/// 18.2): when sᵀy < φ·sᵀAs it is kept as (s, r), r = θy + (1 − θ)As with θ chosen so that sᵀr = φ·sᵀAs
/// (``Rule/curvatureFloor`` φ), since F in β is far from quadratic where p is small and a model flattened
/// without limit there overshoots. At φ = 1 the corrections may raise the curvature along a step but never
/// lower it below A's (r = As); at Powell's φ = 0.2 the model can follow the directions along which F is
/// flatter than A says (the tails at a small λ). The seed is scaled by the last kept pair, H₀ = γA⁻¹ with
/// γ = min(1, sᵀr / rᵀA⁻¹r) (the self-scaling of N&W eq. 7.20 in A's metric; γ = 1 for r = As): a pair whose
/// gradient change A⁻¹ maps far beyond its step (rᵀA⁻¹r ≫ sᵀr, as where F is flat along the tails) would
/// otherwise leave every direction it does not span at A's length, which overshoots.
///
/// The fit stops when the model's remaining gain ∇FᵀH∇F/2 falls below a tenth of `tolerance`, and (when
/// ``Rule/stopsOnStepGain``) after a step that gained less than `tolerance` (SQUAREM's rule, per step).
/// The second rule stops early where convergence is slow and linear: a step's gain under the tolerance is
/// not a remaining gain under it (BENCHMARKS.md: the held-out file's bootstrap intervals of D10 and the
/// mode 11 % and 16 % too narrow with it). It stops at `maxEvaluations` E-steps, at its best point. A fit
/// that cannot step, or is still moving after ``Rule/maxSteps`` steps, is finished by ``SquaremIteration``
/// from its best point within the E-steps left.
///
/// Measured on 10⁵-track files (BENCHMARKS.md): 6–8 E-steps for the median replicate where the Newton
/// step followed by SQUAREM took 13, to the same maximiser.
struct QuasiNewtonIteration: PenalisedEMFitIteration {
    /// How the iteration damps its curvature pairs and when it stops.
    struct Rule: Sendable {
        /// Powell's φ, 0 < φ ≤ 1: a pair keeps at least this fraction of A's curvature along its step (sᵀr ≥ φ·sᵀAs).
        var curvatureFloor: Double
        /// Whether a step that gained less than the tolerance ends the fit.
        var stopsOnStepGain: Bool
        /// Steps before SQUAREM takes over.
        var maxSteps: Int
        /// Pairs (s, r) kept (L-BFGS's memory).
        var memory: Int

        /// The full fit's refinement (``PenalisedEM/refine(_:lambda:weights:tolerance:maxEvaluations:)``):
        /// curvature never below A's, SQUAREM's stopping rule per step, SQUAREM after 20 steps.
        static let refinement = Rule(curvatureFloor: 1, stopsOnStepGain: true, maxSteps: 20, memory: 8)
        /// A bootstrap replicate (``DeconvolutionBootstrap``): Powell's φ = 0.2, stopped by the model's
        /// remaining gain only, quasi-Newton steps to the end (the E-step cap bounds them), 32 pairs (BFGS's
        /// full memory over most replicates' 10–40 steps). Against replicates converged to 10⁻⁶, every
        /// summary's bootstrap SE within 2 % on the three 10M benchmark files, where ``refinement``'s rule
        /// left D10 and the mode 11 % and 16 % short on one (BENCHMARKS.md).
        static let bootstrapReplicate = Rule(curvatureFloor: 0.2, stopsOnStepGain: false, maxSteps: .max, memory: 32)
    }

    private enum Stage: Sendable { case start, trial, squarem, finished }
    private var stage = Stage.start
    private var beta: [Double]
    private var objective = -Double.infinity
    private var gradient: [Double] = []
    private var direction: [Double] = []
    private var trialPoint: [Double] = []
    private var length = 1.0
    private var slope = 0.0
    private var halvings = 0
    private var steps = 0
    private var pairs: [(s: [Double], y: [Double], rho: Double)] = []
    /// The seed's scale γ ≤ 1 (H₀ = γA⁻¹), from the last kept pair.
    private var seedScale = 1.0
    private var squarem: SquaremIteration?
    private let curvature: Cholesky
    private let tolerance: Double
    private let maxEvaluations: Int
    private let maxHalvings: Int
    private let rule: Rule
    /// E-steps taken before SQUAREM (if it was needed).
    private(set) var evaluations = 0

    init(start: [Double], curvature: Cholesky, tolerance: Double, maxEvaluations: Int, maxHalvings: Int = 6,
         rule: Rule = .refinement) {
        beta = start
        self.curvature = curvature
        self.tolerance = tolerance
        self.maxEvaluations = maxEvaluations
        self.maxHalvings = maxHalvings
        self.rule = rule
    }

    var request: [Double]? {
        switch stage {
        case .start: beta
        case .trial: trialPoint
        case .squarem: squarem?.request
        case .finished: nil
        }
    }

    /// A trial whose model gain, ℓ·∇Fᵀd·(1 − ℓ/2) at length ℓ, is below the tolerance: accepted, it most
    /// likely gains less than that and ends the fit (when a step's gain stops it), or leaves the next model
    /// gain under a tenth of it.
    var likelyLast: Bool { stage == .trial && length * slope * (1 - length / 2) < tolerance }

    mutating func receive(_ e: PenalisedEM.Expectation, solver: PenalisedEM, lambda: Double) {
        switch stage {
        case .start:
            evaluations += 1
            objective = solver.objective(e, at: beta, lambda: lambda)
            gradient = solver.gradient(at: beta, counts: e.counts, lambda: lambda)
            guard objective.isFinite else { return fallBack() }
            plan()
        case .trial:
            evaluations += 1
            let value = solver.objective(e, at: trialPoint, lambda: lambda)
            guard value.isFinite, value >= objective else {
                guard evaluations < maxEvaluations else { stage = .finished; return }
                guard halvings < maxHalvings else { return fallBack() }
                halvings += 1
                // The parabola through F, its slope at 0 and the failed trial: its maximum, kept within
                // 0.1–0.5 of the failed length (a non-finite trial halves).
                var next = 0.5 * length
                if value.isFinite {
                    let c = (objective + slope * length - value) / (length * length)
                    if c > 0 { next = min(max(slope / (2 * c), 0.1 * length), 0.5 * length) }
                }
                length = next
                trialPoint = (0..<beta.count).map { beta[$0] + length * direction[$0] }
                return
            }
            let next = solver.gradient(at: trialPoint, counts: e.counts, lambda: lambda)
            remember(step: (0..<beta.count).map { trialPoint[$0] - beta[$0] },
                     gradientChange: (0..<beta.count).map { gradient[$0] - next[$0] })
            let gain = value - objective
            (beta, objective, gradient) = (trialPoint, value, next)
            steps += 1
            if rule.stopsOnStepGain && gain < tolerance {
                stage = .finished
            } else if steps >= rule.maxSteps {
                fallBack()
            } else {
                plan()
            }
        case .squarem:
            squarem?.receive(e, solver: solver, lambda: lambda)
        case .finished:
            break
        }
    }

    /// The next direction H∇F from the two-loop recursion, or the end of the fit when its model gains too little.
    private mutating func plan() {
        let m = beta.count
        var q = gradient
        var alpha = [Double](repeating: 0, count: pairs.count)
        for i in pairs.indices.reversed() {
            var d = 0.0
            for j in 0..<m { d += pairs[i].s[j] * q[j] }
            alpha[i] = pairs[i].rho * d
            for j in 0..<m { q[j] -= alpha[i] * pairs[i].y[j] }
        }
        var r = curvature.solve(q)
        if seedScale < 1 { for j in 0..<m { r[j] *= seedScale } }
        for i in pairs.indices {
            var d = 0.0
            for j in 0..<m { d += pairs[i].y[j] * r[j] }
            let b = pairs[i].rho * d
            for j in 0..<m { r[j] += pairs[i].s[j] * (alpha[i] - b) }
        }
        guard r.allSatisfy(\.isFinite) else { return fallBack() }
        var slope = 0.0
        for j in 0..<m { slope += gradient[j] * r[j] }
        guard slope / 2 >= tolerance / 10, evaluations < maxEvaluations else { stage = .finished; return }
        self.slope = slope
        direction = r
        length = 1
        halvings = 0
        trialPoint = (0..<m).map { beta[$0] + direction[$0] }
        stage = .trial
    }

    /// Keeps the pair (s, r): r = y when sᵀy ≥ φ·sᵀAs, else Powell's r = θy + (1 − θ)As with
    /// θ = (1 − φ)·sᵀAs / (sᵀAs − sᵀy), so that sᵀr = φ·sᵀAs (φ = 1: r = As); and the seed's scale from it,
    /// γ = min(1, sᵀr / rᵀA⁻¹r) (1 for r = As).
    private mutating func remember(step s: [Double], gradientChange y: [Double]) {
        let m = s.count
        let As = curvature.multiply(s)
        var sAs = 0.0, sy = 0.0
        for j in 0..<m { sAs += s[j] * As[j]; sy += s[j] * y[j] }
        guard sAs > 0, sAs.isFinite, sy.isFinite else { return }
        let floor = rule.curvatureFloor
        if sy < floor * sAs && floor >= 1 {
            pairs.append((s, As, 1 / sAs))
            seedScale = 1
        } else {
            var r = y, sr = sy
            if sy < floor * sAs {
                let theta = (1 - floor) * sAs / (sAs - sy)
                r = (0..<m).map { theta * y[$0] + (1 - theta) * As[$0] }
                sr = floor * sAs
            }
            pairs.append((s, r, 1 / sr))
            let Hr = curvature.solve(r)
            var rHr = 0.0
            for j in 0..<m { rHr += r[j] * Hr[j] }
            // rᵀA⁻¹r ≥ (sᵀr)²/sᵀAs ≥ sᵀr when sᵀr ≥ sᵀAs (Cauchy–Schwarz in A's metric), so γ ≤ 1 there unless
            // rounding says otherwise; a damped pair's γ may be capped at 1.
            seedScale = rHr.isFinite && rHr > 0 ? min(1, sr / rHr) : 1
        }
        if pairs.count > rule.memory { pairs.removeFirst() }
    }

    private mutating func fallBack() {
        stage = .squarem
        squarem = SquaremIteration(start: beta, tolerance: tolerance, maxEvaluations: max(1, maxEvaluations - evaluations))
    }

    /// The fit (valid once ``request`` is `nil`), its evaluations counting every E-step.
    func fit(_ solver: PenalisedEM, lambda: Double) -> PenalisedEM.Fit {
        if let squarem {
            var fit = squarem.fit(solver, lambda: lambda)
            fit.evaluations += evaluations
            return fit
        }
        return PenalisedEM.Fit(beta: beta, weights: PenalisedEM.softmax(beta),
                               logLikelihood: objective + 0.5 * lambda * solver.penaltyValue(beta), objective: objective,
                               evaluations: evaluations)
    }
}
