import Foundation
import Testing
import NTA

@Suite("The visit model with a measured thickness profile")
struct ThicknessProfileTests {
    static func model() -> VisitLengthModel {
        VisitLengthModel(sheetThicknessMicrometers: 4, minimumTrackLength: 10, frameIntervalSeconds: 1.0 / 30,
                         temperatureCelsius: 22, viscosityMillipascalSeconds: 0.954)
    }

    @Test("the thickness follows the profile: its values at its diameters, linear in ln d between, constant beyond")
    func interpolation() {
        var m = Self.model()
        m.thicknessProfile = .init(diametersNanometers: [40, 100, 250], relative: [0.3, 1, 1.4])
        #expect(m.sheetThickness(diameterNanometers: 40) == 4 * 0.3)
        #expect(m.sheetThickness(diameterNanometers: 100) == 4)
        #expect(m.sheetThickness(diameterNanometers: 250) == 4 * 1.4)
        // Halfway in ln d between 40 and 100 nm: √4000 nm.
        #expect(abs(m.sheetThickness(diameterNanometers: 4000.0.squareRoot()) - 4 * 0.65) < 1e-12)
        #expect(m.sheetThickness(diameterNanometers: 20) == 4 * 0.3)
        #expect(m.sheetThickness(diameterNanometers: 1000) == 4 * 1.4)
        // The profile takes precedence over the power law.
        m.sheetThicknessExponent = 0.5
        #expect(m.sheetThickness(diameterNanometers: 250) == 4 * 1.4)
    }

    @Test("the scale fitted under a given shape recovers the thickness the track lengths came from")
    func scaleRecovered() {
        let diameters = [40.0, 60, 80, 100, 130, 170, 220]
        let relative = diameters.map { (log($0 / 30) / log(100.0 / 30)).squareRoot() }   // √ln(d/d_T), d_T = 30 nm
        var truth = Self.model()
        truth.sheetThicknessMicrometers = 6
        truth.thicknessProfile = .init(diametersNanometers: diameters, relative: relative)
        let lengths = diameters.map { truth.visits(diameterNanometers: $0).meanRetainedLength }
        let fitted = Self.model().fittedScale(ofProfile: relative, diametersNanometers: diameters,
                                              trackWeights: [Double](repeating: 1, count: diameters.count),
                                              meanFramesPerTrack: lengths)
        // Golden-section search on ln h to a bracket of 0.02: within 1 % of the truth.
        #expect(abs(log(fitted.sheetThicknessMicrometers / 6)) <= 0.01, "h \(fitted.sheetThicknessMicrometers)")
        #expect(fitted.thicknessProfile?.relative == relative && fitted.sheetThicknessExponent == 0)
    }
}
