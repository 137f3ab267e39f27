import Foundation
import Testing
import NTA

/// Damaged files (cut anywhere, bytes overwritten) give a result or an
/// ``InputError`` naming the file: never a trap. A trap would end the test
/// process, so these tests fail loudly if any reader can crash.
@Suite struct InstrumentRobustnessTests {
    /// Reads `bytes` with content detection; returns whether it was accepted.
    @discardableResult
    static func readOrError(_ bytes: [UInt8], _ name: String) -> Bool {
        do {
            let r = try InstrumentReading.read(bytes: bytes, fileName: name)
            if case .nanoSightSummary(let s) = r { _ = try? DistributionSummary(s, fileName: name) }
            if case .zetaViewSize(let m) = r { _ = try? DistributionSummary(m, fileName: name) }
            return true
        } catch {
            #expect(error.file == name)
            #expect(!error.message.isEmpty)
            return false
        }
    }

    static func samples() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = [
            ("summary.csv", Array(NanoSightFixture().text().utf8)),
            ("zeta.txt", Array(InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts).utf8)),
            ("particles.csv", Array(InstrumentOtherFormatsTests.particleData.utf8)),
            ("tracks.csv", Array(InstrumentOtherFormatsTests.allTracks.utf8)),
            ("spots.csv", Array(InstrumentOtherFormatsTests.trackMate.utf8)),
        ]
        for name in [InstrumentFiles.nanoSight34, InstrumentFiles.nanoSight32, InstrumentFiles.nano33,
                     InstrumentFiles.zetaViewSize, InstrumentFiles.zetaViewPositions] where InstrumentFiles.has(name) {
            if let b = try? InstrumentFiles.bytes(name) { out.append((name, b)) }
        }
        return out
    }

    @Test func truncatedAnywhere() {
        var generator = SeededGenerator(seed: 20261122)
        let samples = Self.samples()
        #expect(samples.count >= 5, "the five in-repo samples are always there")
        for (name, bytes) in samples {
            // The cut points: a few fixed ones and random ones.
            var cuts = [0, 1, 2, 3, bytes.count / 2, bytes.count - 1]
            for _ in 0..<12 { cuts.append(Int.random(in: 0..<bytes.count, using: &generator)) }
            for cut in cuts {
                let accepted = Self.readOrError(Array(bytes[0..<cut]), name)
                // Nothing is read from nothing: an empty file is an error, never an empty result.
                if cut == 0 { #expect(!accepted, "an empty \(name) was accepted") }
            }
        }
    }

    @Test func overwrittenBytes() {
        var generator = SeededGenerator(seed: 7)
        let junk: [UInt8] = [0x00, 0x2C, 0x0A, 0x22, 0x09, 0xFF, 0x41, 0x2D, 0x5B, 0x5D]
        let samples = Self.samples()
        #expect(samples.count >= 5, "the five in-repo samples are always there")
        for (name, bytes) in samples {
            for _ in 0..<10 {
                var b = bytes
                for _ in 0..<4 { b[Int.random(in: 0..<b.count, using: &generator)] = junk.randomElement(using: &generator)! }
                Self.readOrError(b, name)
            }
        }
    }
}
