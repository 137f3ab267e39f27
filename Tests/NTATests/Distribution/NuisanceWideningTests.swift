import Testing
import NTA

@Suite("A held-fixed nuisance's uncertainty added to bootstrap intervals")
struct NuisanceWideningTests {
    @Test("each side grows in quadrature: a half-width of 3 and z·shift of 4 give 5")
    func quadrature() {
        // z = 2 and a shift of 2 make z·shift = 4; sides 3 (below) and 12 (above) become 5 and 12.65.
        let ci = ConfidenceInterval(lower: 97, upper: 112, standardError: 1.5)
        let w = ci.widened(about: 100, byShift: 2, z: 2)
        #expect(abs(w.lower - 95) < 1e-12)
        #expect(abs(w.upper - (100 + (144.0 + 16).squareRoot())) < 1e-12)
        #expect(abs(w.standardError - 2.5) < 1e-12)
        // The sign of the shift does not matter; no shift changes nothing.
        #expect(ci.widened(about: 100, byShift: -2, z: 2) == w)
        #expect(ci.widened(about: 100, byShift: 0, z: 2) == ci)
    }

    @Test("an interval that misses its estimate still only grows")
    func estimateOutside() {
        let ci = ConfidenceInterval(lower: 101, upper: 104, standardError: 1)
        let w = ci.widened(about: 100, byShift: 1, z: 3)
        // Below: the side counts as 0 wide, so it moves out by the whole z·shift.
        #expect(abs(w.lower - 98) < 1e-12)
        #expect(abs(w.upper - (104 + (16.0 + 9).squareRoot() - 4)) < 1e-12)
    }
}
