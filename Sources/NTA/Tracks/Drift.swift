import Foundation

/// Collective drift of a video (fluid flow, stage creep), estimated from the
/// tracks themselves, with its uncertainty.
///
/// Method (trackpy's `compute_drift` semantics): for each pair of consecutive
/// frames f → f + 1, the mean displacement of all particles localised in both
/// (single-frame steps only: a step across a gap is never used); the drift at
/// frame F is the cumulative sum of those increments from the first frame
/// (drift 0 there). With `smoothingFrames` w > 1 each increment is replaced by
/// the pooled mean of the steps of the w increments centred on it (trackpy uses
/// a trailing rolling mean; a centred window does not lag a changing drift).
/// Frame pairs with no particle in both contribute 0.
///
/// **Uncertainty.** The cumulative drift is a linear combination Σ_g α_g S_g of
/// the per-frame-pair sums of displacements S_g, so per axis
/// Var = Σ_g α_g² V_g + 2 Σ_g α_g α_{g+1} C_g, with V_g the empirical variance of
/// S_g (Σᵢ (Δᵢ − d̄_g)²·n/(n − 1), averaged over x and y — valid for a
/// polydisperse sample) and C_g the empirical covariance of particles' adjacent
/// steps (non-zero with blur or noise: 2RDΔt − σ²).
///
/// **Bias of the corrected tracks.** Each particle's own step is part of the
/// mean it is corrected by, which shrinks its corrected step variance by about
/// 1/(n·w) (n particles per frame); with n ≈ 50 and w = 1 that is −2 % in D.
/// Use w ≳ 10 frames when the drift is smooth over w frames (it usually is in
/// NTA: convection changes over seconds), or leave the tracks uncorrected when
/// the drift is negligible compared with its uncertainty.
public struct DriftEstimate: Sendable, Hashable {
    /// First frame covered; drift is 0 there.
    public var firstFrame: Int32
    /// Cumulative drift at frame `firstFrame + i`, nm.
    public var xNanometers: [Double]
    /// Cumulative drift at frame `firstFrame + i`, nm.
    public var yNanometers: [Double]
    /// Per-axis variance of the cumulative drift at each frame, nm².
    public var varianceNm2: [Double]
    /// Number of particles with a single-frame step from frame `firstFrame + i`
    /// to the next (one fewer entry than frames).
    public var stepCounts: [Int]
    /// Smoothing window used, in increments (≤ 1: none).
    public var smoothingFrames: Int

    /// Number of frames covered.
    public var frameCount: Int { xNanometers.count }

    /// Drift at `frame` (0 outside the covered range's start; the last value after its end).
    public func drift(atFrame frame: Int32) -> (x: Double, y: Double) {
        guard frameCount > 0 else { return (0, 0) }
        let i = min(max(Int(frame) - Int(firstFrame), 0), frameCount - 1)
        return (xNanometers[i], yNanometers[i])
    }

    /// Mean drift velocity over the video (total drift / frames elapsed), nm per
    /// frame, with its per-axis standard error.
    public var meanVelocityNanometersPerFrame: (x: Double, y: Double, standardError: Double) {
        guard frameCount > 1 else { return (0, 0, .nan) }
        let frames = Double(frameCount - 1)
        return (xNanometers[frameCount - 1] / frames, yNanometers[frameCount - 1] / frames,
                varianceNm2[frameCount - 1].squareRoot() / frames)
    }

    /// Estimates the drift of a set of tracks.
    ///
    /// - Parameter smoothingFrames: centred window, in frame increments; 1 is
    ///   trackpy's default (no smoothing). The default 15 (0.5 s at 30 fps) keeps
    ///   the self-inclusion bias of corrected steps below 1/(15·n).
    public static func estimate(_ tracks: TrackSet, smoothingFrames: Int = 15) -> DriftEstimate {
        guard tracks.rowCount > 0 else {
            return DriftEstimate(firstFrame: 0, xNanometers: [], yNanometers: [], varianceNm2: [], stepCounts: [],
                                 smoothingFrames: smoothingFrames)
        }
        var lo = Int32.max, hi = Int32.min
        for f in tracks.frame { lo = min(lo, f); hi = max(hi, f) }
        let frames = Int(hi) - Int(lo) + 1
        let increments = frames - 1
        var sumX = [Double](repeating: 0, count: max(increments, 0)), sumY = sumX
        var count = [Int](repeating: 0, count: max(increments, 0))
        // Pass 1: per-frame-pair sums.
        for t in 0..<tracks.trackCount {
            let r = tracks.rows(of: t)
            guard r.count >= 2 else { continue }
            for i in (r.lowerBound + 1)..<r.upperBound where tracks.frame[i] - tracks.frame[i - 1] == 1 {
                let g = Int(tracks.frame[i - 1]) - Int(lo)
                sumX[g] += tracks.xNanometers[i] - tracks.xNanometers[i - 1]
                sumY[g] += tracks.yNanometers[i] - tracks.yNanometers[i - 1]
                count[g] += 1
            }
        }
        var meanX = [Double](repeating: 0, count: max(increments, 0)), meanY = meanX
        for g in 0..<max(increments, 0) where count[g] > 0 {
            meanX[g] = sumX[g] / Double(count[g]); meanY[g] = sumY[g] / Double(count[g])
        }
        // Pass 2: per-frame-pair variance of the sum (V_g) and adjacent covariance (C_g), per axis averaged.
        var squares = [Double](repeating: 0, count: max(increments, 0)), cross = squares
        for t in 0..<tracks.trackCount {
            let r = tracks.rows(of: t)
            guard r.count >= 2 else { continue }
            var previous: (g: Int, x: Double, y: Double)? = nil
            for i in (r.lowerBound + 1)..<r.upperBound {
                guard tracks.frame[i] - tracks.frame[i - 1] == 1 else { previous = nil; continue }
                let g = Int(tracks.frame[i - 1]) - Int(lo)
                let ex = tracks.xNanometers[i] - tracks.xNanometers[i - 1] - meanX[g]
                let ey = tracks.yNanometers[i] - tracks.yNanometers[i - 1] - meanY[g]
                squares[g] += (ex * ex + ey * ey) / 2
                if let p = previous, p.g == g - 1 { cross[p.g] += (ex * p.x + ey * p.y) / 2 }
                previous = (g, ex, ey)
            }
        }
        var totalSquares = 0.0, totalDegrees = 0
        for g in 0..<max(increments, 0) where count[g] > 1 {
            totalSquares += squares[g]; totalDegrees += count[g] - 1
        }
        let pooledStepVariance = totalDegrees > 0 ? totalSquares / Double(totalDegrees) : 0
        var v = [Double](repeating: 0, count: max(increments, 0))
        for g in 0..<max(increments, 0) {
            let n = count[g]
            v[g] = n > 1 ? squares[g] * Double(n) / Double(n - 1) : Double(n) * pooledStepVariance
        }

        // Smoothed increments: pooled mean of the steps in a centred window of w increments.
        let w = max(smoothingFrames, 1)
        let before = (w - 1) / 2, after = w - 1 - before
        var prefixCount = [Int](repeating: 0, count: max(increments, 0) + 1)
        var prefixX = [Double](repeating: 0, count: max(increments, 0) + 1), prefixY = prefixX
        for g in 0..<max(increments, 0) {
            prefixCount[g + 1] = prefixCount[g] + count[g]
            prefixX[g + 1] = prefixX[g] + sumX[g]
            prefixY[g + 1] = prefixY[g] + sumY[g]
        }
        func window(_ f: Int) -> Range<Int> { max(f - before, 0) ..< min(f + after + 1, increments) }
        var driftX = [Double](repeating: 0, count: frames), driftY = driftX, variance = driftX
        // α_g: weight of S_g in the current cumulative drift; the variance is kept up to date incrementally.
        var alpha = [Double](repeating: 0, count: max(increments, 0))
        var varianceNow = 0.0
        func contribution(_ g: Int) -> Double {
            var c = alpha[g] * alpha[g] * v[g]
            if g + 1 < increments { c += 2 * alpha[g] * alpha[g + 1] * cross[g] }
            return c
        }
        for f in 0..<max(increments, 0) {
            let win = window(f)
            let n = prefixCount[win.upperBound] - prefixCount[win.lowerBound]
            var dx = 0.0, dy = 0.0
            if n > 0 {
                dx = (prefixX[win.upperBound] - prefixX[win.lowerBound]) / Double(n)
                dy = (prefixY[win.upperBound] - prefixY[win.lowerBound]) / Double(n)
                // Update α over the window; recompute the affected variance terms (g − 1 … g).
                let affected = max(win.lowerBound - 1, 0) ..< win.upperBound
                for g in affected { varianceNow -= contribution(g) }
                for g in win { alpha[g] += 1 / Double(n) }
                for g in affected { varianceNow += contribution(g) }
            }
            driftX[f + 1] = driftX[f] + dx
            driftY[f + 1] = driftY[f] + dy
            variance[f + 1] = max(varianceNow, 0)
        }
        return DriftEstimate(firstFrame: lo, xNanometers: driftX, yNanometers: driftY, varianceNm2: variance,
                             stepCounts: count, smoothingFrames: smoothingFrames)
    }
}

extension TrackSet {
    /// The same tracks with the drift subtracted from every position
    /// (x − driftₓ(frame), y − drift_y(frame)).
    public func subtractingDrift(_ drift: DriftEstimate) -> TrackSet {
        var out = self
        for i in 0..<rowCount {
            let d = drift.drift(atFrame: frame[i])
            out.xNanometers[i] -= d.x
            out.yNanometers[i] -= d.y
        }
        return out
    }
}
