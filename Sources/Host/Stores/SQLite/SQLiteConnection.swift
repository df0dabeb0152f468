import CSQLite
import Foundation
import RowBatch

/// One SQLite connection (one thread at a time). Every file is in WAL mode, so readers never wait
/// for the writer; writers on one file take turns (busy timeout), which is what lets several host
/// processes share the embedded store, queue and cache. Errors carry SQLite's message.
final class SQLiteConnection {
    let path: String
    private var db: OpaquePointer?

    /// `wal: false` leaves the journal as it is (the local store's disposable imports run without one).
    init(_ path: String, readOnly: Bool = false, wal: Bool = true) throws {
        self.path = path
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw HostCallError.io("cannot open SQLite database \(path): \(message)")
        }
        sqlite3_busy_timeout(db, 30_000)
        dp_sqlite_register(db)
        if !readOnly && wal { try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") }
    }

    deinit { sqlite3_close_v2(db) }

    var message: String { String(cString: sqlite3_errmsg(db)) }

    func fail(_ what: String) -> HostCallError {
        let code = sqlite3_extended_errcode(db)
        let text = "SQLite \(path): \(what): \(message)"
        switch code & 0xff {
        case SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_BUSY, SQLITE_LOCKED: return .io(text)
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .data(text)
        default: return .invalid(text)
        }
    }

    /// Runs statements without results.
    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw fail(String(sql.prefix(80))) }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
            throw fail(String(sql.prefix(120)))
        }
        return SQLiteStatement(stmt, connection: self)
    }

    /// `body` in one transaction: committed when it returns, rolled back when it throws. IMMEDIATE
    /// takes the write lock first, so two writers never deadlock upgrading from a read.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try exec("COMMIT")
            return result
        } catch {
            _ = try? exec("ROLLBACK")
            throw error
        }
    }

    var changes: Int { Int(sqlite3_changes(db)) }

    /// `"name"` with embedded quotes doubled.
    static func identifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The columns of `table` in declaration order; empty when it does not exist.
    func columns(of table: String) throws -> [String] {
        let s = try prepare("SELECT name FROM pragma_table_info(?1)")
        try s.bind(1, .string(table))
        var out: [String] = []
        while try s.step() { out.append(s.text(0) ?? "") }
        return out
    }
}

/// A prepared statement: bind, step, read columns. Finalized when released.
final class SQLiteStatement {
    private let stmt: OpaquePointer
    private let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    /// How a JSON value is stored: strings as TEXT, integers as INTEGER, other numbers as REAL,
    /// booleans and JSON documents as their JSON text in a BLOB (so a text cell is always a string).
    func bind(_ i: Int32, _ v: JSONValue) throws {
        let rc: Int32
        switch v {
        case .null: rc = sqlite3_bind_null(stmt, i)
        case .int(let x): rc = sqlite3_bind_int64(stmt, i, x)
        case .double(let x): rc = sqlite3_bind_double(stmt, i, x)
        case .string(var s):
            rc = s.withUTF8 { b in dp_sqlite_bind_text(stmt, i, UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(b.count))
            }
        case .bool, .array, .object:
            var text = v.render()
            rc = text.withUTF8 { b in dp_sqlite_bind_blob(stmt, i, b.baseAddress, Int32(b.count)) }
        }
        guard rc == SQLITE_OK else { throw connection.fail("bind parameter \(i)") }
    }

    /// Binds a string from raw UTF-8 bytes.
    func bindText(_ i: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        let p = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        guard dp_sqlite_bind_text(stmt, i, p.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) == SQLITE_OK else {
            throw connection.fail("bind parameter \(i)")
        }
    }

    /// Binds a JSON document (or boolean) from its text bytes.
    func bindJSON(_ i: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        let p = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        guard dp_sqlite_bind_blob(stmt, i, p, Int32(bytes.count)) == SQLITE_OK else { throw connection.fail("bind parameter \(i)") }
    }

    /// Next row: true while there is one.
    func step() throws -> Bool {
        switch sqlite3_step(stmt) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.fail("step")
        }
    }

    /// Runs a statement that returns no rows, then makes it ready to bind again.
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    enum Kind { case null, integer, real, text, blob }
    func kind(_ c: Int32) -> Kind {
        switch sqlite3_column_type(stmt, c) {
        case SQLITE_INTEGER: return .integer
        case SQLITE_FLOAT: return .real
        case SQLITE_TEXT: return .text
        case SQLITE_BLOB: return .blob
        default: return .null
        }
    }
    func int(_ c: Int32) -> Int64 { sqlite3_column_int64(stmt, c) }
    func double(_ c: Int32) -> Double { sqlite3_column_double(stmt, c) }
    /// A TEXT or BLOB cell's bytes, valid until the next step.
    func bytes(_ c: Int32) -> UnsafeRawBufferPointer {
        let p = sqlite3_column_kind_pointer(c)
        return UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, c)))
    }
    func text(_ c: Int32) -> String? {
        kind(c) == .null ? nil : String(decoding: bytes(c), as: UTF8.self)
    }

    private func sqlite3_column_kind_pointer(_ c: Int32) -> UnsafeRawPointer? {
        // Text must be asked for as text (SQLite would convert a blob's encoding otherwise).
        kind(c) == .blob ? sqlite3_column_blob(stmt, c) : UnsafeRawPointer(sqlite3_column_text(stmt, c))
    }
}
