import Foundation
import RowBatch

/// A run's work items in PostgreSQL (`dataproducts.work_run`, `dataproducts.work_item`), shared by
/// every host that runs the job against the same database. A claim is one statement: the first
/// item neither done nor leased to a live host, locked `FOR UPDATE SKIP LOCKED` (hosts skip each
/// other's rows) and leased to this host. `done` stores the output in the statement that checks the
/// lease (the fence): a host whose lease expired and was taken over cannot overwrite the new
/// owner's result. The combine is claimed the same way, and the run marked combined only after the
/// combined output is published; a combiner that dies leaves the run for the next start.
///
/// Runs of a day: hosts started for `base` join its latest generation while it is not combined (a
/// failed run's finished items are kept: a restart resumes it); once combined, the next start opens
/// generation `base#2` (then `#3`, ...), so an operator's re-run recomputes instead of finding nothing.
final class PostgresWorkQueue: WorkQueue {
    let conn: PGConnection
    private(set) var runId: String
    let jobId: String
    let owner: String
    let lease: TimeInterval
    /// How long `finish` waits between looks while other hosts hold leases.
    var pollInterval: TimeInterval = 0.2
    private var columnsRecorded = false
    var shared: Bool { true }

    init(conninfo: String, runId base: String, jobId: String, owner: String, lease: TimeInterval) throws {
        conn = try PGConnection(conninfo)
        (self.jobId, self.owner, self.lease) = (jobId, owner, lease)
        try Self.ensureTables(conn)
        runId = try Self.generation(of: base, on: conn)
        _ = try conn.exec(
            "INSERT INTO dataproducts.work_run (run_id, job_id) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING", [runId, jobId])
    }

    /// The generation of `base` to join: its latest, unless that one is combined.
    static func generation(of base: String, on conn: PGConnection) throws -> String {
        let r = try conn.exec(
            """
            SELECT count(*), bool_or(combined_at IS NULL) FROM dataproducts.work_run
            WHERE run_id = $1 OR (starts_with(run_id, $1 || '#') AND substr(run_id, length($1) + 2) ~ '^[0-9]+$')
            """, [base])
        let n = Int(r.string(0, 0) ?? "0") ?? 0
        if n == 0 { return base }
        let latest = n == 1 ? base : "\(base)#\(n)"
        return r.string(0, 1) == "t" ? latest : "\(base)#\(n + 1)"
    }

    /// Several hosts start at once: the DDL is serialised by an advisory lock.
    private static func ensureTables(_ conn: PGConnection) throws {
        try conn.exec(
            """
            BEGIN;
            SELECT pg_advisory_xact_lock(727275);
            CREATE SCHEMA IF NOT EXISTS dataproducts;
            CREATE TABLE IF NOT EXISTS dataproducts.work_run (
                run_id text PRIMARY KEY, job_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                columns text, combiner text, combine_expires_at timestamptz, combined_at timestamptz);
            CREATE TABLE IF NOT EXISTS dataproducts.work_item (
                run_id text NOT NULL REFERENCES dataproducts.work_run ON DELETE CASCADE, item text NOT NULL,
                status text NOT NULL DEFAULT 'PENDING', owner text, lease_expires_at timestamptz, attempts int NOT NULL DEFAULT 0,
                done_by text, done_at timestamptz, output text,
                PRIMARY KEY (run_id, item));
            COMMIT;
            """)
    }

    func declare(_ items: [String]) throws {
        let list = JSONValue.array(items.map { .string($0) }).render()
        _ = try conn.exec(
            """
            INSERT INTO dataproducts.work_item (run_id, item) SELECT $1, value FROM json_array_elements_text($2::json)
            ON CONFLICT (run_id, item) DO NOTHING
            """, [runId, list])
    }

    func next() throws -> String? {
        let r = try conn.exec(
            """
            WITH c AS (
                SELECT item FROM dataproducts.work_item
                WHERE run_id = $1 AND (status = 'PENDING' OR (status = 'CLAIMED' AND lease_expires_at < clock_timestamp()))
                ORDER BY item LIMIT 1 FOR UPDATE SKIP LOCKED)
            UPDATE dataproducts.work_item w SET status = 'CLAIMED', owner = $2, attempts = attempts + 1,
                lease_expires_at = clock_timestamp() + make_interval(secs => $3::float8)
            FROM c WHERE w.run_id = $1 AND w.item = c.item
            RETURNING w.item
            """, [runId, owner, String(lease)])
        return r.rows == 0 ? nil : r.string(0, 0)
    }

    func done(_ item: String, columns: [Field], rows: [[JSONValue]]) throws -> Bool {
        if !columnsRecorded {  // once per host and run, not per item
            let schema = JSONValue.array(columns.map { .object([("name", .string($0.name)), ("type", .string($0.type.description))]) }).render()
            _ = try conn.exec("UPDATE dataproducts.work_run SET columns = $2 WHERE run_id = $1 AND columns IS NULL", [runId, schema])
            columnsRecorded = true
        }
        let output = rows.map { JSONValue.array($0).render() }.joined(separator: "\n")
        return try conn.exec(
            """
            UPDATE dataproducts.work_item SET status = 'DONE', output = $4, done_by = $3, done_at = clock_timestamp(),
                owner = NULL, lease_expires_at = NULL
            WHERE run_id = $1 AND item = $2 AND status = 'CLAIMED' AND owner = $3 RETURNING 1
            """, [runId, item, owner, output]
        ).rows == 1
    }

    func finish() throws -> WorkState {
        while true {
            let r = try conn.exec(
                """
                SELECT count(*) FILTER (WHERE status <> 'DONE'),
                       count(*) FILTER (WHERE status = 'PENDING' OR (status = 'CLAIMED' AND lease_expires_at < clock_timestamp()))
                FROM dataproducts.work_item WHERE run_id = $1
                """, [runId])
            let open = Int(r.string(0, 0) ?? "0") ?? 0, claimable = Int(r.string(0, 1) ?? "0") ?? 0
            if claimable > 0 { return .retry }
            if open == 0 { return try claimCombine() }
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    /// Every item is done: the first host to get here (or to find a dead combiner's lease expired) combines.
    private func claimCombine() throws -> WorkState {
        let r = try conn.exec(
            """
            UPDATE dataproducts.work_run SET combiner = $2, combine_expires_at = clock_timestamp() + make_interval(secs => $3::float8)
            WHERE run_id = $1 AND combined_at IS NULL AND (combiner IS NULL OR combiner = $2 OR combine_expires_at < clock_timestamp())
            RETURNING 1
            """, [runId, owner, String(lease)])
        return r.rows == 1 ? .combine : .doneElsewhere
    }

    func outputs(_ emit: (BatchBuilder) throws -> Void) throws {
        let schema = try conn.exec("SELECT columns FROM dataproducts.work_run WHERE run_id = $1", [runId])
        guard schema.rows == 1, let text = schema.string(0, 0) else { return }  // no item had output
        let columns = try (JSONParser.parse(text).array ?? []).map { c -> Field in
            guard let name = c["name"]?.string, let type = c["type"]?.string.flatMap(ColumnType.init(name:)) else {
                throw HostCallError.data("work run \(runId): bad column list \(text)")
            }
            return Field(name, type)
        }
        // Item by item: memory holds one item's output.
        let items = try conn.exec("SELECT item FROM dataproducts.work_item WHERE run_id = $1 ORDER BY item", [runId])
        for i in 0..<items.rows {
            let out = try conn.exec("SELECT output FROM dataproducts.work_item WHERE run_id = $1 AND item = $2", [runId, items.string(i, 0)])
            let builder = BatchBuilder(fields: columns)
            let lines = (out.string(0, 0) ?? "").split(separator: "\n")
            try WorkRows.decode(lines.map { try JSONParser.parse(String($0)).array ?? [] }, columns: columns, into: builder)
            try emit(builder)
        }
    }
}

/// The combine a run's publishing process confirms once the combined output is published (the job
/// ran in a child process; this travels back in its outcome).
struct WorkCombine: Codable, Equatable {
    var conninfo: String
    var runId: String
    var owner: String

    func mark() throws {
        _ = try PGConnection(conninfo).exec(
            "UPDATE dataproducts.work_run SET combined_at = clock_timestamp() WHERE run_id = $1 AND combiner = $2", [runId, owner])
    }
}
