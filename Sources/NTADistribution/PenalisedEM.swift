import Dispatch
import Foundation

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

    /// The E-step at weights `p` with per-row weights `w` (and optional per-row frames).
    func expectation(_ p: [Double], weights w: [Double], frames: [Double]? = nil) -> Expectation {
        let chunks = ParallelChunks(count: matrix.rowCount, minimumChunk: 2048, serial: serial)
        let blocks = matrix.blocks
        var pf = [SIMD8<Float>](repeating: .zero, count: blocks)
        for i in 0..<m { pf[i / 8][i % 8] = Float(p[i]) }
        let width = blocks * 8
        let withFrames = frames != nil
        var partial = [Double](repeating: 0, count: chunks.count * (2 * width + 1))
        partial.withUnsafeMutableBufferPointer { pb in
            let out = UnsafeSendable(pb)
            let pf = pf
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                matrix.values.withUnsafeBufferPointer { vals in
                    pf.withUnsafeBufferPointer { pfb in
                        let base = c * (2 * width + 1)
                        let probs = pfb.baseAddress!
                        let acc = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 2 * blocks)
                        defer { acc.deallocate() }
                        acc.initialize(repeating: .zero, count: 2 * blocks)
                        let accF = acc + blocks
                        var ll = 0.0
                        var product = 1.0, exponent = 0
                        var pending = 0
                        func flush() {
                            for b in 0..<blocks {
                                for l in 0..<8 {
                                    out.base[base + b * 8 + l] += Double(acc[b][l])
                                    out.base[base + width + b * 8 + l] += Double(accF[b][l])
                                }
                                acc[b] = .zero
                                accF[b] = .zero
                            }
                            pending = 0
                        }
                        for r in chunks.range(c) {
                            let wr = w[r]
                            if wr == 0 && !withFrames { continue }
                            let row = vals.baseAddress! + r * blocks
                            let lo = Int(matrix.rowBlocks[2 * r]), hi = Int(matrix.rowBlocks[2 * r + 1])
                            var s = SIMD8<Float>.zero
                            for b in lo..<hi { s += row[b] * probs[b] }
                            let total = Double(s.sum())
                            guard total > 0 else {
                                if wr > 0 { ll += wr * (-1e4) }
                                continue
                            }
                            ll += wr * matrix.rowLogScale[r]
                            PenalisedEM.multiply(&product, &exponent, total, times: wr)
                            let scale = SIMD8<Float>(repeating: Float(wr / total))
                            for b in lo..<hi { acc[b] += scale * row[b] }
                            if withFrames {
                                let fs = SIMD8<Float>(repeating: Float(frames![r] / total))
                                for b in lo..<hi { accF[b] += fs * row[b] }
                            }
                            pending += 1
                            if pending == 256 { flush() }
                        }
                        flush()
                        out.base[base + 2 * width] = ll + log(product) + Double(exponent) * M_LN2
                    }
                }
            }
        }
        var counts = [Double](repeating: 0, count: m)
        var framesOut = withFrames ? [Double](repeating: 0, count: m) : nil
        var ll = 0.0
        for c in 0..<chunks.count {
            let base = c * (2 * width + 1)
            for i in 0..<m {
                counts[i] += partial[base + i] * p[i]
                if withFrames { framesOut![i] += partial[base + width + i] * p[i] }
            }
            ll += partial[base + 2 * width]
        }
        return Expectation(counts: counts, frames: framesOut, logLikelihood: ll)
    }

    /// product·2^exponent ← product·2^exponent · x^w, for x > 0: by repeated
    /// multiplication when w is a small whole number (bootstrap and pooling
    /// counts), by pow otherwise, renormalising the mantissa to avoid under/overflow.
    @inline(__always)
    static func multiply(_ product: inout Double, _ exponent: inout Int, _ x: Double, times w: Double) {
        @inline(__always) func renormalise() {
            if product < 0x1p-500 || product > 0x1p500 {
                exponent += Int(product.exponent)
                product = Double(sign: .plus, exponent: 0, significand: product.significand)
            }
        }
        if w == 1 {
            product *= x
            renormalise()
        } else if w == w.rounded(), w > 0, w <= 16 {
            // x > 0 is a Float sum, so x ≥ 2⁻¹⁴⁹: one factor never takes a renormalised
            // product (≥ 2⁻⁵⁰⁰) out of the normal range.
            for _ in 0..<Int(w) { product *= x; renormalise() }
        } else {
            let l = w * log(x)
            let e = (l / M_LN2).rounded(.down)
            exponent += Int(e)
            product *= exp(l - e * M_LN2)
            renormalise()
        }
    }

    // MARK: M-step

    static func softmax(_ beta: [Double]) -> [Double] {
        let top = beta.max() ?? 0
        var p = beta.map { exp($0 - top) }
        let s = p.reduce(0, +)
        for i in p.indices { p[i] /= s }
        return p
    }

    func penaltyValue(_ beta: [Double]) -> Double {
        var s = 0.0
        for i in 0..<m {
            var row = 0.0
            let lo = max(0, i - order), hi = min(m - 1, i + order)
            for j in lo...hi { row += penalty[i * m + j] * beta[j] }
            s += beta[i] * row
        }
        return s
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
            for i in 0..<m {
                var pb = 0.0
                let lo = max(0, i - order), hi = min(m - 1, i + order)
                for j in lo...hi { pb += penalty[i * m + j] * beta[j] }
                g[i] = c[i] - total * p[i] - lambda * pb - eps * sum
            }
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

    /// One EM map: (β → T(β), F(β), ℓ(β)).
    func map(_ beta: [Double], lambda: Double, weights w: [Double]) -> (next: [Double], objective: Double, logLik: Double) {
        let p = PenalisedEM.softmax(beta)
        let e = expectation(p, weights: w)
        let f = e.logLikelihood - 0.5 * lambda * penaltyValue(beta)
        return (maximisation(counts: e.counts, lambda: lambda, start: beta), f, e.logLikelihood)
    }

    /// Runs SQUAREM-accelerated EM from `start` until the objective gains less
    /// than `tolerance` per cycle or `maxEvaluations` E-steps are spent.
    func fit(start: [Double], lambda: Double, weights w: [Double], tolerance: Double, maxEvaluations: Int) -> Fit {
        var b0 = start
        var (b1, f0, _) = map(b0, lambda: lambda, weights: w)
        var evaluations = 1
        while evaluations + 3 <= maxEvaluations {
            let (b2, f1, _) = map(b1, lambda: lambda, weights: w)
            var rr = 0.0, vv = 0.0
            var r = [Double](repeating: 0, count: m), v = r
            for i in 0..<m {
                r[i] = b1[i] - b0[i]
                v[i] = b2[i] - b1[i] - r[i]
                rr += r[i] * r[i]
                vv += v[i] * v[i]
            }
            evaluations += 1
            if vv == 0 || rr < 1e-24 {
                b0 = b2
                let next = map(b0, lambda: lambda, weights: w)
                evaluations += 1
                let gain = next.objective - f0
                (b1, f0) = (next.next, next.objective)
                if abs(gain) < tolerance { break }
                continue
            }
            let alpha = min(-(rr / vv).squareRoot(), -1)
            let bx = (0..<m).map { b0[$0] - 2 * alpha * r[$0] + alpha * alpha * v[$0] }
            let x = map(bx, lambda: lambda, weights: w)
            evaluations += 1
            let previous = f0
            if x.objective.isFinite && x.objective >= f1 {
                b0 = x.next
            } else {
                b0 = b2
            }
            let next = map(b0, lambda: lambda, weights: w)
            evaluations += 1
            (b1, f0) = (next.next, next.objective)
            if abs(f0 - previous) < tolerance { break }
        }
        let p = PenalisedEM.softmax(b0)
        let ll = f0 + 0.5 * lambda * penaltyValue(b0)
        return Fit(beta: b0, weights: p, logLikelihood: ll, objective: f0, evaluations: evaluations)
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
        let blocks = matrix.blocks
        partial.withUnsafeMutableBufferPointer { pb in
            let out = UnsafeSendable(pb)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                matrix.values.withUnsafeBufferPointer { vals in
                    let base = c * (a * a + 1)
                    let g = UnsafeMutablePointer<Double>.allocate(capacity: a)
                    defer { g.deallocate() }
                    let acc = out.base.baseAddress! + base
                    var usedWeight = 0.0
                    for k in chunks.range(c) {
                        let r = rows[k]
                        let wr = w[r]
                        if wr == 0 { continue }
                        let row = UnsafeRawPointer(vals.baseAddress! + r * blocks).assumingMemoryBound(to: Float.self)
                        var s = 0.0
                        for i in 0..<a {
                            let node = active[i]
                            g[i] = Double(row[node]) * p[node]
                            s += g[i]
                        }
                        guard s > 0 else { continue }
                        usedWeight += wr
                        for i in 0..<a { g[i] = g[i] / s - p[active[i]] }
                        for i in 0..<a {
                            let gi = wr * g[i]
                            let line = acc + i * a
                            for j in i..<a { line[j] += gi * g[j] }
                        }
                    }
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
        guard let factor = Cholesky(lhs, m) else { return Double(a) }
        var ed = 0.0
        for j in active {
            let col = (0..<m).map { full[$0 * m + j] }
            let x = factor.solve(col)
            ed += x[j]
        }
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
struct Cholesky {
    var l: [Double]
    let n: Int

    init?(_ a: [Double], _ n: Int) {
        self.n = n
        l = a
        for j in 0..<n {
            var d = l[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0, d.isFinite else { return nil }
            let root = d.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var s = l[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / root
            }
        }
    }

    func solve(_ b: [Double]) -> [Double] {
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * y[k] }
            y[i] = s / l[i * n + i]
        }
        return y
    }

    static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
        Cholesky(a, n)?.solve(b)
    }
}

// MARK: Batched fits (bootstrap)

extension PenalisedEM {
    /// E-steps of several weightings at once, on the calling thread: each
    /// likelihood row is read from memory once and used by every member of the
    /// batch (the E-step is memory-bound), with per-member arithmetic identical
    /// to ``expectation(_:weights:frames:)`` run serially.
    func expectationBatch(_ ps: [[Double]], weights ws: [[Double]], active: [Bool]) -> [Expectation] {
        let batch = ps.count
        let blocks = matrix.blocks
        let width = blocks * 8
        let chunkRows = 2048
        var pf = [SIMD8<Float>](repeating: .zero, count: batch * blocks)
        for k in 0..<batch { for i in 0..<m { pf[k * blocks + i / 8][i % 8] = Float(ps[k][i]) } }
        var totals = [Double](repeating: 0, count: batch * width)
        var ll = [Double](repeating: 0, count: batch)
        // Σ wⱼ ln sⱼ is accumulated as a product (mantissa, binary exponent): no logarithm per row.
        var product = [Double](repeating: 1, count: batch)
        var exponent = [Int](repeating: 0, count: batch)
        let acc = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: batch * blocks)
        defer { acc.deallocate() }
        acc.initialize(repeating: .zero, count: batch * blocks)
        let members = (0..<batch).filter { active[$0] }
        matrix.values.withUnsafeBufferPointer { vals in
            pf.withUnsafeBufferPointer { probs in
                var chunkStart = 0
                while chunkStart < matrix.rowCount {
                    let chunkEnd = min(matrix.rowCount, chunkStart + chunkRows)
                    var pending = 0
                    for r in chunkStart..<chunkEnd {
                        let row = vals.baseAddress! + r * blocks
                        let lo = Int(matrix.rowBlocks[2 * r]), hi = Int(matrix.rowBlocks[2 * r + 1])
                        for k in members {
                            let wr = ws[k][r]
                            if wr == 0 { continue }
                            let pk = probs.baseAddress! + k * blocks
                            var s = SIMD8<Float>.zero
                            for b in lo..<hi { s += row[b] * pk[b] }
                            let total = Double(s.sum())
                            guard total > 0 else { ll[k] += wr * (-1e4); continue }
                            ll[k] += wr * matrix.rowLogScale[r]
                            PenalisedEM.multiply(&product[k], &exponent[k], total, times: wr)
                            let scale = SIMD8<Float>(repeating: Float(wr / total))
                            let ak = acc + k * blocks
                            for b in lo..<hi { ak[b] += scale * row[b] }
                        }
                        pending += 1
                        if pending == 256 || r == chunkEnd - 1 {
                            for k in members {
                                for b in 0..<blocks {
                                    for l in 0..<8 { totals[k * width + b * 8 + l] += Double(acc[k * blocks + b][l]) }
                                    acc[k * blocks + b] = .zero
                                }
                            }
                            pending = 0
                        }
                    }
                    chunkStart = chunkEnd
                }
            }
        }
        return (0..<batch).map { k in
            let logLikelihood = ll[k] + log(product[k]) + Double(exponent[k]) * M_LN2
            return Expectation(counts: (0..<m).map { totals[k * width + $0] * ps[k][$0] }, frames: nil,
                               logLikelihood: logLikelihood)
        }
    }

    /// SQUAREM-accelerated EM for several weightings in lockstep (three maps
    /// per cycle for every member; a member stops moving once its objective
    /// gains less than `tolerance` in a cycle).
    func fitBatch(starts: [[Double]], lambda: Double, weights ws: [[Double]], tolerance: Double,
                  maxEvaluations: Int) -> [Fit] {
        let batch = starts.count
        var active = [Bool](repeating: true, count: batch)
        func mapAll(_ betas: [[Double]]) -> [(next: [Double], objective: Double)] {
            let ps = betas.map(PenalisedEM.softmax)
            let e = expectationBatch(ps, weights: ws, active: active)
            return (0..<batch).map { k in
                guard active[k] else { return (betas[k], -.infinity) }
                let f = e[k].logLikelihood - 0.5 * lambda * penaltyValue(betas[k])
                return (maximisation(counts: e[k].counts, lambda: lambda, start: betas[k]), f)
            }
        }
        var b0 = starts
        var first = mapAll(b0)
        var b1 = first.map(\.next)
        var f0 = first.map(\.objective)
        var evaluations = 1
        while evaluations + 3 <= maxEvaluations && active.contains(true) {
            let second = mapAll(b1)
            var bx = b0, b2 = b0
            for k in 0..<batch where active[k] {
                b2[k] = second[k].next
                var rr = 0.0, vv = 0.0
                var r = [Double](repeating: 0, count: m), v = r
                for i in 0..<m {
                    r[i] = b1[k][i] - b0[k][i]
                    v[i] = b2[k][i] - b1[k][i] - r[i]
                    rr += r[i] * r[i]
                    vv += v[i] * v[i]
                }
                // α = −1 gives bx = b2 (a plain double EM step).
                let alpha = vv > 0 && rr > 1e-24 ? min(-(rr / vv).squareRoot(), -1) : -1
                bx[k] = (0..<m).map { b0[k][$0] - 2 * alpha * r[$0] + alpha * alpha * v[$0] }
            }
            let x = mapAll(bx)
            for k in 0..<batch where active[k] {
                b0[k] = x[k].objective.isFinite && x[k].objective >= second[k].objective ? x[k].next : b2[k]
            }
            first = mapAll(b0)
            evaluations += 3
            for k in 0..<batch where active[k] {
                let gain = first[k].objective - f0[k]
                b1[k] = first[k].next
                f0[k] = first[k].objective
                if abs(gain) < tolerance { active[k] = false }
            }
        }
        return (0..<batch).map { k in
            Fit(beta: b0[k], weights: PenalisedEM.softmax(b0[k]),
                logLikelihood: f0[k] + 0.5 * lambda * penaltyValue(b0[k]), objective: f0[k], evaluations: evaluations)
        }
    }
}
