import Foundation

/// The local store's SQLite side: each JSON-lines table imported, on its first scan, into an SQLite
/// file of its own in a temporary folder of this process (a file per table, so two cursors import
/// two tables at once on two cores). An import is checked against the file's size and modification
/// time at every scan and redone when the file changed. Removed when the store goes away or the
/// process exits; a folder left by a killed process is removed by the next one that imports.
final class LocalImports: @unchecked Sendable {
    let directory: String
    private let lock = NSLock()
    private var tables: [String: Entry] = [:]
    private var scratch: String?

    private final class Entry {
        let lock = NSLock()
        var stamp: FileStamp?
        var path: String?
    }

    struct FileStamp: Equatable {
        var size: Int64, modified: Int64, inode: UInt64
        init?(_ path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            size = Int64(st.st_size)
            modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            inode = UInt64(st.st_ino)
        }
    }

    init(directory: String) { self.directory = directory }

    deinit {
        if let scratch { Self.remove(scratch) }
    }

    func file(of table: String) -> String { (directory as NSString).appendingPathComponent("\(table).jsonl") }

    /// The SQLite store holding `table`'s current rows, importing the file first when needed.
    func store(for table: String) throws -> SQLiteStore {
        let entry = lock.withLock { () -> Entry in
            if let e = tables[table] { return e }
            let e = Entry()
            tables[table] = e
            return e
        }
        return try entry.lock.withLock {
            guard let stamp = FileStamp(file(of: table)) else {
                throw HostCallError.notFound("table \(table) not found in local store \(directory) (no file \(table).jsonl)")
            }
            if stamp != entry.stamp || entry.path == nil {
                if let old = entry.path { unlink(old) }
                entry.path = nil
                entry.path = try importTable(table)
                entry.stamp = stamp
            }
            return SQLiteStore(path: entry.path!, rowName: "line", wal: false)
        }
    }

    /// Drops `table`'s import (after a write to its file).
    func forget(_ table: String) {
        guard let entry = lock.withLock({ tables[table] }) else { return }
        entry.lock.withLock {
            if let old = entry.path { unlink(old) }
            entry.path = nil
            entry.stamp = nil
        }
    }

    private func importTable(_ table: String) throws -> String {
        let folder = try scratchFolder()
        let path = (folder as NSString).appendingPathComponent("\(table)-\(UUID().uuidString.prefix(8)).sqlite")
        do {
            // A disposable copy: no journal, no fsync; a big cache for the import's own pages.
            let db = try SQLiteConnection(path, wal: false)
            try db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768")
            var loader = SQLiteLoader(db: db)
            loader.lineNumbersAsRowids = true
            _ = try loader.load(file: file(of: table))
        } catch {
            unlink(path)
            throw error
        }
        return path
    }

    private func scratchFolder() throws -> String {
        try lock.withLock {
            if let scratch { return scratch }
            let base = NSTemporaryDirectory()
            Self.removeAbandoned(in: base)
            let path = (base as NSString).appendingPathComponent("dataproducts-local-\(getpid())-\(UUID().uuidString.prefix(8))")
            guard mkdir(path, 0o700) == 0 else { throw HostCallError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
            scratch = path
            Self.atExit.add(path)
            return path
        }
    }

    private static func remove(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
        atExit.remove(folder)
    }

    /// Folders of processes that no longer run (killed before they could clean up).
    private static func removeAbandoned(in base: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("dataproducts-local-") {
            let parts = name.split(separator: "-")
            guard parts.count >= 4, let pid = pid_t(parts[2]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: (base as NSString).appendingPathComponent(name))
        }
    }

    /// Folders to remove when the process exits normally (a store kept to the end never deinits).
    private static let atExit = ExitCleanup()
}

/// Paths removed by an atexit handler.
final class ExitCleanup: @unchecked Sendable {
    private let lock = NSLock()
    private var paths: Set<String> = []
    private static var installed = false

    func add(_ path: String) {
        lock.withLock {
            paths.insert(path)
            if !Self.installed {
                Self.installed = true
                atexit { LocalImportsExit.run() }
            }
        }
    }

    func remove(_ path: String) { _ = lock.withLock { paths.remove(path) } }

    func removeAll() {
        for p in lock.withLock({ paths }) { try? FileManager.default.removeItem(atPath: p) }
    }
}

/// The atexit callback cannot capture: it reaches the one cleanup through a global.
enum LocalImportsExit {
    static func run() { LocalImports.cleanupAll() }
}

extension LocalImports {
    static func cleanupAll() { atExit.removeAll() }
}
