import CNTAKernels
import Foundation
import NTA
import Testing

/// The penalised EM's E-step kernel (CNTAKernels), checked against a plain double-precision
/// evaluation of its definition, and its two code paths against each other.
@Suite struct EStepKernelTests {
    /// A random batch problem: `rows` likelihood rows of `blocks` blocks (each row non-zero on a band),
    /// `batch` members with whole-number weights (0–3, as bootstrap multiplicities) and frames.
    struct Problem {
        var rows: Int, blocks: Int, batch: Int
        var values: [Float], bands: [Int32], scales: [Double]
        var weights: [Double], frames: [Double], probs: [Float]

        init(rows: Int, blocks: Int, batch: Int, seed: UInt64) {
            self.rows = rows; self.blocks = blocks; self.batch = batch
            var rng = SeededGenerator(seed: seed)
            let width = 8 * blocks
            values = [Float](repeating: 0, count: rows * width)
            bands = [Int32](repeating: 0, count: 2 * rows)
            scales = (0..<rows).map { _ in -10 * rng.nextUniform() }
            for r in 0..<rows {
                let lo = rng.nextInt(below: blocks), hi = lo + 1 + rng.nextInt(below: blocks - lo)
                bands[2 * r] = Int32(lo); bands[2 * r + 1] = Int32(hi)
                for i in (8 * lo)..<(8 * hi) { values[r * width + i] = Float(rng.nextUniform()) }
            }
            weights = (0..<Problem.entries(rows: rows, batch: batch)).map { _ in Double(rng.nextInt(below: 4)) }
            frames = weights.map { $0 * Double(10 + rng.nextInt(below: 90)) }
            var p = [Float](repeating: 0, count: batch * width)
            for k in 0..<batch {
                var total: Float = 0
                for i in 0..<width { p[k * width + i] = Float(rng.nextUniform()); total += p[k * width + i] }
                for i in 0..<width { p[k * width + i] /= total }
            }
            probs = p
        }

        /// Where member k's entry of row r is in `weights` and `frames` (the kernels' layout, nta_kernels.h):
        /// blocks of 8 rows, each holding every member's 8 entries in turn; entry r for one member.
        static func entry(_ r: Int, _ k: Int, batch: Int) -> Int { ((r / 8) * batch + k) * 8 + r % 8 }
        /// Room for every row's entries: ⌈rows/8⌉·8·batch.
        static func entries(rows: Int, batch: Int) -> Int { (rows + 7) / 8 * 8 * batch }

        /// A problem of `problem`'s row `row` alone (its band, scale, weights, frames and the same grid weights).
        static func single(row r: Int, of problem: Problem) -> Problem {
            var one = problem
            let width = 8 * problem.blocks
            one.rows = 1
            one.values = Array(problem.values[(r * width)..<((r + 1) * width)])
            one.bands = [problem.bands[2 * r], problem.bands[2 * r + 1]]
            one.scales = [problem.scales[r]]
            one.weights = [Double](repeating: 0, count: entries(rows: 1, batch: problem.batch))
            one.frames = one.weights
            for k in 0..<problem.batch {
                one.weights[entry(0, k, batch: problem.batch)] = problem.weights[entry(r, k, batch: problem.batch)]
                one.frames[entry(0, k, batch: problem.batch)] = problem.frames[entry(r, k, batch: problem.batch)]
            }
            one.storedOffsets = nil
            return one
        }

        /// Where each row's band starts in `values`, in blocks: the rows are stored whole (`blocks` per row),
        /// which the kernels read as they read bands stored one after another.
        var offsets: [Int64] { storedOffsets ?? (0..<rows).map { Int64($0 * blocks) + Int64(bands[2 * $0]) } }
        /// Offsets of rows stored otherwise (`nil`: whole rows).
        var storedOffsets: [Int64]?

        /// Runs a kernel over all rows in two chunks (as the parallel E-step does) for `members`.
        func run(members: [Int32], withFrames: Bool = true, framesMembers: [UInt8]? = nil,
                 kernel: (UnsafePointer<Float>?, UnsafePointer<Int32>?, UnsafePointer<Int64>?, UnsafePointer<Double>?,
                          UnsafePointer<Double>?, UnsafePointer<Double>?,
                          UnsafePointer<UInt8>?, UnsafePointer<Float>?, Int64, Int64,
                          UnsafePointer<Int32>?, Int64,
                          Int64, Int64, UnsafeMutablePointer<Double>?, Int64) -> Void) -> [Double] {
            let stride = 16 * blocks + 1
            var out = [Double](repeating: 0, count: 2 * batch * stride)
            let split = rows / 3
            for (c, range) in [(0, 0..<split), (1, split..<rows)] {
                out.withUnsafeMutableBufferPointer { o in
                    kernel(values, bands, offsets, scales, weights, withFrames ? frames : nil, framesMembers, probs, Int64(blocks),
                           Int64(batch),
                           members, Int64(members.count), Int64(range.lowerBound), Int64(range.upperBound),
                           o.baseAddress! + c * batch * stride, Int64(stride))
                }
            }
            // Chunks added in order, as PenalisedEM does.
            return (0..<(batch * stride)).map { out[$0] + out[batch * stride + $0] }
        }

        /// The definition in Double: Σ w L/s, Σ f L/s, Σ w (scale + ln s) per member, s = L·p.
        func reference(member k: Int) -> (counts: [Double], frames: [Double], logLikelihood: Double) {
            let width = 8 * blocks
            var counts = [Double](repeating: 0, count: width), fr = counts, ll = 0.0
            for r in 0..<rows {
                let w = weights[Problem.entry(r, k, batch: batch)], f = frames[Problem.entry(r, k, batch: batch)]
                var s = 0.0
                for i in 0..<width { s += Double(values[r * width + i]) * Double(probs[k * width + i]) }
                guard s > 0, w > 0 || f > 0 else { continue }
                ll += w * (scales[r] + log(s))
                for i in 0..<width {
                    counts[i] += w * Double(values[r * width + i]) / s
                    fr[i] += f * Double(values[r * width + i]) / s
                }
            }
            return (counts, fr, ll)
        }
    }

    /// Float sums of at most 256 rows (then flushed to Double) of ≤ 200 products each: every
    /// term carries a relative error below 2⁻²⁴ per operation, ≲ 10³·2⁻²⁴ ≈ 6·10⁻⁵ in the worst
    /// case for a sum, so 10⁻⁴ relative bounds a correct kernel, while a missed row (≥ 1/1,000
    /// of a sum here) or a wrong index fails.
    @Test func matchesTheDefinitionInDouble() {
        let problem = Problem(rows: 1000, blocks: 5, batch: 3, seed: 11)
        let stride = 16 * problem.blocks + 1, width = 8 * problem.blocks
        let out = problem.run(members: [0, 2], kernel: nta_estep_rows)
        for k in [0, 2] {
            let ref = problem.reference(member: k)
            for i in 0..<width {
                #expect(abs(out[k * stride + i] - ref.counts[i]) <= 1e-4 * ref.counts[i])
                #expect(abs(out[k * stride + width + i] - ref.frames[i]) <= 1e-4 * ref.frames[i])
            }
            // ln s per row is off by at most ~10⁻⁵ (the Float dot product): 1,000 rows × weight ≤ 3.
            #expect(abs(out[k * stride + 2 * width] - ref.logLikelihood) <= 1000 * 3 * 1e-5)
        }
        // A member not asked for is not touched.
        #expect(out[stride..<(2 * stride)].allSatisfy { $0 == 0 })
    }

    /// The wide-vector path (AVX2, when this machine has it) and the portable path give the same
    /// bits: the same operations in the same order, lane by lane, with no fused multiply-add.
    @Test func everyPathGivesTheSameBits() {
        for (blocks, batch, seed) in [(1, 1, 1 as UInt64), (12, 1, 5), (7, 8, 2), (25, 8, 3), (6, 32, 4)] {
            let problem = Problem(rows: 700, blocks: blocks, batch: batch, seed: seed)
            let members = (0..<Int32(batch)).filter { $0 % 3 != 1 }
            for withFrames in [true, false] {
                let dispatched = problem.run(members: members, withFrames: withFrames, kernel: nta_estep_rows)
                let portable = problem.run(members: members, withFrames: withFrames, kernel: nta_estep_rows_portable)
                #expect(dispatched.map(\.bitPattern) == portable.map(\.bitPattern))
            }
        }
    }

    /// A model without tracks gives a matrix without rows: the E-step has nothing to read and the
    /// deconvolution reports no distribution (all weights zero, statistics NaN), without trapping.
    @Test func noTracksNoRowsNoTrap() {
        let model = OneLagGammaLikelihood(sumSquared2DNm2: [], steps: [], frameIntervalSeconds: 1.0 / 30)
        let result = DeconvolvedSizeDistribution(model: model, framesPerTrack: [], frameIntervalSeconds: 1.0 / 30,
                                                 temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95,
                                                 minimumTrackLength: nil, bootstrapReplicates: 3)
        #expect(result.pooledRows == 0)
        #expect(result.deconvolution.numberWeights.allSatisfy { $0 == 0 })
        #expect(result.summary.d50Nm.isNaN)
    }

    /// A member's sums do not depend on which other members share its batch, nor on the group the
    /// kernel computes its dot products in (groups of 8, 4 and 1: 13 members use all three; a member
    /// alone takes the rows it uses two at a time, their chains interleaved, odd counts included).
    @Test func aMemberDoesNotDependOnItsBatch() {
        for (batch, seed) in [(4, 5 as UInt64), (13, 6)] {
            let problem = Problem(rows: 600, blocks: 4, batch: batch, seed: seed)
            let stride = 16 * problem.blocks + 1
            let together = problem.run(members: (0..<Int32(batch)).map { $0 }, kernel: nta_estep_rows)
            for k in [0, 2, batch - 1] {
                let alone = problem.run(members: [Int32(k)], kernel: nta_estep_rows)
                #expect(alone[(k * stride)..<((k + 1) * stride)].map(\.bitPattern)
                        == together[(k * stride)..<((k + 1) * stride)].map(\.bitPattern))
            }
        }
    }

    /// Rows stored band after band (as ``LikelihoodMatrix`` stores them) give the bits that whole rows give.
    @Test func bandsStoredOneAfterAnotherGiveTheSameBits() {
        let whole = Problem(rows: 500, blocks: 6, batch: 5, seed: 10)
        var compact = whole
        compact.values = []
        var offsets: [Int64] = []
        for r in 0..<whole.rows {
            offsets.append(Int64(compact.values.count / 8))
            let lo = Int(whole.bands[2 * r]), hi = Int(whole.bands[2 * r + 1])
            compact.values += whole.values[(8 * (r * whole.blocks + lo))..<(8 * (r * whole.blocks + hi))]
        }
        compact.storedOffsets = offsets
        #expect(compact.values.count < whole.values.count)
        let members = (0..<Int32(5)).map { $0 }
        #expect(compact.run(members: members, kernel: nta_estep_rows).map(\.bitPattern)
                == whole.run(members: members, kernel: nta_estep_rows).map(\.bitPattern))
    }

    /// Frames asked for some members only: those members' sums are the bits they get when every member
    /// has frames, the others' counts and log-likelihood are unchanged and their frames are left at zero.
    @Test func framesForSomeMembersOnly() {
        let problem = Problem(rows: 600, blocks: 4, batch: 6, seed: 9)
        let stride = 16 * problem.blocks + 1, width = 8 * problem.blocks
        let members = (0..<Int32(6)).map { $0 }
        let all = problem.run(members: members, kernel: nta_estep_rows)
        let some = problem.run(members: members, framesMembers: [1, 0, 0, 1, 0, 1], kernel: nta_estep_rows)
        for k in 0..<6 {
            let slice = (k * stride)..<((k + 1) * stride)
            if [0, 3, 5].contains(k) {
                #expect(some[slice].map(\.bitPattern) == all[slice].map(\.bitPattern))
            } else {
                #expect(some[(k * stride)..<(k * stride + width)].map(\.bitPattern)
                        == all[(k * stride)..<(k * stride + width)].map(\.bitPattern))
                #expect(some[k * stride + 2 * width].bitPattern == all[k * stride + 2 * width].bitPattern)
                #expect(some[(k * stride + width)..<(k * stride + 2 * width)].allSatisfy { $0 == 0 })
                #expect(all[(k * stride + width)..<(k * stride + 2 * width)].contains { $0 > 0 })
            }
        }
    }

    /// Subnormal terms count as zero, on every path, and the caller's floating-point mode is restored:
    /// a subnormal grid weight gives the bits a zero gives, and a row supported only by subnormal weights
    /// (its dot product ~10⁻⁴⁰, positive under gradual underflow) counts as unsupported, w·(−10⁴).
    @Test func subnormalTermsCountAsZeroOnEveryPath() {
        var tiny = Problem(rows: 300, blocks: 4, batch: 3, seed: 12)
        let width = 8 * tiny.blocks, stride = 16 * tiny.blocks + 1
        // Member 1's nodes 0–7 (block 0) subnormal; row 0 lives on block 0 only, with weight 2.
        for i in 0..<8 { tiny.probs[width + i] = Float.leastNormalMagnitude / 64 }
        tiny.bands[0] = 0; tiny.bands[1] = 1
        for i in 0..<8 { tiny.values[i] = 0.5 }
        tiny.weights[Problem.entry(0, 1, batch: 3)] = 2
        var zero = tiny
        for i in 0..<8 { zero.probs[width + i] = 0 }
        let members: [Int32] = [0, 1, 2]
        for kernel in [nta_estep_rows, nta_estep_rows_portable] {
            #expect(tiny.run(members: members, kernel: kernel).map(\.bitPattern)
                    == zero.run(members: members, kernel: kernel).map(\.bitPattern))
        }
        // Row 0 alone: member 1 adds 2·(−10⁴) and nothing else.
        let alone = Problem.single(row: 0, of: tiny)
        let out = alone.run(members: [1], kernel: nta_estep_rows)
        #expect(out[stride + 2 * width] == 2 * -1e4)
        #expect(out[stride..<(stride + 2 * width)].allSatisfy { $0 == 0 })
        // Gradual underflow is back for the caller: half the smallest normal Float is not zero.
        let half = Float(tiny.weights[Problem.entry(0, 1, batch: 3)] / 4)
        #expect(Float.leastNormalMagnitude * half > 0)
    }

    /// The curvature kernel (Σ w ρρᵀ and Σ w ρ per chunk of rows, ρ = L∘p / L·p) against its
    /// definition in Double, and its two paths against each other. Its products are of Doubles
    /// (only L is Float), summed in row order: 10⁻¹² relative bounds the rounding of ≤ 700 rows.
    @Test func curvatureKernelMatchesItsDefinitionOnEveryPath() {
        let problem = Problem(rows: 700, blocks: 6, batch: 1, seed: 8)
        let nodes = 8 * problem.blocks - 3
        let p = (0..<nodes).map { Double(problem.probs[$0]) }
        func run(_ kernel: (UnsafePointer<Float>?, UnsafePointer<Int32>?, UnsafePointer<Int64>?, UnsafePointer<Double>?,
                            UnsafePointer<Double>?, Int64, Int64, Int64, Int64, Double, UnsafeMutablePointer<Double>?,
                            UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?) -> Void) -> [Double] {
            var out = [Double](repeating: 0, count: nodes * nodes + nodes)
            var scratch = [Double](repeating: 0, count: nodes)
            out.withUnsafeMutableBufferPointer { o in
                kernel(problem.values, problem.bands, problem.offsets, problem.weights, p, Int64(problem.blocks), Int64(nodes), 0,
                       Int64(problem.rows), 0, o.baseAddress!, o.baseAddress! + nodes * nodes, &scratch)
            }
            return out
        }
        let dispatched = run(nta_outer_rows), portable = run(nta_outer_rows_portable)
        #expect(dispatched.map(\.bitPattern) == portable.map(\.bitPattern))
        var outer = [Double](repeating: 0, count: nodes * nodes), counts = [Double](repeating: 0, count: nodes)
        let width = 8 * problem.blocks
        for r in 0..<problem.rows where problem.weights[r] > 0 {
            let rho = (0..<nodes).map { Double(problem.values[r * width + $0]) * p[$0] }
            let s = rho.reduce(0, +)
            guard s > 0 else { continue }
            for i in 0..<nodes {
                counts[i] += problem.weights[r] * rho[i] / s
                for k in i..<nodes { outer[i * nodes + k] += problem.weights[r] * rho[i] * rho[k] / (s * s) }
            }
        }
        let scale = counts.reduce(0, +)
        for i in 0..<nodes {
            #expect(abs(dispatched[nodes * nodes + i] - counts[i]) <= 1e-12 * scale)
            for k in i..<nodes { #expect(abs(dispatched[i * nodes + k] - outer[i * nodes + k]) <= 1e-12 * scale) }
        }
    }

    /// The curvature kernel gives the bits of one rank-one update per row (ρ = L∘p / L·p over the row's band,
    /// t = w·ρᵢ, each element plus t·ρₖ, row after row), on both paths: bands of every width and place, rows
    /// without weight or without likelihood between them, chunks of every size; with a cut, the update over
    /// the nodes from the row's first to its last with ρ at or above it (the counts over the whole band), where
    /// grid weights spanning 10⁻⁴⁰–1 put the cut inside many bands (at least a quarter of the rows: asserted).
    @Test(arguments: [0.0, 1e-30, 0.05])
    func curvatureKernelGivesTheRowByRowBits(negligible: Double) {
        let problem = Problem(rows: 301, blocks: 7, batch: 1, seed: 21)
        let nodes = 8 * problem.blocks - 5
        let p = (0..<nodes).map { i in
            i % 9 == 4 ? 0 : Double(problem.probs[i]) * (negligible > 0 ? pow(10, -40 * Double((i * 7) % nodes) / Double(nodes)) : 1)
        }
        var weights = problem.weights
        for r in stride(from: 0, to: problem.rows, by: 7) { weights[r] = 0 }
        let width = 8 * problem.blocks
        // Row by row, as the kernel's definition reads (in Double, the kernel's operations in its order).
        func rowByRow(_ rows: Range<Int>) -> [Double] {
            var out = [Double](repeating: 0, count: nodes * nodes + nodes)
            for r in rows where weights[r] > 0 {
                let lo = 8 * Int(problem.bands[2 * r]), hi = min(8 * Int(problem.bands[2 * r + 1]), nodes)
                guard lo < hi else { continue }
                var rho = [Double](repeating: 0, count: nodes)
                var s = 0.0
                for i in lo..<hi {
                    rho[i] = Double(problem.values[r * width + i]) * p[i]
                    s += rho[i]
                }
                guard s > 0 else { continue }
                for i in lo..<hi { rho[i] /= s }
                let kept = (lo..<hi).filter { rho[$0] >= negligible }
                for i in lo..<hi {
                    let t = weights[r] * rho[i]
                    out[nodes * nodes + i] += t
                    guard let first = kept.first, let last = kept.last, i >= first, i <= last else { continue }
                    for k in i...last { out[i * nodes + k] += t * rho[k] }
                }
            }
            return out
        }
        var cutInside = 0
        for rows in [0..<problem.rows, 3..<13, 100..<101, 50..<50] {
            for kernel in [nta_outer_rows, nta_outer_rows_portable] {
                var out = [Double](repeating: 0, count: nodes * nodes + nodes)
                var scratch = [Double](repeating: .nan, count: nodes)
                out.withUnsafeMutableBufferPointer { o in
                    kernel(problem.values, problem.bands, problem.offsets, weights, p, Int64(problem.blocks), Int64(nodes),
                           Int64(rows.lowerBound), Int64(rows.upperBound), negligible, o.baseAddress!,
                           o.baseAddress! + nodes * nodes, &scratch)
                }
                #expect(out.map(\.bitPattern) == rowByRow(rows).map(\.bitPattern), "rows \(rows)")
            }
        }
        // The cut does fall inside bands (the comparison above is not of two full updates).
        if negligible > 0 {
            for r in 0..<problem.rows where weights[r] > 0 {
                let lo = 8 * Int(problem.bands[2 * r]), hi = min(8 * Int(problem.bands[2 * r + 1]), nodes)
                let terms = (lo..<hi).map { Double(problem.values[r * width + $0]) * p[$0] }
                let s = terms.reduce(0, +)
                if s > 0, terms.contains(where: { $0 / s < negligible }) { cutInside += 1 }
            }
            #expect(cutInside >= problem.rows / 4)
        }
    }

    /// The visit model's slab step against its definition, a plain loop over the source cells in
    /// increasing order (the same operations, so the same bits), on both paths: even and odd cell
    /// counts, a kernel reaching past the slab and one that reaches nowhere.
    @Test func slabStepMatchesItsDefinitionBitForBit() {
        var rng = SeededGenerator(seed: 12)
        for (n, reach) in [(1, 0), (2, 1), (7, 3), (8, 3), (160, 159), (161, 40), (80, 18), (33, 0)] {
            // A symmetric start (the slab's v is) and a symmetric kernel.
            var from = [Double](repeating: 0, count: n)
            for j in 0..<((n + 1) / 2) { from[j] = rng.nextUniform(); from[n - 1 - j] = from[j] }
            var kernel = [Double](repeating: 0, count: 2 * reach + 1)
            for o in 0...reach { kernel[reach + o] = rng.nextUniform() / Double(reach + 1); kernel[reach - o] = kernel[reach + o] }
            var expected = [Double](repeating: 0, count: n)
            let half = (n + 1) / 2
            for j in 0..<half {
                for i in max(0, j - reach)...min(n - 1, j + reach) { expected[j] += from[i] * kernel[j - i + reach] }
            }
            for j in 0..<(n / 2) { expected[n - 1 - j] = expected[j] }
            var dispatched = [Double](repeating: .nan, count: n), portable = dispatched
            nta_slab_step(from, &dispatched, kernel, Int64(n), Int64(reach))
            nta_slab_step_portable(from, &portable, kernel, Int64(n), Int64(reach))
            #expect(dispatched.map(\.bitPattern) == expected.map(\.bitPattern), "n \(n), reach \(reach)")
            #expect(portable.map(\.bitPattern) == expected.map(\.bitPattern), "n \(n), reach \(reach)")
        }
    }

    /// The effective dimension's weighted outer product against its definition, a row-by-row rank-one
    /// update of the upper triangle (the same operations in the same order, so the same bits), on both
    /// paths: row counts around the kernel's tiles of 16 and sizes around its vectors of 4, on top of
    /// what the triangle already held.
    @Test func weightedOuterProductMatchesRankOneUpdatesBitForBit() {
        var rng = SeededGenerator(seed: 13)
        for (rows, a) in [(0, 3), (1, 1), (5, 4), (16, 7), (17, 9), (33, 12), (256, 61)] {
            let g = (0..<(rows * a)).map { _ in rng.nextGaussian() }
            let w = (0..<rows).map { _ in Double(1 + rng.nextInt(below: 5)) }
            let start = (0..<(a * a)).map { _ in rng.nextUniform() }
            var expected = start
            for r in 0..<rows {
                for i in 0..<a {
                    let gi = w[r] * g[r * a + i]
                    for j in i..<a { expected[i * a + j] += gi * g[r * a + j] }
                }
            }
            var dispatched = start, portable = start
            nta_weighted_outer_upper(g, w, Int64(rows), Int64(a), &dispatched)
            nta_weighted_outer_upper_portable(g, w, Int64(rows), Int64(a), &portable)
            #expect(dispatched.map(\.bitPattern) == expected.map(\.bitPattern), "rows \(rows), a \(a)")
            #expect(portable.map(\.bitPattern) == expected.map(\.bitPattern), "rows \(rows), a \(a)")
        }
    }
    /// The mean inverse intensity's two passes (VideoNuisance.meanInverseIntensity) against their scalar rules, on
    /// both paths: lengths around the vectors of 4 and across the 2²⁰-value blocks, intensities that are not
    /// usable (zero, negative, infinite, NaN) among them, tiny ones whose counts reach the cap.
    @Test func inverseIntensityPassesMatchTheScalarRules() {
        var rng = SeededGenerator(seed: 17)
        for n in [0, 1, 3, 4, 5, 9, 1000, (1 << 20) + 7] {
            let values = (0..<n).map { _ -> Double in
                switch rng.nextInt(below: 40) {
                case 0: return 0
                case 1: return -3
                case 2: return .infinity
                case 3: return .nan
                case 4: return 1e-300
                default: return 1 + 1e4 * rng.nextUniform()
                }
            }
            var smallest = Double.infinity, count = 0
            for v in values where v.isFinite && v > 0 { smallest = min(smallest, v); count += 1 }
            // Twice the reader's scale: the smallest intensities reach the cap.
            let perQuantum = 2 * 4_294_967_296 * (values.filter { $0.isFinite && $0 > 0 }.min() ?? 1)
            var quanta: Int64 = 0
            for v in values where v.isFinite && v > 0 { quanta += Int64(min((1 / v) * perQuantum + 0.5, 4_294_967_297)) }
            var s1 = Double.nan, c1: Int64 = -1, s2 = Double.nan, c2: Int64 = -1
            nta_smallest_positive(values, Int64(n), &s1, &c1)
            nta_smallest_positive_portable(values, Int64(n), &s2, &c2)
            #expect(s1 == smallest && s2 == smallest && c1 == Int64(count) && c2 == Int64(count), "n \(n)")
            #expect(nta_inverse_quanta(values, Int64(n), perQuantum) == quanta, "n \(n)")
            #expect(nta_inverse_quanta_portable(values, Int64(n), perQuantum) == quanta, "n \(n)")
        }
    }
}
