import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
private let systemClose = Darwin.close
#endif

/// Writing files whatever their size.
package enum FileWriting {
    /// Why a file could not be written: the system's own words (`strerror`).
    package struct Failure: LocalizedError, CustomStringConvertible {
        /// What failed and why, e.g. "No space left on device".
        package var description: String
        /// The same words, for `localizedDescription`.
        package var errorDescription: String? { description }
    }

    /// Writes `data` to `url`, opened for writing as it is (created if missing, else truncated) in pieces of at
    /// most 256 MiB. The file is written in place, not replaced: a device or pipe there is written to (as
    /// `-o /dev/stdout` asks) and an existing file keeps its owner and permissions. Every write and the close are
    /// checked, so a full disk is an error. (A single `Data.write(to:)` of more than 2 GiB on Linux writes the
    /// buffer's start again where the rest should go; `FileManager.createFile` replaces whatever is at the path,
    /// `/dev/null` included, with a new regular file.)
    package static func write(_ data: Data, to url: URL) throws {
        let file = try Output(url)
        try data.withUnsafeBytes { try file.write($0) }
        try file.close()
    }

    /// A file opened as ``write(_:to:)`` opens it, then written piece by piece as its bytes are made: every write
    /// and the close are checked.
    package final class Output {
        private var fd: Int32

        /// Opens `url` for writing (created if missing, else truncated).
        package init(_ url: URL) throws(Failure) {
            fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        }

        /// Appends `bytes`, in writes of at most 256 MiB.
        package func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
            guard var p = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let n = systemWrite(fd, p, min(left, 1 << 28))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: String(cString: strerror(errno)))
                }
                p += n
                left -= n
            }
        }

        /// Closes the file (once; later calls do nothing).
        package func close() throws(Failure) {
            guard fd >= 0 else { return }
            let result = systemClose(fd)
            fd = -1
            if result != 0 { throw Failure(description: String(cString: strerror(errno))) }
        }

        deinit { if fd >= 0 { _ = systemClose(fd) } }
    }

    /// Writes `data` to an open file or stream (e.g. standard output) in pieces of at most 256 MiB.
    package static func write(_ data: Data, to handle: FileHandle) throws {
        let piece = 1 << 28
        var offset = data.startIndex
        while offset < data.endIndex {
            let end = min(offset + piece, data.endIndex)
            try handle.write(contentsOf: data[offset..<end])
            offset = end
        }
    }
}
