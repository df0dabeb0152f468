import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// assessment-correction (lern-jobs-spec §7) on the embedded store and on PostgreSQL: upstream's
/// enrolment fixture (assessment_report_data), a day of raw telemetry in the blob store, Druid's
/// SelfAssess identifiers from the recorded-answer server, the attempts read back from Kafka.
class AssessmentCorrectionTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    static let selfAssess = "do_2130252196790026241869"  // upstream's Druid mock identifier
    static let learner = "08631a74-4b94-4cf7-a818-831135248a4a", course = "do_2130694768149053441103"

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        try bench.load(try Harness.fixture("lern/assessment-correction-report/assessment_report_data"))
        let druid = JSONText.quote(
            #"[{"version":"v1","timestamp":"1901-01-01T00:00:00.000Z","event":{"identifier":"\#(Self.selfAssess)","count":12}},{"version":"v1","timestamp":"1901-01-01T00:00:00.000Z","event":{"identifier":"do_quiz_2","count":3}}]"#
        )
        try home.write("answers/answers.json", #"{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":"SelfAssess","body":\#(druid)}]}"#)
        try bench.serveHTTP(home.path + "/answers/answers.json")
    }

    override func tearDown() { bench = nil }

    static func assess(_ user: String, _ course: String, _ content: String, attempt: String?, actor: String = "User", q: String) -> String {
        let cdata = attempt.map { #"[{"id":"batch-001","type":"CourseBatch"},{"id":"\#($0)","type":"attemptId"}]"# } ?? "[]"
        return
            #"{"eid":"ASSESS","ets":1574232000000,"actor":{"id":"\#(user)","type":"\#(actor)"},"context":{"cdata":\#(cdata)},"object":{"id":"\#(content)","rollup":{"l1":"\#(course)"}},"edata":{"item":{"id":"\#(q)"},"score":1}}"#
    }

    func writeTelemetry() throws -> [String] {
        let lines = [
            Self.assess(Self.learner, Self.course, Self.selfAssess, attempt: "att-1", q: "q1"),
            Self.assess(Self.learner, Self.course, Self.selfAssess, attempt: "att-1", q: "q2"),
            Self.assess("user-004", "do_1131350140968632321230", "do_quiz_2", attempt: nil, q: "q1"),
            Self.assess(Self.learner, Self.course, "do_not_self_assess", attempt: "att-2", q: "q1"),
            Self.assess("not-enrolled", Self.course, Self.selfAssess, attempt: "att-3", q: "q1"),
            Self.assess(Self.learner, Self.course, Self.selfAssess, attempt: "att-4", actor: "System", q: "q1"),
            #"{"eid":"START","actor":{"id":"u","type":"User"},"object":{"id":"x","rollup":{"l1":"c"}}}"#,
            "not json {",
        ]
        try home.write("blob/unique/raw/2019-11-20-0-1574232000000.json", lines.joined(separator: "\n") + "\n")
        try home.write(
            "blob/unique/raw/2019-11-21-0-1574318400000.json",
            Self.assess(Self.learner, Self.course, Self.selfAssess, attempt: "att-9", q: "q") + "\n")
        return lines
    }

    func run(_ params: String = "", kafka: KafkaMockCluster, file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        try home.write(
            "config/jobs/assessment-correction.json",
            #"{"search":{"type":"s3","queries":[{"bucket":"telemetry-data-store","prefix":"unique/raw/","endDate":"2019-11-20","delta":0}]},"#
                + #""modelParams":{"druidConfig":{"queryType":"groupBy","dataSource":"content-model-snapshot","intervals":"1901-01-01T00:00:00+00:00/2101-01-01T00:00:00+00:00","#
                + #""dimensions":[{"fieldName":"identifier","aliasName":"identifier"}],"filters":[{"type":"equals","dimension":"contentType","value":"SelfAssess"}]}\#(params)},"#
                + #""output":[{"to":"kafka","params":{"brokerList":"localhost:9092","topic":"dev.telemetry.assess"}}]}"#)
        let r = try home.run([
            "run", "assessment-correction", "--store", bench.store, "--druid", bench.baseURL, "--blob", "local:" + home.path + "/blob", "--kafka",
            kafka.bootstrap,
            "--now", "2019-11-21T10:00:00Z",
        ])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    func test01AttemptsOfSelfAssessContentsAreReEmittedPerBatch() throws {
        let lines = try writeTelemetry()
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("dev.telemetry.assess")
        let r = try run(kafka: kafka)
        let sent = try kafka.read("dev.telemetry.assess").map { String($0.drop { $0 != "\t" }.dropFirst()) }
        XCTAssertEqual(sent.count, 2, sent.joined(separator: "\n"))
        XCTAssertEqual(
            sent[0],
            #"{"assessmentTs":1574330400000,"batchId":"batch-001","courseId":"\#(Self.course)","userId":"\#(Self.learner)","attemptId":"att-1","contentId":"\#(Self.selfAssess)","events":[\#(lines[0]),\#(lines[1])]}"#
        )
        let second = try JSONParser.parse(sent[1])
        XCTAssertEqual(second["userId"], .string("user-004"))
        XCTAssertEqual(second["batchId"], .string("batch-001"))
        let made = "do_quiz_2" + "do_1131350140968632321230" + "user-004" + "batch-001"
        XCTAssertEqual(second["attemptId"]?.string, Self.md5(made), "no attempt id: MD5 of content + course + user + batch")
        XCTAssertTrue(r.stderr.contains("8 lines (1 not JSON)"), r.stderr)
    }

    func test02OversizedAttemptsGoToTheFileOutput() throws {
        _ = try writeTelemetry()
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("dev.telemetry.assess")
        try run(
            #","max_request_size":600,"fileOutputConfig":{"to":"file","params":{"file":"/mount/data/analytics/assessment-correction/skippedEvents"}}"#,
            kafka: kafka)
        XCTAssertEqual(try kafka.read("dev.telemetry.assess").count, 1, "the one-event attempt is small enough")
        let skipped = (home.read("reports/assessment-correction/skippedEvents.json") ?? "").split(separator: "\n")
        XCTAssertEqual(skipped.count, 1)
        XCTAssertEqual(try JSONParser.parse(String(skipped.first ?? ""))["attemptId"], .string("att-1"))
    }

    // Upstream's TestAssessmentCorrectionJob: its input file does not exist; the job ends without error.
    func test03NoTelemetryForTheDayIsNoError() throws {
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("dev.telemetry.assess")
        try FileManager.default.createDirectory(atPath: home.path + "/blob", withIntermediateDirectories: true)
        let r = try run(kafka: kafka)
        XCTAssertEqual(try kafka.read("dev.telemetry.assess"), [])
        XCTAssertTrue(r.stderr.contains("0 lines (0 not JSON) from 0 files"), r.stderr)
    }

    static func md5(_ s: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import hashlib,sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest(), end='')", s]
        let out = Pipe()
        p.standardOutput = out
        try? p.run()
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

final class AssessmentCorrectionPostgresTests: AssessmentCorrectionTests {
    override var backend: Backend { .postgres }
    override func test01AttemptsOfSelfAssessContentsAreReEmittedPerBatch() throws {
        try super.test01AttemptsOfSelfAssessContentsAreReEmittedPerBatch()
    }
    override func test02OversizedAttemptsGoToTheFileOutput() throws { try super.test02OversizedAttemptsGoToTheFileOutput() }
    override func test03NoTelemetryForTheDayIsNoError() throws { try super.test03NoTelemetryForTheDayIsNoError() }
}
