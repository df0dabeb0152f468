import ArgumentParser
import Foundation
import RowBatch

/// `dataproducts scan KEYSPACE.TABLE`: a table's rows as a job's scan reads them, one JSON array a line
/// (a json column as its JSON value); what a block's tests check a job wrote, and an operator's look at a store.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a table's rows in the given columns, as a job's scan reads them: one JSON array per line.")

    @Argument(help: "KEYSPACE.TABLE") var table: String
    @Option(help: "The store: local:DIR, sqlite:FILE or postgres:CONNINFO.") var store: String
    @Option(help: "Columns as name:type (bool, int64, float64, utf8, json), comma-separated.") var columns: String

    func run() throws {
        try reportingErrors {
            let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw HostError.config("scan: \(table) is not KEYSPACE.TABLE") }
            let fields = try columns.split(separator: ",").map { spec -> Field in
                let nt = spec.split(separator: ":").map(String.init)
                guard nt.count == 2, !nt[0].isEmpty, let type = ColumnType(name: nt[1]) else {
                    throw HostError.config("scan: column \(String(spec).printable()) is not name:type (bool, int64, float64, utf8, json)")
                }
                return Field(nt[0], type)
            }
            let request = ScanRequest(keyspace: parts[0], table: parts[1], columns: fields, filters: [], batchRows: 1000)
            try StoreFactory.make(store).scan(request) { batch in
                try batch.withExported { s, a in
                    let view = try BatchView(schema: s, array: a)
                    for i in 0..<view.count { print(JSONValue.array(fields.indices.map { view.jsonValue($0, i) }).render()) }
                }
            }
        }
    }
}
