import NTACore

/// Blocks of 8 Floats (a likelihood row's band, a member's grid weights) stored from a 64-byte boundary, so that
/// the kernels' 32-byte loads and stores never straddle two cache lines: a Swift array of `SIMD8<Float>` starts
/// 16 bytes past a 32-byte boundary, and then every second block is split across two lines (BENCHMARKS.md, issue 11).
///
/// Written once, by the initializer's closure, then read only: shared between values (e.g. a trimmed
/// ``LikelihoodMatrix`` and the matrix it trims), never copied.
final class AlignedBlocks: @unchecked Sendable {
    /// Blocks held (at least one is allocated, so that an empty store still has an address for the kernels).
    let count: Int
    private let base: UnsafeMutablePointer<SIMD8<Float>>

    /// `count` blocks, zeroed, then filled by `fill` (which must not keep the buffer).
    init(count: Int, fill: (UnsafeMutableBufferPointer<SIMD8<Float>>) -> Void = { _ in }) {
        precondition(count >= 0, "a negative block count: a programmer error")
        self.count = count
        let allocated = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: allocated * MemoryLayout<SIMD8<Float>>.stride,
                                                   alignment: 64)
        base = raw.bindMemory(to: SIMD8<Float>.self, capacity: allocated)
        base.initialize(repeating: .zero, count: allocated)
        fill(UnsafeMutableBufferPointer(start: base, count: count))
    }

    /// The blocks of `parts` joined in order, each part copied by one task on all cores (every block is written
    /// once: no zeroing first; an empty store still holds one zero block, for its address).
    init(joining parts: [[SIMD8<Float>]]) {
        var running = [Int](repeating: 0, count: parts.count + 1)
        for (k, part) in parts.enumerated() { running[k + 1] = running[k] + part.count }
        let starts = running
        count = starts[parts.count]
        let allocated = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: allocated * MemoryLayout<SIMD8<Float>>.stride,
                                                   alignment: 64)
        base = raw.bindMemory(to: SIMD8<Float>.self, capacity: allocated)
        if count == 0 { base.initialize(to: .zero) }
        let target = UncheckedSendable(base)
        Parallel.forEach(count: parts.count) { k in
            parts[k].withUnsafeBufferPointer { part in
                guard let source = part.baseAddress else { return }
                (target.value + starts[k]).initialize(from: source, count: part.count)
            }
        }
    }

    deinit { base.deallocate() }

    /// Block `i`.
    subscript(i: Int) -> SIMD8<Float> {
        precondition(i >= 0 && i < count, "block \(i) of \(count): a programmer error")
        return base[i]
    }

    /// The blocks in place (the buffer is valid only inside `body`; its base is never nil, even for no blocks).
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<SIMD8<Float>>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}
