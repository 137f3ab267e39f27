import Foundation
import NTACore

/// Opens input files for the readers.
enum MappedFile {
    /// The file's bytes (see ``contents(at:displayName:)``).
    static func data(at url: URL, displayName: String) throws(InputError) -> Data {
        try contents(at: url, displayName: displayName).bytes
    }

    /// The file's bytes, memory-mapped (`.alwaysMapped` really maps on Linux) when it is a regular file, read
    /// to its end when it is a pipe or a device (`/dev/stdin`, a shell's `<(…)`), which cannot be mapped; or an
    /// ``InputError`` naming the file as `displayName` (a directory is one, said as such). `isMapped` says
    /// whether ``releasePages(_:from:to:)`` may be used on them.
    static func contents(at url: URL, displayName: String) throws(InputError) -> (bytes: Data, isMapped: Bool) {
        var status = stat()
        if url.isFileURL, stat(url.path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                throw InputError(file: displayName, message: "expected a file to read, found a directory")
            case S_IFREG:
                break
            default:
                return (try stream(url, displayName: displayName), false)
            }
        }
        do {
            return (try Data(contentsOf: url, options: .alwaysMapped), true)
        } catch {
            throw InputError(file: displayName, message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// Bytes with no line break that a stream may send before it is refused: 16 MiB. Every input is lines of text,
    /// and no line of any format read here comes near it; a device such as `/dev/zero` sends bytes without end and
    /// without a line, which would otherwise be read until memory ran out.
    static let longestFirstLineBytes = 16 << 20

    /// A pipe's or a device's bytes to their end: the first up to ``longestFirstLineBytes`` a MiB at a time, refused
    /// when they hold no line break, then the rest in one read (which fails with an error, not a trap, when memory
    /// runs out: a stream of lines without end under a memory limit). Memory then follows the lines read, as for a file.
    static func stream(_ url: URL, displayName: String) throws(InputError) -> Data {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var head = Data()
            var sawLineBreak = false
            while !sawLineBreak, let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                head.append(chunk)
                sawLineBreak = chunk.contains(0x0A) || chunk.contains(0x0D)
                if !sawLineBreak, head.count >= longestFirstLineBytes {
                    throw InputError(file: displayName, line: 1, column: 1, message: "expected lines of text, found \(head.count >> 20) MiB without a line break (a device such as /dev/zero, or not a text file)")
                }
            }
            guard sawLineBreak, let rest = try handle.readToEnd(), !rest.isEmpty else { return head }
            head.append(rest)
            return head
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(file: displayName, message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// Lets the pages wholly inside `[from, to)` of a read-only file mapping based at `base` leave this
    /// process's resident memory (Linux `MADV_DONTNEED`; the page cache keeps them, and reading them again
    /// faults them back in). Only for bytes ``contents(at:displayName:)`` says are mapped: on anonymous memory it
    /// would zero the pages. Does nothing on other systems.
    static func releasePages(_ base: UnsafePointer<UInt8>, from: Int, to: Int) {
        guard to > from else { return }
        ResidentMemory.releaseWholePages(UnsafeRawPointer(base + from), byteCount: to - from)
    }
}
