import Foundation
import Testing
@testable import NTADistribution

/// The visit model's lateral edges, computed once per size for a thickness search, give the visits computed
/// whole, to the bit; edges made for another size or field are not used.
@Suite struct VisitEdgesReuseTests {
    static func model(width: Double?, height: Double?) -> VisitLengthModel {
        var m = VisitLengthModel(sheetThicknessMicrometers: 3, minimumTrackLength: 8, frameIntervalSeconds: 1.0 / 25,
                                 temperatureCelsius: 24, viscosityMillipascalSeconds: 0.91)
        m.fieldWidthMicrometers = width
        m.fieldHeightMicrometers = height
        m.sheetThicknessExponent = 0.6
        m.captureFrames = 3000
        return m
    }

    static func bits(_ v: VisitLengthModel.Visits) -> [UInt64] {
        [v.meanLength.bitPattern, v.retainedFrameFraction.bitPattern, v.meanRetainedLength.bitPattern]
    }

    @Test(arguments: [(nil, nil), (80.0, nil), (nil, 60.0), (80.0, 60.0)] as [(Double?, Double?)])
    func edgesReusedAcrossThicknessesGiveTheWholeVisits(width: Double?, height: Double?) {
        let template = Self.model(width: width, height: height)
        for d in [40.0, 110, 350] {
            let edges = template.lateralEdges(diameterNanometers: d)
            for h in [0.8, 3.0, 12.0] {
                var m = template
                m.sheetThicknessMicrometers = h
                #expect(Self.bits(m.visits(diameterNanometers: d, lateral: edges))
                        == Self.bits(m.visits(diameterNanometers: d)), "d \(d) nm, h \(h) µm")
            }
        }
    }

    @Test func edgesOfAnotherSizeOrFieldAreNotUsed() {
        let m = Self.model(width: 80, height: 60)
        let whole = Self.bits(m.visits(diameterNanometers: 110))
        let otherSize = m.lateralEdges(diameterNanometers: 300)
        let otherField = Self.model(width: 20, height: 60).lateralEdges(diameterNanometers: 110)
        #expect(Self.bits(m.visits(diameterNanometers: 110, lateral: otherSize)) == whole)
        #expect(Self.bits(m.visits(diameterNanometers: 110, lateral: otherField)) == whole)
        // And using them would have mattered (else the check above shows nothing).
        var narrower = m
        narrower.fieldWidthMicrometers = 20
        #expect(Self.bits(narrower.visits(diameterNanometers: 110)) != whole)
    }
    /// The constant-thickness fit and the size-dependent one share one loss (``VisitLengthModel/lengthMisfit``):
    /// a node whose residual is not finite (an observed mean length of 0) counts a constant 10⁶, so the
    /// thickness still comes from the other nodes, which were made at 4 µm.
    @Test func aNonFiniteResidualDoesNotDecideTheThickness() {
        let diameters = [40.0, 60, 90, 130, 200, 300]
        var truth = VisitLengthModel(sheetThicknessMicrometers: 4, minimumTrackLength: 8, frameIntervalSeconds: 1.0 / 30,
                                     temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95)
        truth.captureFrames = 3000
        var lengths = truth.meanRetainedLengths(diametersNanometers: diameters)
        let weights = [Double](repeating: 1, count: diameters.count)
        func fit(_ observed: [Double]) -> Double {
            VisitLengthModel.fittedSheetThickness(
                diametersNanometers: diameters, trackWeights: weights, meanFramesPerTrack: observed, minimumTrackLength: 8,
                frameIntervalSeconds: 1.0 / 30, temperatureCelsius: 22, viscosityMillipascalSeconds: 0.95,
                captureFrames: 3000)
        }
        // The search's tolerance is 0.01 in ln h.
        #expect(abs(log(fit(lengths) / 4)) < 0.02)
        lengths[2] = 0
        let h = fit(lengths)
        #expect(h.isFinite && abs(log(h / 4)) < 0.02, "h \(h) µm")
    }
}
