import CFFTW
import CNTAKernels
import Foundation

/// A thin, thread-safe wrapper around the few FFTW 3 (double precision)
/// transforms the estimators need: the type-I discrete sine transform
/// (`FFTW_RODFT00`) and the real-to-complex / complex-to-real DFT pair.
///
/// FFTW's planner is not thread-safe, while executing an existing plan on new
/// arrays (`fftw_execute_r2r`, `fftw_execute_dft_r2c`, `fftw_execute_dft_c2r`)
/// is. So plans are created once per (kind, length), one at a time under a
/// private lock, and kept in a private cache for the life of the process;
/// execution takes no lock. Plans are made with `FFTW_ESTIMATE` (no measurement, arrays untouched)
/// and `FFTW_UNALIGNED` (so any Swift array may be passed), always out of
/// place, and every call here is out of place to match.
///
/// Before its first plan the cache imports the package's wisdom for the DST-I lengths 25…1000
/// (``wisdomAccepted``; CNTAKernels' `nta_fftw_wisdom`): the same plans, found without FFTW_ESTIMATE's search.
/// FFTW's wisdom is per process: a host program's own `FFTW_ESTIMATE` plans of those DSTs get the same plans
/// they would have searched for.
///
/// The cache is the only shared mutable state and is confined to this file.
/// It grows by one small plan per distinct length used; track lengths are
/// bounded by the video length, so it stays small.
enum FFTW {
    private enum Kind: Hashable { case dst1, forward, inverse }
    private struct Key: Hashable { var kind: Kind; var length: Int }

    /// The lock-protected plan cache (never exposed): `lock` guards the dictionary for a moment at a time,
    /// `planner` serialises FFTW's planner, so finding a plan already made never waits for another being made.
    private final class PlanCache: @unchecked Sendable {
        private let lock = NSLock()
        private let planner = NSLock()
        private var plans: [Key: OpaquePointer] = [:]
        /// Whether FFTW accepted the package's wisdom (`nil` until the first plan; read under `planner`).
        private var imported: Bool?
        /// Every plan's flags: FFTW_ESTIMATE | FFTW_UNALIGNED (the flags the package's wisdom was made with).
        static let flags: UInt32 = 1 << 6 | 1 << 1

        /// Whether FFTW accepted the package's wisdom, importing it first if no plan has been made yet.
        var wisdomAccepted: Bool {
            planner.lock()
            defer { planner.unlock() }
            return importWisdomOnce()
        }

        /// The DST-I of `values` by a plan FFTW_ESTIMATE searches for with no wisdom at all (for tests: the bits
        /// a process without the package's wisdom gets): FFTW's wisdom forgotten, the plan made, used and
        /// destroyed, FFTW's wisdom restored, all under `planner`.
        func dst1WithoutWisdom(_ values: [Double]) -> [Double] {
            planner.lock()
            defer { planner.unlock() }
            _ = importWisdomOnce()
            let saved = fftw_export_wisdom_to_string()
            defer { free(saved) }
            fftw_forget_wisdom()
            let n = values.count
            let input = fftw_alloc_real(n)!, output = fftw_alloc_real(n)!
            defer { fftw_free(input); fftw_free(output) }
            for i in 0..<n { input[i] = values[i] }
            let plan = fftw_plan_r2r_1d(Int32(n), input, output, FFTW_RODFT00, PlanCache.flags)!
            fftw_execute(plan)
            fftw_destroy_plan(plan)
            fftw_forget_wisdom()
            if let saved { _ = fftw_import_wisdom_from_string(saved) }
            return (0..<n).map { output[$0] }
        }

        /// Imports the package's wisdom once (the caller holds `planner`): FFTW's own text, which FFTW
        /// rejects (returning 0) when it was built otherwise.
        private func importWisdomOnce() -> Bool {
            if let imported { return imported }
            let accepted = fftw_import_wisdom_from_string(nta_fftw_wisdom()) != 0
            imported = accepted
            return accepted
        }

        func plan(_ key: Key) -> OpaquePointer {
            if let p = lock.withLock({ plans[key] }) { return p }
            planner.lock()
            defer { planner.unlock() }
            // Made by another thread while this one waited for the planner?
            if let p = lock.withLock({ plans[key] }) { return p }
            _ = importWisdomOnce()
            let n = key.length
            // Scratch arrays for planning only: FFTW_ESTIMATE never reads or writes them.
            let realIn = fftw_alloc_real(n)!, realOut = fftw_alloc_real(n)!
            let complex = fftw_alloc_complex(n / 2 + 1)!
            defer { fftw_free(realIn); fftw_free(realOut); fftw_free(complex) }
            let flags = PlanCache.flags
            let p: OpaquePointer?
            switch key.kind {
            case .dst1: p = fftw_plan_r2r_1d(Int32(n), realIn, realOut, FFTW_RODFT00, flags)
            case .forward: p = fftw_plan_dft_r2c_1d(Int32(n), realIn, complex, flags)
            case .inverse: p = fftw_plan_dft_c2r_1d(Int32(n), complex, realOut, flags)
            }
            guard let p else { fatalError("FFTW could not plan a \(key.kind) transform of length \(n)") }
            lock.withLock { plans[key] = p }
            return p
        }
    }

    private static let cache = PlanCache()

    /// Whether this process's FFTW accepted the package's wisdom for the DST-I lengths 25…1000 (FFTW built
    /// otherwise rejects it, and its plans are then searched for as before: the same plans, more slowly).
    static var wisdomAccepted: Bool { cache.wisdomAccepted }

    /// ``dst1(_:into:)`` of `values` by a plan searched for without any wisdom (for tests; see `PlanCache`).
    static func dst1WithoutWisdom(_ values: [Double]) -> [Double] { cache.dst1WithoutWisdom(values) }

    /// FFTW's unnormalised DST-I (`RODFT00`) of `input` into `output` (same
    /// length n ≥ 1, distinct buffers): Yₖ = 2 Σⱼ Xⱼ sin(π(j+1)(k+1)/(n+1)).
    static func dst1(_ input: UnsafeMutableBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(input.count == output.count && input.count >= 1)
        let plan = cache.plan(Key(kind: .dst1, length: input.count))
        fftw_execute_r2r(plan, input.baseAddress!, output.baseAddress!)
    }

    /// Real-to-complex DFT of `input` (length n) into `output` (n/2 + 1 bins),
    /// unnormalised: Yₖ = Σⱼ Xⱼ e^(−2πijk/n).
    static func forward(_ input: UnsafeMutableBufferPointer<Double>,
                        into output: UnsafeMutableBufferPointer<(Double, Double)>) {
        let n = input.count
        precondition(n >= 1 && output.count == n / 2 + 1)
        let plan = cache.plan(Key(kind: .forward, length: n))
        fftw_execute_dft_r2c(plan, input.baseAddress!, output.baseAddress!)
    }

    /// Complex-to-real inverse DFT of n/2 + 1 Hermitian bins into `output`
    /// (length n), unnormalised (the result is n times the inverse). FFTW's
    /// c2r destroys its input, so `input` is overwritten.
    static func inverse(_ input: UnsafeMutableBufferPointer<(Double, Double)>,
                        into output: UnsafeMutableBufferPointer<Double>) {
        let n = output.count
        precondition(n >= 1 && input.count == n / 2 + 1)
        let plan = cache.plan(Key(kind: .inverse, length: n))
        fftw_execute_dft_c2r(plan, input.baseAddress!, output.baseAddress!)
    }

    /// Plans the DST-I of each of `lengths` not yet planned (the plans ``dst1(_:into:)`` will use), one at a
    /// time under the cache's lock: for planning ahead, off the path of parallel work that would otherwise
    /// stop to plan (with `FFTW_ESTIMATE` a length with large prime factors takes about a millisecond).
    static func planDST1(lengths: [Int]) {
        for n in lengths where n >= 1 { _ = cache.plan(Key(kind: .dst1, length: n)) }
    }

    /// The smallest length ≥ `n` whose only prime factors are 2, 3 and 5
    /// (fast for FFTW).
    static func goodLength(atLeast n: Int) -> Int {
        var m = max(n, 1)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }
}
