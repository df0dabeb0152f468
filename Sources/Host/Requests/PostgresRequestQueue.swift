import Foundation
import RowBatch

/// The `job_request` table in PostgreSQL. A claim is one statement: the oldest eligible row is
/// locked with `FOR UPDATE SKIP LOCKED` (concurrent hosts skip each other's rows instead of waiting)
/// and leased to the claiming host in the same update, so no two hosts ever hold one request.
final class PostgresRequestQueue: RequestQueue {
    let conn: PGConnection
    let table: String
    private let t: String

    /// `create: false` (reading commands): the table must exist; nothing is created or altered.
    init(conninfo: String, table: String, create: Bool = true) throws {
        let c = try PGConnection(conninfo)
        conn = c
        self.table = table
        t = table.split(separator: ".").map { c.identifier(String($0)) }.joined(separator: ".")
        if create {
            try ensureTable()
        } else if try c.exec("SELECT to_regclass($1) IS NULL", [t]).string(0, 0) == "t" {
            throw HostError.config("request queue table \(table) does not exist in \(PGConnection.describe(conninfo))")
        }
    }

    /// Upstream's production DDL when the table is missing; the columns this engine needs beyond
    /// upstream's test DDL (batch_number, processed_batches) and its own lease columns are added.
    /// Serialised by an advisory lock: several hosts may start at the same moment.
    private func ensureTable() throws {
        try conn.exec(
            """
            BEGIN;
            SELECT pg_advisory_xact_lock(727274);
            CREATE TABLE IF NOT EXISTS \(t) (
                tag varchar(100) NOT NULL, request_id varchar(50) NOT NULL, job_id varchar(50), status varchar(50),
                request_data json, requested_by varchar(50), requested_channel varchar(50), dt_job_submitted timestamp,
                download_urls text[], dt_file_created timestamp, dt_job_completed timestamp, execution_time integer,
                err_message varchar(300), iteration integer, encryption_key varchar(500), batch_number integer,
                processed_batches text, PRIMARY KEY (tag, request_id));
            ALTER TABLE \(t) ADD COLUMN IF NOT EXISTS batch_number integer,
                ADD COLUMN IF NOT EXISTS processed_batches text,
                ADD COLUMN IF NOT EXISTS lease_owner text,
                ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz;
            COMMIT;
            """)
    }

    /// The columns read back, in JobRequest order; `p` qualifies them ("j.").
    private static func select(_ p: String = "") -> String {
        """
        \(p)tag, \(p)request_id, \(p)job_id, \(p)status, \(p)request_data::text, \(p)requested_by, \(p)requested_channel,
        \(p)dt_job_submitted::text, array_to_json(\(p)download_urls)::text, \(p)dt_file_created::text, \(p)dt_job_completed::text,
        \(p)execution_time, \(p)err_message, \(p)iteration, \(p)encryption_key, \(p)batch_number, \(p)processed_batches, \(p)lease_owner
        """
    }

    private static func row(_ r: PGResult, _ i: Int) -> JobRequest {
        var q = JobRequest(
            tag: r.string(i, 0) ?? "", requestId: r.string(i, 1) ?? "", jobId: r.string(i, 2) ?? "",
            status: r.string(i, 3) ?? "")
        q.requestData = r.string(i, 4)
        q.requestedBy = r.string(i, 5)
        q.requestedChannel = r.string(i, 6)
        q.dtJobSubmitted = r.string(i, 7)
        q.downloadUrls = r.string(i, 8).flatMap { try? JSONParser.parse($0) }?.array?.compactMap(\.string) ?? []
        q.dtFileCreated = r.string(i, 9)
        q.dtJobCompleted = r.string(i, 10)
        q.executionTime = r.string(i, 11).flatMap { Int64($0) }
        q.errMessage = r.string(i, 12)
        q.iteration = r.string(i, 13).flatMap { Int($0) } ?? 0
        q.encryptionKey = r.string(i, 14)
        q.batchNumber = r.string(i, 15).flatMap { Int($0) }
        q.processedBatches = r.string(i, 16)
        q.leaseOwner = r.string(i, 17)
        return q
    }

    private static func keysJSON(_ keys: Set<JobRequest.Key>) -> String {
        JSONValue.array(keys.map { .string($0.tag + "\u{1F}" + $0.requestId) }).render()
    }

    /// Pending = may be picked now (the claim's rule without expired PROCESSING leases).
    private static let pending = """
        coalesce(iteration, 0) < 3 AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
        AND (status = 'SUBMITTED' OR (status = 'FAILED' AND (dt_job_completed IS NULL
             OR dt_job_completed < (clock_timestamp() AT TIME ZONE 'UTC') - make_interval(secs => $2::float8))))
        """

    func claim(
        jobId: String, owner: String, lease: TimeInterval, retryAfter: TimeInterval, batchNumber: Int?,
        exclude: Set<JobRequest.Key>
    ) throws -> JobRequest? {
        let r = try conn.exec(
            """
            WITH c AS (
                SELECT tag, request_id FROM \(t)
                WHERE job_id = $1
                  AND ((\(Self.pending)) OR (status = 'PROCESSING' AND coalesce(iteration, 0) < 3 AND lease_expires_at < clock_timestamp()))
                  AND ($3::int IS NULL OR batch_number = $3::int)
                  AND NOT (tag || chr(31) || request_id = ANY (ARRAY(SELECT json_array_elements_text($4::json))))
                ORDER BY dt_job_submitted NULLS LAST, ctid
                LIMIT 1 FOR UPDATE SKIP LOCKED)
            UPDATE \(t) j SET status = 'PROCESSING', lease_owner = $5,
                lease_expires_at = clock_timestamp() + make_interval(secs => $6::float8)
            FROM c WHERE j.tag = c.tag AND j.request_id = c.request_id
            RETURNING \(Self.select("j."))
            """, [jobId, String(retryAfter), batchNumber.map(String.init), Self.keysJSON(exclude), owner, String(lease)])
        return r.rows == 0 ? nil : Self.row(r, 0)
    }

    func renew(_ key: JobRequest.Key, owner: String, lease: TimeInterval) throws -> Bool {
        try conn.exec(
            """
            UPDATE \(t) SET lease_expires_at = clock_timestamp() + make_interval(secs => $4::float8)
            WHERE tag = $1 AND request_id = $2 AND lease_owner = $3 AND status = 'PROCESSING' RETURNING 1
            """, [key.tag, key.requestId, owner, String(lease)]
        ).rows == 1
    }

    func finish(_ q: JobRequest, owner: String) throws -> Bool {
        try conn.exec(
            """
            UPDATE \(t) SET status = $4, download_urls = ARRAY(SELECT json_array_elements_text($5::json)),
                dt_job_completed = $6::timestamp, execution_time = $7::bigint, err_message = $8, iteration = $9::int,
                processed_batches = $10, lease_owner = NULL, lease_expires_at = NULL
            WHERE tag = $1 AND request_id = $2 AND lease_owner = $3 RETURNING 1
            """,
            [
                q.tag, q.requestId, owner, q.status, JSONValue.array(q.downloadUrls.map { .string($0) }).render(),
                q.dtJobCompleted, q.executionTime.map { String($0) }, q.errMessage, String(q.iteration),
                q.processedBatches,
            ]
        ).rows == 1
    }

    func copyToDuplicates(of q: JobRequest, owner: String, retryAfter: TimeInterval) throws -> [JobRequest.Key] {
        let r = try conn.exec(
            """
            UPDATE \(t) SET status = $4, download_urls = ARRAY(SELECT json_array_elements_text($5::json)),
                dt_job_completed = $6::timestamp, execution_time = $7::bigint, err_message = $8, iteration = $9::int,
                processed_batches = $10
            WHERE job_id = $3 AND NOT (tag = $1 AND request_id = $11) AND \(Self.pending)
              AND upper(md5(coalesce(request_data::text, '') || '|' || coalesce(encryption_key, '') || '|' || coalesce(requested_by, ''))) = $12
            RETURNING tag, request_id
            """,
            [
                q.tag, String(retryAfter), q.jobId, q.status, JSONValue.array(q.downloadUrls.map { .string($0) }).render(),
                q.dtJobCompleted, q.executionTime.map { String($0) }, q.errMessage, String(q.iteration),
                q.processedBatches, q.requestId, q.duplicateHash,
            ])
        return (0..<r.rows).map { JobRequest.Key(tag: r.string($0, 0) ?? "", requestId: r.string($0, 1) ?? "") }
    }

    func submit(_ q: JobRequest) throws {
        try conn.exec(
            """
            INSERT INTO \(t) (tag, request_id, job_id, status, request_data, requested_by, requested_channel, dt_job_submitted,
                download_urls, iteration, encryption_key, batch_number, processed_batches, err_message, execution_time)
            VALUES ($1, $2, $3, $4, $5::json, $6, $7, coalesce($8::timestamp, clock_timestamp() AT TIME ZONE 'UTC'),
                '{}', $9::int, $10, $11::int, $12, '', 0)
            """,
            [
                q.tag, q.requestId, q.jobId, q.status, q.requestData, q.requestedBy, q.requestedChannel, q.dtJobSubmitted,
                String(q.iteration), q.encryptionKey, q.batchNumber.map(String.init), q.processedBatches,
            ])
    }

    func list(jobId: String?) throws -> [JobRequest] {
        let r = try conn.exec(
            "SELECT \(Self.select()) FROM \(t) WHERE ($1::text IS NULL OR job_id = $1) ORDER BY dt_job_submitted NULLS LAST, ctid",
            [jobId])
        return (0..<r.rows).map { Self.row(r, $0) }
    }

    /// Aggregated in the database: one row per (job, status), whatever the table's size.
    func stats(now: Date) throws -> [JobQueueStats] {
        let r = try conn.exec(
            """
            SELECT job_id, status, count(*),
                to_char(min(dt_job_submitted) FILTER (WHERE status = 'SUBMITTED' OR (status = 'FAILED' AND coalesce(iteration, 0) < 3)),
                        'YYYY-MM-DD HH24:MI:SS.MS'),
                count(*) FILTER (WHERE status = 'FAILED' AND dt_job_completed >= $1::timestamp - interval '24 hours'),
                count(*) FILTER (WHERE dt_job_completed >= $1::timestamp - interval '24 hours'
                    AND ((status = 'SUCCESS' AND coalesce(iteration, 0) >= 1) OR (status = 'FAILED' AND coalesce(iteration, 0) >= 2))),
                count(*) FILTER (WHERE status = 'FAILED' AND coalesce(iteration, 0) >= 3)
            FROM \(t) GROUP BY job_id, status
            """, [Timestamps.formatter.string(from: now)])
        var jobs: [String: JobQueueStats] = [:]
        for i in 0..<r.rows {
            let job = r.string(i, 0) ?? ""
            var s = jobs[job] ?? JobQueueStats(job: job)
            func n(_ c: Int) -> Int { r.string(i, c).flatMap { Int($0) } ?? 0 }
            s.byStatus[r.string(i, 1) ?? "", default: 0] += n(2)
            if let d = r.string(i, 3).flatMap(Timestamps.parse) { s.oldestWaiting = min(s.oldestWaiting ?? d, d) }
            s.failedRecently += n(4)
            s.retriedRecently += n(5)
            s.givenUp += n(6)
            jobs[job] = s
        }
        return jobs.values.sorted { $0.job < $1.job }
    }
}
