import CLibPQ
import Foundation
import PluginAPI
import RowBatch

/// The production store: upstream's Cassandra tables as PostgreSQL tables (schema = keyspace, DDL in
/// config/schema/postgres.sql). Projection and filters become parameterised SQL (values are never
/// spliced into the text) and rows stream through a cursor, one FETCH per batch, so memory is
/// bounded by a batch whatever the table's size.
///
/// Values come out exactly as the `local` store gives them: JSON columns as compact JSON text,
/// timestamps as ISO-8601 UTC with milliseconds; a column the table lacks reads as null.
struct PostgresStore: TableStore {
    let conninfo: String

    func scan(_ request: ScanRequest, emit: (BatchBuilder) throws -> Void) throws {
        let conn = try PGConnection(conninfo)
        let types = try Self.columnTypes(conn, keyspace: request.keyspace, table: request.table)
        guard !types.isEmpty else {
            throw HostCallError.notFound("table \(request.qualifiedName) not found in PostgreSQL (\(PGConnection.describe(conninfo)))")
        }
        // Columns already in byte order need no COLLATE "C", which would keep PostgreSQL off their index.
        let byteOrdered = try Self.byteOrderedColumns(conn, keyspace: request.keyspace, table: request.table)
        let dialect = ScanSQL.Dialect(
            identifier: conn.identifier, placeholder: { "$\($0)" },
            select: { c in
                // A PostgreSQL array (upstream's CQL list, e.g. blob_url text[]) reads as a JSON array.
                types[c.name] == "ARRAY" && c.type == .json ? "array_to_json(\(conn.identifier(c.name)))" : conn.identifier(c.name)
            },
            compared: { name in
                // Text compares by bytes, as every store does, whatever the database's collation.
                conn.identifier(name) + (Self.isText(types[name]!) && !byteOrdered.contains(name) ? " COLLATE \"C\"" : "")
            })
        let table = "\(conn.identifier(request.keyspace)).\(conn.identifier(request.table))"
        let query = ScanSQL(request, from: table, has: { types[$0] != nil }, dialect)
        let sql = query.text
        let params: [String?] = try query.parameters.map { try Self.parameter($0.value, column: $0.column) }
        let limit = request.batchRows > 0 ? request.batchRows : ScanRequest.defaultBatchRows
        try conn.exec("BEGIN READ ONLY")
        do {
            try conn.exec("DECLARE dp_scan NO SCROLL CURSOR FOR " + sql, params)
        } catch {
            _ = try? conn.exec("ROLLBACK")
            throw error
        }
        // A second thread fetches and converts while this one hands batches to the job: with the
        // server working ahead too, the three overlap on two cores. The connection is the fetcher's
        // until it finishes (COMMIT, or ROLLBACK after an error or a cancel).
        let pipe = BatchPipe(builders: (0..<8).map { _ in BatchBuilder(fields: request.columns) })
        let fetcher = UncheckedBox((conn, request, limit))
        Thread {
            let (conn, request, limit) = fetcher.value
            pipe.finish(error: Self.fetchAll(conn, request, limit: limit, pipe: pipe))
        }.start()
        try pipe.drain(emit)
    }

    /// The fetcher's side of `scan`: cursor batches converted into the pipe's free builders.
    private static func fetchAll(_ conn: PGConnection, _ request: ScanRequest, limit: Int, pipe: BatchPipe) -> Error? {
        var jsonBuffer: [UInt8] = []
        var inFlight = false
        do {
            let fetch = "FETCH FORWARD \(limit) FROM dp_scan"
            try conn.send(fetch)
            inFlight = true
            while true {
                let result = try conn.receive()
                inFlight = false
                // The next batch is asked for before this one is converted: the server produces it meanwhile.
                let more = result.rows == limit
                if more {
                    try conn.send(fetch)
                    inFlight = true
                }
                if result.rows == 0 { break }
                guard let builder = pipe.freeBuilder() else { break }  // the job stopped the scan
                // Text read as text goes byte for byte from libpq's buffer into the batch; json/jsonb
                // read as JSON only loses the whitespace PostgreSQL prints (no parse, no tree).
                let direct = request.columns.indices.map { i in
                    request.columns[i].type == .utf8 && Self.isTextOID(result.type(i))
                }
                let compact = request.columns.indices.map { i in
                    request.columns[i].type == .json && [Self.jsonOID, Self.jsonbOID].contains(result.type(i))
                }
                let numeric = request.columns.indices.map { i in
                    request.columns[i].type == .float64
                        && [Self.int2OID, Self.int4OID, Self.int8OID, Self.float4OID, Self.float8OID, Self.numericOID].contains(result.type(i))
                }
                do {
                    for row in 0..<result.rows {
                        for (i, field) in request.columns.enumerated() {
                            if direct[i] && !result.isNull(row, i) {
                                builder.setUTF8(i, result.bytes(row, i))
                                continue
                            }
                            if numeric[i], let d = result.double(row, i) {
                                builder.set(i, .double(d))
                                continue
                            }
                            if compact[i] && !result.isNull(row, i) {
                                Self.compactJSON(result.bytes(row, i), into: &jsonBuffer)
                                jsonBuffer.withUnsafeBytes { builder.setUTF8(i, $0) }
                                continue
                            }
                            builder.set(
                                i,
                                try Self.convert(result, row, i, to: field.type) {
                                    "\(request.qualifiedName) column \(field.name): \($0)"
                                })
                        }
                        builder.endRow()
                    }
                } catch {
                    pipe.giveBack(builder)
                    throw error
                }
                pipe.ready(builder)
                if !more { break }
            }
            if pipe.isCancelled {
                if inFlight { _ = try? conn.receive() }
                _ = try? conn.exec("ROLLBACK")
            } else {
                try conn.exec("COMMIT")
            }
            return nil
        } catch {
            if inFlight { _ = try? conn.receive() }
            _ = try? conn.exec("ROLLBACK")
            return error
        }
    }

    /// Column name → PostgreSQL type name, empty when the table does not exist.
    static func columnTypes(_ conn: PGConnection, keyspace: String, table: String) throws -> [String: String] {
        let r = try conn.exec(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
            [keyspace, table])
        var out: [String: String] = [:]
        for i in 0..<r.rows { out[r.string(i, 0)!] = r.string(i, 1)! }
        return out
    }

    /// Text columns whose collation orders by UTF-8 bytes (C, POSIX, C.UTF-8 under libc): their
    /// comparisons and ORDER BY can use the primary-key index as they are.
    static func byteOrderedColumns(_ conn: PGConnection, keyspace: String, table: String) throws -> Set<String> {
        let r = try conn.exec(
            """
            SELECT c.column_name FROM information_schema.columns c,
                   (SELECT datcollate, to_jsonb(d) ->> 'datlocprovider' AS provider FROM pg_database d WHERE datname = current_database()) db
            WHERE c.table_schema = $1 AND c.table_name = $2 AND c.data_type IN ('text', 'character varying', 'character')
              AND CASE WHEN c.collation_name IS NULL THEN db.datcollate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8') AND coalesce(db.provider, 'c') = 'c'
                       ELSE c.collation_name IN ('C', 'POSIX', 'ucs_basic') END
            """, [keyspace, table])
        return Set((0..<r.rows).compactMap { r.string($0, 0) })
    }

    static func isText(_ type: String) -> Bool { type == "text" || type.hasPrefix("character") }

    static func parameter(_ v: JSONValue, column: String) throws -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        default: throw HostCallError.invalid("filter on \(column): \(v.render()) is not a scalar")
        }
    }

    // PostgreSQL type OIDs (pg_type.h), stable across versions.
    static let boolOID: UInt32 = 16, int8OID: UInt32 = 20, int2OID: UInt32 = 21, int4OID: UInt32 = 23
    static let float4OID: UInt32 = 700, float8OID: UInt32 = 701, numericOID: UInt32 = 1700
    static let jsonOID: UInt32 = 114, jsonbOID: UInt32 = 3802, timestampOID: UInt32 = 1114, timestamptzOID: UInt32 = 1184

    static let textOID: UInt32 = 25, varcharOID: UInt32 = 1043, bpcharOID: UInt32 = 1042
    static func isTextOID(_ oid: UInt32) -> Bool { oid == textOID || oid == varcharOID || oid == bpcharOID }

    static func convert(
        _ r: PGResult, _ row: Int, _ col: Int, to type: ColumnType,
        context: (String) -> String
    ) throws -> Value {
        guard let text = r.string(row, col) else { return .null }
        let oid = r.type(col)
        let integer = [int2OID, int4OID, int8OID].contains(oid)
        switch type {
        case .bool where oid == boolOID: return .bool(text == "t")
        case .int64 where integer: return .int(Int64(text)!)
        case .int64 where oid == numericOID && Int64(text) != nil: return .int(Int64(text)!)
        case .float64 where integer || [float4OID, float8OID, numericOID].contains(oid):
            guard let d = Double(text) else { break }
            return .double(d)
        case .utf8 where oid == timestampOID || oid == timestamptzOID: return .string(isoTimestamp(text))
        case .utf8 where !integer && ![boolOID, float4OID, float8OID, numericOID, jsonOID, jsonbOID].contains(oid):
            return .string(text)
        case .json where oid == jsonOID || oid == jsonbOID:
            return .json((try? JSONParser.parse(text))?.render() ?? text)
        case .json:
            if oid == boolOID { return .json(text == "t" ? "true" : "false") }
            if integer || [float4OID, float8OID, numericOID].contains(oid) { return .json(text) }
            if oid == timestampOID || oid == timestamptzOID { return .json(JSONText.quote(isoTimestamp(text))) }
            return .json(JSONText.quote(text))
        default: break
        }
        throw HostCallError.data(context("cannot read a PostgreSQL value of type oid \(oid) ('\(text.prefix(40))') as \(type)"))
    }

    /// JSON text without the whitespace outside strings (jsonb prints `{"a": 1, "b": [1, 2]}`); the
    /// result is what the local store hands out for the same document, up to key order.
    static func compactJSON(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(bytes.count)
        // Strings are copied in runs (up to the next quote or backslash), whitespace outside them dropped.
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                var j = i + 1
                while j < n {
                    let c = bytes[j]
                    if c == UInt8(ascii: "\\") { j += 2; continue }
                    if c == UInt8(ascii: "\"") { break }
                    j += 1
                }
                let end = min(j + 1, n)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
                i = end
            } else {
                if b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { out.append(b) }
                i += 1
            }
        }
    }

    /// "2021-07-15 12:00:00.5+00" (DateStyle ISO, UTC) → "2021-07-15T12:00:00.500Z". Byte-wise: the
    /// scale benchmark reads millions of these (a String split per cell was a quarter of the job).
    static func isoTimestamp(_ pg: String) -> String {
        var pg = pg
        return pg.withUTF8 { b -> String in
            var end = b.count
            if end >= 3, b[end - 3] == UInt8(ascii: "+"), b[end - 2] == UInt8(ascii: "0"), b[end - 1] == UInt8(ascii: "0") { end -= 3 }
            guard let space = b[..<end].firstIndex(of: 0x20) else { return String(decoding: b, as: UTF8.self) }
            let dot = b[space..<end].firstIndex(of: UInt8(ascii: "."))
            var out = [UInt8]()
            out.reserveCapacity(24)
            out += b[..<space]
            out.append(UInt8(ascii: "T"))
            out += b[(space + 1)..<(dot ?? end)]
            out.append(UInt8(ascii: "."))
            let fraction = dot.map { b[($0 + 1)..<end] } ?? b[end..<end]
            for i in 0..<3 { out.append(i < fraction.count ? fraction[fraction.startIndex + i] : UInt8(ascii: "0")) }
            out.append(UInt8(ascii: "Z"))
            return String(decoding: out, as: UTF8.self)
        }
    }
}

// MARK: Writes

extension PostgresStore {
    /// A cell as a text parameter for a column of PostgreSQL type `pgType` (arrays from JSON arrays).
    static func writeParameter(_ v: JSONValue, pgType: String?) -> String? {
        switch v {
        case .null: return nil
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items) where pgType == "ARRAY":
            return "{"
                + items.map { item -> String in
                    let s = item.string ?? item.render()
                    return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
                }.joined(separator: ",") + "}"
        default: return v.render()
        }
    }

    /// Many rows per INSERT … ON CONFLICT statement (one round trip per few hundred rows, not per
    /// row); a key given twice in one statement keeps its last row, as row-by-row upserts would.
    func upsert(keyspace: String, table: String, key: [String], batch: BatchView) throws {
        let conn = try PGConnection(conninfo)
        let types = try Self.columnTypes(conn, keyspace: keyspace, table: table)
        guard !types.isEmpty else { throw HostCallError.notFound("table \(keyspace).\(table) does not exist in PostgreSQL") }
        let names = batch.fields.map(\.name)
        for n in names + key where types[n] == nil { throw HostCallError.invalid("\(keyspace).\(table) has no column \(n)") }
        let t = conn.identifier(keyspace) + "." + conn.identifier(table)
        let cols = names.map { conn.identifier($0) }
        let updates = names.filter { !key.contains($0) }.map { "\(conn.identifier($0)) = EXCLUDED.\(conn.identifier($0))" }
        let keyAt = key.compactMap { names.firstIndex(of: $0) }
        let columnTypes = names.map { types[$0] }
        let perStatement = max(1, min(500, 60_000 / max(names.count, 1)))  // PostgreSQL allows 65535 parameters
        func statement(rows: Int) -> String {
            let values = (0..<rows).map { r in
                "(" + names.indices.map { "$\(r * names.count + $0 + 1)" }.joined(separator: ", ") + ")"
            }
            return "INSERT INTO \(t) (\(cols.joined(separator: ", "))) VALUES \(values.joined(separator: ", ")) "
                + "ON CONFLICT (\(key.map { conn.identifier($0) }.joined(separator: ", "))) "
                + (updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", "))
        }
        try conn.exec("BEGIN")
        do {
            var start = 0
            while start < batch.count {
                var rows: [[String?]] = [], at: [[String?]: Int] = [:]
                var r = start
                while r < batch.count, rows.count < perStatement {
                    let params = Self.writeParameters(batch, row: r, types: columnTypes)
                    let k = keyAt.map { params[$0] }
                    if let i = at[k] {
                        rows[i] = params
                    } else {
                        at[k] = rows.count
                        rows.append(params)
                    }
                    r += 1
                }
                try conn.exec(statement(rows: rows.count), rows.flatMap { $0 })
                start = r
            }
            try conn.exec("COMMIT")
        } catch {
            _ = try? conn.exec("ROLLBACK")
            throw error
        }
    }

    /// A row's cells as text parameters; JSON text goes through as it is (no parse and render),
    /// but for a PostgreSQL array column.
    static func writeParameters(_ batch: BatchView, row: Int, types: [String?]) -> [String?] {
        batch.fields.indices.map { c in
            guard !batch.isNull(c, row) else { return nil }
            if batch.fields[c].type == .json, types[c] != "ARRAY" { return batch.string(c, row) }
            if batch.fields[c].type == .utf8 { return batch.string(c, row) }
            return writeParameter(batch.jsonValue(c, row), pgType: types[c])
        }
    }

    func delete(keyspace: String, table: String, batch: BatchView) throws -> Int {
        let conn = try PGConnection(conninfo)
        let types = try Self.columnTypes(conn, keyspace: keyspace, table: table)
        guard !types.isEmpty else { throw HostCallError.notFound("table \(keyspace).\(table) does not exist in PostgreSQL") }
        let names = batch.fields.map(\.name)
        for n in names where types[n] == nil { throw HostCallError.invalid("\(keyspace).\(table) has no column \(n)") }
        let t = conn.identifier(keyspace) + "." + conn.identifier(table)
        let sql =
            "DELETE FROM \(t) WHERE " + names.enumerated().map { "\(conn.identifier($1)) = $\($0 + 1)" }.joined(separator: " AND ")
            + " RETURNING 1"
        var deleted = 0
        try conn.exec("BEGIN")
        do {
            for r in 0..<batch.count {
                deleted += try conn.exec(sql, batch.jsonRow(r).map { Self.writeParameter($0.1, pgType: types[$0.0]) }).rows
            }
            try conn.exec("COMMIT")
        } catch {
            _ = try? conn.exec("ROLLBACK")
            throw error
        }
        return deleted
    }
}

/// Batches between a scan's fetcher thread and the thread that emits them. A fixed set of builders
/// circulates (free → filled by the fetcher → ready → emitted → free), so memory stays at that many
/// batches whatever the table's size.
final class BatchPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [BatchBuilder]
    private var filled: [BatchBuilder] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false

    init(builders: [BatchBuilder]) { free = builders }

    var isCancelled: Bool { condition.withLock { cancelled } }

    /// Fetcher: an empty builder to fill; nil when the consumer stopped the scan.
    func freeBuilder() -> BatchBuilder? {
        condition.withLock {
            while free.isEmpty && !cancelled { condition.wait() }
            return cancelled ? nil : free.removeLast()
        }
    }

    /// Fetcher: a filled builder for the consumer.
    func ready(_ b: BatchBuilder) {
        condition.withLock {
            filled.append(b)
            condition.broadcast()
        }
    }

    /// Fetcher: a builder it took but will not fill.
    func giveBack(_ b: BatchBuilder) {
        condition.withLock {
            free.append(b)
            condition.broadcast()
        }
    }

    /// Fetcher: no more batches (with the error that ended the scan, if any).
    func finish(error: Error?) {
        condition.withLock {
            failure = error
            finished = true
            condition.broadcast()
        }
    }

    /// Consumer: emits every batch in order until the fetcher finishes; rethrows the fetcher's error,
    /// or, when `emit` throws, stops the fetcher, waits for it to let go of the connection, and rethrows.
    func drain(_ emit: (BatchBuilder) throws -> Void) throws {
        while true {
            let next: BatchBuilder? = condition.withLock {
                while filled.isEmpty && !finished { condition.wait() }
                return filled.isEmpty ? nil : filled.removeFirst()
            }
            guard let b = next else { break }
            do { try emit(b) } catch {
                condition.withLock {
                    cancelled = true
                    condition.broadcast()
                    while !finished { condition.wait() }
                }
                throw error
            }
            condition.withLock {
                free.append(b)
                condition.broadcast()
            }
        }
        if let failure = condition.withLock({ failure }) { throw failure }
    }
}
