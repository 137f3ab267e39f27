import Foundation
import NTACore

/// One log-normal population of a mixture.
public struct LogNormalComponentFit: Sendable, Hashable {
    /// Number fraction of the distribution in this component.
    public var weight: Double
    /// Median diameter e^μ, nm.
    public var medianNanometers: Double
    /// Geometric standard deviation e^s.
    public var geometricSD: Double
    /// Mean μ of ln(d / 1 nm) (= ln of ``medianNanometers``).
    public var logMean: Double
    /// SD s of ln(d / 1 nm) (= ln of ``geometricSD``).
    public var logSD: Double
}

/// A log-normal mixture fitted to a size distribution, with the number of
/// components chosen by BIC.
public struct LogNormalMixtureFit: Sendable, Hashable {
    /// Components, by increasing median.
    public var components: [LogNormalComponentFit]
    /// Log-likelihood of the chosen fit (multinomial over the grid's cells, scaled to n_eff).
    public var logLikelihood: Double
    /// BIC of each K tried (index 0: K = 1).
    public var bicByComponentCount: [Double]
    /// The effective sample size n_eff used in the likelihood and in BIC's penalty (3K − 1) ln n_eff.
    public var effectiveSampleSize: Double
    /// Whether the chosen fit's EM converged (an EM step gaining under 10⁻⁹ in ℓ per unit amount) within
    /// its step cap; when not, the components are where the iterations stopped, short of the maximum.
    public var converged: Bool = true

    /// Number of components K chosen.
    public var componentCount: Int { components.count }
    /// BIC of the chosen K (lower is better).
    public var bic: Double { bicByComponentCount[components.count - 1] }

    /// What a reader must be told about the components, or `nil`: that the chosen fit's EM stopped at its
    /// step cap before converging. EM's rate of convergence is the largest fraction of missing information
    /// (Dempster, Laird & Rubin 1977): a run this slow has a direction in which the data say little, so
    /// components that differ along it fit nearly as well.
    public var convergenceNote: String? {
        converged ? nil : "log-normal components (K = \(componentCount)): the fit did not converge within \(LogNormalMixture.maximumEMSteps) EM steps; EM this slow means the data hardly tell the components apart (a large fraction of missing information), so decompositions with other medians and weights fit nearly as well: the distribution they sum to is better determined than any one component"
    }
}

/// Fits log d ~ Σ_k π_k N(μ_k, s_k²) to a distribution given as amounts on a
/// diameter grid (a histogram, or a deconvolved distribution), by EM for
/// grouped data (McLachlan & Jones 1988), accelerated by SQUAREM (Varadhan &
/// Roland 2008; ``LogNormalMixtureFit/converged`` says whether the chosen fit
/// converged within ``maximumEMSteps``): each grid point stands for the cell
/// between the log-midpoints to its neighbours, and a component's probability
/// of a cell is its normal probability over that cell, so narrow components
/// cannot collapse onto a single point.
///
/// The number of components K = 1…`maxComponents` minimises
/// BIC = −2ℓ + (3K − 1) ln n_eff, where ℓ = n_eff Σ_i p_i ln Σ_k π_k P_k(cell i)
/// and p_i the grid's normalised amounts. n_eff is the number of independent
/// observations behind the distribution: the number of tracks for a
/// histogram of per-track sizes (the default: the grid's total when it
/// holds counts); for a deconvolved distribution pass the number of tracks
/// that produced it (a deconvolution does not add information).
///
/// Per-track size histograms are broadened by estimation noise (SCIENCE.md §1),
/// so their components come out wider than the sample's: fit the deconvolved
/// distribution when it is available.
public enum LogNormalMixture {
    /// The most EM steps one start may take (SQUAREM's jumps count as steps).
    public static let maximumEMSteps = 500

    /// Fits K = 1…`maxComponents` and returns the fit with the lowest BIC among those whose components are
    /// populations apart (``minimumSeparation``; one component always qualifies).
    public static func fit(_ grid: SizeGrid, effectiveSampleSize: Double? = nil, maxComponents: Int = 4,
                           seed: UInt64 = 1) throws(PopulationError) -> LogNormalMixtureFit {
        let n = effectiveSampleSize ?? grid.total
        guard n >= 2 else { throw .invalidDistribution("effective sample size \(n) is below 2") }
        var best: (fit: [LogNormalComponentFit], ll: Double, converged: Bool)?
        var bics: [Double] = []
        var bestBIC = Double.infinity
        // Each K is fitted on its own seeded starts, and every start's EM runs on its own (in parallel: the
        // largest K alone had kept one core busy), the largest K's first (the slowest: the last to be taken
        // are then the quick ones); the best start per K, in start order, and the choice of K below do not
        // depend on the number of cores or on the order the runs are taken in.
        let counts = max(1, maxComponents)
        let problem = Problem(grid)
        let tasks = (1...counts).reversed().flatMap { k in
            problem.starts(components: k, seed: seed).map { (k: k, start: $0) }
        }
        let runs = Parallel.map(count: tasks.count, minimumChunk: 1) { problem.em(from: tasks[$0].start) }
        let fits = (1...counts).map { k in
            problem.best(of: tasks.indices.filter { tasks[$0].k == k }.map { runs[$0] }, effectiveSampleSize: n)
        }
        for k in 1...counts {
            let (comps, ll, converged) = fits[k - 1]
            let bic = -2 * ll + Double(3 * k - 1) * log(n)
            bics.append(bic)
            if bic < bestBIC, k == 1 || separated(comps) { bestBIC = bic; best = (comps, ll, converged) }
        }
        return LogNormalMixtureFit(components: best!.fit, logLikelihood: best!.ll, bicByComponentCount: bics,
                                   effectiveSampleSize: n, converged: best!.converged)
    }

    /// Ashman's D below which two components are one population's shape, not two populations: 1. D =
    /// √2·|μ₁ − μ₂|/√(s₁² + s₂²) in ln d (Ashman, Bird & Zepf 1994, AJ 108:2348); two normals of one SD are
    /// bimodal only above 2, and below 1 they overlap so far that a fit places them where one population's skew or
    /// tails lie (a pure 200 nm sample came out as 199, 201 and 204 nm). EV-like vesicles (100 nm, ×/÷ 1.3) and
    /// debris (200 nm, ×/÷ 1.65) read D ≈ 1.7 and stay apart.
    public static let minimumSeparation = 1.0

    /// The least difference of two components' ln medians: 0.05 (5 %), two cells of the deconvolution's default
    /// grid (200 cells over 9.87–2027 nm, 2.7 % each). Closer components sit on ripples of a distribution narrower
    /// than its grid (100 nm beads came out as 97.6, 101.1 and 103.0 nm, each ×/÷ 1.005–1.023).
    public static let minimumLogMedianDifference = 0.05

    /// Whether every two components of `components` adjacent in median are populations apart: at least
    /// ``minimumSeparation`` (Ashman's D) and ``minimumLogMedianDifference``.
    static func separated(_ components: [LogNormalComponentFit]) -> Bool {
        let sorted = components.sorted { $0.logMean < $1.logMean }
        return zip(sorted, sorted.dropFirst()).allSatisfy { a, b in
            let spread = (a.logSD * a.logSD + b.logSD * b.logSD).squareRoot()
            let apart = b.logMean - a.logMean
            return spread > 0 && apart >= minimumLogMedianDifference && 2.0.squareRoot() * apart >= minimumSeparation * spread
        }
    }

    /// EM for a fixed number of components, best of several starts
    /// (quantile-spread and seeded random starts). Returns the components and ℓ.
    public static func fitFixed(_ grid: SizeGrid, components k: Int, effectiveSampleSize n: Double,
                                seed: UInt64 = 1) -> ([LogNormalComponentFit], Double) {
        let problem = Problem(grid)
        let (components, ll, _) = problem.best(of: problem.starts(components: k, seed: seed).map { problem.em(from: $0) },
                                               effectiveSampleSize: n)
        return (components, ll)
    }

    /// The grid as the EM sees it: cells in ln d with their amounts and edges, and what the starts need.
    struct Problem: Sendable {
        let x: [Double], p: [Double], m: Int
        /// Cell edges: log-midpoints; the end cells are open (they hold the tails).
        let edges: [Double]
        let floorSD: Double
        /// Weighted SD of ln d (at least `floorSD`).
        let sd: Double

        init(_ grid: SizeGrid) {
            let cells = LogNormalMixture.logCells(grid)
            x = cells.x; p = cells.p
            m = x.count
            var edges = [Double](repeating: 0, count: m + 1)
            let spacing = m > 1 ? (x[m - 1] - x[0]) / Double(m - 1) : 0.05
            for i in 1..<max(m, 1) { edges[i] = (x[i - 1] + x[i]) / 2 }
            edges[0] = -.infinity
            edges[m] = .infinity
            self.edges = edges
            floorSD = max(0.005, spacing / 4)
            let mean = zip(x, p).reduce(0) { $0 + $1.0 * $1.1 }
            sd = max(zip(x, p).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) }.squareRoot(), floorSD)
        }

        /// The starts for `k` components: quantile-spread, then four seeded random ones (k > 1).
        func starts(components k: Int, seed: UInt64) -> [[Double]] {
            // A start needs a cell's own point, not a value interpolated within it: the cell where the cumulative p reaches q.
            func quantile(_ q: Double) -> Double {
                if case .within(let i, _) = Quantile.crossing(p, q, total: 1) { return x[i] }
                return x[m - 1]
            }
            var starts: [[Double]] = [(0..<k).map { quantile((Double($0) + 0.5) / Double(k)) }]
            var rng = SeededGenerator(seed: seed, stream: UInt64(k))
            for _ in 0..<(k == 1 ? 0 : 4) {
                starts.append((0..<k).map { _ in quantile(rng.nextUniform()) }.sorted())
            }
            return starts
        }

        /// The first run in `runs` (in start order) with the largest ℓ, as components sorted by median, n·ℓ, and
        /// whether that run converged.
        func best(of runs: [Run], effectiveSampleSize n: Double) -> ([LogNormalComponentFit], Double, Bool) {
            var best = runs[0]
            for run in runs.dropFirst() where run.ll > best.ll { best = run }
            let t = best.theta
            let comps = t.mu.indices.map { j in
                LogNormalComponentFit(weight: t.pi[j], medianNanometers: exp(t.mu[j]), geometricSD: exp(t.s[j]),
                                      logMean: t.mu[j], logSD: t.s[j])
            }.sorted { $0.medianNanometers < $1.medianNanometers }
            return (comps, n * best.ll, best.converged)
        }

        /// The parameters of one run: the components' ln-medians μ, SDs s of ln d, and weights π.
        struct Parameters {
            var mu: [Double], s: [Double], pi: [Double]
        }

        /// One run's end: its parameters, ℓ per unit amount there, and whether it converged.
        typealias Run = (theta: Parameters, ll: Double, converged: Bool)

        /// One EM step for grouped data from `θ`: the next parameters, and ℓ per unit amount at `θ`.
        func emStep(_ theta: Parameters) -> (next: Parameters, ll: Double) {
            let k = theta.mu.count
            var next = theta
            var sumR = [Double](repeating: 0, count: k), sumX = sumR, sumX2 = sumR
            var ll = 0.0
            var probs = [Double](repeating: 0, count: k), ex = probs, ex2 = probs
            // Per component, the last cell's upper edge: the next cell's lower edge when adjacent.
            var shared = [EdgeValues?](repeating: nil, count: k)
            for i in 0..<m where p[i] > 0 {
                var tot = 0.0
                for j in 0..<k {
                    let (pr, e1, e2) = LogNormalMixture.cellMoments(theta.mu[j], theta.s[j], edges[i], edges[i + 1], x[i],
                                                                    shared: &shared[j])
                    probs[j] = theta.pi[j] * pr; ex[j] = e1; ex2[j] = e2
                    tot += probs[j]
                }
                guard tot > 0 else { ll += p[i] * -745; continue }
                ll += p[i] * log(tot)
                for j in 0..<k {
                    let r = p[i] * probs[j] / tot
                    sumR[j] += r; sumX[j] += r * ex[j]; sumX2[j] += r * ex2[j]
                }
            }
            for j in 0..<k where sumR[j] > 1e-12 {
                next.pi[j] = sumR[j]
                let newMu = sumX[j] / sumR[j]
                let variance = sumX2[j] / sumR[j] - newMu * newMu
                next.mu[j] = newMu
                next.s[j] = max(variance.squareRoot(), floorSD)
            }
            let piTotal = next.pi.reduce(0, +)
            next.pi = next.pi.map { $0 / piTotal }
            return (next, ll)
        }

        /// A run has converged when one EM step gains less than this in ℓ per unit amount (n_eff times it
        /// in the log-likelihood: 3·10⁻⁴ for 300,000 tracks).
        static let tolerance = 1e-9

        /// SQUAREM-accelerated EM (Varadhan & Roland 2008, scheme S3) from `start` (the components' ln-medians), for at
        /// most ``LogNormalMixture/maximumEMSteps`` EM steps. Each cycle takes two EM steps θ₁ = F(θ₀),
        /// θ₂ = F(θ₁), jumps in (μ, ln s, ln π) and takes one EM step from there; a jump less likely than θ₁ is
        /// dropped (the cycle continues from θ₂), so ℓ never falls. Plain EM on these cells converges linearly
        /// and slowly where components overlap: it stopped at 500 steps short of the maximum in most runs on
        /// real-sized samples.
        func em(from start: [Double]) -> Run {
            let k = start.count, maxSteps = LogNormalMixture.maximumEMSteps
            var theta = Parameters(mu: start, s: [Double](repeating: max(sd / Double(k), floorSD), count: k),
                                   pi: [Double](repeating: 1 / Double(k), count: k))
            var steps = 0
            while steps + 2 <= maxSteps {
                let (theta1, ll0) = emStep(theta)
                let (theta2, ll1) = emStep(theta1)
                steps += 2
                if abs(ll1 - ll0) < Self.tolerance { return (theta1, ll1, true) }
                guard let jumped = jump(theta, theta1, theta2), steps < maxSteps else {
                    theta = theta2
                    continue
                }
                let (stabilised, llJump) = emStep(jumped)
                steps += 1
                theta = llJump >= ll1 ? stabilised : theta2
            }
            // The cap, short of convergence: the last parameters and ℓ there.
            return (theta, emStep(theta).ll, false)
        }

        /// SQUAREM's jump from θ₀ through θ₁ = F(θ₀) and θ₂ = F(θ₁) in (μ, ln s, ln π): r = θ₁ − θ₀,
        /// v = θ₂ − 2θ₁ + θ₀, α = −‖r‖/‖v‖ ≤ −1, θ′ = θ₀ − 2αr + α²v, s kept at least ``floorSD`` and π
        /// renormalised; `nil` when a coordinate is not finite (a weight of 0) or the steps have stopped (‖v‖ = 0).
        func jump(_ t0: Parameters, _ t1: Parameters, _ t2: Parameters) -> Parameters? {
            func coordinates(_ t: Parameters) -> [Double] { t.mu + t.s.map { log($0) } + t.pi.map { log($0) } }
            let c0 = coordinates(t0), c1 = coordinates(t1), c2 = coordinates(t2)
            guard (c0 + c1 + c2).allSatisfy(\.isFinite) else { return nil }
            var rr = 0.0, vv = 0.0
            for i in c0.indices {
                let r = c1[i] - c0[i], v = c2[i] - 2 * c1[i] + c0[i]
                rr += r * r; vv += v * v
            }
            guard vv > 0 else { return nil }
            let alpha = min(-(rr / vv).squareRoot(), -1)
            let k = t0.mu.count
            var c = c0
            for i in c.indices {
                let r = c1[i] - c0[i], v = c2[i] - 2 * c1[i] + c0[i]
                c[i] = c0[i] - 2 * alpha * r + alpha * alpha * v
            }
            let mu = Array(c[0..<k]), s = c[k..<(2 * k)].map { max(exp($0), floorSD) }
            let logPi = Array(c[(2 * k)...]), top = logPi.max() ?? 0
            let w = logPi.map { exp($0 - top) }, total = w.reduce(0, +)
            guard mu.allSatisfy(\.isFinite), s.allSatisfy(\.isFinite), total > 0, total.isFinite else { return nil }
            return Parameters(mu: mu, s: s, pi: w.map { $0 / total })
        }
    }

    /// The grid in ln d with normalised amounts; a fine grid (more than 200
    /// points, e.g. 1-nm bins) is first merged into cells 0.02 wide in ln d
    /// (2 %, far narrower than any population), amount-weighted positions.
    static func logCells(_ grid: SizeGrid) -> (x: [Double], p: [Double]) {
        let total = grid.total
        let x = grid.diametersNanometers.map { log($0) }
        let p = grid.weights.map { $0 / total }
        guard x.count > 200 else { return (x, p) }
        let width = 0.02
        var cx: [Double] = [], cp: [Double] = []
        var currentCell = Int.min, sx = 0.0, sp = 0.0
        for i in x.indices where p[i] > 0 {
            let cell = Int((x[i] / width).rounded(.down))
            if cell != currentCell, sp > 0 { cx.append(sx / sp); cp.append(sp); sx = 0; sp = 0 }
            currentCell = cell
            sx += x[i] * p[i]; sp += p[i]
        }
        if sp > 0 { cx.append(sx / sp); cp.append(sp) }
        return (cx, cp)
    }

    /// One cell edge's standardised value t = (edge − μ)/s with the normal tail probabilities and density
    /// there (each computed when first needed): shared by the two cells the edge bounds.
    struct EdgeValues {
        var edge: Double, mu: Double, s: Double, t: Double
        var upperTail = Double.nan, lowerTail = Double.nan
        var density: Double

        init(_ edge: Double, _ mu: Double, _ s: Double) {
            self.edge = edge; self.mu = mu; self.s = s
            t = (edge - mu) / s
            density = t.isFinite ? exp(-0.5 * t * t) / (2 * Double.pi).squareRoot() : 0
        }

        /// erfc(t/√2) = 2(1 − Φ(t)).
        mutating func upper() -> Double {
            if upperTail.isNaN { upperTail = erfc(t / 2.0.squareRoot()) }
            return upperTail
        }

        /// erfc(−t/√2) = 2Φ(t).
        mutating func lower() -> Double {
            if lowerTail.isNaN { lowerTail = erfc(-t / 2.0.squareRoot()) }
            return lowerTail
        }
    }

    /// Probability of a normal N(μ, s²) over [a, b], and E[x], E[x²] given x in
    /// [a, b] (truncated-normal moments; the cell's point `mid` when the
    /// probability underflows).
    static func cellMoments(_ mu: Double, _ s: Double, _ a: Double, _ b: Double, _ mid: Double) -> (Double, Double, Double) {
        var shared: EdgeValues?
        return cellMoments(mu, s, a, b, mid, shared: &shared)
    }

    /// ``cellMoments(_:_:_:_:_:)`` reusing the values at `a` when `shared` holds them (the previous cell's
    /// upper edge, same μ and s), and leaving those at `b` in `shared` for the next cell: the same numbers.
    static func cellMoments(_ mu: Double, _ s: Double, _ a: Double, _ b: Double, _ mid: Double,
                            shared: inout EdgeValues?) -> (Double, Double, Double) {
        var lower: EdgeValues
        if let cached = shared, cached.edge == a, cached.mu == mu, cached.s == s { lower = cached } else { lower = EdgeValues(a, mu, s) }
        var upper = EdgeValues(b, mu, s)
        let alpha = lower.t, beta = upper.t
        // Φ(β) − Φ(α) computed on the side of the tail that keeps precision.
        let z = alpha > 0 ? 0.5 * (lower.upper() - upper.upper()) : 0.5 * (upper.lower() - lower.lower())
        shared = upper
        let phiA = lower.density, phiB = upper.density
        let aPhiA = alpha.isFinite ? alpha * phiA : 0, bPhiB = beta.isFinite ? beta * phiB : 0
        guard z > 1e-300, z.isFinite else { return (0, mid, mid * mid) }
        if z < 1e-9 * (beta - alpha), (b - a).isFinite {
            // Far tail: the density is nearly exponential across the cell; use the midpoint.
            let dens = exp(-0.5 * pow((mid - mu) / s, 2)) / (s * (2 * Double.pi).squareRoot()) * (b - a)
            return (max(dens, z), mid, mid * mid)
        }
        let e1 = mu + s * (phiA - phiB) / z
        let varFactor = 1 + (aPhiA - bPhiB) / z - pow((phiA - phiB) / z, 2)
        let variance = max(s * s * varFactor, 0)
        return (z, e1, variance + e1 * e1)
    }
}
