import Foundation
import PluginAPI
import RowBatch

/// The embedded user cache: Redis hashes (`user:<id>` → fields) as rows of the SQLite table
/// `dp_user_cache` (key, the fields as a JSON object), looked up by key through its primary key,
/// so a million learners cost no memory. `--redis sqlite:FILE` reads the table of an embedded store
/// (filled by `load --user-cache`); `--redis local:FILE` imports the JSON-lines file (one
/// `{"key": ..., "fields": {...}}` per hash) into a disposable SQLite file first.
final class SQLiteUserCache: HashSource {
    static let table = "dp_user_cache"
    let path: String
    private let db: SQLiteConnection
    private let lookup: SQLiteStatement

    init(path: String, wal: Bool = true) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw HostCallError.io("user cache \(path) does not exist") }
        db = try SQLiteConnection(path, wal: wal)
        guard !(try db.columns(of: Self.table)).isEmpty else {
            throw HostCallError.notFound("\(path) has no user cache (load one: dataproducts load DIR --into sqlite:FILE --user-cache FILE)")
        }
        lookup = try db.prepare("SELECT fields FROM \(Self.table) WHERE key = ?1")
    }

    /// A JSON-lines user cache in a disposable SQLite file of this process.
    static func importing(jsonLines file: String) throws -> SQLiteUserCache {
        let path = try ScratchFolder.shared.newFile("usercache.sqlite")
        do {
            let db = try SQLiteConnection(path, wal: false)
            try db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
            _ = try load(jsonLines: file, into: db)
            return try SQLiteUserCache(path: path, wal: false)
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Upserts every hash of a JSON-lines user cache file into `db`, in one transaction; returns how many.
    static func load(jsonLines file: String, into db: SQLiteConnection) throws -> Int {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HostCallError.io("user cache file \(file) does not exist or cannot be read") }
        defer { close(fd) }
        return try db.transaction {
            try db.exec("CREATE TABLE IF NOT EXISTS \(table) (key TEXT PRIMARY KEY, fields BLOB) WITHOUT ROWID")
            let insert = try db.prepare("INSERT OR REPLACE INTO \(table) (key, fields) VALUES (?1, ?2)")
            var n = 0, lineNumber = 0
            let keyName = Array("key".utf8), fieldsName = Array("fields".utf8)
            try LineReader(fd: fd).forEachLine { line in
                lineNumber += 1
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
                var haveKey = false, haveFields = false
                do {
                    try JSONLineCells.forEach(line) { k, cell in
                        switch (k.elementsEqual(keyName), k.elementsEqual(fieldsName), cell) {
                        case (true, _, .text(let b)): try insert.bindText(1, b); haveKey = true
                        case (true, _, .value(.string(let s))): try insert.bind(1, .string(s)); haveKey = true
                        case (_, true, .document(let b)) where b.first == UInt8(ascii: "{"): try insert.bindJSON(2, b); haveFields = true
                        case (_, true, .value(let v)) where v.objectPairs != nil: try insert.bind(2, v); haveFields = true
                        default: break
                        }
                    }
                } catch let e as JSONParseError { throw HostCallError.data("\(file) line \(lineNumber): \(e)") }
                guard haveKey && haveFields else {
                    insert.reset()
                    throw HostCallError.data("\(file) line \(lineNumber): expected {\"key\": ..., \"fields\": {...}}")
                }
                try insert.run()
                n += 1
            }
            return n
        }
    }

    func read(keys: [String], fields: [String], emit: (BatchBuilder) throws -> Void) throws {
        let schema = [Field("key", .utf8)] + (fields.isEmpty ? [Field("fields", .json)] : fields.map { Field($0, .utf8) })
        let builder = BatchBuilder(fields: schema)
        let wanted = fields.map { Array($0.utf8) }
        // One read transaction for the whole lookup: SQLite locks and checks the file once, not per key.
        try db.exec("BEGIN")
        defer { _ = try? db.exec("COMMIT") }
        for (n, key) in keys.enumerated() {
            builder.set(0, .string(key))
            try lookup.bind(1, .string(key))
            let found = try lookup.step()
            let values: [JSONValue]? = try found ? Self.values(lookup.bytes(0), wanted: fields.isEmpty ? nil : wanted) : nil
            lookup.reset()
            if fields.isEmpty {
                builder.set(1, values.map { .json($0[0].render()) } ?? .null)
            } else {
                for j in fields.indices {
                    guard let v = values?[j], !v.isNull else {
                        builder.set(j + 1, .null)
                        continue
                    }
                    builder.set(j + 1, .string(v.string ?? v.render()))  // a Redis hash holds text: non-strings as JSON
                }
            }
            builder.endRow()
            if builder.count >= RedisClient.pipelineDepth || n == keys.count - 1 { try emit(builder) }
        }
    }

    /// The wanted fields of one stored hash; nil `wanted`: the whole hash as one object, fields sorted,
    /// values as text (what HGETALL gives).
    private static func values(_ doc: UnsafeRawBufferPointer, wanted: [[UInt8]]?) throws -> [JSONValue] {
        guard let wanted else {
            guard case .object(let pairs) = try JSONParser.parse(doc), !pairs.isEmpty else { return [.null] }
            let text = pairs.filter { !$0.1.isNull }.map { ($0.0, JSONValue.string($0.1.string ?? $0.1.render())) }
            return [text.isEmpty ? .null : .object(text.sorted { $0.0 < $1.0 })]
        }
        return try JSONParser.project(doc, keys: wanted)
    }

    func write(_ batch: BatchView) throws {
        throw HostCallError(status: DP_ERROR_UNSUPPORTED, description: "the embedded user cache \(path) is read-only: use --redis redis://...")
    }
}
