import Foundation
import Testing

/// A detection volume that makes the suspension denser than tracking can resolve is warned of.
@Suite struct ImplausibleVolumeTests {
    @Test("--detection-volume-nl 1e-12 (10⁻³ µm³ for ~40 particles in view): warned; 0.04 nL, as an NTA cell: not")
    func tinyVolume() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("c", in: dir, ["--frames", "200", "--seed", "9"])
        func warned(_ volume: String) throws -> Bool {
            let r = try CommandLine_.run(["analyze", prefix + ".csv", "--bootstrap", "0", "--detection-volume-nl", volume,
                                          "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            return ((try CommandLine_.jsonObject(r)?["warnings"] as? [String]) ?? []).contains { $0.contains("closer than tracking resolves them") }
        }
        #expect(try warned("1e-12"))
        #expect(try !warned("0.04"))
    }
}
