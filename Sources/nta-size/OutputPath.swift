import ArgumentParser
import Foundation

/// Checks of an output path given by a flag, made before anything is read or written, so that a mistyped
/// path costs no analysis and no input is overwritten: a usage error (exit 64) naming the flag.
enum OutputPath {
    /// Throws unless `path` (given with `flag`) names a file that can be written in an existing folder and is not
    /// one of `inputs` (compared as files: the same device and inode, or the same absolute path).
    static func check(_ path: String, flag: String, inputs: [String] = []) throws {
        guard !path.isEmpty else { throw ValidationError("\(flag): expected a file name, found an empty one") }
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("\(flag): expected a file, found the folder \"\(path)\"")
        }
        if let folder = missingFolder(of: url) {
            throw ValidationError("\(flag): expected a file in an existing folder, found no folder \"\(folder)\"")
        }
        if let input = inputs.first(where: { sameFile($0, path) }) {
            throw ValidationError("\(flag): expected a file other than the input \"\(input)\", which it would overwrite")
        }
    }

    /// The folder `url` would be written into, when it is not an existing folder (`nil` when it is).
    static func missingFolder(of url: URL) -> String? {
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue ? nil : folder
    }

    /// The complaint about a file given twice among a sample's `inputs` (it would count as another video of the
    /// sample), or `nil` when each is given once; `analyze` and each sample of `batch` make the same check.
    static func repeatedInput(_ inputs: [String]) -> String? {
        for (k, file) in inputs.enumerated() {
            if let again = inputs[(k + 1)...].first(where: { sameFile(file, $0) }) {
                return "expected each file once, found \"\(file)\" given again as \"\(again)\" (it would count as another video)"
            }
        }
        return nil
    }

    /// Whether `a` and `b` name the same file: the same absolute path, or (both existing) the same device and inode.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        if URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path {
            return true
        }
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
