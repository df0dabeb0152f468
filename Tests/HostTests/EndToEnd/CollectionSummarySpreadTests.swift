import Foundation
import RowBatch
import XCTest
@testable import Host

/// The collection summary spread over hosts (ABI 1.10 work items in PostgreSQL): three host processes
/// run the job at once over 300 batches and one of them is SIGKILLed mid-run; every batch must be
/// summarised exactly once in the one published report, with the counts the data implies.
final class CollectionSummarySpreadTests: XCTestCase {
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var redis = ""
    static let batches = 300, perBatch = 10, courses = 30

    override func setUpWithError() throws {
        bench = try LernJobBench(.postgres)
        let (tables, users) = Self.data()
        try FileManager.default.createDirectory(atPath: home.path + "/tables", withIntermediateDirectories: true)
        for (file, lines) in tables {
            try (lines.joined(separator: "\n") + "\n").write(toFile: home.path + "/tables/" + file, atomically: true, encoding: .utf8)
        }
        redis = try bench.userCache(users, tables: home.path + "/tables")
        let content = (0..<Self.courses).map { #"{"identifier":"c\#($0)","name":"Course \#($0)","channel":"ch","status":"Live"}"# }
        try home.write(
            "answers.json",
            #"{"answers":[{"method":"POST","path":"/api/content/v1/search","body":{"responseCode":"OK","result":{"count":\#(Self.courses),"content":[\#(content.joined(separator: ","))]}}}]}"#
        )
        try bench.serveHTTP(home.path + "/answers.json")
    }

    override func tearDown() { bench = nil }

    /// Batch b (b000…b299) of course c(b % 30) with 10 learners; learner k of a batch completed when
    /// k is even, certified when k % 3 == 0; user u's state S(u % 3), district D(u % 5).
    static func data() -> ([String: [String]], [(key: String, fields: [(String, String)])]) {
        var batchRows: [String] = [], enrolments: [String] = [], users: [(key: String, fields: [(String, String)])] = []
        for b in 0..<batches {
            let id = String(format: "b%03d", b)
            batchRows.append(
                #"{"courseid":"c\#(b % courses)","batchid":"\#(id)","name":"Batch \#(b)","startdate":"2020-01-01","enddate":"2030-01-01","status":1}"#
            )
            for k in 0..<perBatch {
                let u = b * perBatch + k
                let completed = k % 2 == 0 ? #","completedon":"2020-02-01T00:00:00Z""# : ""
                let certified = k % 3 == 0 ? #","issued_certificates":[{"name":"cert"}]"# : ""
                enrolments.append(
                    #"{"batchid":"\#(id)","userid":"u\#(u)","courseid":"c\#(b % courses)","active":true,"enrolled_date":"2020-01-0\#(1 + k % 9)T00:00:00Z"\#(completed)\#(certified)}"#
                )
                users.append(("user:u\(u)", [("state", "S\(u % 3)"), ("district", "D\(u % 5)"), ("usertype", "teacher")]))
            }
        }
        return (["sunbird_courses.course_batch.jsonl": batchRows, "sunbird_courses.user_enrolments.jsonl": enrolments], users)
    }

    func host(_ n: Int, runId: String) throws -> Process {
        let base = bench.baseURL
        try home.write(
            "config/jobs/collection-summary-report-v2.json",
            #"{"search":{"type":"none"},"model":"org.sunbird.lms.audit.CollectionSummaryJobV2","modelParams":{"generateForAllBatches":true,"contentSearchUrl":"\#(base)/api/content/v1/search","workRunId":"\#(runId)","workLeaseSeconds":2}}"#
        )
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = [
            "run", "collection-summary-report-v2", "--home", home.path, "--store", bench.store, "--redis", redis, "--http", "live:attempts=1",
            "--now", "2024-01-01T06:00:00Z", "--log-file", home.path + "/host\(n).log", "--publish", "local:" + home.path + "/blob",
        ]
        p.currentDirectoryURL = URL(fileURLWithPath: home.path)
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        FileManager.default.createFile(atPath: home.path + "/host\(n).err", contents: nil)
        p.standardError = FileHandle(forWritingAtPath: home.path + "/host\(n).err")
        try p.run()
        return p
    }

    func workItems(_ runId: String) throws -> [(item: String, status: String, attempts: Int)] {
        let r = try PGConnection(String(bench.store.dropFirst("postgres:".count))).exec(
            "SELECT item, status, attempts FROM dataproducts.work_item WHERE run_id = $1 ORDER BY item", [runId])
        return (0..<r.rows).map { (r.string($0, 0)!, r.string($0, 1)!, Int(r.string($0, 2)!)!) }
    }

    func testThreeHostsOneKilledEveryBatchExactlyOnce() throws {
        let runId = "spread-" + UUID().uuidString
        let hosts = try (1...3).map { try host($0, runId: runId) }
        // Kill host 1 once the run is under way (a tenth of the items done), holding a lease.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? workItems(runId).filter { $0.status == "DONE" }.count) ?? 0 < Self.batches / 10 { usleep(20_000) }
        kill(hosts[0].processIdentifier, SIGKILL)
        for h in hosts { h.waitUntilExit() }
        XCTAssertEqual(hosts[0].terminationReason, .uncaughtSignal)
        for n in [2, 3] {
            XCTAssertEqual(hosts[n - 1].terminationStatus, 0, home.read("host\(n).err") ?? "")
        }
        // Every item done exactly once in the queue.
        let items = try workItems(runId)
        XCTAssertEqual(items.count, Self.batches)
        XCTAssertEqual(Set(items.map(\.status)), ["DONE"])
        // One host published the report; the other wrote nothing.
        let published = [2, 3].filter { n in
            (home.read("host\(n).log") ?? "").contains("/reports/collection-summary-reports-v2/collection-summary-report-latest.json")
        }
        XCTAssertEqual(published.count, 1, "hosts that published: \(published)")
        let text = try XCTUnwrap(home.read("blob/collection-summary-reports-v2/collection-summary-report-latest.json"))
        var seen: [String: Int64] = [:], groups: Set<String> = []
        var completed: Int64 = 0, certified: Int64 = 0
        for line in text.split(separator: "\n") {
            let row = try JSONParser.parse(String(line))
            let batch = row["batchid"]!.string!
            XCTAssertTrue(groups.insert("\(batch)|\(row["state"]!.string!)|\(row["district"]?.string ?? "")").inserted, "group twice: \(line)")
            seen[batch, default: 0] += row["enrolleduserscount"]!.int!
            completed += row["completionuserscount"]!.int!
            certified += row["certificateissuedcount"]!.int!
        }
        XCTAssertEqual(seen.count, Self.batches)
        XCTAssertEqual(Set(seen.values), [Int64(Self.perBatch)])
        XCTAssertEqual(completed, Int64(Self.batches * 5))
        XCTAssertEqual(certified, Int64(Self.batches * 4))
        // The killed host's leased item was taken over (claimed again) — or it held none at that instant.
        XCTAssertLessThanOrEqual(items.filter { $0.attempts > 1 }.count, 1)
        // A later start the same day is a new generation: it recomputes, it does not find nothing.
        let again = try host(4, runId: runId)
        again.waitUntilExit()
        XCTAssertEqual(again.terminationStatus, 0, home.read("host4.err") ?? "")
        XCTAssertTrue((home.read("host4.log") ?? "").contains("/reports/collection-summary-reports-v2/collection-summary-report-latest.json"))
        XCTAssertEqual(try workItems(runId + "#2").count, Self.batches)
    }

    /// A host that died holding an item (its lease still live for 3 s): the surviving host drains the
    /// rest, waits for that lease to expire, takes the item over and only then combines.
    func testADeadHostsLeasedItemIsTakenOverAfterItsLease() throws {
        let runId = "takeover-" + UUID().uuidString
        let db = try PGConnection(String(bench.store.dropFirst("postgres:".count)))
        _ = try db.exec("SELECT 1")
        let first = try host(1, runId: runId)  // creates the tables and declares the items
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, home.read("host1.err") ?? "")
        // The next generation, with one item left claimed by a host that is gone.
        let next = runId + "#2"
        _ = try db.exec("INSERT INTO dataproducts.work_run (run_id, job_id) VALUES ($1, 'collection-summary-report-v2')", [next])
        _ = try db.exec(
            """
            INSERT INTO dataproducts.work_item (run_id, item, status, owner, lease_expires_at, attempts)
            VALUES ($1, 'batch:b005', 'CLAIMED', 'dead-host:1:x', clock_timestamp() + interval '3 seconds', 1)
            """, [next])
        let started = Date()
        let survivor = try host(2, runId: runId)
        survivor.waitUntilExit()
        XCTAssertEqual(survivor.terminationStatus, 0, home.read("host2.err") ?? "")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 2.5, "combined before the dead host's lease expired")
        let items = try workItems(next)
        XCTAssertEqual(items.count, Self.batches)
        XCTAssertEqual(Set(items.map(\.status)), ["DONE"])
        XCTAssertEqual(items.first { $0.item == "batch:b005" }?.attempts, 2)
        let text = try XCTUnwrap(home.read("blob/collection-summary-reports-v2/collection-summary-report-latest.json"))
        let batches = Set(text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["batchid"]?.string })
        XCTAssertEqual(batches.count, Self.batches)
        XCTAssertTrue(batches.contains("batch-b005"))
    }
}
