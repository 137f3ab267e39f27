import Foundation
import Testing
import NTA

/// A particle that does not move (D = 0) seen through localisation noise: σ²-free maximum likelihood gives D̂ < 0 about
/// as often as D̂ > 0, and its standard error must not claim a precision no D ≥ 0 gives.
@Suite struct StaticParticleErrorTests {
    @Test("static particles (D = 0, σ = 20 nm, 49 steps): ±1.96 SE holds 0 in at least 90 % of the negative estimates")
    func negativeEstimatesKeepAnHonestError() throws {
        var generator = SeededGenerator(seed: 11)
        var csv = "particle,frame,x,y\n"
        for particle in 0..<400 {
            // Spread over a 640 × 480 px field, each at its own place.
            let x = 20 + 600 * generator.nextUniform(), y = 20 + 440 * generator.nextUniform()
            for frame in 0..<50 {
                csv += "\(particle),\(frame),\(x + 0.2 * generator.nextGaussian()),\(y + 0.2 * generator.nextGaussian())\n"
            }
        }
        let dir = ScratchDirectory()
        let file = dir.file("static.csv")
        try Data(csv.utf8).write(to: file)
        let r = try CommandLine_.run(["analyze", file.path, "--fps", "30", "--nm-per-pixel", "100", "--temperature", "22",
                                      "--output", "tracks"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let dColumn = try #require(header.firstIndex(of: "diffusion_um2_s"))
        let seColumn = try #require(header.firstIndex(of: "diffusion_se_um2_s"))
        let negative = lines.dropFirst().compactMap { row -> Double? in
            guard let d = Double(row[dColumn]), let se = Double(row[seColumn]), d < 0 else { return nil }
            return abs(d) / se
        }
        // About half the 400 (≈ 60 % here). A 95 % interval holding 0 in fewer than 90 % of ≥ 150 of them has a
        // binomial chance below 0.003; the information at D̂ < 0 itself gave 57 %.
        #expect(negative.count >= 150, "\(negative.count) negative estimates")
        let held = Double(negative.filter { $0 <= 1.96 }.count) / Double(max(negative.count, 1))
        #expect(held >= 0.90, "±1.96 SE held 0 in \(held) of \(negative.count)")
    }
}
