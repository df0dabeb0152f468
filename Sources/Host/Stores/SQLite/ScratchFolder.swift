import Foundation

/// This process's folder for disposable files (the local store's and the local user cache's SQLite
/// imports), made on first use under $TMPDIR and removed when the process exits normally; a folder
/// left by a killed process is removed by the next process that makes its own.
final class ScratchFolder: @unchecked Sendable {
    static let shared = ScratchFolder()
    private static let prefix = "dataproducts-scratch-"
    private let lock = NSLock()
    private var path: String?

    /// A new, unique path in the folder (the file is not created).
    func newFile(_ name: String) throws -> String {
        let folder = try lock.withLock { () -> String in
            if let path { return path }
            let base = NSTemporaryDirectory()
            Self.removeAbandoned(in: base)
            let made = (base as NSString).appendingPathComponent("\(Self.prefix)\(getpid())-\(UUID().uuidString.prefix(8))")
            guard mkdir(made, 0o700) == 0 else { throw HostCallError.io("cannot create \(made): \(String(cString: strerror(errno)))") }
            path = made
            atexit { ScratchFolder.shared.remove() }
            return made
        }
        return (folder as NSString).appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)")
    }

    private func remove() {
        if let p = lock.withLock({ path }) { try? FileManager.default.removeItem(atPath: p) }
    }

    /// Folders of processes that no longer run.
    private static func removeAbandoned(in base: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(atPath: (base as NSString).appendingPathComponent(name))
        }
    }
}
