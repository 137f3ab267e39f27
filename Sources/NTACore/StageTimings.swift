import Dispatch
import Foundation

/// Wall-clock and CPU time per stage of an analysis, for profiling (`nta-size analyze --timings`).
///
/// Off unless ``isEnabled`` is set; the pipeline then records the time since the previous mark at each
/// stage boundary, in order: wall-clock time, and the CPU time of the whole process (all its threads), whose
/// ratio to the wall-clock time is how many cores the stage kept busy on average. Stages of analyses run at
/// the same time interleave: time one at a time. Recording never changes a result.
public final class StageTimings: @unchecked Sendable {
    /// The process-wide record the pipeline marks.
    public static let shared = StageTimings()

    /// A stage's name and its wall-clock duration, s.
    public struct Entry: Sendable, Hashable {
        /// The stage, e.g. "read" or "bootstrap".
        public var stage: String
        /// Wall-clock seconds since the previous mark.
        public var seconds: Double
        /// CPU seconds of the process (user and system, all threads) since the previous mark.
        public var cpuSeconds: Double = .nan
    }

    private let lock = NSLock()
    private var enabled = false
    private var last: UInt64 = 0
    private var lastCPU = 0.0
    private var entries: [Entry] = []

    /// Whether marks are recorded.
    public var isEnabled: Bool { lock.withLock { enabled } }

    /// Starts recording from now (clearing what was recorded).
    public func start() {
        lock.withLock {
            enabled = true
            entries = []
            last = DispatchTime.now().uptimeNanoseconds
            lastCPU = Self.processCPUSeconds()
        }
    }

    /// Ends the stage that ran since the previous mark (or ``start()``), naming it `stage`; nothing when not enabled.
    public func mark(_ stage: String) {
        lock.withLock {
            guard enabled else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            let cpu = Self.processCPUSeconds()
            entries.append(Entry(stage: stage, seconds: Double(now &- last) / 1e9, cpuSeconds: cpu - lastCPU))
            last = now
            lastCPU = cpu
        }
    }

    /// Stops recording and returns the stages in order.
    public func finish() -> [Entry] {
        lock.withLock {
            enabled = false
            defer { entries = [] }
            return entries
        }
    }

    /// The process's CPU time so far (`CLOCK_PROCESS_CPUTIME_ID`), s; NaN where the clock is unavailable.
    private static func processCPUSeconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return .nan }
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
