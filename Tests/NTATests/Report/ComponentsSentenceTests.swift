import Foundation
import Testing
@testable import NTAPopulations
@testable import NTAReport

/// The components sentence rounds so that its shares still read as shares.
@Suite("The log-normal components sentence")
struct ComponentsSentenceTests {
    @Test("whole percents, or tenths for every component when one is under 1 %")
    func rounding() {
        func c(_ w: Double, _ m: Double) -> LogNormalComponentFit {
            LogNormalComponentFit(weight: w, medianNanometers: m, geometricSD: 1.2, logMean: log(m), logSD: log(1.2))
        }
        #expect(TextReport.componentsSentence([c(0.6, 40), c(0.4, 100)])
                == "Log-normal components (by BIC): 60 % at 40 nm (×/÷ 1.20); 40 % at 100 nm (×/÷ 1.20)")
        #expect(TextReport.componentsSentence([c(0.996, 100), c(0.004, 532)])
                == "Log-normal components (by BIC): 99.6 % at 100 nm (×/÷ 1.20); 0.4 % at 532 nm (×/÷ 1.20)")
    }
}
