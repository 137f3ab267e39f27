import Foundation
import Testing
import NTA

/// The vesicle-like share of the window is a ratio of counts in the same frames: the detection volume cancels out
/// of it, so neither the share nor its interval may depend on whether, or how, the volume is given.
@Suite("Vesicle-like share: independent of the detection volume")
struct VesicleShareVolumeTests {
    /// An EV-like video (vesicles n 1.39 and debris n 1.55, trackpy-style with intensities), 600 frames, seed 21.
    static let video: SimulatedVideo = {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 21
        p.frameCount = 600
        return Simulator.run(p)
    }()

    /// The video's sample analysed with `volume` (none: `nil`), without the deconvolution's bootstrap.
    static func sample(_ volume: DetectionVolume?) throws -> SampleResult {
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        options.detectionVolume = volume
        return try SampleResult([.video(try analyzeSimulated(video, options: options))], options: options)
    }

    static func intensityJSON(_ sample: SampleResult) throws -> [String: Any]? {
        let json = try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as! [String: Any]
        return json["intensity"] as? [String: Any]
    }

    @Test("the same volume given in nL or as field × sheet gives the same interval, to the bit")
    func sameVolumeTwoWays() throws {
        let p = Self.video.parameters
        let w = Double(p.fieldWidthPixels) * p.nanometersPerPixel / 1000
        let h = Double(p.fieldHeightPixels) * p.nanometersPerPixel / 1000
        let geometry = try DetectionVolume(fieldWidthMicrometers: w, fieldHeightMicrometers: h,
                                           sheetDepthMicrometers: p.sheetThicknessMicrometers)
        let nanoliters = try DetectionVolume(nanoliters: w * h * p.sheetThicknessMicrometers * 1e-6)
        let a = try #require(try Self.sample(nanoliters).populations.intensity)
        let b = try #require(try Self.sample(geometry).populations.intensity)
        #expect(!a.poorlySeparated)
        #expect(a.vesicleLikeFractionInWindow == b.vesicleLikeFractionInWindow)
        #expect(a.vesicleLikeFractionInWindowCI == b.vesicleLikeFractionInWindowCI,
                "\(a.vesicleLikeFractionInWindowCI) vs \(b.vesicleLikeFractionInWindowCI)")
    }

    @Test("without a volume the share is not fitted, and a note says how to have it")
    func noVolumeSaysSo() throws {
        let without = try Self.sample(nil)
        #expect(without.populations.intensity == nil)
        #expect(without.notes.contains { $0.hasPrefix("intensity classes (the vesicle-like share of the window) are fitted with the count: give the detection volume") }, "\(without.notes)")
        #expect(try Self.sample(try DetectionVolume(nanoliters: 0.04)).populations.intensity != nil)
    }
}
