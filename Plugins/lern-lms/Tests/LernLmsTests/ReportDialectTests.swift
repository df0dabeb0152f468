import Foundation
import XCTest
import DataproductsTestKit
import RowBatch

/// The exhausts' CSV bytes in upstream's (Spark's) dialect by default, and RFC 4180 when a job's
/// `csvDialect` asks: user-cache values with leading/trailing white space, quotes, commas, line
/// breaks, a backslash and non-ASCII text go through the progress and user-info reports, question
/// JSON (quotes, backslashes) through the response report; Python's csv module reads each file back
/// with the matching dialect.
final class ReportDialectTests: XCTestCase {
    /// What user-001's cache entry holds here, and what each dialect must give back.
    static let edgy: [(field: String, value: String)] = [
        ("district", "  Bengaluru, \"Urban\"\nEast\t"),
        ("schoolname", " DPS, \\ MATHURA "),
        ("orgname", "\u{1}Ünïcödé Org — 東京 "),
        ("block", "\u{A0}BLOCK1\u{A0}"),
    ]

    func withEdgyCache(_ bench: ExhaustBench, from file: String) throws {
        let lines = try String(contentsOfFile: Harness.repoRoot + "/Tests/Fixtures/exhaust/" + file, encoding: .utf8).split(separator: "\n")
        let out = try lines.map { line -> String in
            let j = try JSONParser.parse(String(line))
            guard j["key"]?.string == "user:user-001", case .object(var fields)? = j["fields"] else { return String(line) }
            for (k, v) in Self.edgy {
                if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = .string(v) } else { fields.append((k, .string(v))) }
            }
            return JSONValue.object([("key", .string("user:user-001")), ("fields", .object(fields))]).render()
        }
        let path = bench.home.path + "/usercache-edgy.jsonl"
        try (out.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        bench.useUserCache(path)
    }

    /// Rows as Python's csv module reads `bytes` in `dialect`.
    func pythonRows(_ bytes: Data, _ dialect: String) throws -> [[String]] {
        let path = NSTemporaryDirectory() + "dialect-\(UUID().uuidString).csv"
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Harness.run(["python3", Harness.repoRoot + "/Tests/Servers/read_csv.py", path, dialect], executable: "/usr/bin/env")
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONParser.parse(r.stdout).array).map { ($0.array ?? []).compactMap(\.string) }
    }

    func cell(_ rows: [[String]], user: String, label: String) -> String? {
        guard let header = rows.first, let c = header.firstIndex(of: label) else { return nil }
        return rows.dropFirst().first { $0.contains(user) }.map { $0[c] }
    }

    /// Runs `job` once per dialect over the edgy cache and checks the labelled cells.
    func check(
        job: String, config: String, userCache: String, httpDir: String, labels: [String: String], insert: (ExhaustBench) throws -> Void,
        zip: String, password: String? = nil, textKey: String? = nil
    ) throws {
        let bench = try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: userCache, httpDir: httpDir)
        try withEdgyCache(bench, from: userCache)
        for dialect in CSVDialect.allCases {
            let modelParams = #""modelParams":{"csvDialect":"\#(dialect.rawValue)","#
            try bench.config(job, config.replacingOccurrences(of: #""modelParams":{"#, with: modelParams))
            try bench.reset()
            try insert(bench)
            try bench.run(job)
            let bytes = try bench.csvBytes(zip, password: password, textKey: textKey)
            let text = String(decoding: bytes, as: UTF8.self)
            let rows = try pythonRows(bytes, dialect.rawValue)
            XCTAssertGreaterThan(rows.count, 1, text)
            for (field, value) in Self.edgy {
                guard let label = labels[field] else { continue }
                let expected = dialect == .spark ? Self.javaTrim(value) : value
                XCTAssertEqual(cell(rows, user: "user-001", label: label), expected, "\(job) \(dialect) \(label)")
            }
            switch dialect {
            case .spark:
                XCTAssertTrue(text.contains(#""Bengaluru, \"Urban\"\#nEast""#), text)
                XCTAssertTrue(text.contains(#""DPS, \\ MATHURA""#), text)
            case .rfc4180:
                XCTAssertTrue(text.contains("\"  Bengaluru, \"\"Urban\"\"\nEast\t\""), text)
            }
        }
    }

    /// Java's String.trim: every character up to U+0020 off both ends.
    static func javaTrim(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars
        while let f = scalars.first, f.value <= 0x20 { scalars.removeFirst() }
        while let l = scalars.last, l.value <= 0x20 { scalars.removeLast() }
        return String(scalars)
    }

    /// A batch-001 request of `job` (the upstream tests' row R-P / R-U / R-R), key test12.
    static func batchRequest(_ bench: ExhaustBench, job: String, id: String, tag: String) throws {
        try bench.insert([
            "tag": tag, "request_id": id, "job_id": job, "request_data": #"{"batchId": "batch-001"}"#, "requested_by": "user-002",
            "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
        ])
    }

    func testProgressReport() throws {
        try check(
            job: "progress-exhaust", config: ProgressExhaustTests.config, userCache: "usercache-progress.jsonl", httpDir: "http-progress",
            labels: ["district": "District", "schoolname": "School Name", "orgname": "Org Name", "block": "Block Name"],
            insert: {
                try Self.batchRequest(
                    $0, job: "progress-exhaust", id: ProgressExhaustTests.requestId,
                    tag: "do_1130928636168192001667_batch-001:channel-01")
            },
            zip: "progress-exhaust/\(ProgressExhaustTests.requestId)/batch-001_progress_\(Harness.reportDate()).zip", textKey: "test12")
    }

    func testUserInfoReport() throws {
        try check(
            job: "userinfo-exhaust", config: UserInfoExhaustTests.config, userCache: "usercache-userinfo.jsonl", httpDir: "http-userinfo",
            labels: ["district": "District", "schoolname": "School Name", "orgname": "Org Name", "block": "Block"],
            insert: {
                try Self.batchRequest(
                    $0, job: "userinfo-exhaust", id: UserInfoExhaustTests.requestId,
                    tag: "do_1131350140968632321230_batch-001:channel-01")
            },
            zip: "userinfo-exhaust/\(UserInfoExhaustTests.requestId)/batch-001_userinfo_\(Harness.reportDate()).zip", password: "test12")
    }

    /// The response report's question titles come from the attempts table: one gets the edge cases.
    func testResponseReport() throws {
        let bench = try ExhaustBench(
            .local, fixture: "lern/exhaust/report_data", userCache: "usercache-response.jsonl",
            httpDir: "http-response", writable: true)
        let title = Self.edgy[0].value + " \\ 東京"
        try bench.rewriteLocalTable("sunbird_courses.assessment_aggregator.jsonl") { pairs in
            guard JSONValue.object(pairs)["user_id"]?.string == "user-001", let i = pairs.firstIndex(where: { $0.0 == "question" }),
                case .array(var questions) = pairs[i].1, case .object(var q)? = questions.first,
                let t = q.firstIndex(where: { $0.0 == "title" })
            else { return pairs }
            q[t].1 = .string(title)
            questions[0] = .object(q)
            var out = pairs
            out[i].1 = .array(questions)
            return out
        }
        let zip = "response-exhaust/\(ResponseExhaustV2Tests.requestId)/batch-001_response_\(Harness.reportDate()).zip"
        for dialect in CSVDialect.allCases {
            try bench.config(
                "response-exhaust",
                ResponseExhaustTests.config.replacingOccurrences(
                    of: #""modelParams":{"#, with: #""modelParams":{"csvDialect":"\#(dialect.rawValue)","#))
            try bench.reset()
            try Self.batchRequest(
                bench, job: "response-exhaust", id: ResponseExhaustV2Tests.requestId,
                tag: "do_1131350140968632321230_batch-001:01250894314817126443")
            try bench.run("response-exhaust")
            let bytes = try bench.csvBytes(zip, textKey: "test12")
            let rows = try pythonRows(bytes, dialect.rawValue)
            let c = try XCTUnwrap(rows.first?.firstIndex(of: "Question Title"))
            let titles = rows.dropFirst().filter { $0.contains("user-001") }.map { $0[c] }
            XCTAssertTrue(titles.contains(dialect == .spark ? Self.javaTrim(title) : title), "\(dialect): \(titles)")
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(
                text.contains(dialect == .spark ? #""Bengaluru, \"Urban\"\#nEast\#t \\ 東京""# : "\"  Bengaluru, \"\"Urban\"\"\nEast\t \\ 東京\""), text)
        }
    }
}
