import Dispatch
import Foundation

/// Data-parallel helpers over index ranges, built on `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// Calls `body(i)` for every `i` in `0..<count` and returns the results in
    /// index order, splitting the range into contiguous chunks run on all cores.
    /// Small inputs (below `minimumChunk` per worker) run on the calling thread.
    public static func map<T: Sendable>(
        count: Int, minimumChunk: Int = 512, _ body: @Sendable (Int) -> T
    ) -> [T] {
        guard count > 0 else { return [] }
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let chunks = min(max(count / max(minimumChunk, 1), 1), 4 * workers)
        if chunks == 1 { return (0..<count).map(body) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = SendableBuffer(base: buffer)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in (count * c / chunks) ..< (count * (c + 1) / chunks) {
                    (out.base.baseAddress! + i).initialize(to: body(i))
                }
            }
            initialized = count
        }
    }
}

/// A buffer whose disjoint elements are written by different threads.
struct SendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
}
