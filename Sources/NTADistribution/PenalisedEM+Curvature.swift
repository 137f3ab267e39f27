import CNTAKernels
import Dispatch
import Foundation
import NTACore

extension PenalisedEM {
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
    /// does not depend on the number of cores. Cost: Σ over rows of (band width)² / 2 multiply–adds.
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
                w.withUnsafeBufferPointer { wb in
                p.withUnsafeBufferPointer { pb in
                    let range = chunks.range(c)
                    guard !range.isEmpty, let rowBase = vals.baseAddress else { return }
                    let outer = out.base.baseAddress! + c * stride
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: m)
                    defer { scratch.deallocate() }
                    UnsafeRawPointer(rowBase).withMemoryRebound(to: Float.self, capacity: vals.count * 8) { v in
                        nta_outer_rows(v, bands.baseAddress, wb.baseAddress, pb.baseAddress, Int64(blocks), Int64(m),
                                       Int64(range.lowerBound), Int64(range.upperBound), outer, outer + m * m, scratch)
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
    /// sample) from a shared start β₀ at which `curvature` (the factorised negative Hessian A, see
    /// ``negativeHessian(at:lambda:weights:)``) was taken: each member first takes the Newton step
    /// β₀ + s·A⁻¹∇F(β₀) on its own gradient (one E-step there, one at the step; s = 1, halved up to
    /// `maxHalvings` times while the step lowers F), then is finished by the SQUAREM fit
    /// (``fit(starts:lambda:weights:members:tolerance:maxEvaluations:)``) from the better point.
    ///
    /// The Newton step carries a replicate most of the way (on 10⁵ tracks it gains all but a few
    /// tenths of the log-likelihood SQUAREM would gain from β₀), so SQUAREM, whose steps shrink
    /// along the objective's flat directions, starts near the maximiser: the same stopping rule then
    /// leaves each replicate closer to it, in fewer E-steps. The fit's result is the same maximiser;
    /// the step only shortens the path. Evaluations count every E-step.
    func newtonStartedFit(start: [Double], curvature: Cholesky, lambda: Double, weights w: [Double],
                          members: [Bool], tolerance: Double, maxEvaluations: Int, maxHalvings: Int = 3) -> [Fit?] {
        let batch = members.count
        var evaluations = [Int](repeating: 0, count: batch)
        /// F and ∇F at `points` for the members in `mask` (one E-step).
        func evaluate(_ points: [[Double]], _ mask: [Bool]) -> [(objective: Double, gradient: [Double])?] {
            let e = expectation(points.map(PenalisedEM.softmax), weights: w, frames: nil, members: mask)
            return (0..<batch).map { k -> (objective: Double, gradient: [Double])? in
                guard mask[k], let ek = e[k] else { return nil }
                evaluations[k] += 1
                return (objective(ek, at: points[k], lambda: lambda),
                        gradient(at: points[k], counts: ek.counts, lambda: lambda))
            }
        }
        let atStart = evaluate([[Double]](repeating: start, count: batch), members)
        var steps = [[Double]](repeating: [], count: batch)
        var pending = members
        for k in 0..<batch where pending[k] {
            guard let value = atStart[k], value.objective.isFinite else { pending[k] = false; continue }
            steps[k] = curvature.solve(value.gradient)
            if !steps[k].allSatisfy(\.isFinite) { pending[k] = false }
        }
        var starts = [[Double]](repeating: start, count: batch)
        var length = 1.0
        for _ in 0...maxHalvings where pending.contains(true) {
            let trial = (0..<batch).map { k in pending[k] ? (0..<m).map { start[$0] + length * steps[k][$0] } : start }
            let values = evaluate(trial, pending)
            for k in 0..<batch where pending[k] {
                guard let value = values[k], value.objective.isFinite,
                      value.objective >= atStart[k]!.objective else { continue }
                starts[k] = trial[k]
                pending[k] = false
            }
            length *= 0.5
        }
        var fits = fit(starts: starts, lambda: lambda, weights: w, members: members, tolerance: tolerance,
                       maxEvaluations: max(1, maxEvaluations - (evaluations.max() ?? 0)))
        for k in 0..<batch where fits[k] != nil { fits[k]!.evaluations += evaluations[k] }
        return fits
    }
}

extension PenalisedEM {
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
