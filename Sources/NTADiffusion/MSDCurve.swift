import Foundation

/// The time-averaged 2D mean squared displacement of one track at every lag,
/// gap-aware.
///
/// Lag n is measured in frames: MSDₙ = mean of |r(f + n) − r(f)|² over every
/// pair of localisations of the track whose frames differ by exactly n (only
/// pairs actually observed; a missing frame removes the pairs it would have
/// formed and is never interpolated). Under 2D Brownian motion with
/// localisation noise σ and blur R, E[MSDₙ] = 4DΔt·n + 4σ² − 8RDΔt for n ≥ 1.
///
/// Two algorithms give the same numbers (to rounding):
/// - **direct**, O(N·maxLag), exact sums over pairs;
/// - **FFT**, O(S log S) for a track spanning S frames (trackpy's `_msd_fft`
///   idea, generalised to gaps): with mₜ the 0/1 indicator of frame t being
///   observed and positions centred on their mean before anything else (to avoid
///   cancellation in |r|² sums), Σₜ mₜmₜ₊ₙ|rₜ₊ₙ − rₜ|² =
///   corr(m, m|r|²)ₙ + corr(m|r|², m)ₙ − 2 corr(mx, mx)ₙ − 2 corr(my, my)ₙ and the
///   pair count is corr(m, m)ₙ, each correlation by zero-padded real FFTs (FFTW).
public struct MSDCurve: Sendable, Hashable {
    /// MSD at lag n (index n; index 0 is 0), nm². NaN where no pair has that lag.
    public var meanSquaredDisplacementNm2: [Double]
    /// Number of pairs averaged at each lag (index 0: number of localisations).
    public var pairCounts: [Int]

    /// Which algorithm to use.
    public enum Method: Sendable, Hashable {
        /// Direct sums when N·maxLag is small, FFT otherwise.
        case automatic
        /// Exact sums over pairs, O(N·maxLag).
        case direct
        /// Zero-padded real FFTs over the frame span (FFTW), O(S log S).
        case fft
    }

    /// Largest lag with a value (count − 1).
    public var maxLag: Int { meanSquaredDisplacementNm2.count - 1 }

    /// The MSD of `track` for lags 0…`maxLag` frames (default: the whole span).
    public init(_ track: TrackSample, maxLag requested: Int? = nil, method: Method = .automatic) {
        let n = track.count
        guard n >= 1 else {
            meanSquaredDisplacementNm2 = [0]
            pairCounts = [0]
            return
        }
        let span = Int(track.frames[n - 1]) - Int(track.frames[0])
        let maxLag = max(0, min(requested ?? span, span))
        let useFFT: Bool
        switch method {
        case .direct: useFFT = false
        case .fft: useFFT = true
        case .automatic: useFFT = n * maxLag > 64 * (span + 1) && maxLag > 32
        }
        if useFFT {
            (meanSquaredDisplacementNm2, pairCounts) = Self.fft(track, span: span, maxLag: maxLag)
        } else {
            (meanSquaredDisplacementNm2, pairCounts) = Self.direct(track, maxLag: maxLag)
        }
    }

    private static func direct(_ t: TrackSample, maxLag: Int) -> ([Double], [Int]) {
        var sums = [Double](repeating: 0, count: maxLag + 1)
        var counts = [Int](repeating: 0, count: maxLag + 1)
        let f = t.frames, x = t.xNanometers, y = t.yNanometers, n = t.count
        counts[0] = n
        for i in 0..<n {
            var j = i + 1
            while j < n {
                let lag = Int(f[j]) - Int(f[i])
                if lag > maxLag { break }
                let dx = x[j] - x[i], dy = y[j] - y[i]
                sums[lag] += dx * dx + dy * dy
                counts[lag] += 1
                j += 1
            }
        }
        var msd = [Double](repeating: .nan, count: maxLag + 1)
        msd[0] = 0
        for l in 1...max(maxLag, 1) where l <= maxLag && counts[l] > 0 { msd[l] = sums[l] / Double(counts[l]) }
        return (msd, counts)
    }

    private static func fft(_ t: TrackSample, span: Int, maxLag: Int) -> ([Double], [Int]) {
        let n = t.count
        let f = t.frames
        let first = Int(f[0])
        var meanX = 0.0, meanY = 0.0
        for i in 0..<n { meanX += t.xNanometers[i]; meanY += t.yNanometers[i] }
        meanX /= Double(n); meanY /= Double(n)
        // Zero padding to ≥ span + 1 + maxLag makes the circular correlations linear up to maxLag.
        let length = FFTW.goodLength(atLeast: span + 1 + maxLag + 1)
        let bins = length / 2 + 1
        var mask = [Double](repeating: 0, count: length), mx = mask, my = mask, mq = mask
        for i in 0..<n {
            let k = Int(f[i]) - first
            let x = t.xNanometers[i] - meanX, y = t.yNanometers[i] - meanY
            mask[k] = 1; mx[k] = x; my[k] = y; mq[k] = x * x + y * y
        }
        func transform(_ a: inout [Double]) -> [(Double, Double)] {
            var out = [(Double, Double)](repeating: (0, 0), count: bins)
            a.withUnsafeMutableBufferPointer { a in out.withUnsafeMutableBufferPointer { FFTW.forward(a, into: $0) } }
            return out
        }
        let fm = transform(&mask), fx = transform(&mx), fy = transform(&my), fq = transform(&mq)
        // corr(a, b)ₙ = Σₜ aₜ bₜ₊ₙ ↔ conj(A)·B.
        var spectrumCount = [(Double, Double)](repeating: (0, 0), count: bins)
        var spectrumSum = spectrumCount
        for k in 0..<bins {
            let (mr, mi) = fm[k], (xr, xi) = fx[k], (yr, yi) = fy[k], (qr, qi) = fq[k]
            spectrumCount[k] = (mr * mr + mi * mi, 0)
            // corr(m, q) + corr(q, m) = 2 Re(conj(M) Q); corr(x, x) = |X|².
            let cross = 2 * (mr * qr + mi * qi)
            spectrumSum[k] = (cross - 2 * (xr * xr + xi * xi) - 2 * (yr * yr + yi * yi), 0)
        }
        var counts = [Double](repeating: 0, count: length), sums = counts
        spectrumCount.withUnsafeMutableBufferPointer { s in counts.withUnsafeMutableBufferPointer { FFTW.inverse(s, into: $0) } }
        spectrumSum.withUnsafeMutableBufferPointer { s in sums.withUnsafeMutableBufferPointer { FFTW.inverse(s, into: $0) } }
        let norm = 1 / Double(length)
        var msd = [Double](repeating: .nan, count: maxLag + 1)
        var pairCounts = [Int](repeating: 0, count: maxLag + 1)
        msd[0] = 0
        pairCounts[0] = n
        if maxLag >= 1 {
            for l in 1...maxLag {
                let c = Int((counts[l] * norm).rounded())
                pairCounts[l] = c
                if c > 0 { msd[l] = max(sums[l] * norm, 0) / Double(c) }
            }
        }
        return (msd, pairCounts)
    }
}
