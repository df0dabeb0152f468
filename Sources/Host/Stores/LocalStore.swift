import Foundation
import RowBatch

/// `--store local:DIR`: a folder of JSON-lines tables named `keyspace.table.jsonl`, one JSON object
/// per row (the format of the upstream fixtures). A scan the file's order already serves (no order
/// asked, or the file is in that order: checked once per file and order) streams straight off the
/// file (JSONLinesScan); any other ordered scan goes through the embedded SQLite store: the file
/// is imported into a disposable SQLite file of this process (LocalImports) and sorted there, with
/// bounded memory whatever the table's size. Both give the same rows; errors name the file's line.
///
/// Writes still rewrite the file (the folder is what users hand over and read back), then drop its
/// import. `"now()"` in a file reads as the import time (the fixtures' stand-in for CQL's now()).
struct LocalStore: TableStore {
    let directory: String
    let imports: LocalImports

    init(directory: String) {
        self.directory = directory
        imports = LocalImports(directory: directory)
    }

    func scan(_ request: ScanRequest, emit: (BatchBuilder) throws -> Void) throws {
        let file = imports.file(of: request.qualifiedName)
        // A file already in the scan's order (unordered scans, or files written in key order) is
        // read as it is; sorting it goes through SQLite.
        if try request.orderBy.isEmpty || imports.isInOrder(request.qualifiedName, by: request.orderBy) {
            return try JSONLinesScan(file: file, request: request).run(emit)
        }
        try imports.store(for: request.qualifiedName).scan(request, emit: emit)
    }
}

// MARK: Writes

extension LocalStore {
    /// Rewrites `keyspace.table.jsonl` under an exclusive lock, atomically (temp file + rename).
    private func rewrite(_ qualified: String, _ body: (inout [[(String, JSONValue)]]) throws -> Void) throws {
        let file = (directory as NSString).appendingPathComponent("\(qualified).jsonl")
        let lockFD = open(file + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw HostCallError.io("cannot lock \(file): \(String(cString: strerror(errno)))") }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 { guard errno == EINTR else { throw HostCallError.io("flock \(file) failed") } }
        var rows: [[(String, JSONValue)]] = []
        if let data = FileManager.default.contents(atPath: file) {
            for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard case .object(let pairs) = try JSONParser.parse(String(line)) else {
                    throw HostCallError.data("\(qualified) line \(n + 1) is not a JSON object")
                }
                rows.append(pairs)
            }
        }
        try body(&rows)
        let text = rows.map { JSONValue.object($0).render() + "\n" }.joined()
        let tmp = file + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)), rename(tmp, file) == 0 else {
            throw HostCallError.io("cannot write \(file)")
        }
    }

    private static func value(_ row: [(String, JSONValue)], _ column: String) -> JSONValue {
        row.first { $0.0 == column }?.1 ?? .null
    }

    func upsert(keyspace: String, table: String, key: [String], batch: BatchView) throws {
        defer { imports.forget("\(keyspace).\(table)") }
        try rewrite("\(keyspace).\(table)") { rows in
            for r in 0..<batch.count {
                let new = batch.jsonRow(r)
                let k = key.map { Self.value(new, $0) }
                if let i = rows.firstIndex(where: { old in key.map { Self.value(old, $0) } == k }) {
                    for (c, v) in new {
                        if let j = rows[i].firstIndex(where: { $0.0 == c }) { rows[i][j].1 = v } else { rows[i].append((c, v)) }
                    }
                    rows[i].removeAll { $0.1.isNull }
                } else {
                    rows.append(new.filter { !$0.1.isNull })
                }
            }
        }
    }

    func delete(keyspace: String, table: String, batch: BatchView) throws -> Int {
        var deleted = 0
        defer { imports.forget("\(keyspace).\(table)") }
        try rewrite("\(keyspace).\(table)") { rows in
            let targets = (0..<batch.count).map { batch.jsonRow($0) }
            let before = rows.count
            rows.removeAll { row in targets.contains { t in t.allSatisfy { Self.value(row, $0.0) == $0.1 } } }
            deleted = before - rows.count
        }
        return deleted
    }
}
