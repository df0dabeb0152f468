import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// Upstream `TestOldCertificateMigrationJob` (lern-jobs-spec §5) on the embedded SQLite store and on
/// PostgreSQL: the dry-run file with its one event (and the values the rules derive), the same event
/// on Kafka (librdkafka's mock cluster, read back with kcat), and the bad inputs.
class OldCertificateMigrationTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    static let job = "old-certificate-migration-job"
    static let batch = "0134278454483681283"
    /// Upstream's test config, the Kafka settings aside.
    static let config =
        #""mode":"dryrun","cert_base_path":"https://dev.sunbirded.org/","cloud_storage_base_url":"https://sunbirddev.blob.core.windows.net","cloud_store_base_path_placeholder":"CLOUD_BASE_PATH","content_cloud_storage_container":"sunbird-content-staging","cloud_storage_cname_url":"https://obj.stage.sunbirded.org","kafka_broker":"localhost:9092","kafka_topic":"sunbirddevlern.rc.certificate.migrate","output_file_path":"./reports/""#

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        try bench.load(try Harness.fixture("lern/old-cert-migration/data"))
    }

    override func tearDown() { bench = nil }

    func run(_ modelParams: String, extra: [String] = []) throws -> Harness.Result {
        try home.write("config/jobs/\(Self.job).json", #"{"search":{"type":"none"},"modelParams":{\#(modelParams)}}"#)
        return try home.run(
            ["run", Self.job, "--store", bench.store, "--log-file", home.path + "/joblog.log", "--now", "2022-01-10T00:00:00Z"] + extra)
    }

    /// The derived values of §5's test, checked on one event.
    func assertUpstreamEvent(_ line: String, file: StaticString = #filePath, line l: UInt = #line) throws {
        let e = try JSONParser.parse(line)
        XCTAssertEqual(e.objectPairs?.map(\.0), ["actor", "eid", "edata", "ets", "context", "mid", "object"], file: file, line: l)
        XCTAssertEqual(e["eid"]?.string, "BE_JOB_REQUEST")
        XCTAssertEqual(e["ets"]?.int, 1_641_772_800_000, "ets is the run clock's")
        XCTAssertTrue(e["mid"]?.string?.hasPrefix("LMS.") ?? false)
        XCTAssertEqual(e["mid"]?.string?.count, 40)
        XCTAssertEqual(e["actor"], .object([("id", .string("Certificate Migrator")), ("type", .string("System"))]))
        XCTAssertEqual(e["context"]?.render(), #"{"pdata":{"ver":"1.0","id":"org.sunbird.learning.platform"}}"#)
        XCTAssertEqual(e["object"]?.render(), #"{"id":"a7939df7-7c7b-4178-9325-cb13a0eaf87f","type":"MigrateCertificate"}"#)
        let d = try XCTUnwrap(e["edata"])
        XCTAssertEqual(d["issuedDate"]?.string, "2021-12-14T00:00:00Z")
        XCTAssertEqual(
            d["svgTemplate"]?.string,
            "https://obj.stage.sunbirded.org/sunbird-content-staging/content/do_2133570565865062401187/artifact/do_2133570565865062401187_1630500071869_certificate_2021-09-01_18_11.svg"
        )
        XCTAssertEqual(d["basePath"]?.string, "https://dev.sunbirded.org//certs", "upstream's double slash")
        XCTAssertEqual(d["courseName"]?.string, "AK merit course")
        XCTAssertEqual(d["templateId"]?.string, "do_2133570565865062401187")
        XCTAssertEqual(d["name"]?.string, "Merit certificate")
        XCTAssertEqual(d["tag"]?.string, Self.batch)
        XCTAssertEqual(d["oldId"]?.string, "0c0733dd-2426-4ffc-a41d-d6a2496cd9f5")
        XCTAssertEqual(d["identifier"]?.string, "0c0733dd-2426-4ffc-a41d-d6a2496cd9f5")
        XCTAssertEqual(d["userId"]?.string, "a7939df7-7c7b-4178-9325-cb13a0eaf87f")
        XCTAssertEqual(d["orgId"]?.string, "")
        XCTAssertEqual(d["data"]?.render(), #"[{"recipientName":"Preksha","recipientId":"a7939df7-7c7b-4178-9325-cb13a0eaf87f"}]"#)
        XCTAssertEqual(d["criteria"]?.render(), #"{"narrative":"Merit certificate"}"#)
        XCTAssertEqual(d["issuer"]?["name"]?.string, "Gujarat Council of Educational Research and Training")
        XCTAssertEqual(d["signatoryList"]?.array?.first?["designation"]?.string, "CEO")
        XCTAssertEqual(
            d["related"]?.render(), #"{"batchId":"0134278454483681283","courseId":"do_2134278368470876161115","type":"Merit certificate"}"#)
    }

    /// Upstream's one test: the dry-run file holds exactly one event.
    func testDryRunWritesOneEventToTheFile() throws {
        let r = try run(Self.config + #","batchId":"\#(Self.batch)""#)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try XCTUnwrap(home.read("reports/reports/\(Self.batch).json")).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        try assertUpstreamEvent(String(lines[0]))
        XCTAssertEqual(bench.jobEnd?["totalRecordsUpdated"]?.int, 1)
    }

    func testAllBatchesAndUnknownBatches() throws {
        XCTAssertEqual(try run(Self.config + #","batchId":"all""#).status, 0)
        XCTAssertEqual(home.read("reports/reports/all.json")?.split(separator: "\n").count, 1)
        let unknown = try run(Self.config + #","batchId":"\#(Self.batch),no-such-batch""#)
        XCTAssertEqual(unknown.status, 67, "Q51")
        XCTAssertTrue(unknown.stderr.contains("batch no-such-batch is not in sunbird_courses.course_batch; nothing was sent"), unknown.stderr)
        XCTAssertNil(home.read("reports/reports/\(Self.batch)_no-such-batch.json"))
    }

    func testExecuteSendsTheSameEventToKafka() throws {
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("sunbirddevlern.rc.certificate.migrate")
        let config = Self.config.replacingOccurrences(of: #""mode":"dryrun""#, with: #""mode":"Execute""#)
        let r = try run(config + #","batchId":"\#(Self.batch)""#, extra: ["--kafka", kafka.bootstrap])
        XCTAssertEqual(r.status, 0, r.stderr)
        let messages = try kafka.read("sunbirddevlern.rc.certificate.migrate")
        XCTAssertEqual(messages.count, 1)
        XCTAssertTrue(messages[0].hasPrefix("\t"), "no key, as upstream's dispatcher")
        try assertUpstreamEvent(String(messages[0].dropFirst()))
        XCTAssertNil(home.read("reports/reports/\(Self.batch).json"), "execute writes no file")
    }

    func testBadInputsFailClearlyAndSendNothing() throws {
        let empty = try run(Self.config + #","batchId":"""#)
        XCTAssertEqual(empty.status, 67)
        XCTAssertTrue(empty.stderr.contains("BatchID is mandatory parameter"), empty.stderr)
        let missing = try run(#""batchId":"\#(Self.batch)""#)
        XCTAssertEqual(missing.status, 65)
        XCTAssertTrue(missing.stderr.contains("cert_base_path"), missing.stderr)
        let noKafka = try run(Self.config.replacingOccurrences(of: "dryrun", with: "execute") + #","batchId":"\#(Self.batch)""#)
        XCTAssertEqual(noKafka.status, 67)
        XCTAssertTrue(noKafka.stderr.contains("no Kafka configured"), noKafka.stderr)
    }

    /// Q46: a certificate whose template is not among its batch's fails the run before anything leaves.
    func testATemplateThatDoesNotMatchFailsBeforeAnyEvent() throws {
        try home.write(
            "more/sunbird.cert_registry.jsonl",
            #"{"id":"0000-first","isrevoked":false,"createdat":"2021-12-17 11:26:47","data":"{\"badge\":{\"name\":\"x\",\"criteria\":{\"narrative\":\"No such template\"}}}","recipient":"{\"id\":\"u1\",\"name\":\"N\"}","related":"{\"batchId\":\"0134278454483681283\",\"courseId\":\"do_2134278368470876161115\"}"}"#
                + "\n")
        try bench.load(home.path + "/more")
        let r = try run(Self.config + #","batchId":"\#(Self.batch)""#)
        XCTAssertEqual(r.status, 67)
        XCTAssertTrue(
            r.stderr.contains("certificate 0000-first of batch 0134278454483681283: no template named 'No such template'"), r.stderr)
        XCTAssertNil(home.read("reports/reports/\(Self.batch).json"))
    }

    /// Q46 on Kafka: the bad certificate comes after a good one, and still nothing is sent.
    func testATemplateThatDoesNotMatchSendsNothingToKafka() throws {
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("sunbirddevlern.rc.certificate.migrate")
        try home.write(
            "more/sunbird.cert_registry.jsonl",
            #"{"id":"zzzz-last","isrevoked":false,"createdat":"2021-12-17 11:26:47","data":"{\"badge\":{\"name\":\"x\",\"criteria\":{\"narrative\":\"No such template\"}}}","recipient":"{\"id\":\"u1\",\"name\":\"N\"}","related":"{\"batchId\":\"0134278454483681283\",\"courseId\":\"do_2134278368470876161115\"}"}"#
                + "\n")
        try bench.load(home.path + "/more")
        let config = Self.config.replacingOccurrences(of: #""mode":"dryrun""#, with: #""mode":"execute""#)
        let r = try run(config + #","batchId":"\#(Self.batch)""#, extra: ["--kafka", kafka.bootstrap])
        XCTAssertEqual(r.status, 67)
        XCTAssertTrue(r.stderr.contains("certificate zzzz-last of batch 0134278454483681283: no template named"), r.stderr)
        XCTAssertEqual(try kafka.read("sunbirddevlern.rc.certificate.migrate"), [], "the good certificate's event was not sent either")
    }
}

final class OldCertificateMigrationPostgresTests: OldCertificateMigrationTests {
    override var backend: Backend { .postgres }
    override func testDryRunWritesOneEventToTheFile() throws { try super.testDryRunWritesOneEventToTheFile() }
    override func testAllBatchesAndUnknownBatches() throws { try super.testAllBatchesAndUnknownBatches() }
    override func testExecuteSendsTheSameEventToKafka() throws { try super.testExecuteSendsTheSameEventToKafka() }
    override func testBadInputsFailClearlyAndSendNothing() throws { try super.testBadInputsFailClearlyAndSendNothing() }
    override func testATemplateThatDoesNotMatchFailsBeforeAnyEvent() throws { try super.testATemplateThatDoesNotMatchFailsBeforeAnyEvent() }
    override func testATemplateThatDoesNotMatchSendsNothingToKafka() throws { try super.testATemplateThatDoesNotMatchSendsNothingToKafka() }
}
