import Foundation
import Testing
import NTA

@Suite("Populations through the pipeline and the JSON report")
struct PopulationPipelineTests {
    @Test("trajectories + volume + dilution + fluorescence: concentration within 4 SE of the truth, decomposition and JSON fields present")
    func endToEnd() throws {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 21
        p.frameCount = 900
        p.concentrationPerMl = 1e9
        p.exposureMilliseconds = 10
        let scatter = Simulator.run(p)
        let capture = Simulator.fluorescenceCapture(of: scatter, labelling: FluorescenceLabelling(labelledFraction: [0.7, 0, 0]))
        var options = AnalysisOptions()
        options.detectionVolume = try DetectionVolume(
            fieldWidthMicrometers: Double(p.fieldWidthPixels) * p.nanometersPerPixel / 1000,
            fieldHeightMicrometers: Double(p.fieldHeightPixels) * p.nanometersPerPixel / 1000,
            sheetDepthMicrometers: p.sheetThicknessMicrometers)
        options.dilution = 10
        func video(_ v: SimulatedVideo, _ name: String) throws -> LoadedInput {
            .video(try analyzeSimulated(v, name: name, options: options))
        }
        let sample = try SampleResult([try video(scatter, "scatter")], fluorescence: [try video(capture.video, "fl")], options: options)
        let c = try #require(sample.populations.concentration)
        // Truth in the original sample: the simulated box's realised concentration × dilution 10, within 4
        // interval SEs (IntervalCheck), plus, against the nominal 1e10, the box's Poisson sampling 1/√N in quadrature.
        let truth = realisedConcentrationPerMl(scatter) * 10
        let se = IntervalCheck.standardError(lower: c.lowerPerMl, upper: c.upperPerMl)
        #expect(abs(c.particlesPerMl - truth) <= 4 * se, "\(c.particlesPerMl) vs \(truth), SE \(se)")
        let boxSE = 1e10 / Double(scatter.particleDiametersNanometers.count).squareRoot()
        #expect(abs(c.particlesPerMl - 1e10) <= 4 * (se * se + boxSE * boxSE).squareRoot(), "\(c.particlesPerMl) vs 1e10")
        #expect(sample.concentrationPerMl == c.particlesPerMl)
        let names = sample.populations.decomposition?.populations.map(\.name) ?? []
        #expect(names.contains(.inWindow) && names.contains(.markerPositive))

        let json = try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as! [String: Any]
        #expect((json["concentrationPerMlCI"] as? [Double])?.count == 2)
        #expect((json["dilution"] as? [String: Any])?["appliedBy"] as? String == "nta-size")
        let populations = try #require(json["populations"] as? [[String: Any]])
        #expect(populations.allSatisfy { $0["fraction"] != nil && $0["concentrationPerMl"] != nil && $0["minNm"] != nil })
        let fluorescence = try #require(json["fluorescence"] as? [String: Any])
        #expect(fluorescence["positiveFraction"] is Double && fluorescence["positiveFractionCI"] is [Any])
        #expect(fluorescence["positiveConcentrationPerMl"] is Double && fluorescence["bins"] is [Any])
        #expect(json["components"] is [[String: Any]])
        // Two materials (n 1.39 and 1.55): the classes are separated and the share is given with its interval.
        let intensity = try #require(json["intensity"] as? [String: Any])
        #expect(intensity["poorlySeparated"] as? Bool == false)
        #expect(intensity["vesicleLikeFractionInWindow"] is Double)
        #expect((intensity["vesicleLikeFractionInWindowCI"] as? [Double])?.count == 2)
        #expect(!sample.notes.contains { $0.contains("cannot be split") })
        #expect(TextReport.render(sample).contains("share of the window, from intensity vs size: ")
                && !TextReport.render(sample).contains("vs size: unknown"))
    }

    /// 300 frames of 100 nm beads (seed 7) in a detection volume of 1 nL, bootstrapped `bootstrapReplicates` times.
    static func beads(bootstrapReplicates: Int) throws -> SampleResult {
        try simulatedSample(.monodisperse(100), seed: 7, frames: 300, nanoliters: 1) {
            $0.bootstrapReplicates = bootstrapReplicates
        }.sample
    }

    @Test("a 100 nm sample's deconvolved tail below 30 nm (~1e-90 particles/mL) prints as 0 in the text and HTML reports; the JSON keeps it")
    func negligibleTailPrintsAsZero() throws {
        let sample = try Self.beads(bootstrapReplicates: 20)
        let d = try #require(sample.populations.decomposition)
        #expect(d.belowWindow.concentrationPerMl < 1e-6 * d.total.concentrationPerMl, "\(d.belowWindow)")
        let text = TextReport.render(sample)
        #expect(text.contains("Smaller than 30 nm: 0 particles/mL (95 % CI 0–0)"), "\(text)")
        let html = HTMLReport.render(sample)
        #expect(html.contains("<td>below the window</td><td>&lt; 30 nm</td><td class=\"num\">0</td><td class=\"num\">0–0</td>"), "\(html)")
        let json = try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as! [String: Any]
        let below = try #require((json["populations"] as? [[String: Any]])?.first { $0["name"] as? String == "belowWindow" })
        #expect(below["concentrationPerMl"] as? Double == d.belowWindow.concentrationPerMl)
    }

    @Test("a window holding every particle has the total's concentration interval, not a narrower one")
    func wholeWindowHasTheTotalsInterval() throws {
        // 100 nm beads in the 30–150 nm window: every fraction replicate is 1 (to 10⁻⁴⁰), so the window's concentration
        // replicates are the total's count replicates and its interval must be the total's. It had been the
        // percentiles of the first 100 of the 1,000 count replicates (as many as the deconvolution's): 1.674–1.934e9
        // against the total's 1.633–1.967e9 on SampleData/beads-100nm.csv.
        let sample = try Self.beads(bootstrapReplicates: 100)
        let d = try #require(sample.populations.decomposition)
        #expect(d.inWindow.fractionLower > 1 - 1e-12)
        let total = d.total, inside = d.inWindow
        #expect(abs(inside.concentrationLowerPerMl / total.concentrationLowerPerMl - 1) < 1e-9, "\(inside) vs \(total)")
        #expect(abs(inside.concentrationUpperPerMl / total.concentrationUpperPerMl - 1) < 1e-9, "\(inside) vs \(total)")
    }

    @Test("one material (polystyrene, n 1.59): the classes are not separated, so the vesicle-like share and its interval are unknown, with a note")
    func singleMaterialShareUnknown() throws {
        // As `nta-size simulate --mixture ps:100@1.59 --seed 3`, analysed with --detection-volume-nl 0.04 --dilution 1.
        let sample = try simulatedSample(try SizeMixture(parsing: "ps:100@1.59"), seed: 3, nanoliters: 0.04,
                                         name: "ps100") { $0.dilution = 1 }.sample
        let classes = try #require(sample.populations.intensity)
        #expect(classes.poorlySeparated, "ratio \(classes.polarisabilityRatio)")
        #expect(classes.separatedVesicleLikeFraction == nil && classes.separatedVesicleLikeFractionCI == nil)
        let json = try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as! [String: Any]
        let intensity = try #require(json["intensity"] as? [String: Any])
        #expect(intensity["vesicleLikeFractionInWindow"] is NSNull)
        #expect((intensity["vesicleLikeFractionInWindowCI"] as? [Any])?.allSatisfy { $0 is NSNull } == true)
        #expect(intensity["poorlySeparated"] as? Bool == true && intensity["polarisabilityRatio"] is Double)
        let notes = try #require(json["notes"] as? [String])
        #expect(notes.contains { $0.contains("vesicle-like share of the window is unknown: the two classes are not separated (polarisability ratio") && $0.contains("a single-material sample cannot be split") }, "\(notes)")
        let text = TextReport.render(sample)
        #expect(text.contains("Vesicle-like (low refractive index) share of the window, from intensity vs size: unknown: the two classes are not separated"), "\(text)")
        let sentence = try #require(text.split(separator: "\n").first { $0.hasPrefix("Vesicle-like") })
        #expect(!sentence.contains("CI") && !sentence.contains("%"), "\(sentence)")
        #expect(HTMLReport.render(sample).contains("from intensity vs size: unknown"))
    }

    @Test("a fluorescence capture that cannot be paired (no localisation) costs only the marker-positive figures, with a warning")
    func emptyFluorescence() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 200
        let v = Simulator.run(p)
        var options = AnalysisOptions()
        options.detectionVolume = try DetectionVolume(nanoliters: 1)
        var empty = v
        empty.table = TrajectoryTable(particle: [], frame: [], x: [], y: [], positionUnit: v.table.positionUnit)
        let alone = try SampleResult([.video(try analyzeSimulated(v, name: "x", options: options))], options: options)
        let paired = try SampleResult([.video(try analyzeSimulated(v, name: "x", options: options))],
                                      fluorescence: [.video(try analyzeSimulated(empty, name: "fl", options: options))],
                                      options: options)
        let concentration = try #require(alone.concentrationPerMl)
        #expect(paired.concentrationPerMl == concentration)
        #expect(paired.populations.fluorescence == nil)
        #expect(paired.warnings.contains { $0.contains("fluorescence capture (fl) could not be paired") }, "\(paired.warnings)")
        // The headline says the capture could not be paired, not that none was given (as it does without one).
        let headline = try #require(paired.populations.decomposition).plainWords(fluorescenceGiven: paired.populations.fluorescenceGiven)
        #expect(headline.contains { $0.hasPrefix("The fluorescence capture could not be paired") } && !headline.contains { $0.hasPrefix("No fluorescence capture was given") })
        #expect(try #require(alone.populations.decomposition).plainWords(fluorescenceGiven: alone.populations.fluorescenceGiven)
            .contains { $0.hasPrefix("No fluorescence capture was given") })
        // Localisations but no sized track (every particle stuck): no marker-positive figure either, not 0 % ± 0.
        var stuck = v
        var rows: [(Int64, Int32)] = []
        for id in 0..<20 { for f in 0..<30 { rows.append((Int64(id), Int32(f))) } }
        stuck.table = TrajectoryTable(particle: rows.map(\.0), frame: rows.map(\.1), x: rows.map { Double($0.0) * 50 },
                                      y: rows.map { _ in 100 }, positionUnit: v.table.positionUnit)
        let none = try SampleResult([.video(try analyzeSimulated(v, name: "x", options: options))],
                                    fluorescence: [.video(try analyzeSimulated(stuck, name: "fl", options: options))],
                                    options: options)
        #expect(none.concentrationPerMl == concentration && none.populations.fluorescence == nil)
        #expect(none.warnings.contains { $0.contains("fluorescence capture (fl) has no sized track (20 dropped") }, "\(none.warnings)")
    }

    @Test("a fluorescence capture counting more particles than the scatter capture is paired, with a warning that it cannot be one sample")
    func moreMarkerPositiveThanParticles() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 200
        p.concentrationPerMl = 1e9
        let scatter = Simulator.run(p)
        p.concentrationPerMl = 4e9
        p.seed = 2
        let denser = Simulator.run(p)
        var options = AnalysisOptions()
        options.detectionVolume = try DetectionVolume(nanoliters: 1)
        let sample = try SampleResult([.video(try analyzeSimulated(scatter, name: "x", options: options))],
                                      fluorescence: [.video(try analyzeSimulated(denser, name: "fl", options: options))],
                                      options: options)
        let fraction = try #require(sample.populations.fluorescence?.window.positiveFraction)
        #expect(fraction > 1)
        #expect(sample.warnings.contains { $0.contains("more marker-positive particles than particles") }, "\(sample.warnings)")
    }

    @Test("without a detection volume: no concentration, and a note says what is needed")
    func noVolume() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 200
        let v = Simulator.run(p)
        let sample = try SampleResult([.video(try analyzeSimulated(v, name: "x"))], options: AnalysisOptions())
        #expect(sample.concentrationPerMl == nil)
        #expect(sample.notes.contains { $0.contains("--detection-volume-nl") })
    }

    @Test("a field of view smaller than the localisations' extent is warned of; the true field, or it given as height × width, is not")
    func fieldOfViewContradictingPositions() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 200
        let v = Simulator.run(p)
        let width = Double(p.fieldWidthPixels) * p.nanometersPerPixel / 1000
        let height = Double(p.fieldHeightPixels) * p.nanometersPerPixel / 1000
        func warnings(_ w: Double, _ h: Double) throws -> [String] {
            var options = AnalysisOptions()
            options.bootstrapReplicates = 0
            options.detectionVolume = try DetectionVolume(fieldWidthMicrometers: w, fieldHeightMicrometers: h,
                                                          sheetDepthMicrometers: 5)
            return try analyzeSimulated(v, name: "x", options: options).warnings.filter { $0.contains("field of view") }
        }
        #expect(try warnings(width, height).isEmpty)
        #expect(try warnings(height, width).isEmpty)
        let small = try warnings(10, 10)
        #expect(small.count == 1 && small[0].contains("beyond the field of view given (--field-of-view-um 10x10)"), "\(small)")
        // One side 10 % short (beyond the 5 % a localisation may stray past the image's edge).
        #expect(try warnings(width * 0.9, height).count == 1)
    }

    @Test("frames inside tracks without a localisation are noted with their share when a concentration is asked for")
    func trackGapsNoted() throws {
        func gapShare(detection: Double, memory: Int) throws -> Double? {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.frameCount = 200
            p.memoryFrames = memory
            p.detectionProbability = detection
            var options = AnalysisOptions()
            options.bootstrapReplicates = 0
            options.detectionVolume = try DetectionVolume(nanoliters: 1)
            let notes = try analyzeSimulated(Simulator.run(p), name: "x", options: options).notes
                .filter { $0.contains("frames inside tracks have no localisation") }
            #expect(notes.count <= 1)
            return notes.first.flatMap { Double($0.dropFirst("x: ".count).prefix { $0 != " " }) }
        }
        // No memory: no gap, no note.
        #expect(try gapShare(detection: 1, memory: 0) == nil)
        // A memory of 3 frames bridges excursions out of the sheet (noted) and, at a detection probability of 0.7,
        // misses inside it: about 0.3 of the interior frames more (a little less: a miss at a track's end, or longer
        // than the memory, ends the track instead).
        let excursions = try #require(try gapShare(detection: 1, memory: 3))
        let misses = try #require(try gapShare(detection: 0.7, memory: 3))
        #expect(misses - excursions > 15 && misses - excursions < 30, "\(excursions) → \(misses)")
    }
}
