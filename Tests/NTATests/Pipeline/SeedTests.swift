import Foundation
import Testing
import NTA

/// `--seed` seeds every bootstrap of an analysis: the deconvolution's, and the concentration's, the vesicle-like
/// share's and the pairing's, so that a user who changes it sees each interval's Monte-Carlo spread.
@Suite struct SeedTests {
    static func sample(seed: UInt64?, distribution: DistributionChoice = .histogram) throws -> SampleResult {
        try simulatedSample(.evLike, seed: 4, frames: 300, nanoliters: 0.04) {
            $0.distribution = distribution
            $0.bootstrapReplicates = 0
            if let seed { $0.seed = seed }
        }.sample
    }

    @Test("the concentration's and the share's intervals follow the seed; the same seed gives the same intervals")
    func populationIntervalsFollowTheSeed() throws {
        let one = try Self.sample(seed: nil), again = try Self.sample(seed: 1), two = try Self.sample(seed: 2)
        let c1 = try #require(one.populations.concentration), c2 = try #require(two.populations.concentration)
        #expect(c1.particlesPerMl == c2.particlesPerMl)
        #expect([c1.lowerPerMl, c1.upperPerMl] != [c2.lowerPerMl, c2.upperPerMl])
        #expect(try #require(again.populations.concentration).lowerPerMl == c1.lowerPerMl)
        let s1 = try #require(one.populations.intensity), s2 = try #require(two.populations.intensity)
        #expect(s1.vesicleLikeFractionInWindowCI != s2.vesicleLikeFractionInWindowCI)
    }

    @Test("a histogram with a count reports the seed its intervals used, and does not call --seed unused")
    func histogramReportsTheSeed() throws {
        let report = AnalysisReport(try Self.sample(seed: 2))
        #expect(report.settings["seed"] == ReportedSetting(.text("2"), source: .flag))
        #expect(!report.warnings.contains { $0.hasPrefix("--seed not used") })
    }
}
