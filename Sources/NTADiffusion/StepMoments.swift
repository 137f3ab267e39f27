/// Sums of squared and adjacent-product displacements of one track, the
/// sufficient statistics of the one-lag MSD and the CVE.
///
/// Steps join successive localisations. A step spanning `g` frames (g > 1
/// after a gap) enters the gap-aware sums (`sumSquared2D`, `sumGaps`,
/// `sumGapsSquared`); only single-frame steps enter the per-axis sums of the
/// CVE, and only pairs of single-frame steps that share a localisation enter
/// the adjacent-product sums, so nothing is ever treated as consecutive
/// across a gap.
public struct StepMoments: Sendable, Hashable {
    /// Number of steps between successive localisations.
    public var steps = 0
    /// Σ (Δx² + Δy²) over all steps, nm².
    public var sumSquared2D = 0.0
    /// Σ g over all steps (frames spanned).
    public var sumGaps = 0
    /// Σ g² over all steps.
    public var sumGapsSquared = 0
    /// Number of single-frame steps.
    public var unitSteps = 0
    /// Σ Δx² over single-frame steps, nm².
    public var sumSquaredX = 0.0
    /// Σ Δy² over single-frame steps, nm².
    public var sumSquaredY = 0.0
    /// Number of adjacent pairs of single-frame steps.
    public var adjacentPairs = 0
    /// Σ Δxₙ Δxₙ₊₁ over adjacent pairs, nm².
    public var sumProductX = 0.0
    /// Σ Δyₙ Δyₙ₊₁ over adjacent pairs, nm².
    public var sumProductY = 0.0

    /// Empty moments (every sum 0).
    public init() {}

    /// Computes the moments of one track.
    public init(_ track: TrackSample) {
        self.init(track, startsInside: nil)
    }

    /// Computes the moments of one track from the steps whose start is kept:
    /// the step from localisation k − 1 to k enters only if
    /// `startsInside[k − 1]` (one flag per localisation), and an adjacent pair
    /// only if both its steps do (see ``EdgeTrim``). `nil` keeps every step.
    public init(_ track: TrackSample, startsInside: UnsafeBufferPointer<Bool>?) {
        let n = track.count
        guard n >= 2 else { return }
        precondition(startsInside.map { $0.count == n } ?? true, "one flag per localisation")
        let f = track.frames, x = track.xNanometers, y = track.yNanometers
        var previousUnit = false
        var pdx = 0.0, pdy = 0.0
        for k in 1..<n {
            if let inside = startsInside, !inside[k - 1] {
                previousUnit = false
                continue
            }
            let g = Int(f[k]) - Int(f[k - 1])
            let dx = x[k] - x[k - 1]
            let dy = y[k] - y[k - 1]
            steps += 1
            sumSquared2D += dx * dx + dy * dy
            sumGaps += g
            sumGapsSquared += g * g
            if g == 1 {
                unitSteps += 1
                sumSquaredX += dx * dx
                sumSquaredY += dy * dy
                if previousUnit {
                    adjacentPairs += 1
                    sumProductX += dx * pdx
                    sumProductY += dy * pdy
                }
                previousUnit = true
                pdx = dx
                pdy = dy
            } else {
                previousUnit = false
            }
        }
    }
}

extension StepMoments {
    /// Adds another track's moments (pooling over a video).
    public mutating func add(_ o: StepMoments) {
        steps += o.steps
        sumSquared2D += o.sumSquared2D
        sumGaps += o.sumGaps
        sumGapsSquared += o.sumGapsSquared
        unitSteps += o.unitSteps
        sumSquaredX += o.sumSquaredX
        sumSquaredY += o.sumSquaredY
        adjacentPairs += o.adjacentPairs
        sumProductX += o.sumProductX
        sumProductY += o.sumProductY
    }
}
