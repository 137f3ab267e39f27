import Dispatch
import Foundation
import NTACore

/// One fit of the penalised EM written as a sequence of E-step requests, so that fits of different
/// weightings can share each pass over the likelihood rows whatever stage each one is at
/// (``PenalisedEM/run(_:lambda:weights:)``). A fit's iterates depend on its own E-steps only.
protocol PenalisedEMIteration: Sendable {
    /// The β at which the next E-step is needed; `nil` once the fit has finished.
    var request: [Double]? { get }
    /// Takes the E-step at ``request`` (computed with the fit's own row weights) and moves on.
    mutating func receive(_ e: PenalisedEM.Expectation, solver: PenalisedEM, lambda: Double)
}

/// A ``PenalisedEMIteration`` that ends in a fit.
///
/// Every fit ends at the point of its last E-step (its ``fit(_:lambda:)``'s β is the last ``request``
/// answered), so a caller that needs one more E-step at the fit (with the posterior frames) can ask for
/// them with the last one instead, when it knows which that is (``likelyLast``).
protocol PenalisedEMFitIteration: PenalisedEMIteration {
    /// The fit (valid once ``request`` is `nil`).
    func fit(_ solver: PenalisedEM, lambda: Double) -> PenalisedEM.Fit
    /// Whether the E-step at ``request`` is expected to be the fit's last (a guess: it only decides where
    /// extra work is spent, never a result).
    var likelyLast: Bool { get }
}

extension PenalisedEMFitIteration {
    var likelyLast: Bool { false }
}

extension PenalisedEM {
    /// Runs `iterations` (member k's row weights at ``rowEntry(_:member:batch:)`` in `w`, as in
    /// ``expectation(_:weights:frames:members:)``) until each has finished: every pass is one E-step for
    /// all members with a request, then each member takes its own result (in parallel unless ``serial``).
    func run<Iteration: PenalisedEMIteration>(_ iterations: inout [Iteration?], lambda: Double, weights w: [Double]) {
        while pass(&iterations, lambda: lambda, weights: w) {}
    }

    /// One pass: one E-step for every member with a request (with the frames in `frames`, same layout as `w`,
    /// for the members marked in `framesMembers`), then each member takes its own result (the members'
    /// M-steps are independent: in parallel unless ``serial``). Returns `false`, doing nothing, when no
    /// member has a request.
    @discardableResult
    func pass<Iteration: PenalisedEMIteration>(_ iterations: inout [Iteration?], lambda: Double, weights w: [Double],
                                               frames: [Double]? = nil, framesMembers: [Bool]? = nil) -> Bool {
        let requests = iterations.map { $0?.request }
        let mask = requests.map { $0 != nil }
        guard mask.contains(true) else { return false }
        let withFrames = frames != nil && (framesMembers?.contains(true) ?? true)
        let e = expectation(requests.map { $0.map(PenalisedEM.softmax) ?? [] }, weights: w,
                            frames: withFrames ? frames : nil, members: mask, framesMembers: framesMembers)
        let chunks = ParallelChunks(count: iterations.count, minimumChunk: 1, serial: serial)
        iterations.withUnsafeMutableBufferPointer { ib in
            let out = UnsafeSendable(ib)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                for k in chunks.range(c) {
                    guard let ek = e[k], out.base[k] != nil else { continue }
                    out.base[k]!.receive(ek, solver: self, lambda: lambda)
                }
            }
        }
        return true
    }
}

/// SQUAREM-accelerated EM (Varadhan & Roland 2008, Scand J Stat 35:335, scheme S3, in β) for one weighting.
///
/// One cycle from β₀ (with β₁ = T(β₀), T the EM map, F the penalised objective):
/// β₂ = T(β₁); r = β₁ − β₀, v = β₂ − β₁ − r; α = min(−‖r‖/‖v‖, −1);
/// β′ = β₀ − 2αr + α²v, kept if F(β′) ≥ F(β₁) (else β₂); then β₀ ← T(β′) (or T(β₂)), whose
/// objective ends the cycle. The `vv == 0` rule: when ‖v‖² = 0 or ‖r‖² < 10⁻²⁴ (the EM steps
/// are numerically zero or constant, so α is undefined) there is no extrapolation: β₀ ← T(β₂)
/// at once, without spending an E-step on β′ = β₂. The fit stops after the cycle in which its
/// objective gained less than `tolerance`, or when another cycle could exceed `maxEvaluations` E-steps.
/// Each E-step is followed by the M-step at its β (``PenalisedEM/maximisation(counts:lambda:start:)``).
struct SquaremIteration: PenalisedEMFitIteration {
    private enum Stage: Sendable { case first, second, extrapolated, next, finished }
    private var stage = Stage.first
    private var b0: [Double], b1: [Double] = [], b2: [Double] = [], bx: [Double] = []
    private var f0 = -Double.infinity, f1 = -Double.infinity
    private let tolerance: Double
    private let maxEvaluations: Int
    /// E-steps taken.
    private(set) var evaluations = 0
    /// Whether the fit stopped on its tolerance (not on its budget of E-steps).
    private(set) var converged = false

    init(start: [Double], tolerance: Double, maxEvaluations: Int) {
        b0 = start
        self.tolerance = tolerance
        self.maxEvaluations = maxEvaluations
    }

    var request: [Double]? {
        switch stage {
        case .first, .next: b0
        case .second: b1
        case .extrapolated: bx
        case .finished: nil
        }
    }

    mutating func receive(_ e: PenalisedEM.Expectation, solver: PenalisedEM, lambda: Double) {
        guard let beta = request else { return }
        evaluations += 1
        let f = solver.objective(e, at: beta, lambda: lambda)
        let next = solver.maximisation(counts: e.counts, lambda: lambda, start: beta)
        switch stage {
        case .first:
            (b1, f0) = (next, f)
            startCycle()
        case .second:
            (b2, f1) = (next, f)
            let m = b0.count
            var rr = 0.0, vv = 0.0
            var r = [Double](repeating: 0, count: m), v = r
            for i in 0..<m {
                r[i] = b1[i] - b0[i]
                v[i] = b2[i] - b1[i] - r[i]
                rr += r[i] * r[i]
                vv += v[i] * v[i]
            }
            if vv == 0 || rr < 1e-24 {
                b0 = b2
                stage = .next
            } else {
                let alpha = min(-(rr / vv).squareRoot(), -1)
                bx = (0..<m).map { b0[$0] - 2 * alpha * r[$0] + alpha * alpha * v[$0] }
                stage = .extrapolated
            }
        case .extrapolated:
            b0 = f.isFinite && f >= f1 ? next : b2
            stage = .next
        case .next:
            let previous = f0
            (b1, f0) = (next, f)
            if abs(f0 - previous) < tolerance {
                stage = .finished
                converged = true
            } else {
                startCycle()
            }
        case .finished:
            break
        }
    }

    /// A new cycle, if three more E-steps fit within the budget.
    private mutating func startCycle() {
        stage = evaluations + 3 > maxEvaluations ? .finished : .second
    }

    /// The fit at β₀ (valid once finished; before, the last cycle's start).
    func fit(_ solver: PenalisedEM, lambda: Double) -> PenalisedEM.Fit {
        PenalisedEM.Fit(beta: b0, weights: PenalisedEM.softmax(b0),
                        logLikelihood: f0 + 0.5 * lambda * solver.penaltyValue(b0), objective: f0,
                        evaluations: evaluations)
    }
}
