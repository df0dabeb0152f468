import ArgumentParser
import Foundation

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a folder of keyspace.table.jsonl tables (the fixture format) into PostgreSQL.",
        discussion: "Creates the tables from the schema file first. Loading the same folder twice is idempotent (upsert by primary key).")

    @Argument(help: "Folder of keyspace.table.jsonl files.") var directory: String
    @Option(help: "Target store: postgres:CONNINFO (URI or key=value; empty = $DATABASE_URL or PG* variables).")
    var into: String
    @Option(help: "DDL to apply first (default: <home>/config/schema/postgres.sql).") var schema: String?
    @OptionGroup var homeOptions: HomeOptions

    func run() throws {
        try reportingErrors {
            guard case .postgres(let given)? = try? StoreSpec(into) else { throw HostError.config("--into must be postgres:CONNINFO") }
            let conninfo = StoreFactory.postgresConninfo(given)
            let schemaPath = schema ?? (homeOptions.homePath as NSString).appendingPathComponent("config/schema/postgres.sql")
            guard let ddl = FileManager.default.contents(atPath: schemaPath) else {
                throw HostError.config("schema file \(schemaPath) does not exist")
            }
            let t0 = Date()
            let loader = try withStoreErrors { PostgresLoader(conn: try PGConnection(conninfo)) }
            try withStoreErrors { try loader.applySchema(String(decoding: ddl, as: UTF8.self)) }
            let loaded = try withStoreErrors { try loader.load(directory: directory) }
            for l in loaded { print("\(l.table): \(l.rows) rows") }
            print(
                String(
                    format: "loaded %d rows into %d tables in %.2f s", loaded.map(\.rows).reduce(0, +), loaded.count,
                    Date().timeIntervalSince(t0)))
        }
    }
}

/// Store errors met outside a job (load, checks) are the operator's I/O or config problem.
func withStoreErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as HostCallError { throw HostError.config(e.description) }
}
