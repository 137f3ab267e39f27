import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// An exposure given that the tracks contradict (blurred steps analysed as instantaneous) is warned of.
@Suite struct ExposureContradictionTests {
    /// 100 nm beads filmed with a 30 ms exposure at 30 fps (R = 1/6), analysed with `exposureMilliseconds` as given
    /// (`nil`: unknown).
    static func warnings(analysedWithExposure exposure: Double?) throws -> [String] {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 64
        p.frameCount = 600
        p.exposureMilliseconds = 30
        let a = try analyzeSimulated(Simulator.run(p), withheldExposureGiven: exposure, name: "blurred")
        return a.warnings.filter { $0.contains("the tracks contradict the exposure given") }
    }

    @Test("blurred steps analysed with --exposure-ms 0: warned of, with the impossible σ² and what to do")
    func instantaneousGivenForBlurredSteps() throws {
        let found = try Self.warnings(analysedWithExposure: 0)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains("(0 ms, flag)") == true, "\(found)")
        #expect(found.first?.contains("leave the exposure out") == true, "\(found)")
    }

    @Test("the true exposure, or none: no warning")
    func trueOrUnknownExposure() throws {
        #expect(try Self.warnings(analysedWithExposure: 30).isEmpty)
        #expect(try Self.warnings(analysedWithExposure: nil).isEmpty)
    }
}
