import Dispatch
import Foundation
import NTACore
import NTATracks

/// The exact Gaussian likelihood of one track's displacements under 2D
/// Brownian motion observed with localisation noise and motion blur,
/// precomputed so it can be evaluated at many parameter values fast.
///
/// Model (SCIENCE.md §1–2; Berglund 2010, Phys Rev E 82:011917; Relich et al.
/// 2016, Phys Rev E 93:042401): within a run of consecutive frames the K
/// single-frame steps of each axis are jointly Gaussian with mean 0 and a
/// tridiagonal Toeplitz covariance, diagonal a = 2DΔt(1 − 2R) + 2σ² and
/// off-diagonal b = 2RDΔt − σ². The orthonormal type-I discrete sine transform
/// diagonalises it: with cⱼ = DST-I(Δ)ⱼ / √(2(K + 1)) (FFTW `RODFT00`),
/// the cⱼ are independent with variance λⱼ = a + 2b·cos(jπ/(K + 1)), j = 1…K.
/// With Pⱼ = c²ₓ,ⱼ + c²ᵧ,ⱼ the log-likelihood of both axes is
///
///     log L(D, σ², R) = −Σⱼ [ log(2πλⱼ) + Pⱼ / (2λⱼ) ].
///
/// Writing λⱼ = D·uⱼ + σ²·vⱼ with uⱼ = 2Δt(1 − 2R(1 − cos θⱼ)) and
/// vⱼ = 2(1 − cos θⱼ) shows the likelihood depends on the data only through
/// the "modes" (cos θⱼ, Pⱼ); this type stores exactly those.
///
/// **Gaps.** A track with missing frames is split into runs of consecutive
/// frames; each run with K ≥ 1 steps contributes its own K modes, and the
/// log-likelihoods add. This is exact for the steps inside the runs (the
/// Brownian increments, the blur windows and the localisation errors of
/// different runs are independent once at least one frame separates them);
/// it discards only the displacement spanning each gap.
///
/// The log-likelihood is the density of the displacements in nm (per nm^(2K)),
/// so values for one track at different parameters are directly comparable;
/// constants are included.
public struct TrackLikelihood: Sendable, Hashable {
    /// cos(jπ/(K + 1)) of every mode, runs concatenated.
    public private(set) var cosines: [Double]
    /// Pⱼ = c²ₓ,ⱼ + c²ᵧ,ⱼ of every mode, nm² (E[Pⱼ] = 2λⱼ).
    public private(set) var power: [Double]
    /// Number of runs of consecutive frames with at least one step.
    public private(set) var runCount: Int

    /// Number of modes = number of single-frame steps inside runs.
    public var modeCount: Int { power.count }

    /// Precomputes the modes of one track.
    public init(_ track: TrackSample) {
        var scratch = DSTScratch()
        self.init(track, scratch: &scratch)
    }

    /// Precomputes the modes of one track, reusing `scratch` (buffers and per-K tables).
    init(_ track: TrackSample, scratch: inout DSTScratch) {
        cosines = []
        power = []
        runCount = 0
        load(track, scratch: &scratch)
    }

    /// Replaces the modes with those of `track`, keeping the buffers' capacity (one likelihood
    /// can serve a whole loop over tracks without allocating per track).
    mutating func load(_ track: TrackSample, scratch: inout DSTScratch) {
        cosines.removeAll(keepingCapacity: true)
        power.removeAll(keepingCapacity: true)
        runCount = 0
        let n = track.count
        guard n >= 2 else { return }
        cosines.reserveCapacity(n - 1)
        power.reserveCapacity(n - 1)
        scratch.ensureCapacity(n)
        Self.forEachRun(track.frames) { start, k in
            runCount += 1
            scratch.appendModes(x: track.xNanometers, y: track.yNanometers, from: start, steps: k,
                                cosines: &cosines, power: &power)
        }
    }

    /// `body(start, steps)` for each run of consecutive frames in `frames` with at least one step: the
    /// positions `start ... start + steps`, in order.
    @inline(__always)
    static func forEachRun(_ frames: UnsafeBufferPointer<Int32>, _ body: (_ start: Int, _ steps: Int) -> Void) {
        let n = frames.count
        guard n >= 2 else { return }
        var start = 0
        for i in 1...n where i == n || Int(frames[i]) - Int(frames[i - 1]) != 1 {
            // Run: positions start..<i.
            let k = i - start - 1
            if k >= 1 { body(start, k) }
            start = i
        }
    }

    /// Precomputes the modes of track `t` of a set.
    public init(_ tracks: TrackSet, track t: Int) {
        self = tracks.withSample(of: t) { TrackLikelihood($0) }
    }

    /// The likelihoods of every track of a set, in track order, computed in
    /// parallel (one scratch per chunk of tracks, so the per-length sine and
    /// cosine tables are computed once per chunk).
    public static func all(_ tracks: TrackSet) -> [TrackLikelihood] {
        mapTracks(tracks, state: { DSTScratch() }) { t, scratch in
            tracks.withSample(of: t) { TrackLikelihood($0, scratch: &scratch) }
        }
    }

    /// Plans, on a background thread, the FFTW transforms that computing the likelihoods of `tracks` will use
    /// (a DST-I per distinct length of their runs of consecutive frames above ``DSTScratch/directLimit``
    /// steps), and returns at once. FFTW's planner runs one plan at a time: met during the parallel
    /// per-track fits, each new length holds the other cores up (BENCHMARKS.md, issue 11). Started early,
    /// the planning overlaps other work; transforms asked for before their plan is ready plan it
    /// themselves, as without this call. Plans do not depend on when they are made.
    public static func planTransformsInBackground(for tracks: TrackSet) -> TransformPlanning {
        let lengths = transformLengths(tracks)
        let group = DispatchGroup()
        if !lengths.isEmpty {
            DispatchQueue.global().async(group: group) { FFTW.planDST1(lengths: lengths) }
        }
        return TransformPlanning(group: group)
    }

    /// The distinct step counts, above ``DSTScratch/directLimit``, of the runs of consecutive frames of
    /// `tracks` (those ``load(_:scratch:)`` transforms with FFTW), ascending.
    static func transformLengths(_ tracks: TrackSet) -> [Int] {
        let perChunk = tracks.offsets.withUnsafeBufferPointer { offsets in
            tracks.frame.withUnsafeBufferPointer { frames in
                let o = SendableBuffer(base: UnsafeMutableBufferPointer(mutating: offsets))
                let f = SendableBuffer(base: UnsafeMutableBufferPointer(mutating: frames))
                return Parallel.mapChunks(count: tracks.trackCount, minimumChunk: 4096) { range -> Set<Int> in
                    var lengths = Set<Int>()
                    for t in range {
                        let frames = UnsafeBufferPointer(rebasing: f.base[o.base[t] ..< o.base[t + 1]])
                        forEachRun(frames) { _, k in if k > DSTScratch.directLimit { lengths.insert(k) } }
                    }
                    return lengths
                }
            }
        }
        return perChunk.reduce(into: Set<Int>()) { $0.formUnion($1) }.sorted()
    }

    /// `body(t, &state)` for every track t of a set, in parallel: blocks of 256 tracks taken by each core as
    /// it comes free (tracks' costs vary with their lengths, so fixed shares can leave one core working alone
    /// at the end), each core with its own `state()` (a ``DSTScratch``, so the per-length sine and cosine
    /// tables are computed once per core, and whatever buffers the body reuses); the results in track order.
    static func mapTracks<State, T>(_ tracks: TrackSet, state: @Sendable () -> State,
                                    _ body: @Sendable (Int, inout State) -> T) -> [T] {
        let count = tracks.trackCount
        guard count > 0 else { return [] }
        let block = 256
        let blocks = (count + block - 1) / block
        let next = IndexCounter()
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = SendableBuffer(base: buffer)
            DispatchQueue.concurrentPerform(iterations: min(Parallel.workerCount, blocks)) { _ in
                var local = state()
                while let b = next.take(below: blocks) {
                    for t in (b * block) ..< min(count, (b + 1) * block) {
                        (out.base.baseAddress! + t).initialize(to: body(t, &local))
                    }
                }
            }
            initialized = count
        }
    }

    /// Builds a likelihood directly from modes (tests, or precomputed data).
    public init(cosines: [Double], power: [Double], runCount: Int) {
        precondition(cosines.count == power.count)
        self.cosines = cosines
        self.power = power
        self.runCount = runCount
    }

    /// log L at one parameter value: D in µm²/s, σ² per axis in nm², blur R,
    /// frame interval Δt in s. −∞ where the covariance is not positive definite.
    public func logLikelihood(diffusionUm2PerS d: Double, localisationVarianceNm2 s: Double,
                              blurCoefficient r: Double, frameIntervalSeconds dt: Double) -> Double {
        logLikelihood(dNm2: d * 1e6, s: s, r: r, dt: dt)
    }

    /// log L at every D of `grid` (µm²/s) for fixed σ², R, Δt: what a
    /// deconvolution over a diameter grid needs. O(modes × grid), one
    /// logarithm per 32 modes, vectorised over the grid.
    public func logLikelihoods(diffusionGridUm2PerS grid: [Double], localisationVarianceNm2 s: Double,
                               blurCoefficient r: Double, frameIntervalSeconds dt: Double) -> [Double] {
        [Double](unsafeUninitializedCapacity: grid.count) { out, n in
            grid.withUnsafeBufferPointer { g in
                logLikelihoods(diffusionGridUm2PerS: g, localisationVarianceNm2: s, blurCoefficient: r,
                               frameIntervalSeconds: dt, into: out)
            }
            n = grid.count
        }
    }

    /// log L at every D of `grid` (µm²/s), written into `out` (same count).
    public func logLikelihoods(diffusionGridUm2PerS grid: UnsafeBufferPointer<Double>, localisationVarianceNm2 s: Double,
                               blurCoefficient r: Double, frameIntervalSeconds dt: Double,
                               into out: UnsafeMutableBufferPointer<Double>) {
        logLikelihoods(grid: grid, nm2PerUnit: 1e6, s: s, r: r, dt: dt, into: out)
    }

    /// The grid evaluation for D in units of `nm2PerUnit` nm² (1e6: µm²/s; 1: nm²/s).
    func logLikelihoods(grid: UnsafeBufferPointer<Double>, nm2PerUnit: Double, s: Double, r: Double, dt: Double,
                        into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count == grid.count)
        let m = modeCount
        // λ = D·u + w, with u scaled so that D stays in the grid's unit.
        var u = [Double](repeating: 0, count: m), w = u
        for j in 0..<m {
            let oneMinusCos = 1 - cosines[j]
            u[j] = 2 * nm2PerUnit * dt * (1 - 2 * r * oneMinusCos)
            w[j] = 2 * s * oneMinusCos
        }
        let constant = -Double(m) * log(2 * Double.pi)
        let count = grid.count
        guard count > 0 else { return }
        // Modes outer, grid inner: the inner loop is branch-free and vectorises.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * count) { scratch in
            let quad = out.baseAddress!, d = grid.baseAddress!
            let product = scratch.baseAddress!, logs = product + count, smallest = logs + count
            for g in 0..<count { quad[g] = 0; product[g] = 1; logs[g] = 0; smallest[g] = .infinity }
            for j in 0..<m {
                let uj = u[j], wj = w[j], pj = power[j]
                for g in 0..<count {
                    let lambda = d[g] * uj + wj
                    quad[g] += pj / lambda
                    product[g] *= lambda
                    smallest[g] = min(smallest[g], lambda)
                }
                // One logarithm per 32 modes: exact unless a product leaves the double range
                // (λ outside ~1e±9 nm²), which the check below catches.
                if j % 32 == 31 || j == m - 1 {
                    for g in 0..<count { logs[g] += log(product[g]); product[g] = 1 }
                }
            }
            for g in 0..<count {
                if !(smallest[g] > 0) {
                    quad[g] = -.infinity
                } else if logs[g].isFinite {
                    quad[g] = constant - logs[g] - 0.5 * quad[g]
                } else { // a product over- or underflowed: the term-by-term sum
                    quad[g] = logLikelihood(dNm2: d[g] * nm2PerUnit, s: s, r: r, dt: dt)
                }
            }
        }
    }

    /// The *profile* log-likelihood at every D of `grid` (µm²/s): for each D,
    /// log L maximised over the effective noise s = σ² − 2RDΔt (any sign, as long
    /// as the covariance stays positive definite).
    ///
    /// Blur enters the likelihood only through s — λⱼ = 2DΔt + 2(1 − cos θⱼ)(σ² − 2RDΔt) —
    /// so this needs neither σ² nor R: use it when the exposure is unknown
    /// (R is only weakly identifiable, and a wrong R with a pooled σ² biases D
    /// by several % in a polydisperse sample). Like every profile likelihood it
    /// is slightly narrower than a likelihood with s known (O(1/K)). Cost: a few
    /// Newton steps in s per grid point, warm-started from the previous point.
    public func profileLogLikelihoods(diffusionGridUm2PerS grid: [Double], frameIntervalSeconds dt: Double) -> [Double] {
        let m = modeCount
        guard m > 0 else { return [Double](repeating: 0, count: grid.count) }
        let v = cosines.map { 2 * (1 - $0) }
        let constant = -Double(m) * log(2 * Double.pi)
        var warm: Double? = nil
        return grid.map { constant + profileCore(a: 2 * dt * $0 * 1e6, v: v, warmStart: &warm) }
    }

    /// max over s of −Σ[log λⱼ + Pⱼ/(2λⱼ)] with λⱼ = a + s·vⱼ (a = 2DΔt in nm²),
    /// over the s keeping every λⱼ > 0; `warmStart` carries s between calls.
    func profileCore(a: Double, v: [Double], warmStart: inout Double?) -> Double {
        let m = modeCount
        var vMin = Double.infinity, vMax = 0.0
        for x in v { vMin = min(vMin, x); vMax = max(vMax, x) }
        // λ > 0 for every mode ⇔ s > sMin.
        let sMin = a >= 0 ? -a / vMax : -a / vMin
        guard sMin.isFinite else { return -.infinity }
        func value(_ s: Double) -> Double {
            var total = 0.0
            for j in 0..<m {
                let lambda = a + s * v[j]
                if !(lambda > 0) { return -.infinity }
                total -= log(lambda) + power[j] / (2 * lambda)
            }
            return total
        }
        let scale = max(abs(a), abs(sMin) * vMax, .leastNormalMagnitude)
        var sNow = warmStart ?? 0
        if !(sNow > sMin) || !value(sNow).isFinite { sNow = sMin + max(abs(sMin), scale / vMax) }
        var f = value(sNow)
        guard f.isFinite else { return -.infinity }
        for _ in 0..<100 {
            var score = 0.0, expected = 0.0, observed = 0.0
            for j in 0..<m {
                let lambda = a + sNow * v[j], l2 = lambda * lambda
                score += v[j] * (power[j] / (2 * l2) - 1 / lambda)
                expected += v[j] * v[j] / l2
                observed += v[j] * v[j] * (power[j] / (l2 * lambda) - 1 / l2)
            }
            var step = score / (observed > 0 ? observed : expected)
            if sNow + step <= sMin { step = (sMin - sNow) / 2 }
            var next = sNow + step, fNext = value(next), halvings = 0
            while !(fNext >= f), halvings < 60 { step /= 2; next = sNow + step; fNext = value(next); halvings += 1 }
            if !(fNext >= f) { break }
            let moved = abs(next - sNow)
            sNow = next; f = fNext
            if moved <= 1e-10 * (scale + abs(sNow)) { break }
        }
        warmStart = sNow
        return f
    }

    /// The log-likelihood of every track at every D of `grid` (µm²/s), row-major
    /// (`tracks.count` rows of `grid.count`), computed in parallel: the matrix a
    /// deconvolution over a diffusion (diameter) grid works with.
    ///
    /// - Parameter subtractingRowMaximum: when true, each row has its maximum
    ///   subtracted (so the largest entry is 0 and `exp` never underflows for the
    ///   relevant grid points); a per-track constant does not change mixture
    ///   weights estimated by EM. Rows that are −∞ everywhere stay −∞.
    public static func logLikelihoodMatrix(
        _ tracks: [TrackLikelihood], diffusionGridUm2PerS grid: [Double], localisationVarianceNm2 s: Double,
        blurCoefficient r: Double, frameIntervalSeconds dt: Double, subtractingRowMaximum: Bool = false
    ) -> [Double] {
        let rows = tracks.count, columns = grid.count
        guard rows > 0, columns > 0 else { return [] }
        return [Double](unsafeUninitializedCapacity: rows * columns) { buffer, initialized in
            ResidentMemory.preferHugePages(buffer)
            let out = SendableBuffer(base: buffer)
            let workers = Parallel.workerCount
            let chunks = min(max(rows / 64, 1), 4 * workers)
            grid.withUnsafeBufferPointer { g in
                let gridBuffer = SendableGrid(base: g)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for t in (rows * c / chunks) ..< (rows * (c + 1) / chunks) {
                        let row = UnsafeMutableBufferPointer(start: out.base.baseAddress! + t * columns, count: columns)
                        tracks[t].logLikelihoods(diffusionGridUm2PerS: gridBuffer.base, localisationVarianceNm2: s,
                                                 blurCoefficient: r, frameIntervalSeconds: dt, into: row)
                        if subtractingRowMaximum, let top = row.max(), top.isFinite {
                            for k in 0..<columns { row[k] -= top }
                        }
                    }
                }
            }
            initialized = rows * columns
        }
    }

    func logLikelihood(dNm2 d: Double, s: Double, r: Double, dt: Double) -> Double {
        var total = -Double(modeCount) * log(2 * Double.pi)
        for j in 0..<modeCount {
            let oneMinusCos = 1 - cosines[j]
            let lambda = d * 2 * dt * (1 - 2 * r * oneMinusCos) + s * 2 * oneMinusCos
            if !(lambda > 0) { return -.infinity }
            total -= log(lambda) + power[j] / (2 * lambda)
        }
        return total
    }
}

/// Transforms being planned in the background (``TrackLikelihood/planTransformsInBackground(for:)``).
public struct TransformPlanning: @unchecked Sendable {
    let group: DispatchGroup

    /// Waits until the planning has finished.
    public func wait() { group.wait() }
}

/// Scratch space for the DST-I of one run's steps, with per-K tables.
struct DSTScratch {
    var dx: [Double] = [], dy: [Double] = [], cx: [Double] = [], cy: [Double] = []
    /// Runs with at most this many steps use the direct O(K²) transform
    /// (faster than an FFTW call at these sizes, and lock-free).
    static let directLimit = 24
    /// Per K: cos(jπ/(K + 1)) for j = 1…K, and (K ≤ directLimit) sin(mπ/(K + 1)) for m < 2(K + 1).
    private var tables: [Int: (cosines: [Double], sines: [Double])] = [:]

    init() {}

    init(capacity: Int) { ensureCapacity(capacity) }

    mutating func ensureCapacity(_ n: Int) {
        guard dx.count < n else { return }
        dx = [Double](repeating: 0, count: n)
        dy = dx; cx = dx; cy = dx
    }

    private mutating func table(_ k: Int) -> (cosines: [Double], sines: [Double]) {
        if let t = tables[k] { return t }
        let cosines = (1...k).map { cos(Double.pi * Double($0) / Double(k + 1)) }
        let sines = k <= Self.directLimit ? (0..<(2 * (k + 1))).map { sin(Double.pi * Double($0) / Double(k + 1)) } : []
        if tables.count > 4096 { tables.removeAll(keepingCapacity: true) }
        tables[k] = (cosines, sines)
        return (cosines, sines)
    }

    /// Appends the K modes of the run of positions `from ... from + k`.
    mutating func appendModes(x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, from: Int, steps k: Int,
                              cosines: inout [Double], power: inout [Double]) {
        for i in 0..<k {
            dx[i] = x[from + i + 1] - x[from + i]
            dy[i] = y[from + i + 1] - y[from + i]
        }
        let t = table(k)
        if k <= Self.directLimit {
            directDST(k, sineTable: t.sines)
        } else {
            dx.withUnsafeMutableBufferPointer { dx in
                cx.withUnsafeMutableBufferPointer { cx in
                    FFTW.dst1(UnsafeMutableBufferPointer(rebasing: dx[0..<k]), into: UnsafeMutableBufferPointer(rebasing: cx[0..<k]))
                }
            }
            dy.withUnsafeMutableBufferPointer { dy in
                cy.withUnsafeMutableBufferPointer { cy in
                    FFTW.dst1(UnsafeMutableBufferPointer(rebasing: dy[0..<k]), into: UnsafeMutableBufferPointer(rebasing: cy[0..<k]))
                }
            }
        }
        let norm = 1 / (2 * Double(k + 1))
        cosines.append(contentsOf: t.cosines)
        for j in 0..<k { power.append((cx[j] * cx[j] + cy[j] * cy[j]) * norm) }
    }

    /// Unnormalised DST-I as FFTW defines RODFT00: Yₖ = 2 Σⱼ Xⱼ sin(π(j+1)(k+1)/(K+1)).
    mutating func directDST(_ k: Int, sineTable: [Double]) {
        let period = 2 * (k + 1)
        for out in 0..<k {
            var sx = 0.0, sy = 0.0
            var index = 0
            let stride = out + 1
            for j in 0..<k {
                index += stride
                if index >= period { index -= period }
                let s = sineTable[index]
                sx += dx[j] * s
                sy += dy[j] * s
            }
            cx[out] = 2 * sx
            cy[out] = 2 * sy
        }
    }

    /// The direct transform of `values` (tests compare it with FFTW's).
    static func directDST(_ values: [Double]) -> [Double] {
        var s = DSTScratch(capacity: values.count)
        for (i, v) in values.enumerated() { s.dx[i] = v }
        s.directDST(values.count, sineTable: (0..<(2 * (values.count + 1))).map {
            sin(Double.pi * Double($0) / Double(values.count + 1))
        })
        return Array(s.cx[0..<values.count])
    }
}

/// A read-only grid shared by the workers of ``TrackLikelihood/logLikelihoodMatrix(_:diffusionGridUm2PerS:localisationVarianceNm2:blurCoefficient:frameIntervalSeconds:subtractingRowMaximum:)``.
private struct SendableGrid: @unchecked Sendable {
    let base: UnsafeBufferPointer<Double>
}

/// The exact per-track likelihoods of a video at its nuisance parameters, in
/// the shape the size-distribution deconvolution consumes (its
/// `TrackLikelihoodModel` protocol: `Summary` = the track index, since exact
/// likelihoods of different tracks never coincide; D in nm²/s).
public struct ExactTrackLikelihoods: Sendable {
    /// One likelihood per track, in track order.
    public var tracks: [TrackLikelihood]
    /// Pooled per-axis σ², nm² (e.g. ``VideoNuisance/context``; clamp negative values to 0).
    public var localisationVarianceNm2: Double
    /// Each track's own σ², nm², in place of ``localisationVarianceNm2`` (photon-limited localisation,
    /// ``VideoNuisance/sizingLocalisationVarianceNm2(meanInverseIntensity:)``; negative values count as 0); `nil`: the
    /// pooled one for every track.
    public var localisationVariancesNm2: [Double]?
    /// Motion-blur coefficient R.
    public var blurCoefficient: Double
    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// When true, σ² and R are ignored and each track's likelihood is profiled
    /// over its effective noise (``TrackLikelihood/profileLogLikelihoods(diffusionGridUm2PerS:frameIntervalSeconds:)``):
    /// the choice when the exposure is unknown.
    public var profilesNoise: Bool

    /// Likelihoods `tracks` at σ² (nm²), R and Δt (s); `profilesNoise` ignores σ² and R.
    init(tracks: [TrackLikelihood], localisationVarianceNm2: Double, blurCoefficient: Double,
                frameIntervalSeconds: Double, profilesNoise: Bool = false) {
        self.tracks = tracks
        self.localisationVarianceNm2 = localisationVarianceNm2
        self.blurCoefficient = blurCoefficient
        self.frameIntervalSeconds = frameIntervalSeconds
        self.profilesNoise = profilesNoise
    }

    /// Builds the likelihoods of every track of `set` (in parallel) at the
    /// context's σ² and R, or profiled over the noise (`profilesNoise`).
    public init(_ set: TrackSet, context: EstimationContext, profilesNoise: Bool = false) {
        self.init(tracks: TrackLikelihood.all(set), localisationVarianceNm2: max(context.localisationVarianceNm2 ?? 0, 0),
                  blurCoefficient: context.blurCoefficient, frameIntervalSeconds: context.frameIntervalSeconds,
                  profilesNoise: profilesNoise)
    }

    /// A track's summary is its index (see ``summary(ofTrack:)``).
    public typealias Summary = Int

    /// Number of tracks.
    public var trackCount: Int { tracks.count }

    /// Track `n`'s summary: its index (no two tracks share a row).
    public func summary(ofTrack n: Int) -> Int { n }

    /// log L of track `summary` at every D of `diffusionNm2PerS` (nm²/s) into `out`
    /// (resized to the grid); constants included; −∞ where the covariance is not
    /// positive definite.
    public func logLikelihood(_ summary: Int, diffusionNm2PerS grid: [Double], into out: inout [Double]) {
        if profilesNoise {
            out = tracks[summary].profileLogLikelihoods(diffusionGridUm2PerS: grid.map { $0 * 1e-6 },
                                                        frameIntervalSeconds: frameIntervalSeconds)
            return
        }
        if out.count != grid.count { out = [Double](repeating: 0, count: grid.count) }
        grid.withUnsafeBufferPointer { g in
            out.withUnsafeMutableBufferPointer { o in
                let s2 = localisationVariancesNm2.map { max($0[summary], 0) } ?? localisationVarianceNm2
                tracks[summary].logLikelihoods(grid: g, nm2PerUnit: 1, s: s2, r: blurCoefficient,
                                               dt: frameIntervalSeconds, into: o)
            }
        }
    }
}
