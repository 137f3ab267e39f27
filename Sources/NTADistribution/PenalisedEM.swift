import CNTAKernels
import Dispatch
import Foundation
import NTACore

/// Penalised maximum-likelihood estimate of mixing weights over a grid, by a
/// generalised EM accelerated with SQUAREM.
///
/// Parameterisation: pₘ = exp(βₘ)/Σexp(β). Objective (per track weight wⱼ
/// of pooled row j, L the likelihood matrix):
///
///   F(β) = Σⱼ wⱼ ln Σₘ Lⱼₘ pₘ − (λ/2) ‖Δ^q β‖²
///
/// where Δ^q is the q-th order difference along the grid (Eilers & Borgdorff
/// 2007's penalised composite-link model; Eilers & Marx 1996). With q = 3 the
/// penalty vanishes on every quadratic β, i.e. on every log-normal shape of any
/// width, so a monodisperse or log-normal sample is not broadened; it only
/// resists wiggles the data do not support.
///
/// The EM map: E-step posterior counts cₘ = Σⱼ wⱼ Lⱼₘpₘ/Σₗ Lⱼₗpₗ; M-step
/// maximises cᵀβ − W ln Σ e^β − (λ/2)βᵀPβ (concave; Newton with a dense
/// Cholesky solve), whose fixed point is the stationary point of F. SQUAREM
/// (Varadhan & Roland 2008, Scand J Stat 35:335, scheme S3) extrapolates in β.
struct PenalisedEM: Sendable {
    let matrix: LikelihoodMatrix
    let order: Int
    /// P = DᵀD, dense, M × M.
    let penalty: [Double]
    let m: Int
    /// Run E-steps on the calling thread (bootstrap replicates run in parallel instead).
    var serial = false

    init(matrix: LikelihoodMatrix, order: Int) {
        self.matrix = matrix
        self.order = order
        m = matrix.grid.count
        penalty = PenalisedEM.differencePenalty(m, order: order)
    }

    static func differencePenalty(_ m: Int, order: Int) -> [Double] {
        // Rows of the order-q difference operator: binomial coefficients with alternating sign.
        var coefficients = [1.0]
        for _ in 0..<order {
            var next = [Double](repeating: 0, count: coefficients.count + 1)
            for i in coefficients.indices { next[i] -= coefficients[i]; next[i + 1] += coefficients[i] }
            coefficients = next
        }
        var p = [Double](repeating: 0, count: m * m)
        guard m > order else { return p }
        for row in 0..<(m - order) {
            for a in 0...order {
                for b in 0...order {
                    p[(row + a) * m + row + b] += coefficients[a] * coefficients[b]
                }
            }
        }
        return p
    }

    // MARK: E-step

    struct Expectation {
        /// Posterior counts Σⱼ wⱼ rⱼₘ.
        var counts: [Double]
        /// Posterior frames Σⱼ fⱼ rⱼₘ (when frames were given).
        var frames: [Double]?
        /// Σⱼ wⱼ ln Σₘ Lⱼₘ pₘ (including each row's log scale).
        var logLikelihood: Double
    }

    /// The E-step at weights `p` with per-row weights `w` (and optional per-row frames), over the whole grid.
    func expectation(_ p: [Double], weights w: [Double], frames: [Double]? = nil) -> Expectation {
        expectation([p], weights: w, frames: frames, members: [true])[0]
            ?? Expectation(counts: [Double](repeating: 0, count: m), frames: frames.map { _ in [Double](repeating: 0, count: m) },
                           logLikelihood: 0)
    }

    /// The one E-step: a batch of B weightings at once (B = 1 for a single fit), each likelihood
    /// row read from memory once and used by every member (the E-step is memory-bound).
    ///
    /// - Parameters:
    ///   - ps: the grid weights p of each member (B arrays of `m`).
    ///   - w: per-row weights: `w[PenalisedEM.rowEntry(j, member: k, batch: B)]` is member k's weight
    ///     of row j (a track count, or a bootstrap multiplicity); with B = 1, `w[j]`.
    ///   - frames: per-row frames in the same layout, or `nil`.
    ///   - members: which members to compute (the others come back `nil`).
    ///   - framesMembers: which members' frames to compute (`nil`: all of them, when frames are given);
    ///     the others come back without frames.
    ///
    /// Rows are split into fixed chunks (``ParallelChunks``; one chunk when ``serial``), each
    /// member's Float accumulators are flushed to Double every 256 rows it uses, and the chunks'
    /// sums are added in chunk order: a member's result does not depend on the other members, on
    /// the batch size or on the number of cores.
    func expectation(_ ps: [[Double]], weights w: [Double], frames: [Double]?, members: [Bool],
                     framesMembers: [Bool]? = nil) -> [Expectation?] {
        let batch = ps.count
        let rows = matrix.rowCount
        let chunks = ParallelChunks(count: rows, minimumChunk: 2048, serial: serial)
        let blocks = matrix.blocks
        let width = blocks * 8
        let withFrames = frames != nil
        let rowFrames = frames ?? []
        let used = (0..<batch).filter { members[$0] }
        // The members' grid weights in Float, each member's from a 64-byte boundary (``AlignedBlocks``).
        let pf = AlignedBlocks(count: batch * blocks) { pf in
            for k in used { for i in 0..<m { pf[k * blocks + i / 8][i % 8] = Float(ps[k][i]) } }
        }
        // Per chunk and member: Σ wⱼLⱼ/sⱼ (width), Σ fⱼLⱼ/sⱼ (width), Σ wⱼ ln sⱼ (1), from the C kernel
        // (CNTAKernels: on the widest vectors the machine has, with the same bits on every path).
        let stride = 2 * width + 1
        var partial = [Double](repeating: 0, count: chunks.count * batch * stride)
        let memberList = used.map(Int32.init)
        let framesMask = (framesMembers ?? [Bool](repeating: true, count: batch)).map { UInt8($0 ? 1 : 0) }
        partial.withUnsafeMutableBufferPointer { pb in
            let out = UnsafeSendable(pb)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                matrix.values.withUnsafeBufferPointer { vals in
                pf.withUnsafeBufferPointer { pfb in
                w.withUnsafeBufferPointer { wb in
                matrix.rowBlocks.withUnsafeBufferPointer { bands in
                matrix.rowOffsets.withUnsafeBufferPointer { offsets in
                matrix.rowLogScale.withUnsafeBufferPointer { scales in
                rowFrames.withUnsafeBufferPointer { fb in
                memberList.withUnsafeBufferPointer { mb in
                framesMask.withUnsafeBufferPointer { fm in
                    let range = chunks.range(c)
                    // No rows (a model without tracks): nothing to add.
                    guard !range.isEmpty, let rowBase = vals.baseAddress, let probBase = pfb.baseAddress,
                          let memberBase = mb.baseAddress else { return }
                    UnsafeRawPointer(rowBase).withMemoryRebound(to: Float.self, capacity: vals.count * 8) { v in
                        UnsafeRawPointer(probBase).withMemoryRebound(to: Float.self, capacity: pfb.count * 8) { p in
                            nta_estep_rows(v, bands.baseAddress, offsets.baseAddress, scales.baseAddress, wb.baseAddress,
                                           withFrames ? fb.baseAddress : nil, fm.baseAddress, p, Int64(blocks), Int64(batch),
                                           memberBase, Int64(mb.count), Int64(range.lowerBound),
                                           Int64(range.upperBound), out.base.baseAddress! + c * batch * stride,
                                           Int64(stride))
                        }
                    }
                }
                }
                }
                }
                }
                }
                }
                }
                }
            }
        }
        var result = [Expectation?](repeating: nil, count: batch)
        for k in used {
            let p = ps[k]
            var counts = [Double](repeating: 0, count: m)
            let memberFrames = withFrames && (framesMembers?[k] ?? true)
            var framesOut = memberFrames ? [Double](repeating: 0, count: m) : nil
            var ll = 0.0
            for c in 0..<chunks.count {
                let base = (c * batch + k) * stride
                for i in 0..<m {
                    counts[i] += partial[base + i] * p[i]
                    if memberFrames { framesOut![i] += partial[base + width + i] * p[i] }
                }
                ll += partial[base + 2 * width]
            }
            result[k] = Expectation(counts: counts, frames: framesOut, logLikelihood: ll)
        }
        return result
    }

    /// Where member k's entry of row j is in a batch's row weights and frames (B = `batch` members): the E-step
    /// kernel's layout, defined once by CNTAKernels' `nta_row_entry` (blocks of 8 rows, each holding every member's
    /// 8 entries in turn, so that a bootstrap replicate's entries are written a cache line at a time; with one
    /// member, entry j).
    @inline(__always)
    static func rowEntry(_ j: Int, member k: Int, batch: Int) -> Int { Int(nta_row_entry(Int64(j), Int64(k), Int64(batch))) }

    /// Entries of a batch's row weights (``rowEntry(_:member:batch:)``): ⌈rows/8⌉·8·batch, or `rows` for one member.
    static func rowEntryCount(rows: Int, batch: Int) -> Int { batch == 1 ? rows : (rows + 7) / 8 * 8 * batch }

    // MARK: M-step

    static func softmax(_ beta: [Double]) -> [Double] {
        let top = beta.max() ?? 0
        var p = beta.map { exp($0 - top) }
        let s = p.reduce(0, +)
        for i in p.indices { p[i] /= s }
        return p
    }

    /// (Pβ)ᵢ: row i of the banded penalty matrix times β.
    @inline(__always)
    func penaltyRow(_ beta: [Double], _ i: Int) -> Double {
        var row = 0.0
        let lo = max(0, i - order), hi = min(m - 1, i + order)
        for j in lo...hi { row += penalty[i * m + j] * beta[j] }
        return row
    }

    /// βᵀPβ.
    func penaltyValue(_ beta: [Double]) -> Double {
        var s = 0.0
        for i in 0..<m { s += beta[i] * penaltyRow(beta, i) }
        return s
    }

    /// The penalised objective F(β) = Σⱼ wⱼ ln sⱼ − (λ/2)βᵀPβ from an E-step at β.
    func objective(_ e: Expectation, at beta: [Double], lambda: Double) -> Double {
        e.logLikelihood - 0.5 * lambda * penaltyValue(beta)
    }

    /// Maximises cᵀβ − W ln Σe^β − (λ/2)βᵀPβ − (ε/2)(Σβ)² from `start` by damped Newton.
    func maximisation(counts c: [Double], lambda: Double, start: [Double]) -> [Double] {
        let total = c.reduce(0, +)
        let eps = max(total, 1) / Double(m)
        func objective(_ b: [Double]) -> Double {
            let top = b.max() ?? 0
            let lse = top + log(b.reduce(0) { $0 + exp($1 - top) })
            var lin = 0.0, sum = 0.0
            for i in 0..<m { lin += c[i] * b[i]; sum += b[i] }
            return lin - total * lse - 0.5 * lambda * penaltyValue(b) - 0.5 * eps * sum * sum
        }
        var beta = start
        var f = objective(beta)
        for _ in 0..<30 {
            let p = PenalisedEM.softmax(beta)
            let sum = beta.reduce(0, +)
            var g = [Double](repeating: 0, count: m)
            for i in 0..<m { g[i] = c[i] - total * p[i] - lambda * penaltyRow(beta, i) - eps * sum }
            // H = B + ε11ᵀ − W ppᵀ with B = diag(Wp) + λP banded: banded Cholesky plus Woodbury.
            // λP is singular on quadratics and Wp vanishes in empty tails, so B can be numerically
            // singular for large λ: a Levenberg–Marquardt damping κI (κ from 10⁻¹² of the largest
            // diagonal, ×100 until the factorisation succeeds) keeps the Newton direction defined;
            // the line search on the exact objective keeps every step an ascent, so the M-step
            // still converges to the same maximiser.
            var band = BandedCholesky(size: m, bandwidth: order)
            var largest = 0.0
            for i in 0..<m { largest = max(largest, lambda * penalty[i * m + i] + total * p[i]) }
            var damping = 1e-12 * max(largest, 1)
            var factorised = false
            for _ in 0..<8 {
                for i in 0..<m {
                    let lo = max(0, i - order)
                    for j in lo...i { band[i, j] = lambda * penalty[i * m + j] }
                    band[i, i] += total * p[i] + damping
                }
                if band.factorise() { factorised = true; break }
                damping *= 100
            }
            guard factorised else { break }
            let ones = [Double](repeating: 1, count: m)
            let bg = band.solve(g), b1 = band.solve(ones), bp = band.solve(p)
            // (C⁻¹ + UᵀB⁻¹U) with U = [1, p], C = diag(ε, −W).
            var s11 = 1 / eps, s12 = 0.0, s22 = -1 / total
            var u1g = 0.0, u2g = 0.0
            for i in 0..<m {
                s11 += b1[i]; s12 += bp[i]; s22 += p[i] * bp[i]
                u1g += bg[i]; u2g += p[i] * bg[i]
            }
            let det = s11 * s22 - s12 * s12
            guard det != 0, det.isFinite else { break }
            let y1 = (s22 * u1g - s12 * u2g) / det, y2 = (s11 * u2g - s12 * u1g) / det
            let step = (0..<m).map { bg[$0] - b1[$0] * y1 - bp[$0] * y2 }
            var decrement = 0.0
            for i in 0..<m { decrement += g[i] * step[i] }
            if decrement < 1e-10 * max(total, 1) { break }
            var t = 1.0
            var accepted = false
            for _ in 0..<30 {
                let trial = (0..<m).map { beta[$0] + t * step[$0] }
                let ft = objective(trial)
                if ft >= f - 1e-12 * abs(f) {
                    beta = trial
                    f = ft
                    accepted = true
                    break
                }
                t *= 0.5
            }
            if !accepted { break }
        }
        return beta
    }

    // MARK: Fit

    struct Fit {
        var beta: [Double]
        var weights: [Double]
        var logLikelihood: Double
        var objective: Double
        var evaluations: Int
    }

    /// Runs SQUAREM-accelerated EM from `start` until the objective gains less
    /// than `tolerance` per cycle or `maxEvaluations` E-steps are spent (a batch of one).
    func fit(start: [Double], lambda: Double, weights w: [Double], tolerance: Double, maxEvaluations: Int) -> Fit {
        fit(starts: [start], lambda: lambda, weights: w, members: [true], tolerance: tolerance,
            maxEvaluations: maxEvaluations)[0]
            ?? Fit(beta: start, weights: PenalisedEM.softmax(start), logLikelihood: -.infinity, objective: -.infinity,
                   evaluations: 0)
    }

    /// The one SQUAREM-accelerated EM (``SquaremIteration``) for a batch of weightings, driven by
    /// ``run(_:lambda:weights:)`` so that each E-step reads the likelihood rows once for all of them
    /// (a single fit is a batch of one; every member's iterates depend on its own data only).
    ///
    /// - Parameters:
    ///   - w: per-row weights (``rowEntry(_:member:batch:)``), as in ``expectation(_:weights:frames:members:)``.
    ///   - members: the members to fit (the others come back `nil`).
    func fit(starts: [[Double]], lambda: Double, weights w: [Double], members: [Bool],
             tolerance: Double, maxEvaluations: Int) -> [Fit?] {
        var iterations = (0..<starts.count).map { k in
            members[k] ? SquaremIteration(start: starts[k], tolerance: tolerance, maxEvaluations: maxEvaluations) : nil
        }
        run(&iterations, lambda: lambda, weights: w)
        return iterations.map { $0?.fit(self, lambda: lambda) }
    }

    // MARK: Effective dimension

    /// Effective dimension tr((I + λP)⁻¹ I) with I the outer-product-of-scores
    /// information Σⱼ wⱼ(rⱼ − p)(rⱼ − p)ᵀ, evaluated on at most `maxRows` rows
    /// (an even stride through the pooled rows, reweighted to the total).
    func effectiveDimension(_ p: [Double], lambda: Double, weights w: [Double], maxRows: Int = 3000) -> Double {
        let top = p.max() ?? 0
        let active = (0..<m).filter { p[$0] > 1e-9 * top }
        let a = active.count
        guard a > 1 else { return 1 }
        let stride = max(1, matrix.rowCount / maxRows)
        let rows = Array(Swift.stride(from: 0, to: matrix.rowCount, by: stride))
        let chunks = ParallelChunks(count: rows.count, minimumChunk: 256)
        var partial = [Double](repeating: 0, count: chunks.count * (a * a + 1))
        partial.withUnsafeMutableBufferPointer { pb in
            let out = UnsafeSendable(pb)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                do {
                    let base = c * (a * a + 1)
                    let range = chunks.range(c)
                    // The chunk's used rows' centred scores, one row after another, and their weights.
                    let g = UnsafeMutablePointer<Double>.allocate(capacity: range.count * a)
                    let rowWeights = UnsafeMutablePointer<Double>.allocate(capacity: range.count)
                    defer { g.deallocate(); rowWeights.deallocate() }
                    var usedRows = 0
                    var usedWeight = 0.0
                    for k in range {
                        let r = rows[k]
                        let wr = w[r]
                        if wr == 0 { continue }
                        let gr = g + usedRows * a
                        var s = 0.0
                        for i in 0..<a {
                            let node = active[i]
                            gr[i] = Double(matrix.value(row: r, node: node)) * p[node]
                            s += gr[i]
                        }
                        guard s > 0 else { continue }
                        usedWeight += wr
                        for i in 0..<a { gr[i] = gr[i] / s - p[active[i]] }
                        rowWeights[usedRows] = wr
                        usedRows += 1
                    }
                    // Σ wⱼ gⱼgⱼᵀ's upper triangle, each element's terms in row order (CNTAKernels).
                    nta_weighted_outer_upper(g, rowWeights, Int64(usedRows), Int64(a), out.base.baseAddress! + base)
                    out.base[base + a * a] = usedWeight
                }
            }
        }
        var info = [Double](repeating: 0, count: a * a)
        var used = 0.0
        for c in 0..<chunks.count {
            let base = c * (a * a + 1)
            for i in 0..<(a * a) { info[i] += partial[base + i] }
            used += partial[base + a * a]
        }
        let totalWeight = w.reduce(0, +)
        let scale = used > 0 ? totalWeight / used : 0
        var full = [Double](repeating: 0, count: m * m)
        for i in 0..<a {
            for j in i..<a {
                let v = info[i * a + j] * scale
                full[active[i] * m + active[j]] = v
                full[active[j] * m + active[i]] = v
            }
        }
        // (I + λP + ε11ᵀ) X = I; ED = tr X. ε fixes the softmax gauge; a tiny ridge keeps it definite.
        var trace = 0.0
        for i in 0..<m { trace += full[i * m + i] }
        let eps = max(trace, 1) / Double(m)
        var lhs = [Double](repeating: 0, count: m * m)
        for i in 0..<(m * m) { lhs[i] = full[i] + lambda * penalty[i] + eps }
        for i in 0..<m { lhs[i * m + i] += 1e-9 * max(trace, 1) }
        // The ridge is relative to the trace of I; at a large λ the penalty's entries (λ·P, up to ~20λ) make the
        // rounding of the factorisation larger than that ridge, and a pivot of the directions I alone holds up
        // can come out negative. Then the ridge grows, 100× at a time, up to 10⁻¹² of the largest diagonal entry,
        // rather than ED being given as the number of active nodes (which charged the smoothest fits of a narrow
        // sample ~50–80 AIC units for nothing). Rounding still limits ED's accuracy there: on a narrow fit at
        // λ = 10⁷ it read 3.5 between neighbours' 2.0 and 1.4 (it cannot rise with λ; BENCHMARKS.md).
        var factor = Cholesky(lhs, m)
        if factor == nil {
            let largest = (0..<m).map { lhs[$0 * m + $0] }.max() ?? 1
            var ridge = 1e-9 * max(trace, 1)
            while factor == nil, ridge < 1e-12 * largest {
                let added = min(ridge * 99, 1e-12 * largest - ridge)
                for i in 0..<m { lhs[i * m + i] += added }
                ridge += added
                factor = Cholesky(lhs, m)
            }
        }
        guard let factor else { return Double(a) }
        // One solve per active node, on all cores; the diagonal entries summed in node order.
        let information = full
        let diagonal = Parallel.map(count: active.count, minimumChunk: 8) { k -> Double in
            let j = active[k]
            return factor.solveEntry((0..<m).map { information[$0 * m + j] }, at: j)
        }
        var ed = 0.0
        for x in diagonal { ed += x }
        return ed
    }
}

/// Cholesky factorisation of a symmetric positive-definite band matrix
/// (lower band stored row by row).
struct BandedCholesky {
    let n: Int
    let q: Int
    var l: [Double]

    init(size n: Int, bandwidth q: Int) {
        self.n = n
        self.q = q
        l = [Double](repeating: 0, count: n * (q + 1))
    }

    /// Element (i, j) of the lower band, j ∈ i − q … i.
    subscript(i: Int, j: Int) -> Double {
        get { l[i * (q + 1) + (j - i + q)] }
        set { l[i * (q + 1) + (j - i + q)] = newValue }
    }

    mutating func factorise() -> Bool {
        for j in 0..<n {
            var d = self[j, j]
            for k in max(0, j - q)..<j { d -= self[j, k] * self[j, k] }
            guard d > 0, d.isFinite else { return false }
            let root = d.squareRoot()
            self[j, j] = root
            for i in (j + 1)..<min(n, j + q + 1) {
                var s = self[i, j]
                for k in max(0, i - q)..<j { s -= self[i, k] * self[j, k] }
                self[i, j] = s / root
            }
        }
        return true
    }

    func solve(_ b: [Double]) -> [Double] {
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in max(0, i - q)..<i { s -= self[i, k] * y[k] }
            y[i] = s / self[i, i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<min(n, i + q + 1) { s -= self[k, i] * y[k] }
            y[i] = s / self[i, i]
        }
        return y
    }
}

/// Dense Cholesky factorisation of a symmetric positive-definite matrix.
///
/// A = LLᵀ with L lower triangular, held row by row in `l` and, for the back substitution's reads
/// along Lᵀ's rows, transposed in `upper` (`upper[i·n + k] = L[k][i]`, k ≥ i). Every sum runs over
/// the same terms in the same order as the textbook loops, so the bits are theirs.
struct Cholesky {
    var l: [Double]
    /// Lᵀ row by row (the upper triangle; entries below the diagonal are zero).
    private(set) var upper: [Double]
    let n: Int

    init?(_ a: [Double], _ n: Int) {
        precondition(a.count >= n * n)
        self.n = n
        l = a
        let factorised = l.withUnsafeMutableBufferPointer { lb -> Bool in
            let l = lb.baseAddress!
            for j in 0..<n {
                let rj = l + j * n
                var d = rj[j]
                for k in 0..<j { d -= rj[k] * rj[k] }
                guard d > 0, d.isFinite else { return false }
                let root = d.squareRoot()
                rj[j] = root
                for i in (j + 1)..<max(j + 1, n) {
                    let ri = l + i * n
                    var s = ri[j]
                    for k in 0..<j { s -= ri[k] * rj[k] }
                    ri[j] = s / root
                }
            }
            return true
        }
        guard factorised else { return nil }
        var upper = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for k in i..<n { upper[i * n + k] = l[k * n + i] } }
        self.upper = upper
    }

    /// x with A·x = b (forward substitution through L, back substitution through Lᵀ).
    func solve(_ b: [Double]) -> [Double] {
        var y = forward(b)
        backSubstitute(&y, through: 0)
        return y
    }

    /// Entry `j` of x with A·x = b: ``solve(_:)``'s `[j]` to the bit, its back substitution stopped at row j
    /// (the rows above it do not enter x[j]).
    func solveEntry(_ b: [Double], at j: Int) -> Double {
        precondition(j >= 0 && j < n)
        var y = forward(b)
        backSubstitute(&y, through: j)
        return y[j]
    }

    /// y with L·y = b.
    private func forward(_ b: [Double]) -> [Double] {
        precondition(b.count == n)
        var y = b
        y.withUnsafeMutableBufferPointer { yb in
            l.withUnsafeBufferPointer { lb in
                let y = yb.baseAddress!, l = lb.baseAddress!
                for i in 0..<n {
                    let ri = l + i * n
                    var s = y[i]
                    for k in 0..<i { s -= ri[k] * y[k] }
                    y[i] = s / ri[i]
                }
            }
        }
        return y
    }

    /// Rows n − 1 down to `last` of the back substitution Lᵀ·x = y, in place (x[i] for i ≥ `last` replace y[i]).
    private func backSubstitute(_ y: inout [Double], through last: Int) {
        y.withUnsafeMutableBufferPointer { yb in
            upper.withUnsafeBufferPointer { ub in
                let y = yb.baseAddress!, u = ub.baseAddress!
                for i in stride(from: n - 1, through: last, by: -1) {
                    let ri = u + i * n
                    var s = y[i]
                    for k in (i + 1)..<max(i + 1, n) { s -= ri[k] * y[k] }
                    y[i] = s / ri[i]
                }
            }
        }
    }

    /// A·x = L(Lᵀx), the factorised matrix times x.
    func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == n)
        var t = [Double](repeating: 0, count: n)
        var y = [Double](repeating: 0, count: n)
        upper.withUnsafeBufferPointer { ub in
            l.withUnsafeBufferPointer { lb in
                let u = ub.baseAddress!, l = lb.baseAddress!
                for i in 0..<n {
                    let ri = u + i * n
                    var s = 0.0
                    for k in i..<n { s += ri[k] * x[k] }
                    t[i] = s
                }
                for i in 0..<n {
                    let ri = l + i * n
                    var s = 0.0
                    for k in 0...i { s += ri[k] * t[k] }
                    y[i] = s
                }
            }
        }
        return y
    }

    static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
        Cholesky(a, n)?.solve(b)
    }
}
