import Foundation
import RowBatch
import XCTest
@testable import Host

/// `requests stats`: the same rows give the same statistics on every queue (JSON lines, SQLite,
/// PostgreSQL); the Prometheus form passes promtool and is served by a real node_exporter's textfile
/// collector; every log event of a request carries its request_id.
final class RequestStatsTests: XCTestCase {
    static func ago(_ seconds: Double) -> String { Timestamps.formatter.string(from: Date().addingTimeInterval(-seconds)) }

    /// progress-exhaust: two waiting (5 h and 30 min), one running, two done (one after a retry), one
    /// failed an hour ago at its first attempt (so waiting for its retry, submitted 6 h ago) and one
    /// given up 30 h ago. response-exhaust: one success two days ago.
    func insertRows(_ b: ExhaustBench) throws {
        let rows: [(String, String, String, String?, String)] = [
            ("A1", "SUBMITTED", Self.ago(5 * 3600), nil, "0"), ("A2", "SUBMITTED", Self.ago(1800), nil, "0"),
            ("A3", "PROCESSING", Self.ago(600), nil, "0"), ("A4", "SUCCESS", Self.ago(7200), Self.ago(3600), "0"),
            ("A5", "SUCCESS", Self.ago(9000), Self.ago(3600), "1"), ("A6", "FAILED", Self.ago(6 * 3600), Self.ago(3600), "1"),
            ("A7", "FAILED", Self.ago(40 * 3600), Self.ago(30 * 3600), "3"),
        ]
        for (id, status, submitted, completed, iteration) in rows {
            try b.insert([
                "tag": "t:\(id)", "request_id": id, "job_id": "progress-exhaust", "status": status, "dt_job_submitted": submitted,
                "dt_job_completed": completed, "iteration": iteration,
            ])
        }
        try b.insert([
            "tag": "t:B1", "request_id": "B1", "job_id": "response-exhaust", "status": "SUCCESS", "dt_job_submitted": Self.ago(50 * 3600),
            "dt_job_completed": Self.ago(48 * 3600),
        ])
    }

    func stats(_ b: ExhaustBench, _ extra: [String] = []) throws -> Harness.Result {
        try Harness.run(["requests", "stats", "--requests", b.queue, "--home", b.home.path] + extra, cwd: b.home.path)
    }

    /// The exposition's samples by `name{labels}`.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            out[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
        return out
    }

    func checkStats(_ b: ExhaustBench, file: StaticString = #filePath, line: UInt = #line) throws {
        try insertRows(b)
        let r = try stats(b, ["--format", "prometheus"])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let s = Self.samples(r.stdout)
        let p = #"{job="progress-exhaust""#
        for (status, n) in [("SUBMITTED", 2.0), ("PROCESSING", 1), ("SUCCESS", 2), ("FAILED", 2)] {
            XCTAssertEqual(s[#"dataproducts_requests\#(p),status="\#(status)"}"#], n, status, file: file, line: line)
        }
        let age = s["dataproducts_requests_oldest_waiting_age_seconds\(p)}"] ?? -1
        XCTAssertTrue(
            (6 * 3600 - 5...6 * 3600 + 120).contains(age), "oldest waiting: the failed request awaiting its retry, \(age)", file: file, line: line)
        XCTAssertEqual(s["dataproducts_requests_failed_24h\(p)}"], 1, file: file, line: line)
        XCTAssertEqual(s["dataproducts_requests_retried_24h\(p)}"], 1, file: file, line: line)
        XCTAssertEqual(s["dataproducts_requests_given_up\(p)}"], 1, file: file, line: line)
        let q = #"{job="response-exhaust""#
        XCTAssertEqual(s[#"dataproducts_requests\#(q),status="SUCCESS"}"#], 1, file: file, line: line)
        XCTAssertEqual(s[#"dataproducts_requests\#(q),status="SUBMITTED"}"#], 0, "every status is written, zeros too", file: file, line: line)
        XCTAssertEqual(s["dataproducts_requests_oldest_waiting_age_seconds\(q)}"], 0, file: file, line: line)
        XCTAssertEqual(s["dataproducts_requests_failed_24h\(q)}"], 0, file: file, line: line)
        XCTAssertEqual(s["dataproducts_requests_queue_up"], 1, file: file, line: line)
        try b.home.write("stats.prom", r.stdout)
        let check = try Harness.run(["-c", "promtool check metrics < '\(b.home.path)/stats.prom'"], executable: "/bin/sh")
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr, file: file, line: line)

        let text = try stats(b).stdout
        XCTAssertTrue(text.contains("progress-exhaust          2           1        2       2          6h 00m"), text, file: file, line: line)
    }

    func testTheSameRowsGiveTheSameStatsOnEveryQueue() throws {
        try checkStats(try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress"))
        let sqlite = try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        sqlite.useSQLiteQueue()
        try checkStats(sqlite)
        try checkStats(
            try ExhaustBench(.postgres, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress"))
    }

    /// The cron wrapper's last-run records and the queue, written as node_exporter's textfile and
    /// scraped from a real node_exporter: it serves our samples and reports no textfile error.
    func testNodeExporterServesTheTextfile() throws {
        let b = try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        try insertRows(b)
        let now = Int(Date().timeIntervalSince1970)
        try b.home.write(
            "state/last-run/admin-geo-reports.json", #"{"job":"admin-geo-reports","mode":"run","exit":0,"started":\#(now - 12),"finished":\#(now)}"#)
        try b.home.write(
            "state/last-run/progress-exhaust.json",
            #"{"job":"progress-exhaust","mode":"requests","exit":70,"started":\#(now - 3),"finished":\#(now)}"#)
        try b.home.write("state/last-run/torn.json", #"{"job":"torn","exi"#)
        let textfile = b.home.path + "/textfile/dataproducts.prom"
        let r = try stats(b, ["--textfile", textfile])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "", "with --textfile alone stdout stays quiet (cron)")
        XCTAssertTrue(r.stderr.contains("skipped an unreadable last-run record") && r.stderr.contains("torn.json"), r.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: b.home.path + "/textfile"), ["dataproducts.prom"], "no temporary file left")

        let port = RedisServer.freePort()
        let exporter = Process()
        exporter.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-node-exporter")
        exporter.arguments = [
            "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.textfile",
            "--collector.textfile.directory=" + b.home.path + "/textfile",
        ]
        exporter.standardOutput = FileHandle.nullDevice
        exporter.standardError = FileHandle.nullDevice
        try TestServers.run(exporter)
        defer {
            exporter.terminate()
            exporter.waitUntilExit()
        }
        var scraped = ""
        for _ in 0..<100 {
            let c = try Harness.run(["-sf", "http://127.0.0.1:\(port)/metrics"], executable: "/usr/bin/curl")
            if c.status == 0 { scraped = c.stdout; break }
            usleep(50_000)
        }
        let s = Self.samples(scraped)
        XCTAssertEqual(s["node_textfile_scrape_error"], 0, "node_exporter accepted the file")
        XCTAssertEqual(s[#"dataproducts_job_last_run_exit_code{job="admin-geo-reports",mode="run"}"#], 0)
        XCTAssertEqual(s[#"dataproducts_job_last_run_success{job="progress-exhaust",mode="requests"}"#], 0)
        XCTAssertEqual(s[#"dataproducts_job_last_run_exit_code{job="progress-exhaust",mode="requests"}"#], 70)
        XCTAssertEqual(s[#"dataproducts_job_last_run_duration_seconds{job="admin-geo-reports",mode="run"}"#], 12)
        XCTAssertEqual(s[#"dataproducts_requests{job="progress-exhaust",status="SUBMITTED"}"#], 2)

        // The queue gone: the file still carries the last runs, says the queue is down, exit 70.
        let down = try Harness.run(
            ["requests", "stats", "--requests", "postgres:host=/nonexistent", "--home", b.home.path, "--textfile", textfile], cwd: b.home.path)
        XCTAssertEqual(down.status, 70, down.stderr)
        let after = Self.samples(b.home.read("textfile/dataproducts.prom") ?? "")
        XCTAssertEqual(after["dataproducts_requests_queue_up"], 0)
        XCTAssertEqual(after[#"dataproducts_job_last_run_exit_code{job="admin-geo-reports",mode="run"}"#], 0)
    }

    /// One request's story is one filter: every event from its claim to its outcome — the engine's,
    /// the job process's JOB_START/JOB_END and the plugin's own log lines — carries its request_id.
    func testEveryEventOfARequestCarriesItsRequestId() throws {
        let b = try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        try b.config("progress-exhaust", RequestQueueTests.config)
        for (i, data) in [#"{"batchId": "batch-001"}"#, #"{"batchFilter": ["batch-01"]}"#].enumerated() {
            try b.insert([
                "tag": "t:\(i)", "request_id": "REQ-\(i)", "job_id": "progress-exhaust", "request_data": data, "requested_by": "user-\(i)",
                "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
            ])
        }
        try b.run("progress-exhaust")
        let events = (b.home.read("joblog.log") ?? "").split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        var byRequest: [String: [JSONValue]] = [:]
        var untagged: [JSONValue] = []
        for e in events {
            if let id = e["edata"]?["data"]?["request_id"]?.string { byRequest[id, default: []].append(e) } else { untagged.append(e) }
        }
        XCTAssertEqual(Set(byRequest.keys), ["REQ-0", "REQ-1"])
        for (id, list) in byRequest {
            let eids = list.compactMap { $0["eid"]?.string }
            XCTAssertEqual(eids.filter { $0 == "JOB_START" }.count, 1, "\(id): the job process's start")
            XCTAssertEqual(eids.filter { $0 == "JOB_END" }.count, 1, "\(id): the job process's end")
            XCTAssertTrue(list.contains { $0["edata"]?["message"]?.string?.hasPrefix("request \(id): ") == true }, "\(id): its outcome")
        }
        XCTAssertTrue(byRequest["REQ-0"]!.count > 3, "the plugin's own log lines are tagged too: \(byRequest["REQ-0"]!.count)")
        // Only the drain's own start and end concern no single request.
        XCTAssertEqual(untagged.compactMap { $0["eid"]?.string }, ["JOB_START", "JOB_END"], "\(untagged.map { $0.render() })")
    }
}
