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

    var qualifiedName: String { "\(keyspace).\(table)" }
    static let defaultBatchRows = 1024
}

/// Where tables live. Every store serves the same scan; jobs cannot tell them apart.
protocol TableStore {
    /// Streams matching rows into `batch`, calling `emit` whenever it holds `batchRows` rows and once
    /// at the end for the remainder. An error thrown by `emit` stops the scan and is rethrown.
    func scan(_ request: ScanRequest, emit: (BatchBuilder) throws -> Void) throws
}

/// A store failure, mapped to a dp_status.
struct StoreError: Error, CustomStringConvertible {
    var status: dp_status
    var description: String
    static func notFound(_ m: String) -> StoreError { StoreError(status: DP_ERROR_NOT_FOUND, description: m) }
    static func data(_ m: String) -> StoreError { StoreError(status: DP_ERROR_DATA, description: m) }
    static func io(_ m: String) -> StoreError { StoreError(status: DP_ERROR_IO, description: m) }
    static func invalid(_ m: String) -> StoreError { StoreError(status: DP_ERROR_INVALID_ARGUMENT, description: m) }
}

/// Parses `--store` values: `local:DIR`, or `postgres:CONNINFO` (a postgresql:// URI or libpq
/// key=value pairs; empty means $DATABASE_URL, else libpq's PG* environment variables).
enum StoreFactory {
    static func make(_ spec: String) throws -> TableStore {
        if spec.hasPrefix("postgres:") {
            return PostgresStore(conninfo: postgresConninfo(String(spec.dropFirst("postgres:".count))))
        }
        if spec.hasPrefix("local:") {
            let dir = String(spec.dropFirst("local:".count))
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw HostError.config("local store folder \(dir) does not exist")
            }
            return LocalStore(directory: dir)
        }
        throw HostError.config("unknown store '\(spec)' (supported: local:DIR, postgres:CONNINFO)")
    }

    static func postgresConninfo(_ given: String) -> String {
        given.isEmpty ? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "" : given
    }
}
