import Foundation
import NTACore
import NTARead
import NTATracks

/// Per-track points of the intensity–size plane.
public struct TrackIntensities: Sendable, Hashable {
    /// The tracker's id of each track.
    public var trackIDs: [Int64]
    /// Estimated diameter, nm.
    public var diametersNanometers: [Double]
    /// Mean of ln(intensity) over the track's localisations (arbitrary units:
    /// no absolute calibration is needed, only a common scale within a video).
    public var meanLogIntensity: [Double]
    /// Localisations per track (its weight: frame-weighting gives number fractions, SCIENCE.md §3).
    public var lengths: [Int]
    /// Variance of ln d̂ per track (from the diffusion estimate's variance,
    /// var(D̂)/D̂²); 0 when unknown.
    public var logDiameterVariance: [Double]

    /// Points from equal-length columns (checked by a precondition); `logDiameterVariance` `nil` means 0 for every
    /// track.
    init(trackIDs: [Int64], diametersNanometers: [Double], meanLogIntensity: [Double], lengths: [Int],
                logDiameterVariance: [Double]? = nil) {
        precondition(trackIDs.count == diametersNanometers.count && diametersNanometers.count == meanLogIntensity.count
                     && meanLogIntensity.count == lengths.count)
        self.trackIDs = trackIDs
        self.diametersNanometers = diametersNanometers
        self.meanLogIntensity = meanLogIntensity
        self.lengths = lengths
        self.logDiameterVariance = logDiameterVariance ?? Array(repeating: 0, count: trackIDs.count)
    }

    /// Points from grouped tracks with intensities and each sized track's
    /// diameter (and, optionally, the relative variance of its D estimate).
    /// Tracks without a diameter or without a positive intensity are left out.
    public init(tracks: TrackSet, diametersByTrack: [Int64: Double],
                relativeDiffusionVarianceByTrack: [Int64: Double] = [:]) throws(PopulationError) {
        guard let intensity = tracks.intensity else { throw .noIntensity }
        var ids: [Int64] = [], d: [Double] = [], li: [Double] = [], n: [Int] = [], v: [Double] = []
        for t in 0..<tracks.trackCount {
            let id = tracks.particleIDs[t]
            guard let dia = diametersByTrack[id], dia.isFinite, dia > 0 else { continue }
            var sum = 0.0, count = 0
            for r in tracks.rows(of: t) where intensity[r] > 0 && intensity[r].isFinite {
                sum += log(intensity[r]); count += 1
            }
            guard count > 0 else { continue }
            ids.append(id); d.append(dia); li.append(sum / Double(count)); n.append(tracks.length(of: t))
            v.append(relativeDiffusionVarianceByTrack[id] ?? 0)
        }
        self.init(trackIDs: ids, diametersNanometers: d, meanLogIntensity: li, lengths: n, logDiameterVariance: v)
    }

    /// Number of tracks (points).
    public var count: Int { trackIDs.count }
}

/// One class of the intensity–size model: ln I = slope·ln d + offset + noise.
public struct IntensityClass: Sendable, Hashable {
    /// Offset of the class line, ln(intensity) − slope·ln d (arbitrary units).
    public var offset: Double
    /// Spread about the line beyond the size-estimation noise (depth in the sheet, camera noise).
    public var spread: Double
    /// Frame-weighted share of the window's particles.
    public var weight: Double
}

/// The vesicle-like share of a size window from the intensity–size plane.
public struct IntensityClassification: Sendable, Hashable {
    /// Frame-weighted share of the window's particles in the low-refractive-index (vesicle-like) class.
    public var vesicleLikeFractionInWindow: Double
    /// [lower, upper] confidence interval of ``vesicleLikeFractionInWindow`` at ``confidenceLevel``, clamped to [0, 1].
    public var vesicleLikeFractionInWindowCI: [Double]
    /// The two classes, vesicle-like (lower offset) first.
    public var vesicleLike: IntensityClass
    /// The dense (higher-offset, debris-like) class.
    public var dense: IntensityClass
    /// Offset difference = 2 ln(K_dense/K_vesicle): the implied ratio of Rayleigh factors.
    public var polarisabilityRatio: Double
    /// The Rayleigh slope used (6).
    public var slope: Double
    /// Tracks in the window used.
    public var tracksInWindow: Int
    /// The classes are not resolved (offsets closer than the larger spread), so the fraction is weakly determined.
    public var poorlySeparated: Bool
    /// Two-sided confidence level of the interval (e.g. 0.95).
    public var confidenceLevel: Double
    /// How the interval was obtained: `tracks` (bootstrap over tracks: the fit's
    /// uncertainty only) or `framesAndTracks` (plus a block bootstrap over frames:
    /// which particles happened to be in view).
    public var intervalSource: String = "tracks"
    /// Probability of the vesicle-like class of each track sized in the window, by track id. Not encoded.
    public var vesicleProbabilityByTrack: [Int64: Double] = [:]
    /// Replicates of the fraction from the bootstrap over tracks. Not encoded.
    public var trackReplicates: [Double] = []

    /// ``vesicleLikeFractionInWindow`` when the classes are separated, `nil` when ``poorlySeparated``: then the
    /// fit splits one cloud of points at an arbitrary place (a single-material sample has one class), and neither
    /// the share nor its interval says anything about the sample. Reports give `null` / "unknown" and
    /// ``separationNote``.
    public var separatedVesicleLikeFraction: Double? { poorlySeparated ? nil : vesicleLikeFractionInWindow }

    /// ``vesicleLikeFractionInWindowCI`` when the classes are separated, `nil` when ``poorlySeparated``.
    public var separatedVesicleLikeFractionCI: [Double]? { poorlySeparated ? nil : vesicleLikeFractionInWindowCI }

    /// Why the share is unknown when ``poorlySeparated`` (for a report's notes); `nil` when the classes are separated.
    public var separationNote: String? {
        guard poorlySeparated else { return nil }
        return "intensity classes: the vesicle-like share of the window is unknown: the two classes are not separated "
            + "(polarisability ratio \(String(format: "%.5g", polarisabilityRatio)), their offsets closer than their spread); "
            + "a single-material sample cannot be split"
    }
}

/// Separates low-refractive-index, vesicle-like particles from dense debris of
/// the same size in the (ln d, ln I) plane, without absolute intensity calibration.
///
/// Physics: a Rayleigh scatterer's intensity is ∝ d⁶ K(m)², K(m) = (m² − 1)/(m² + 2)
/// (SCIENCE.md §6), so ln I = 6 ln d + 2 ln K(m) + c: particles of one material
/// lie on a line of slope 6 whose offset is set by the refractive index, and an
/// EV (m ≈ 1.04 in water) lies 2 ln(K_debris/K_EV) ≈ 2–3 below dense debris
/// (m ≈ 1.15–1.2). The unknown constant c (laser power, camera gain) is common to
/// both classes, so only the offsets' *difference* and the class shares matter.
///
/// Model: for tracks sized in the window, the residual r = ln I − 6 ln d̂ is a
/// two-component Gaussian mixture, r ~ Σ_c π_c N(μ_c, s² + 36 v_i), with one
/// spread s for both classes (depth in the sheet and camera noise scale every
/// particle alike, so the classes differ only in offset), where
/// v_i = var(ln d̂_i) carries each track's size-estimation noise (it moves the
/// point along ln d, i.e. by −6 v in r). Tracks are weighted by their
/// localisations so π is a number fraction of the sample (SCIENCE.md §3).
/// The interval is a bootstrap over tracks (refitting the mixture).
///
/// Assumptions and limits: Rayleigh regime (d ≪ λ; above ~150 nm Mie
/// scattering bends the lines down, which is why only the window is fitted);
/// one video or videos at the same camera settings; two classes; window
/// membership uses the estimated diameter, so particles near the window edges
/// can be mis-assigned by per-track size noise.
public enum IntensityClassifier {
    /// Fits the two classes to the points sized within `window` (Rayleigh `slope`, default 6), with a bootstrap
    /// over tracks of `replicates` draws from `seed` at `confidenceLevel`.
    /// Throws ``PopulationError/tooFewTracks(needed:found:)`` below 10 tracks in the window.
    public static func classify(_ points: TrackIntensities, window: SizeWindow = .exosome, slope: Double = 6,
                                confidenceLevel: Double = 0.95, replicates: Int = 200,
                                seed: UInt64 = 1) throws(PopulationError) -> IntensityClassification {
        var r: [Double] = [], w: [Double] = [], v: [Double] = [], ids: [Int64] = []
        for i in 0..<points.count {
            let d = points.diametersNanometers[i]
            guard d >= window.minNm, d <= window.maxNm else { continue }
            ids.append(points.trackIDs[i])
            r.append(points.meanLogIntensity[i] - slope * log(d))
            w.append(Double(points.lengths[i]))
            v.append(slope * slope * points.logDiameterVariance[i])
        }
        guard r.count >= 10 else { throw .tooFewTracks(needed: 10, found: r.count) }
        let full = bestFit(r: r, w: w, extra: v)
        var rng = SeededGenerator(seed: seed, stream: 0x1CE)
        var reps: [Double] = []
        reps.reserveCapacity(replicates)
        let n = r.count
        // The replicates' draws in order from one stream (so the same for any number of cores), a batch at a time;
        // each batch's refits in parallel.
        let batch = 4 * Parallel.workerCount
        let (rs, ws, vs) = (r, w, v)
        var done = 0
        while done < replicates {
            let m = min(batch, replicates - done)
            var draws = [Int](repeating: 0, count: m * n)
            for j in draws.indices { draws[j] = rng.nextInt(below: n) }
            let drawn = draws
            reps += Parallel.map(count: m, minimumChunk: 1) { b in
                var br = [Double](repeating: 0, count: n), bw = br, bv = br
                for j in 0..<n {
                    let k = drawn[b * n + j]
                    br[j] = rs[k]; bw[j] = ws[k]; bv[j] = vs[k]
                }
                return fit(r: br, w: bw, extra: bv, start: full, iterations: 60).pi
            }
            done += m
        }
        let ci = BlockBootstrap.interval(estimate: full.pi, replicates: reps, level: confidenceLevel)
        let separation = full.mu1 - full.mu0
        return IntensityClassification(
            vesicleLikeFractionInWindow: full.pi,
            vesicleLikeFractionInWindowCI: [max(ci.lowerBound, 0), min(ci.upperBound, 1)],
            vesicleLike: IntensityClass(offset: full.mu0, spread: full.s0, weight: full.pi),
            dense: IntensityClass(offset: full.mu1, spread: full.s1, weight: 1 - full.pi),
            polarisabilityRatio: exp(separation / 2), slope: slope, tracksInWindow: n,
            poorlySeparated: separation < max(full.s0, full.s1), confidenceLevel: confidenceLevel,
            intervalSource: "tracks",
            vesicleProbabilityByTrack: Dictionary(zip(ids, full.posterior), uniquingKeysWith: { a, _ in a }),
            trackReplicates: reps)
    }

    /// One video for ``classify(videos:window:slope:options:replicates:)``: its
    /// intensity–size points and the trajectories they come from.
    public struct Video: Sendable {
        /// The video's intensity–size points.
        public var points: TrackIntensities
        /// The video's trajectory rows (particle and frame of each), which the per-frame counts come from.
        public var rows: TrajectoryRows
        /// The frames the video covers.
        public var frames: Range<Int>
        /// A video from its points, trajectory rows and frame range.
        public init(points: TrackIntensities, rows: TrajectoryRows, frames: Range<Int>) {
            self.points = points; self.rows = rows; self.frames = frames
        }
    }

    /// Classifies the pooled tracks of one or more videos and gives the
    /// vesicle-like share of the window an interval that also covers *which
    /// particles were in view*: per frame, the window's particles and the sum
    /// of their vesicle-like probabilities are counted, and the ratio of their
    /// means is resampled by the same circular block bootstrap over frames as
    /// the concentration (with ``ConcentrationOptions/correlationModel`` for the
    /// correlation blocks miss, and t-widening); its deviations are added to
    /// those of the bootstrap over tracks (the fit). In one short video of a
    /// sample, the frame part dominates: few distinct particles pass the sheet.
    public static func classify(videos: [Video], window: SizeWindow = .exosome, slope: Double = 6,
                                options: ConcentrationOptions = ConcentrationOptions(),
                                replicates: Int = 200) throws(PopulationError) -> IntensityClassification {
        guard !videos.isEmpty else { throw .noFrames }
        // Pool the points (ids made unique per video by position in the pool).
        var pooled = TrackIntensities(trackIDs: [], diametersNanometers: [], meanLogIntensity: [], lengths: [])
        for (k, vid) in videos.enumerated() {
            pooled.trackIDs += vid.points.trackIDs.indices.map { Int64(k) << 48 | Int64($0) }
            pooled.diametersNanometers += vid.points.diametersNanometers
            pooled.meanLogIntensity += vid.points.meanLogIntensity
            pooled.lengths += vid.points.lengths
            pooled.logDiameterVariance += vid.points.logDiameterVariance
        }
        var c = try classify(pooled, window: window, slope: slope, confidenceLevel: options.confidenceLevel,
                             replicates: replicates, seed: options.seed)
        // Per-frame columns: window particles, and their vesicle-like probability sums.
        var num: [Double] = [], den: [Double] = [], segment: [Int] = []
        for (k, vid) in videos.enumerated() {
            var probability = [Int64: Double]()
            for (j, id) in vid.points.trackIDs.enumerated() {
                if let p = c.vesicleProbabilityByTrack[Int64(k) << 48 | Int64(j)] { probability[id] = p }
            }
            var n = [Double](repeating: 0, count: vid.frames.count), d = n
            for r in 0..<vid.rows.count {
                let f = Int(vid.rows.frame[r])
                guard vid.frames.contains(f), let p = probability[vid.rows.particle[r]] else { continue }
                n[f - vid.frames.lowerBound] += p
                d[f - vid.frames.lowerBound] += 1
            }
            num += n; den += d; segment.append(vid.frames.count)
        }
        let t = den.count
        guard t > 0, den.reduce(0, +) > 0 else { throw .noFrames }
        let tau = BlockBootstrap.integratedAutocorrelationTime(den)
        let l = BlockBootstrap.blockLength(frames: t, integratedTime: tau)
        let factor = options.correlationModel?.blockVarianceFactor(length: l, frames: t / segment.count)
            ?? BlockBootstrap.blockVarianceFactor(length: l, integratedTime: tau)
        let reps = BlockBootstrap.replicateMeans(columns: [num, den], blockLength: l, replicates: c.trackReplicates.count,
                                                 seed: options.seed &+ 0x1A7)
        let est = num.reduce(0, +) / den.reduce(0, +)
        let inflate = 1 / factor.squareRoot()
        let combined = zip(reps, c.trackReplicates).map { rep, fitRep in
            est + (rep[0] / rep[1] - est) * inflate + (fitRep - c.vesicleLikeFractionInWindow)
        }
        let ci = BlockBootstrap.interval(estimate: c.vesicleLikeFractionInWindow, replicates: combined,
                                         level: options.confidenceLevel, degreesOfFreedom: max(t / l - 1, 1))
        c.vesicleLikeFractionInWindowCI = [max(ci.lowerBound, 0), min(ci.upperBound, 1)]
        c.intervalSource = "framesAndTracks"
        return c
    }

    struct Fit {
        var pi: Double, mu0: Double, s0: Double, mu1: Double, s1: Double
        var posterior: [Double] = []
        var logLikelihood = -Double.infinity
    }

    /// EM from several starts, keeping the highest likelihood: the data's
    /// lower and upper thirds, and the weighted median paired with a second
    /// class 1.5, 2.5 and 3.5 above it (2 ln(K_dense/K_vesicle) for dense
    /// debris, m ≈ 1.1–1.25, against vesicles, m ≈ 1.03–1.05), each with a
    /// dense share of 10 % and 40 %. Different starts guard against the
    /// degenerate optimum where both classes sit on the majority line.
    static func bestFit(r: [Double], w: [Double], extra: [Double]) -> Fit {
        var best = fit(r: r, w: w, extra: extra, start: nil)
        let order = r.indices.sorted { r[$0] < r[$1] }
        let wTotal = w.reduce(0, +)
        // The weighted median: the value of the track where the cumulative weight (in order of r) reaches half.
        var median = r[order[0]]
        if case .within(let k, _) = Quantile.crossing(order.map { w[$0] }, 0.5, total: wTotal) { median = r[order[k]] }
        for gap in [1.5, 2.5, 3.5] {
            for dense in [0.1, 0.4] {
                let start = Fit(pi: 1 - dense, mu0: median, s0: 0.3, mu1: median + gap, s1: 0.3)
                let f = fit(r: r, w: w, extra: extra, start: start)
                if f.logLikelihood > best.logLikelihood + 1e-9 { best = f }
            }
        }
        return best
    }

    /// Heteroscedastic two-Gaussian EM; class 0 has the lower mean.
    static func fit(r: [Double], w: [Double], extra: [Double], start: Fit?, iterations: Int = 300) -> Fit {
        let n = r.count
        let wTotal = w.reduce(0, +)
        var f: Fit
        if let start { f = start } else {
            // Start: the lower and upper thirds of the weighted residuals.
            let order = r.indices.sorted { r[$0] < r[$1] }
            var c = 0.0, lo = r[order[0]], hi = r[order[n - 1]]
            for i in order { c += w[i]; if c >= wTotal / 3 { lo = r[i]; break } }
            c = 0
            for i in order { c += w[i]; if c >= 2 * wTotal / 3 { hi = r[i]; break } }
            let mean = zip(r, w).reduce(0) { $0 + $1.0 * $1.1 } / wTotal
            let sd = (zip(r, w).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / wTotal).squareRoot()
            f = Fit(pi: 0.5, mu0: lo, s0: max(sd / 2, 0.05), mu1: hi, s1: max(sd / 2, 0.05))
        }
        var g = [Double](repeating: 0, count: n)
        var lastLL = -Double.infinity
        for _ in 0..<iterations {
            var ll = 0.0
            for i in 0..<n {
                let t0 = f.s0 * f.s0 + extra[i], t1 = f.s1 * f.s1 + extra[i]
                let a = f.pi * exp(-0.5 * pow(r[i] - f.mu0, 2) / t0) / t0.squareRoot()
                let b = (1 - f.pi) * exp(-0.5 * pow(r[i] - f.mu1, 2) / t1) / t1.squareRoot()
                let s = a + b
                g[i] = s > 0 ? a / s : (abs(r[i] - f.mu0) < abs(r[i] - f.mu1) ? 1 : 0)
                ll += w[i] * log(max(s, 1e-300))
            }
            // Weights, means (precision-weighted) and spreads (fixed-point step).
            var sw0 = 0.0
            for i in 0..<n { sw0 += w[i] * g[i] }
            f.pi = min(max(sw0 / wTotal, 1e-6), 1 - 1e-6)
            // Means (precision-weighted), then one spread shared by both classes:
            // the depth profile and camera noise scale every particle's intensity
            // alike, whatever its material, so the classes differ only in offset.
            func mean(_ s: Double, _ resp: (Int) -> Double) -> Double? {
                var num = 0.0, den = 0.0
                for i in 0..<n {
                    let t = s * s + extra[i], q = w[i] * resp(i)
                    num += q * r[i] / t; den += q / t
                }
                return den > 0 ? num / den : nil
            }
            if let m = mean(f.s0, { g[$0] }) { f.mu0 = m }
            if let m = mean(f.s1, { 1 - g[$0] }) { f.mu1 = m }
            var a = 0.0, b = 0.0
            for i in 0..<n {
                let t = f.s0 * f.s0 + extra[i]
                let q0 = w[i] * g[i], q1 = w[i] * (1 - g[i])
                a += (q0 * pow(r[i] - f.mu0, 2) + q1 * pow(r[i] - f.mu1, 2)) / (t * t)
                b += (q0 + q1) / t
            }
            if b > 0 { f.s0 = max((f.s0 * f.s0 * a / b).squareRoot(), 0.02); f.s1 = f.s0 }
            if f.mu0 > f.mu1 {
                swap(&f.mu0, &f.mu1); swap(&f.s0, &f.s1); f.pi = 1 - f.pi
                for i in 0..<n { g[i] = 1 - g[i] }
            }
            if abs(ll - lastLL) < 1e-9 * wTotal { break }
            lastLL = ll
        }
        f.posterior = g
        f.logLikelihood = lastLL
        return f
    }
}
