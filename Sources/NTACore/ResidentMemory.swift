import Foundation

/// Letting memory this process no longer needs leave its resident set.
package enum ResidentMemory {
    /// Lets the whole pages inside the `byteCount` bytes at `start` leave resident memory (Linux
    /// `MADV_DONTNEED`; the partial pages at either end stay). What those pages held is gone: a private
    /// mapping of a file reads them back from the file, anonymous memory (an array's unused tail) reads
    /// zeros. Does nothing on other systems.
    package static func releaseWholePages(_ start: UnsafeRawPointer, byteCount: Int) {
        #if os(Linux)
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, byteCount > 0 else { return }
        let first = (UInt(bitPattern: start) + page - 1) / page * page
        let end = (UInt(bitPattern: start) + UInt(byteCount)) / page * page
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, Int(end - first), MADV_DONTNEED)
        #endif
    }
}
