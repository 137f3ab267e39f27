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
        let x = track.xNanometers, y = track.yNanometers
        var moments = StepMoments()
        var pdx = 0.0, pdy = 0.0
        Self.forEachStep(frames: track.frames, startsInside: startsInside) { k, g, closesPair in
            let dx = x[k] - x[k - 1]
            let dy = y[k] - y[k - 1]
            moments.steps += 1
            moments.sumSquared2D += dx * dx + dy * dy
            moments.sumGaps += g
            moments.sumGapsSquared += g * g
            if g == 1 {
                moments.unitSteps += 1
                moments.sumSquaredX += dx * dx
                moments.sumSquaredY += dy * dy
                if closesPair {
                    moments.adjacentPairs += 1
                    moments.sumProductX += dx * pdx
                    moments.sumProductY += dy * pdy
                }
                pdx = dx
                pdy = dy
            }
        }
        self = moments
    }

    /// The steps the moments are made of, for anything that must follow the same ones: `body(k, g, closesPair)`
    /// for each step from localisation k − 1 to k whose start `startsInside` keeps (`nil`: every step), with the
    /// frames `g` it spans and whether it is a single-frame step right after a kept single-frame step (the
    /// second step of an adjacent pair).
    @inline(__always)
    static func forEachStep(frames: UnsafeBufferPointer<Int32>, startsInside: UnsafeBufferPointer<Bool>?,
                            _ body: (_ k: Int, _ g: Int, _ closesPair: Bool) -> Void) {
        guard frames.count >= 2 else { return }
        var previousUnit = false
        for k in 1..<frames.count {
            if let inside = startsInside, !inside[k - 1] {
                previousUnit = false
                continue
            }
            let g = Int(frames[k]) - Int(frames[k - 1])
            body(k, g, g == 1 && previousUnit)
            previousUnit = g == 1
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
