import Testing
import NTA

@Suite("Small dense linear systems (the nuisance regressions' equations)")
struct DenseLinearSystemTests {
    @Test("a 3 × 3 system with a zero first pivot is solved exactly")
    func pivoting() throws {
        // x = (1, −2, 3): A·x = (0·1 + 2·(−2) + 1·3, 1 − 2 + 3, 4·1 + 0 + 3) = (−1, 2, 7).
        let a: [Double] = [0, 2, 1,
                           1, 1, 1,
                           4, 0, 1]
        let x = try #require(DenseLinearSystem.solve(a, [-1, 2, 7], 3))
        #expect(abs(x[0] - 1) < 1e-12 && abs(x[1] + 2) < 1e-12 && abs(x[2] - 3) < 1e-12)
    }

    @Test("a singular or non-finite system has no solution, not a trap")
    func singular() {
        #expect(DenseLinearSystem.solve([1, 2, 2, 4], [1, 2], 2) == nil)
        #expect(DenseLinearSystem.solve([0, 0, 0, 0], [0, 0], 2) == nil)
        #expect(DenseLinearSystem.solve([.nan, 1, 1, 1], [1, 1], 2) == nil)
        #expect(DenseLinearSystem.solve([1], [.infinity], 1) == nil)
    }
}
