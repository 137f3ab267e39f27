import Foundation
import Testing
import NTA
@testable import NTADiffusion

@Suite("FFTW wrapper")
struct FFTWTests {
    @Test("FFTW's RODFT00 matches the direct DST-I")
    func dstMatchesDirect() {
        var rng = SeededGenerator(seed: 11)
        for n in [1, 2, 5, 24, 25, 97] {
            var input = (0..<n).map { _ in rng.nextGaussian() }
            let direct = DSTScratch.directDST(input)
            var output = [Double](repeating: 0, count: n)
            input.withUnsafeMutableBufferPointer { i in output.withUnsafeMutableBufferPointer { FFTW.dst1(i, into: $0) } }
            for k in 0..<n { #expect(abs(output[k] - direct[k]) < 1e-10 * Double(n)) }
        }
    }
}
