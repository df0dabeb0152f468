import Foundation

/// The local store's SQLite side: each JSON-lines table imported, on its first scan, into an SQLite
/// file of its own in a temporary folder of this process (a file per table, so two cursors import
/// two tables at once on two cores). An import is checked against the file's size and modification
/// time at every scan and redone when the file changed. Removed when the store goes away or the
/// process exits (ScratchFolder).
final class LocalImports: @unchecked Sendable {
    let directory: String
    private let lock = NSLock()
    private var tables: [String: Entry] = [:]

    private final class Entry {
        let lock = NSLock()
        var stamp: FileStamp?
        var path: String?
        /// Orders the file was found in (or not), valid for `orderStamp`.
        var orders: [[String]: Bool] = [:]
        var orderStamp: FileStamp?
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
        for e in tables.values { if let p = e.path { unlink(p) } }
    }

    func file(of table: String) -> String { (directory as NSString).appendingPathComponent("\(table).jsonl") }

    private func entry(_ table: String) -> Entry {
        lock.withLock { () -> Entry in
            if let e = tables[table] { return e }
            let e = Entry()
            tables[table] = e
            return e
        }
    }

    /// Whether `table`'s file is in the order of `keys` (read once per file version and order).
    func isInOrder(_ table: String, by keys: [String]) throws -> Bool {
        let entry = entry(table)
        return try entry.lock.withLock {
            let stamp = FileStamp(file(of: table))
            if stamp != entry.orderStamp {
                entry.orders = [:]
                entry.orderStamp = stamp
            }
            if let known = entry.orders[keys] { return known }
            let answer = try JSONLinesScan.isInOrder(file(of: table), table: table, by: keys)
            entry.orders[keys] = answer
            return answer
        }
    }

    /// The SQLite store holding `table`'s current rows, importing the file first when needed.
    func store(for table: String) throws -> SQLiteStore {
        let entry = entry(table)
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
            entry.orders = [:]
        }
    }

    private func importTable(_ table: String) throws -> String {
        let path = try ScratchFolder.shared.newFile("\(table).sqlite")
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
}
