import Dispatch
import Foundation

/// Data-parallel helpers over index ranges, built on `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// Number of threads the helpers spread work over: the active processor
    /// count, at least 1, read once per process (on Linux `activeProcessorCount` is a
    /// system call, too slow for a helper called once per track).
    public static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(i)` for every `i` in `0..<count` and returns the results in
    /// index order, splitting the range into contiguous chunks run on all cores.
    /// Small inputs (below `minimumChunk` per worker) run on the calling thread.
    public static func map<T: Sendable>(
        count: Int, minimumChunk: Int = 512, _ body: @Sendable (Int) -> T
    ) -> [T] {
        guard count > 0 else { return [] }
        let workers = workerCount
        let chunks = min(max(count / max(minimumChunk, 1), 1), 4 * workers)
        if chunks == 1 { return (0..<count).map(body) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            ResidentMemory.preferHugePages(buffer)
            let out = SendableBuffer(base: buffer)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in (count * c / chunks) ..< (count * (c + 1) / chunks) {
                    (out.base.baseAddress! + i).initialize(to: body(i))
                }
            }
            initialized = count
        }
    }

    /// Calls `body(k)` for every `k` in `0..<count`, concurrently, and returns
    /// when all calls have finished. A single call runs on the calling thread.
    ///
    /// Use it for a few coarse tasks (typically one per worker, see
    /// ``workerCount``) that write disjoint parts of shared output.
    public static func forEach(count: Int, _ body: @Sendable (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// The `k`-th of `chunks` contiguous, nearly equal parts of `0..<count`.
    @inlinable
    public static func chunk(_ k: Int, of chunks: Int, count: Int) -> Range<Int> {
        (count * k / chunks) ..< (count * (k + 1) / chunks)
    }

    /// How many chunks of at least `minimumChunk` elements to split `count`
    /// elements into: at most ``workerCount``, at least 1.
    public static func chunkCount(_ count: Int, minimumChunk: Int) -> Int {
        min(max(count / max(minimumChunk, 1), 1), workerCount)
    }

    /// Splits `0..<count` into ``chunkCount(_:minimumChunk:)`` contiguous chunks, calls `body` with each
    /// chunk's range on all cores (one chunk: on the calling thread) and returns the results in chunk order:
    /// one pass over many rows with a per-chunk result (a minimum, a sum in integers, a count) to combine.
    public static func mapChunks<T: Sendable>(
        count: Int, minimumChunk: Int, _ body: @Sendable (Range<Int>) -> T
    ) -> [T] {
        let chunks = chunkCount(count, minimumChunk: minimumChunk)
        return map(count: chunks, minimumChunk: 1) { body(chunk($0, of: chunks, count: count)) }
    }
}

/// Hands out indices 0, 1, 2, … to concurrent workers, each index once: work taken as workers come free.
package final class IndexCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    package init() {}

    /// The next index below `limit`, or `nil` once all are taken.
    package func take(below limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// A buffer whose disjoint elements are written by different threads.
package struct SendableBuffer<T>: @unchecked Sendable {
    package let base: UnsafeMutableBufferPointer<T>
    package init(base: UnsafeMutableBufferPointer<T>) { self.base = base }
}

/// A value handed to concurrent tasks that the caller guarantees are used
/// safely (disjoint writes, or reads only); for raw pointers into buffers.
package struct UncheckedSendable<T>: @unchecked Sendable {
    package var value: T
    package init(_ value: T) { self.value = value }
}
