import Foundation
import Testing
import NTA

/// `nta-size simulate` writes its rows as it makes them: its memory does not follow the number of captures, frames
/// or rows (`--captures 1000 --frames 1000` once needed ≈ 4 GB, the largest accepted runs tens of GB).
@Suite("nta-size simulate: memory")
struct SimulateMemoryTests {
    /// Whether the built `nta-size` with `arguments` exits 0 when its data (heap) may not exceed `megabytes`
    /// (`ulimit -d`: an allocation beyond it fails, and the run with it).
    static func succeeds(_ arguments: [String], dataLimitMegabytes megabytes: Int) throws -> Bool {
        let executable = try #require(CommandLine_.executable, "\(CommandLine_.NotBuilt())")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -d \(megabytes * 1024) && exec \"$0\" \"$@\"", executable.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationReason == .exit && process.terminationStatus == 0
    }

    @Test("writing 180 000 rows over captures needs no more memory than writing 130")
    func boundedByParticles() throws {
        let dir = ScratchDirectory()
        // A thick sheet puts most of the box in view: many rows for little simulation. Held, the large run's rows
        // took ≈ 110 bytes each (≈ 20 MB); written as they are made, they take a buffer.
        let common = ["--sheet-um", "300", "--concentration", "2e7", "--min-written-length", "2", "--mass-decimals", "0"]
        let small = ["simulate", "-o", dir.file("small").path, "--frames", "3"] + common
        let large = ["simulate", "-o", dir.file("large").path, "--captures", "4", "--frames", "1000"] + common
        // The least data the small run needs on this machine, to 2 MB.
        let limit = try #require(try stride(from: 4, through: 256, by: 2).first { try Self.succeeds(small, dataLimitMegabytes: $0) })
        #expect(try Self.succeeds(large, dataLimitMegabytes: limit + 8), "the large run needs more than \(limit + 8) MB")
        let rows = try String(contentsOfFile: dir.file("large.csv").path, encoding: .utf8).utf8.filter { $0 == 10 }.count - 1
        #expect(rows > 150_000, "\(rows) rows")
    }

    @Test("written as simulated, the files are those of the simulated video, byte for byte", arguments: 0..<4)
    func sameBytes(variant: Int) throws {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = UInt64(11 + variant)
        p.frameCount = 60
        switch variant {
        case 1: p.captureCount = 3; p.minimumWrittenTrackLength = 4; p.memoryFrames = 2; p.detectionProbability = 0.8
        case 2: p.captureCount = 2; p.captureFrameNumbering = .continuing; p.sheetWaistMicrometers = 2.5
            p.detectionThresholdIntensity = 300; p.sigmaReferenceIntensity = 3000; p.sigmaFloorNanometers = 5
            p.minimumWrittenTrackLength = 3
        case 3: p.exposureMilliseconds = 10; p.driftNanometersPerFrame = [4, -2]
        default: break
        }
        var labelling = FluorescenceLabelling(labelledFraction: [0.7, 0, 1], bleachRatePerFrame: variant == 0 ? 0 : 0.02)
        labelling.seed = 5
        let dir = ScratchDirectory()
        let streamed = try SimulationWriter.simulate(p, prefix: dir.file("streamed"), includesScoringTruth: variant == 3 ? true : nil,
                                                     fluorescence: labelling)
        let video = Simulator.run(p)
        let held = try SimulationWriter.write(video, prefix: dir.file("held"), includesScoringTruth: variant == 3 ? true : nil)
        let capture = Simulator.fluorescenceCapture(of: video, labelling: labelling)
        let heldFluorescence = try SimulationWriter.write(capture.video, prefix: dir.file("held.fluorescence"))
        #expect(streamed.localisations == video.table.count && streamed.tracks == video.tracks.count)
        #expect(streamed.fluorescenceLocalisations == capture.video.table.count)
        let fluorescence = try #require(streamed.fluorescenceFiles)
        #expect(video.table.count > 0 && capture.video.table.count > 0)
        for (a, b) in [(streamed.files, held), (fluorescence, heldFluorescence)] {
            for (x, y) in [(a.trajectories, b.trajectories), (a.settings, b.settings), (a.trackTruth, b.trackTruth),
                           (a.sampleTruth, b.sampleTruth)] {
                #expect(try Data(contentsOf: x) == Data(contentsOf: y), "\(x.lastPathComponent)")
            }
        }
    }
}
