import LazyConnectors
import CLibPQ
import Foundation
import PluginAPI

/// A libpq connection. Every call either succeeds or throws a HostCallError carrying the server's
/// message (libpq never puts the password in its messages, and neither do we).
final class PGConnection {
    private let conn: OpaquePointer

    /// `conninfo` is anything libpq accepts: a `postgresql://` URI or `key=value` pairs; empty means
    /// libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, ...).
    init(_ conninfo: String) throws {
        try ConnectorLibraries.require(DP_LIB_PQ, for: "PostgreSQL")
        guard let c = PQconnectdb(conninfo) else { throw HostCallError.io("PostgreSQL: out of memory") }
        conn = c
        guard PQstatus(c) == CONNECTION_OK else {
            let message = Self.trim(PQerrorMessage(c))
            // No PQfinish here: `conn` is set, so Swift runs deinit (which finishes it) on this throw.
            throw HostCallError.io("PostgreSQL connection failed (\(Self.describe(conninfo))): \(message)")
        }
        // Stable text forms whatever the server's defaults: ISO dates in UTC.
        try exec("SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET client_min_messages = warning")
    }

    deinit { PQfinish(conn) }

    /// Conninfo without its password, for messages.
    static func describe(_ conninfo: String) -> String {
        if conninfo.isEmpty { return "from PG* environment" }
        var s = conninfo.replacingOccurrences(of: #"password\s*=\s*\S+"#, with: "password=***", options: .regularExpression)
        s = s.replacingOccurrences(of: #"(://[^:/@]*):[^@]*@"#, with: "$1:***@", options: .regularExpression)
        return s
    }

    private static func trim(_ p: UnsafePointer<CChar>?) -> String {
        p.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown error"
    }

    var lastError: String { Self.trim(PQerrorMessage(conn)) }

    /// Runs SQL with text parameters ($1, $2, ...; nil is NULL) and returns the result.
    @discardableResult
    func exec(_ sql: String, _ params: [String?] = []) throws -> PGResult {
        let result: OpaquePointer?
        if params.isEmpty {
            result = PQexec(conn, sql)
        } else {
            var cParams: [UnsafeMutablePointer<CChar>?] = params.map { $0.map { strdup($0) } ?? nil }
            defer { for p in cParams { free(p) } }
            result = cParams.withUnsafeMutableBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                    PQexecParams(conn, sql, Int32(params.count), nil, $0, nil, nil, 0)
                }
            }
        }
        guard let result else { throw HostCallError.io("PostgreSQL: \(lastError)") }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN else {
            let message = Self.trim(PQresultErrorMessage(result))
            PQclear(result)
            throw HostCallError.io("PostgreSQL: \(message)")
        }
        return PGResult(result)
    }

    /// Sends SQL without waiting (PQsendQuery); `receive` collects its result. Lets the server work on
    /// the next batch while the caller converts this one.
    func send(_ sql: String) throws {
        guard PQsendQuery(conn, sql) == 1 else { throw HostCallError.io("PostgreSQL: \(lastError)") }
    }

    /// The result of the query last `send`: waits for it and for the end of the command.
    func receive() throws -> PGResult {
        var out: PGResult?
        var failure: String?
        while let r = PQgetResult(conn) {
            let status = PQresultStatus(r)
            if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK, out == nil, failure == nil {
                out = PGResult(r)
            } else {
                if status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK { failure = failure ?? Self.trim(PQresultErrorMessage(r)) }
                PQclear(r)
            }
        }
        if let failure { throw HostCallError.io("PostgreSQL: \(failure)") }
        guard let out else { throw HostCallError.io("PostgreSQL: \(lastError)") }
        return out
    }

    /// A quoted identifier ("name"), safe for any input.
    func identifier(_ name: String) -> String {
        guard let p = PQescapeIdentifier(conn, name, name.utf8.count) else { return "\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"" }
        defer { PQfreemem(p) }
        return String(cString: p)
    }

    /// COPY ... FROM STDIN: `body` is called with a sink to send text-format data to.
    func copyIn(_ sql: String, _ body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        _ = try exec(sql)
        var failure: Error?
        do { try body(putCopyData) } catch { failure = error }
        let end = Result { try endCopy(failing: failure.map { "\($0)" }) }
        if let failure { throw failure }
        try end.get()
    }

    /// A cell in COPY's text format: backslash, tab, newline and carriage return escaped.
    static func appendCopyEscaped(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case 0x5C: out += [0x5C, 0x5C]
            case 0x09: out += [0x5C, 0x74]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            default: out.append(b)
            }
        }
    }

    /// Sends text-format COPY data (the connection is in COPY IN after `exec("COPY ... FROM STDIN")`).
    func putCopyData(_ bytes: UnsafeRawBufferPointer) throws {
        guard PQputCopyData(conn, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) == 1 else {
            throw HostCallError.io("PostgreSQL COPY: \(lastError)")
        }
    }

    /// Ends a COPY IN: completed when `failing` is nil, else abandoned with that message (the server
    /// then discards what was sent). Throws the server's error for a COPY it refused.
    func endCopy(failing: String?) throws {
        guard PQputCopyEnd(conn, failing) == 1 else { throw HostCallError.io("PostgreSQL COPY end: \(lastError)") }
        var failure: Error?
        while let r = PQgetResult(conn) {
            let ok = PQresultStatus(r) == PGRES_COMMAND_OK
            let message = Self.trim(PQresultErrorMessage(r))
            PQclear(r)
            if !ok && failure == nil && failing == nil { failure = HostCallError.io("PostgreSQL COPY: \(message)") }
        }
        if let failure { throw failure }
    }
}

/// A libpq result; text format.
final class PGResult {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { PQclear(raw) }

    var rows: Int { Int(PQntuples(raw)) }
    var columns: Int { Int(PQnfields(raw)) }
    func type(_ column: Int) -> UInt32 { PQftype(raw, Int32(column)) }
    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(raw, Int32(row), Int32(column)) == 1 }

    /// The cell's bytes, valid while the result lives.
    func bytes(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer {
        let p = PQgetvalue(raw, Int32(row), Int32(column))!
        return UnsafeRawBufferPointer(start: p, count: Int(PQgetlength(raw, Int32(row), Int32(column))))
    }

    func string(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(decoding: bytes(row, column), as: UTF8.self)
    }

    /// A numeric cell parsed in place (libpq's text is NUL-terminated): no String per cell.
    func double(_ row: Int, _ column: Int) -> Double? {
        guard !isNull(row, column), let p = PQgetvalue(raw, Int32(row), Int32(column)), p.pointee != 0 else { return nil }
        var end: UnsafeMutablePointer<CChar>?
        let d = strtod(p, &end)
        return end?.pointee == 0 ? d : nil
    }
}
