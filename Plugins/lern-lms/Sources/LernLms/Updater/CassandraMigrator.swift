import Foundation
import PluginKit

/// `cassandra-migration` (upstream CassandraMigratorJob, lern-jobs-spec §10): copies every row of
/// `<keyspace>.<cassandraDataTable>` over the content of `<keyspace>.<cassandraMigrateTable>` in the
/// target store (`--target-store`, e.g. the report database; else the run's store), in one
/// transaction: a failed copy leaves the target as it was.
///
/// Decisions: QUIRK Q48 — a failed copy fails the run (exit 67, the FAILED metric event) where
/// upstream logged it and exited 0, so cron and alerts see it; the Cassandra host and port
/// parameters are accepted for upstream configs, the host's `--store` / `--target-store` decide;
/// `repartitionColumns` only tuned Spark's parallelism and is ignored.
struct CassandraMigrator: Job {
    static let id = "cassandra-migration"
    static let title = "Table migrator: a table copied over another (e.g. enrolments into the report store), truncate and replace"
    static let legacyNames = ["org.sunbird.lms.updater.CassandraMigratorJob"]
    static let keyspace = Param<String>("keyspace", default: "", doc: "keyspace of both tables")
    static let dataTable = Param<String>("cassandraDataTable", default: "", doc: "table copied (in the run's store)")
    static let migrateTable = Param<String>("cassandraMigrateTable", default: "", doc: "table replaced (in the target store)")
    static let dataHost = Param<String>("cassandraDataHost", default: "localhost", doc: "upstream's source cluster; --store decides")
    static let dataPort = Param<String>("cassandraDataPort", default: "9042", doc: "upstream's source port; --store decides")
    static let migrateHost = Param<String>("cassandraMigrateHost", default: "localhost", doc: "upstream's target cluster; --target-store decides")
    static let migratePort = Param<String>("cassandraMigratePort", default: "9042", doc: "upstream's target port; --target-store decides")
    static let repartition = Param<String>("repartitionColumns", default: "", doc: "Spark parallelism only; ignored")
    static let parameters: [any ParameterDeclaring] = [
        keyspace, dataTable, migrateTable, dataHost, dataPort, migrateHost, migratePort, repartition,
    ]

    func run(_ job: JobContext) throws {
        let ks = job.params[Self.keyspace], from = job.params[Self.dataTable], to = job.params[Self.migrateTable]
        guard !ks.isEmpty, !from.isEmpty, !to.isEmpty else {
            throw JobError(.invalidArgument, "keyspace, cassandraDataTable and cassandraMigrateTable are all required")
        }
        let source = "\(ks).\(from)", target = "\(ks).\(to)"
        let columns = try job.tableColumns(source)
        let rows = try job.openScan(source, columns: columns, batchRows: 4096, readAhead: 4)
        defer { rows.close() }
        let replacement = try job.replaceTable(target, columns: columns)
        while try rows.next() != nil {
            try replacement.write(currentBatchOf: rows)
            if job.isCancelled { throw JobError(.cancelled, "migration of \(source) cancelled; \(target) unchanged") }
        }
        let copied = try replacement.commit()
        job.count("total-records-migrated", copied)
        job.log("copied \(copied) rows of \(source) over \(target)")
    }
}
