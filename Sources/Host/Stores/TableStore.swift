import Foundation
import PluginAPI
import RowBatch

/// A scan as the ABI describes it (dp_scan), in Swift terms.
struct ScanRequest {
    enum Op: Int32 { case eq = 1, `in` = 2, lt = 3, le = 4, gt = 5, ge = 6 }
    struct Filter {
        var column: String
        var op: Op
        var values: [JSONValue]
    }

    var keyspace: String
    var table: String
    var columns: [Field]
    var filters: [Filter]
    var batchRows: Int
    /// Columns of `columns` the rows arrive sorted by, ascending (ABI 1.5); empty: the store's order.
    var orderBy: [String] = []

    var qualifiedName: String { "\(keyspace).\(table)" }
    static let defaultBatchRows = 1024
}

/// Where tables live. Every store serves the same scan; jobs cannot tell them apart.
protocol TableStore {
    /// Streams matching rows into `batch`, calling `emit` whenever it holds `batchRows` rows and once
    /// at the end for the remainder. An error thrown by `emit` stops the scan and is rethrown.
    func scan(_ request: ScanRequest, emit: (BatchBuilder) throws -> Void) throws
    /// Upserts each row of `batch` by `key` (ABI table_upsert); the batch is one transaction.
    func upsert(keyspace: String, table: String, key: [String], batch: BatchView) throws
    /// Deletes the rows equal to a row of `batch` on all its columns; returns how many (ABI table_delete).
    func delete(keyspace: String, table: String, batch: BatchView) throws -> Int
    /// The table's columns, typed for a scan of all of them (ABI table_columns).
    func columns(keyspace: String, table: String) throws -> [Field]
    /// Begins replacing the table's whole content in one transaction (ABI table_replace_open).
    func replace(keyspace: String, table: String, columns: [Field]) throws -> TableReplacement
}

extension BatchView {
    /// Row `row` as JSON values by column name (what the stores write).
    func jsonRow(_ row: Int) -> [(String, JSONValue)] {
        fields.indices.map { (fields[$0].name, jsonValue($0, row)) }
    }

    func jsonValue(_ c: Int, _ row: Int) -> JSONValue {
        guard !isNull(c, row) else { return .null }
        switch fields[c].type {
        case .bool: return .bool(bool(c, row)!)
        case .int64: return .int(int(c, row)!)
        case .float64: return .double(double(c, row)!)
        case .utf8: return .string(string(c, row)!)
        case .json: return (try? JSONParser.parse(string(c, row)!)) ?? .null
        }
    }
}

/// Parses `--store` values: `local:DIR`, `sqlite:FILE`, or `postgres:CONNINFO` (a postgresql:// URI or libpq
/// key=value pairs). An empty CONNINFO means $DATABASE_URL; else the model config's upstream
/// `sparkCassandraConnectionHost` (host or host:port) as the host; libpq's PG* variables supply
/// the rest (user, password, database).
enum StoreFactory {
    static func make(_ spec: String, modelParams: JSONValue? = nil) throws -> TableStore {
        try make(try StoreSpec(spec), modelParams: modelParams)
    }

    static func make(_ spec: StoreSpec, modelParams: JSONValue? = nil) throws -> TableStore {
        switch spec {
        case .postgres(let conninfo):
            return PostgresStore(conninfo: postgresConninfo(conninfo, modelParams: modelParams))
        case .local(let dir):
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw HostError.config("local store folder \(dir) does not exist")
            }
            return LocalStore(directory: dir)
        case .sqlite(let file):
            guard FileManager.default.fileExists(atPath: file) else {
                throw HostError.config("SQLite store \(file) does not exist (make it with: dataproducts load DIR --into sqlite:\(file))")
            }
            return SQLiteStore(path: file)
        }
    }

    static func postgresConninfo(_ given: String, modelParams: JSONValue? = nil) -> String {
        if !given.isEmpty { return given }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty { return url }
        guard let host = modelParams?["sparkCassandraConnectionHost"]?.string, !host.isEmpty else { return "" }
        let parts = host.split(separator: ":", maxSplits: 1).map(String.init)
        let quote = { (v: String) in "'" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }
        return "host=\(quote(parts[0]))" + (parts.count > 1 ? " port=\(quote(parts[1]))" : "")
    }
}
