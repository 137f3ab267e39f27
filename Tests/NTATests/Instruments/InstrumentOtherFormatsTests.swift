import Foundation
import Testing
import NTA

/// ZetaView, .nano, NanoSight per-particle, TrackMate and trackpy files, and
/// the content-based detector.
@Suite struct InstrumentOtherFormatsTests {
    // MARK: ZetaView

    /// A number as ZetaView prints it: `9.250E+1` (4 significant figures, unpadded exponent).
    static func zv(_ x: Double) -> String {
        if x == 0 { return "0.000E+0" }
        var e = Int(Foundation.floor(Foundation.log10(Swift.abs(x))))
        var m = x / Foundation.pow(10, Double(e))
        if Swift.abs((m * 1000).rounded()) >= 10000 { e += 1; m = x / Foundation.pow(10, Double(e)) }
        return String(format: "%.3f", m) + "E" + (e < 0 ? "-" : "+") + "\(Swift.abs(e))"
    }

    static func zetaViewText(counts: [Int: Double], dilution: Double = 100, typeOfMeasurement: String = "Size Distribution",
                             eol: String = "\n", linearRows: Int = 60, separator: Bool = true, median: Double = 96.25) -> String {
        var lines = [
            "Original File:\tZ:\\20250219_0005_EV_size_488.avi\tSection:\t0.09999 [0]",
            "Software:\tZetaView (version 8.06.01 SP1)\tAnalyze:\t8.06.01 SP1",
            "Sample:\tfixture EV",
            "Conductivity: 60.000000\tsensed",
            "Temperature:\t24.930000\tsensed",
            "Viscosity:\t0.901280",
            "Particle Drift Check Result:\ttoo high",
            "Type of Measurement:\t\(typeOfMeasurement)",
            "Number of Traces:\t10\t(at 0.099990)\tAverage Number of Particles:\t5.000000\tDilution::\t\(String(format: "%.6f", dilution))",
            "Camera:\tFpSec 30 #Cycles 1 FRate 30.000000",
            "Micrometer per Pixel:\t0.713000",
            "Results (Pos 0.099993):",
            "Median Number (D50):\t\(String(format: "%.6f", median))",
            "Size Distribution",
            "Size / nm\tNumber\tConcentration / cm-3\tVolume / nm^3\tArea / nm^2",
        ]
        for k in 0..<linearRows {
            let size = 2.5 + 5 * Double(k), n = counts[k] ?? 0
            lines.append([size, n, n * 1e5, n * 100, n * 10].map(zv).joined(separator: "\t"))
        }
        if separator { lines.append("-1.000E+0\t-1.000E+0\t-1.000E+0\t-1.000E+0\t0.000E+0") }
        if separator, linearRows > 0 {
            for k in 0..<5 { lines.append([4.683 * pow(1.037, Double(k)), 0, 0, 0, 0].map(zv).joined(separator: "\t")) }
        }
        return lines.joined(separator: eol) + eol
    }

    /// Counts 2, 4, 4 at 92.5, 97.5, 102.5 nm: the median is reached 3/4 of the way from 92.5 to 97.5.
    static let zetaCounts: [Int: Double] = [18: 2, 19: 4, 20: 4]

    @Test func zetaViewSizeFixture() throws {
        let text = Self.zetaViewText(counts: Self.zetaCounts, eol: "\r\n")
        let latin1 = text.replacingOccurrences(of: "Sample:\tfixture EV", with: "Sample:\tfixture EV 5 µl").unicodeScalars.map { UInt8($0.value) }
        let m = try ZetaViewSizeReader().read(bytes: latin1, fileName: "z.txt")
        #expect(m.encoding == .windows1252)
        #expect(m.entry("Sample")?.value == "fixture EV 5 µl")
        #expect(m.linearRows.count == 60 && m.logRows.count == 5)
        #expect(m.entry("Conductivity")?.value == "60.000000 sensed")
        #expect(m.dilutionFactor == 100 && m.frameRateHz == 30 && m.temperatureCelsius == 24.93)
        #expect(m.medianNumberNanometers == 96.25)
        #expect(m.printedMedianNumberNanometers == 96.25)
        #expect(m.measuredConcentrationPerMl == 1e6)
        #expect(m.concentrationPerMl == 1e8)
        let summary = try DistributionSummary(m, fileName: "z.txt")
        #expect(summary.concentrationPerMl == 1e8)
        #expect(summary.videos[0].dilution.appliedBy == .ntaSize)
        #expect(summary.videos[0].dilution.source.contains("line 9"))
        #expect(summary.videos[0].warnings == ["Particle Drift Check Result: too high"])
        #expect(summary.videos[0].settings.nanometersPerPixel == 713)
    }

    @Test func zetaViewEmptyMeasurement() throws {
        let m = try ZetaViewSizeReader().read(bytes: Array(Self.zetaViewText(counts: [:], linearRows: 0).utf8), fileName: "e.txt")
        #expect(m.linearRows.isEmpty && m.logRows.isEmpty && m.isEmpty)
        #expect(m.medianNumberNanometers == nil)
        #expect(m.measuredConcentrationPerMl == 0)
        #expect(throws: InputError.self) { _ = try DistributionSummary(m, fileName: "e.txt") }
    }

    @Test func zetaViewTruncatedBeforeSeparator() {
        let text = Self.zetaViewText(counts: Self.zetaCounts, separator: false)
        do {
            _ = try ZetaViewSizeReader().read(bytes: Array(text.utf8), fileName: "t.txt")
            Issue.record("accepted a truncated table")
        } catch {
            #expect(error.file == "t.txt" && error.line != nil)
            #expect(error.message.contains("truncated"))
        }
        // A partial last row.
        let cut = String(Self.zetaViewText(counts: Self.zetaCounts).prefix(1400))
        #expect(throws: InputError.self) { _ = try ZetaViewSizeReader().read(bytes: Array(cut.utf8), fileName: "t.txt") }
    }

    @Test func zetaViewProfileIsRefusedClearly() throws {
        var bytes = Array(Self.zetaViewText(counts: [:], typeOfMeasurement: "Zeta Potential", eol: "\r\n").utf8)
        bytes += Array("Mobility / ".utf8) + [0xB5, 0x00] + Array("m/s\r\n".utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "p.txt") == .zetaViewProfile)
        do {
            _ = try InstrumentReading.read(bytes: bytes, fileName: "p.txt")
            Issue.record("read a profile as a size measurement")
        } catch {
            #expect(error.message.contains("zeta-potential profile"))
            #expect(error.message.contains("not a size measurement"))
        }
    }

    @Test("a ZetaView table whose size column was moved is refused naming the line that holds it")
    func zetaViewSizeColumnMoved() {
        let text = Self.zetaViewText(counts: Self.zetaCounts)
            .replacingOccurrences(of: "Size / nm\tNumber\t", with: "Number\tSize / nm\t")
        do {
            _ = try InstrumentReading.read(bytes: Array(text.utf8), fileName: "m.txt")
            Issue.record("read a table whose columns were moved")
        } catch {
            #expect(error.message.contains("line 15 names \"Size / nm\" in a later column"), "\(error)")
            #expect(!error.message.contains("no \"Size / nm\" table header"), "\(error)")
        }
    }

    // MARK: .nano

    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.nano33), "needs ../shared/formats/nanosight-3.3-experiment.nano"))
    func realNanoFile() throws {
        let f = try NanoSightExperimentFileReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.nano33))
        #expect(f.videoFilenames.count == 5)
        #expect(f.videoFilenames[0] == "EMT1 d200 2021-04-01 15-43-10.avi")
        #expect(f.videoCount == 5)
        #expect(f.nanometersPerPixel == [140, 140, 140, 140, 140])
        #expect(f.dilutionFactor == [nil, nil, nil, nil, nil])  // written as 0: not recorded
        #expect(f.cameraLevel.first == 16)
        #expect(f.detail("TimeCaptured") == "15:42:48  01/04/2021")
        #expect(f.videoIndex(matching: "/data/EMT1 d200 2021-04-01 15-44-24_AllTracks.csv") == 1)
        #expect(f.videoIndex(matching: "EMT1 d200 2021-04-01 15-48-05_ParticleData.csv") == 4)
        #expect(f.videoIndex(matching: "other_AllTracks.csv") == nil)
        let s = f.acquisitionSettings(video: 1)
        #expect(s.frameRateHz == 24.9825 && s.nanometersPerPixel == 140)
        #expect(s.temperatureCelsius == 26.747 && s.viscosityMillipascalSeconds == 0.854413 && s.exposureMilliseconds == 32.5)
        #expect(try InstrumentFormatDetector.detect(contentsOf: InstrumentFiles.real(InstrumentFiles.nano33)) == .nanoSightExperimentFile)
    }

    @Test func nanoFileBadNumberNamesLine() {
        let text = "[Filenames]\na.avi\n\n[CaptureSettings]\nPixelSize=140,abc\nFramesPerSecond=25,25\n"
        do {
            _ = try NanoSightExperimentFileReader().read(bytes: Array(text.utf8), fileName: "x.nano")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 5 && error.column == 2)
        }
    }

    // MARK: NanoSight per-particle

    static let particleData = """
        Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Ln(Adjusted intensity)/AU,Start frame,Tracklength,Included in distribution?
        1,101.2,4.31e+06,7.5,0,25,TRUE
        2,95.0,4.6e+06,7.1,3,12,False
        3,88.4,4.9e+06,,10,30,1
        4,120.0,3.6e+06,8.0,11,8,No

        """

    @Test func particleDataFixture() throws {
        let d = try NanoSightPerParticleReader().readParticleData(bytes: Array(Self.particleData.utf8), fileName: "v_ParticleData.csv")
        #expect(d.count == 4)
        #expect(d.particleID == [1, 2, 3, 4])
        #expect(d.diffusionCoefficientSquareNanometersPerSecond == [4.31e6, 4.6e6, 4.9e6, 3.6e6])
        #expect(d.trackLengthFrames == [25, 12, 30, 8])
        #expect(d.startFrame == [0, 3, 10, 11])
        #expect(d.includedInDistribution == [true, false, true, false])
        #expect(d.lnAdjustedIntensity[2].isNaN)
        #expect(try InstrumentFormatDetector.detect(bytes: Array(Self.particleData.utf8), fileName: "x") == .nanoSightParticleData)
    }

    @Test func particleDataErrors() {
        let badFlag = Self.particleData.replacingOccurrences(of: "False", with: "maybe")
        do {
            _ = try NanoSightPerParticleReader().readParticleData(bytes: Array(badFlag.utf8), fileName: "p.csv")
            Issue.record("accepted")
        } catch { #expect(error.line == 3 && error.column == 7) }
        let truncated = Self.particleData + "5,99"
        do {
            _ = try NanoSightPerParticleReader().readParticleData(bytes: Array(truncated.utf8), fileName: "p.csv")
            Issue.record("accepted")
        } catch { #expect(error.line == 6 && error.message.contains("truncated")) }
        let missing = "Particle ID,Size/nm\n1,100\n"
        #expect(throws: InputError.self) { _ = try NanoSightPerParticleReader().readParticleData(bytes: Array(missing.utf8), fileName: "p.csv") }
    }

    static let allTracks = """
        Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Frame,X/pixels,Y/pixels,Ln(Adjusted intensity)/AU,Included in distribution?
        1,101.2,4.3e+06,0,10.5,20.25,7.5,True
        1,101.2,4.3e+06,1,11.0,20.5,7.4,True
        2,95.0,4.6e+06,0,300.0,40.0,7.0,Yes
        2,95.0,4.6e+06,2,301.5,41.0,7.1,Yes

        """

    @Test func allTracksFixtureUTF8AndUTF16() throws {
        var utf16: [UInt8] = [0xFF, 0xFE]
        for u in Self.allTracks.utf16 { utf16 += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        for bytes in [Array(Self.allTracks.utf8), utf16] {
            #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "a") == .nanoSightAllTracks)
            guard case .trajectories(let r, .nanoSightAllTracks) = try InstrumentReading.read(bytes: bytes, fileName: "v_AllTracks.csv") else {
                Issue.record("not read as AllTracks"); continue
            }
            #expect(r.table.positionUnit == .pixels)
            #expect(r.table.particle == [1, 1, 2, 2])
            #expect(r.table.frame == [0, 1, 0, 2])
            #expect(r.table.x == [10.5, 11.0, 300.0, 301.5])
            #expect(r.table.y == [20.25, 20.5, 40.0, 41.0])
            #expect(r.table.intensity == [7.5, 7.4, 7.0, 7.1].map { Foundation.exp($0) })
            // NTA's own per-track D (nm²/s → µm²/s) and size, kept for the per-track table.
            #expect(r.instrumentTracks == [
                InstrumentTrackEstimate(particleID: 1, diffusionUm2PerS: 4.3, diameterNanometers: 101.2),
                InstrumentTrackEstimate(particleID: 2, diffusionUm2PerS: 4.6, diameterNanometers: 95.0),
            ])
        }
    }

    // MARK: TrackMate

    static let trackMate = """
        LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS,MEAN_INTENSITY_CH1
        Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,Radius,Mean intensity ch1
        Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,R,Mean ch1
        ,,,(quality),(micron),(micron),(micron),(sec),,(micron),(counts)
        ID0,0,0,50.0,1.5,2.5,0.0,0.0,0,0.3,100
        ID1,1,0,50.0,1.6,2.4,0.0,0.033,1,0.3,101
        ID2,2,,10.0,5.0,5.0,0.0,0.0,0,0.3,50
        ID3,3,1,40.0,3.0,3.0,0.0,0.0,0,0.3,90

        """

    @Test func trackMateFourHeaderRows() throws {
        let bytes = Array(Self.trackMate.utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "s") == .trackMateSpots)
        let r = try TrackMateSpotsReader().read(bytes: bytes, fileName: "spots.csv")
        #expect(r.table.positionUnit == .micrometers)
        #expect(r.table.particle == [0, 0, 1])
        #expect(r.table.x == [1.5, 1.6, 3.0])
        #expect(r.table.intensity == [100, 101, 90])
        #expect(r.droppedRows[.missingParticleOrFrame] == 1)  // the spot in no track
        // Errors keep the file's line numbers although three header rows were removed.
        let bad = Self.trackMate.replacingOccurrences(of: "ID1,1,0,50.0,1.6", with: "ID1,1,0,50.0,abc")
        do {
            _ = try TrackMateSpotsReader().read(bytes: Array(bad.utf8), fileName: "spots.csv")
            Issue.record("accepted")
        } catch { #expect(error.line == 6 && error.column == 5) }
    }

    @Test("TrackMate's None: a spot in no track is dropped and counted, a missing feature is an empty field")
    func trackMateNone() throws {
        let text = Self.trackMate
            .replacingOccurrences(of: "ID2,2,,10.0", with: "ID2,2,None,10.0")
            .replacingOccurrences(of: "0.033,1,0.3,101", with: "0.033,1,0.3,None")
        let r = try TrackMateSpotsReader().read(bytes: Array(text.utf8), fileName: "spots.csv")
        #expect(r.table.particle == [0, 0, 1])
        // A missing intensity, as an empty field is: the row kept, its intensity unknown.
        #expect(r.table.intensity?.map { $0.isNaN ? -1 : $0 } == [100, -1, 90])
        #expect(r.droppedRows[.missingParticleOrFrame] == 1 && r.droppedRows.total == 1)  // the spot in no track
        // Only whole fields: a label that merely starts with None is kept as it is.
        let label = Self.trackMate.replacingOccurrences(of: "ID0,0,0", with: "Nonesuch,0,0")
        #expect(try TrackMateSpotsReader().read(bytes: Array(label.utf8), fileName: "spots.csv").table.count == 3)
    }

    @Test("a TrackMate table saved with tabs (TrackMate 6, ImageJ's text tables) reads as the CSV does")
    func trackMateTabs() throws {
        let tabs = Self.trackMate.replacingOccurrences(of: ",", with: "\t")
        let bytes = Array(tabs.utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "s.txt") == .trackMateSpots)
        let r = try TrackMateSpotsReader().read(bytes: bytes, fileName: "spots.txt")
        let c = try TrackMateSpotsReader().read(bytes: Array(Self.trackMate.utf8), fileName: "spots.csv")
        #expect(r.table.particle == c.table.particle && r.table.frame == c.table.frame)
        #expect(r.table.x == c.table.x && r.table.y == c.table.y && r.table.intensity == c.table.intensity)
        #expect(r.table.positionUnit == .micrometers && r.droppedRows[.missingParticleOrFrame] == 1)
    }

    @Test func trackMateSingleHeaderNeedsAUnit() throws {
        let old = "TRACK_ID,POSITION_X,POSITION_Y,FRAME\n0,1.0,2.0,0\n0,1.1,2.1,1\n"
        // The error says how to give the unit, with the table's own column names.
        let e = #expect(throws: InputError.self) { _ = try TrackMateSpotsReader().read(bytes: Array(old.utf8), fileName: "o.csv") }
        #expect(e?.message.hasSuffix("give it with --columns particle=TRACK_ID,frame=FRAME,x=POSITION_X,y=POSITION_Y,unit=um (or unit=px, unit=nm)") == true, "\(String(describing: e))")
        let r = try TrackMateSpotsReader(unitWhenUnstated: .pixels).read(bytes: Array(old.utf8), fileName: "o.csv")
        #expect(r.table.count == 2 && r.table.positionUnit == .pixels)
    }

    // MARK: Detector

    @Test func trackpyIsACandidate() throws {
        let text = ",y,x,mass,frame,particle\n0,1.0,2.0,5,0,7\n1,1.5,2.5,5,1,7\n"
        #expect(try InstrumentFormatDetector.detect(bytes: Array(text.utf8), fileName: "t.csv") == .trackpyTrajectories)
        guard case .trajectories(let r, .trackpyTrajectories) = try InstrumentReading.read(bytes: Array(text.utf8), fileName: "t.csv") else {
            Issue.record("not trackpy"); return
        }
        #expect(r.table.particle == [7, 7] && r.table.x == [2.0, 2.5])
    }

    @Test func largeTrackpyFileFromDisk() throws {
        var text = "frame,particle,x,y,mass\n"
        for k in 0..<5000 { text += "\(k % 100),\(k / 100),\(Double(k) * 0.5),1.25,10\n" }
        let url = try InstrumentFiles.fixture("large-trackpy.csv", text)
        guard case .trajectories(let r, .trackpyTrajectories) = try InstrumentReading.read(contentsOf: url, displayName: "large.csv") else {
            Issue.record("not trackpy"); return
        }
        #expect(r.table.count == 5000 && r.table.x[4999] == 2499.5)
    }

    @Test func unknownFileListsEveryFormatTried() {
        do {
            _ = try InstrumentFormatDetector.detect(bytes: Array("time,value\n1,2\n".utf8), fileName: "mystery.csv")
            Issue.record("detected something")
        } catch {
            #expect(error.file == "mystery.csv")
            for format in InstrumentFormat.allCases where format != .zetaViewProfile {
                #expect(error.message.contains(format.displayName), "\(format) not listed")
            }
            #expect(error.message.contains("no \"particle\", \"frame\", \"x\", \"y\" columns"))
        }
        #expect(throws: InputError.self) { _ = try InstrumentFormatDetector.detect(bytes: [], fileName: "empty") }
    }

    @Test func fixturesAreDetectedFromContent() throws {
        let summary = Array(NanoSightFixture().text().utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: summary, fileName: "x.txt") == .nanoSightExperimentSummary)
        let zeta = Array(Self.zetaViewText(counts: Self.zetaCounts).utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: zeta, fileName: "x.csv") == .zetaViewSize)
        let pos = Array("Use\tPosition\tMean Int.\tConc. (p./mL)\tRemoval\nX\t0.10\t15.4\t1.5E+8\t\n\tMean\t15.4\t1.5E+8\t\n".utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: pos, fileName: "x") == .zetaViewPositions)
        guard case .zetaViewPositions(let t) = try InstrumentReading.read(bytes: pos, fileName: "x") else {
            Issue.record("not a position table"); return
        }
        #expect(t.positions.count == 1 && t.summaries["Mean"]?.values["Conc. (p./mL)"] == 1.5e8)
    }

    @Test(.enabled(if: [InstrumentFiles.nanoSight34, InstrumentFiles.nanoSight32, InstrumentFiles.nano33,
                        InstrumentFiles.zetaViewSize, InstrumentFiles.zetaViewPositions].allSatisfy(InstrumentFiles.has),
                   "needs the five real exports in ../shared/formats"))
    func realFilesAreDetectedFromContent() throws {
        let expected: [(String, InstrumentFormat)] = [
            (InstrumentFiles.nanoSight34, .nanoSightExperimentSummary), (InstrumentFiles.nanoSight32, .nanoSightExperimentSummary),
            (InstrumentFiles.nano33, .nanoSightExperimentFile), (InstrumentFiles.zetaViewSize, .zetaViewSize),
            (InstrumentFiles.zetaViewPositions, .zetaViewPositions),
        ]
        for (name, format) in expected {
            #expect(try InstrumentFormatDetector.detect(contentsOf: InstrumentFiles.real(name), displayName: name) == format, "\(name)")
            _ = try InstrumentReading.read(contentsOf: InstrumentFiles.real(name), displayName: name)
        }
    }

    @Test(.enabled(if: InstrumentFiles.has(InstrumentFiles.nanoSight34), "needs ../shared/formats/nanosight-3.4-beads100-ExperimentSummary.csv (the in-repo excerpt test covers one video)"))
    func realSummaryAsDistributionSummary() throws {
        let s = try NanoSightSummaryReader().read(contentsOf: InstrumentFiles.real(InstrumentFiles.nanoSight34))
        let d = try DistributionSummary(s, fileName: "n")
        #expect(d.videos.count == 5)
        #expect(d.videos.allSatisfy { $0.dilution.appliedBy == .instrument && $0.dilution.recordedFactor == 1e4 })
        #expect(PrintedPrecision.significant(d.concentrationPerMl, 3) == 6.09e12)
        #expect(PrintedPrecision.significant(d.concentrationStandardErrorPerMl!, 3) == 6.67e10)
        #expect(d.videos[0].warnings == ["Vibration detected: Moderate vibration"])
        // The pooled distribution is NTA's "Concentration average" column (printed as integers).
        let average = try #require(s.block(.size, .number)?.binAverage)
        for b in 0..<1000 { #expect(abs(d.pooled.values[b] - average[b]) <= 1) }
    }
}
