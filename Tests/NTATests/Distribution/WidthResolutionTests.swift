import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline
@testable import NTADistribution

/// Whether the tracks resolve a narrow sample's width (a single size against the deconvolved distribution).
@Suite struct WidthResolutionTests {
    static func analysis(_ mixture: SizeMixture, seed: UInt64) throws -> VideoAnalysis {
        var p = SimulationParameters(mixture: mixture)
        p.seed = seed
        p.frameCount = 600
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        return try analyzeSimulated(Simulator.run(p), options: options)
    }

    @Test("monodisperse 100 nm beads: one size fits as well (2Δℓ under 3.84), near 100 nm, and the report warns")
    func monodisperseIsUnresolved() throws {
        let a = try Self.analysis(.monodisperse(100), seed: 67)
        let w = try #require(a.deconvolved?.widthResolution)
        #expect(w.isUnresolved, "2Δℓ = \(w.likelihoodRatio)")
        #expect(abs(w.singleSizeNanometers / 100 - 1) < 0.05, "\(w.singleSizeNanometers)")
        #expect(a.warnings.contains { $0.contains("the tracks do not resolve this sample's width") }, "\(a.warnings)")
    }

    @Test("100 nm ×/÷ 1.1 (D90/D10 ≈ 1.3, narrow enough to be tested): the width is resolved, no warning")
    func polydisperseIsResolved() throws {
        let a = try Self.analysis(SizeMixture([SizeComponent(name: "a", medianNanometers: 100, geometricSD: 1.1)]), seed: 67)
        let w = try #require(a.deconvolved?.widthResolution)
        #expect(!w.isUnresolved, "2Δℓ = \(w.likelihoodRatio)")
        #expect(a.warnings.allSatisfy { !$0.contains("do not resolve this sample's width") })
    }

    @Test("a broad EV-like sample is not tested (its width is plainly resolved)")
    func broadIsNotTested() throws {
        let a = try Self.analysis(.evLike, seed: 67)
        #expect(a.deconvolved != nil && a.deconvolved?.widthResolution == nil)
    }
}
