import Foundation
import Testing
import NTA
@testable import NTADistribution

/// The one-lag Gamma likelihood's rows evaluated with the per-node constants their summaries share
/// (``OneLagGammaLikelihood/rowContext(_:diffusionNm2PerS:)``) against the rows evaluated one by one.
@Suite struct TrackLikelihoodRowsTests {
    /// `count` tracks whose step counts come from `stepChoices`, a fifth of them with gap frames.
    static func model(count: Int, stepChoices: [Int], seed: UInt64, blur: Double, sigma2: Double,
                      rule: OneLagGammaLikelihood.ShapeRule, logResolution: Double) -> OneLagGammaLikelihood {
        var rng = SeededGenerator(seed: seed)
        var sums: [Double] = [], steps: [Int] = [], gaps: [Int] = []
        for _ in 0..<count {
            let k = stepChoices[rng.nextInt(below: stepChoices.count)]
            steps.append(k)
            gaps.append(k + (rng.nextInt(below: 5) == 0 ? 1 + rng.nextInt(below: 3) : 0))
            // Mean squared 2D step of a 30–300 nm particle at 30 fps, with its sampling spread.
            sums.append(Double(k) * (2e3 + 2e4 * rng.nextUniform()))
        }
        return OneLagGammaLikelihood(sumSquared2DNm2: sums, steps: steps, sumGaps: gaps, frameIntervalSeconds: 1.0 / 30,
                                     blurCoefficient: blur, localisationVarianceNm2: sigma2, shapeRule: rule,
                                     logResolution: logResolution)
    }

    static func distinctSummaries(_ model: OneLagGammaLikelihood) -> [OneLagGammaLikelihood.Summary] {
        var seen = Set<OneLagGammaLikelihood.Summary>(), out: [OneLagGammaLikelihood.Summary] = []
        for t in 0..<model.trackCount where seen.insert(model.summary(ofTrack: t)).inserted {
            out.append(model.summary(ofTrack: t))
        }
        return out
    }

    @Test("rows from the shared shapes are the rows computed alone, bit for bit")
    func sharedShapesGiveTheSameBits() throws {
        let grid = DiameterGrid()
        let d = grid.diffusionNm2PerS(temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95)
        let cases: [(Double, Double, OneLagGammaLikelihood.ShapeRule, Double)] = [
            (0.1, 400, .matchedVariance, 0.01),   // blur and noise: the shape varies with D
            (0.05, -50, .matchedVariance, 0.01),  // an effective, negative σ²
            (0, 0, .steps, 0.01),                 // Walker's κ = k
            (0.1, 400, .matchedVariance, 0),      // exact ties only: the density of Δ itself
        ]
        for (blur, sigma2, rule, resolution) in cases {
            let model = Self.model(count: 3_000, stepChoices: [5, 12, 40, 41, 200], seed: 21, blur: blur,
                                   sigma2: sigma2, rule: rule, logResolution: resolution)
            let summaries = Self.distinctSummaries(model)
            let context = model.rowContext(summaries, diffusionNm2PerS: d)
            #expect(context != nil, "5 step counts, with and without gaps, are shared by \(summaries.count) rows")
            var alone = [Double](repeating: 0, count: d.count), shared = alone
            for s in summaries {
                model.logLikelihood(s, diffusionNm2PerS: d, into: &alone)
                model.logLikelihood(s, context: context, diffusionNm2PerS: d, into: &shared)
                #expect(shared.map(\.bitPattern) == alone.map(\.bitPattern), "R \(blur), σ² \(sigma2), \(rule), δ \(resolution)")
            }
        }
    }

    @Test("no shapes are shared when nearly every row has its own, and the rows are the same")
    func fewSharedShapesShareNothing() {
        let grid = DiameterGrid()
        let d = grid.diffusionNm2PerS(temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95)
        let model = Self.model(count: 200, stepChoices: Array(2...40), seed: 22, blur: 0.1, sigma2: 400,
                               rule: .matchedVariance, logResolution: 0.01)
        let summaries = Self.distinctSummaries(model)
        let context = model.rowContext(summaries, diffusionNm2PerS: d)
        #expect(context == nil)
        var alone = [Double](repeating: 0, count: d.count), shared = alone
        for s in summaries {
            model.logLikelihood(s, diffusionNm2PerS: d, into: &alone)
            model.logLikelihood(s, context: context, diffusionNm2PerS: d, into: &shared)
            #expect(shared.map(\.bitPattern) == alone.map(\.bitPattern))
        }
    }

    @Test("rows kept within e⁻⁶⁰ of their largest skip only nodes below that, and keep the rest bit for bit")
    func droppedNodesAreOnlyThoseBelowTheRange() throws {
        let grid = DiameterGrid()
        let d = grid.diffusionNm2PerS(temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95)
        let drop = 60.0
        for (blur, sigma2, rule, resolution) in [(0.1, 400.0, OneLagGammaLikelihood.ShapeRule.matchedVariance, 0.01),
                                                 (0.05, -50, .matchedVariance, 0.01), (0, 0, .steps, 0.01),
                                                 (0.1, 400, .matchedVariance, 0)] {
            // Short tracks (wide rows) to long ones (narrow rows), and Δ far outside the grid's range.
            var model = Self.model(count: 2_000, stepChoices: [3, 12, 40, 200, 2_000], seed: 23, blur: blur,
                                   sigma2: sigma2, rule: rule, logResolution: resolution)
            model.sumSquared2DNm2[0] = 1e-250
            model.sumSquared2DNm2[1] = 1e250
            let summaries = Self.distinctSummaries(model)
            let context = model.rowContext(summaries, diffusionNm2PerS: d)
            var alone = [Double](repeating: 0, count: d.count), kept = alone
            var skipped = 0
            for s in summaries {
                model.logLikelihood(s, context: context, diffusionNm2PerS: d, into: &alone)
                model.logLikelihood(s, context: context, diffusionNm2PerS: d, into: &kept, droppingBelowLargestBy: drop)
                let largest = alone.filter(\.isFinite).max() ?? -.infinity
                for m in d.indices where kept[m].bitPattern != alone[m].bitPattern {
                    skipped += 1
                    #expect(kept[m] == -.infinity && (alone[m].isNaN || alone[m] < largest - drop),
                            "node \(m): \(alone[m]) written as \(kept[m]), the row's largest \(largest)")
                }
            }
            if resolution > 0 {
                #expect(skipped > summaries.count * d.count / 10, "the far nodes are skipped: \(skipped)")
            } else {
                #expect(skipped == 0, "exact ties compute every node")
            }
        }
    }

    /// A model that computes every node (the protocol's default for the dropping variant).
    struct EveryNode: TrackLikelihoodModel {
        let inner: OneLagGammaLikelihood
        var trackCount: Int { inner.trackCount }
        func summary(ofTrack n: Int) -> OneLagGammaLikelihood.Summary { inner.summary(ofTrack: n) }
        func logLikelihood(_ s: OneLagGammaLikelihood.Summary, diffusionNm2PerS: [Double], into out: inout [Double]) {
            inner.logLikelihood(s, diffusionNm2PerS: diffusionNm2PerS, into: &out)
        }
    }

    @Test("a matrix from rows with the far nodes skipped is the matrix from every node, bit for bit")
    func matrixIsTheSame() {
        let grid = DiameterGrid()
        let d = grid.diffusionNm2PerS(temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95)
        let model = Self.model(count: 3_000, stepChoices: [3, 12, 40, 200], seed: 24, blur: 0.1, sigma2: 400,
                               rule: .matchedVariance, logResolution: 0.01)
        let frames = (0..<model.trackCount).map { model.steps[$0] + 1 }
        let skipping = LikelihoodMatrix(model: model, framesPerTrack: frames, grid: grid, diffusionNm2PerS: d)
        let every = LikelihoodMatrix(model: EveryNode(inner: model), framesPerTrack: frames, grid: grid, diffusionNm2PerS: d)
        #expect(skipping.rowCount == every.rowCount)
        #expect(skipping.rowBlocks == every.rowBlocks)
        #expect(skipping.rowLogScale.map(\.bitPattern) == every.rowLogScale.map(\.bitPattern))
        var same = true
        for r in 0..<every.rowCount {
            for i in 0..<grid.count where skipping.value(row: r, node: i).bitPattern != every.value(row: r, node: i).bitPattern {
                same = false
            }
        }
        #expect(same)
    }
}
