import Foundation

/// A job's reports are written under a staging folder inside the output folder (same file system)
/// and moved into place only when the whole job succeeded: readers never see half a report, and a
/// failed or crashed job leaves nothing but its staging folder, which the host removes.
struct Staging {
    let output: String
    let directory: String
    var files: String { (directory as NSString).appendingPathComponent("files") }

    /// `text` with every staging folder's path cut down to the report path inside it: what a portal
    /// user sees of an error names their report, not the host's folders.
    static func hidingFolders(_ text: String) -> String {
        text.replacingOccurrences(of: #"[^\s'"(]*/\.staging-[0-9]+-[0-9]+-[0-9]+(/files)?/?"#, with: "", options: .regularExpression)
    }

    static func create(output: String) throws -> Staging {
        let stamp = "\(getpid())-\(UInt64(Date().timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
        let dir = (output as NSString).appendingPathComponent(".staging-\(stamp)")
        do {
            try FileManager.default.createDirectory(
                atPath: (dir as NSString).appendingPathComponent("files"),
                withIntermediateDirectories: true)
        } catch {
            throw HostError.internal("cannot create report staging folder in \(output): \(error.localizedDescription)")
        }
        return Staging(output: output, directory: dir)
    }

    /// Moves every staged file to its place under `output` (each rename is atomic, replacing an older
    /// report of the same name) and returns the published paths, sorted.
    func commit() throws -> [String] {
        let fm = FileManager.default
        var published: [String] = []
        for rel in stagedFiles() {
            let src = (files as NSString).appendingPathComponent(rel)
            let dst = (output as NSString).appendingPathComponent(rel)
            try fm.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard rename(src, dst) == 0 else {
                throw HostError.internal("cannot publish \(dst): \(String(cString: strerror(errno)))")
            }
            published.append(dst)
        }
        discard()
        return published
    }

    /// The staged files' paths under `files`, sorted (folders left out).
    func stagedFiles() -> [String] {
        let fm = FileManager.default
        return (fm.enumerator(atPath: files)?.allObjects as? [String] ?? []).sorted().filter { rel in
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: (files as NSString).appendingPathComponent(rel), isDirectory: &isDir) && !isDir.boolValue
        }
    }

    func discard() { try? FileManager.default.removeItem(atPath: directory) }
}
