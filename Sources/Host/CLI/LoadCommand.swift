import ArgumentParser
import Foundation

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a folder of keyspace.table.jsonl (or .csv) tables into the embedded SQLite store or PostgreSQL.",
        discussion: """
            Primary keys come from the schema file (PostgreSQL also creates the tables from it). Loading the same \
            folder twice is idempotent (upsert by primary key); each file loads in one transaction. A .csv file has a \
            header row (RFC 4180 quoting); its cells take their column's type from the schema, an empty cell is null.
            """)

    @Argument(help: "Folder of keyspace.table.jsonl and keyspace.table.csv files.") var directory: String
    @Option(help: "Target store: sqlite:FILE (created if missing), or postgres:CONNINFO (URI or key=value; empty = $DATABASE_URL or PG* variables).")
    var into: String
    @Option(
        name: .customLong("user-cache"),
        help: "Also load this JSON-lines user cache ({\"key\": ..., \"fields\": {...}} per line) into sqlite:FILE (read it with --redis sqlite:FILE)."
    )
    var userCache: String?
    @Option(help: "DDL with the tables' primary keys (default: <home>/config/schema/postgres.sql).") var schema: String?
    @OptionGroup var homeOptions: HomeOptions

    func run() throws {
        try reportingErrors {
            let target = try StoreSpec(into)
            let schemaPath = schema ?? (homeOptions.homePath as NSString).appendingPathComponent("config/schema/postgres.sql")
            guard let ddl = FileManager.default.contents(atPath: schemaPath).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw HostError.config("schema file \(schemaPath) does not exist")
            }
            if userCache != nil, case .sqlite = target {
            } else if userCache != nil {
                throw HostError.config("--user-cache loads into sqlite:FILE only (PostgreSQL deployments read Redis)")
            }
            let t0 = Date()
            let converted = try CSVTables.withCSVConverted(directory, ddl: ddl)
            defer { converted.map { try? FileManager.default.removeItem(atPath: $0) } }
            let directory = converted ?? self.directory
            let loaded: [(table: String, rows: Int)]
            switch target {
            case .postgres(let given):
                let loader = try withStoreErrors { PostgresLoader(conn: try PGConnection(StoreFactory.postgresConninfo(given))) }
                try withStoreErrors { try loader.applySchema(ddl) }
                loaded = try withStoreErrors { try loader.load(directory: directory).map { ($0.table, $0.rows) } }
            case .sqlite(let file):
                let loader = try withStoreErrors { SQLiteLoader(db: try SQLiteConnection(file), primaryKeys: SchemaKeys.primaryKeys(ddl: ddl)) }
                var tables = try withStoreErrors { try loader.load(directory: directory).map { ($0.table, $0.rows) } }
                if let userCache {
                    tables.append((SQLiteUserCache.table, try withStoreErrors { try SQLiteUserCache.load(jsonLines: userCache, into: loader.db) }))
                }
                loaded = tables
            case .local:
                throw HostError.config("--into must be sqlite:FILE or postgres:CONNINFO (a local:DIR folder is read as it is)")
            }
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
