import Testing
import NTA

/// `Selection.kthSmallest` must give exactly what a full sort gives, for every k and every shape of input.
@Suite("Order statistics without a sort")
struct SelectionTests {
    static func check(_ values: [Double]) {
        let sorted = values.sorted()
        for k in values.indices {
            var copy = values
            #expect(Selection.kthSmallest(&copy, k) == sorted[k], "k = \(k) of \(values.count)")
            #expect(copy.sorted() == sorted, "the values are only reordered")
        }
    }

    @Test("random, repeated, sorted, reversed, constant and organ-pipe inputs")
    func matchesSort() {
        var rng = SeededGenerator(seed: 11)
        Self.check([3])
        Self.check([2, 1])
        Self.check((0..<257).map { _ in Double.random(in: -1...1, using: &rng) })
        Self.check((0..<200).map { _ in Double(Int.random(in: 0...4, using: &rng)) })
        Self.check((0..<100).map(Double.init))
        Self.check((0..<100).reversed().map(Double.init))
        Self.check([Double](repeating: 7, count: 64))
        Self.check((0..<50).map(Double.init) + (0..<50).reversed().map(Double.init))
    }

    @Test("NaNs neither trap nor read out of bounds; the result is one of the values")
    func nans() {
        var values: [Double] = [1, .nan, 3, .nan, 2, 0, .nan]
        for k in values.indices {
            let v = Selection.kthSmallest(&values, k)
            #expect(v.isNaN || [0, 1, 2, 3].contains(v))
        }
    }
}
