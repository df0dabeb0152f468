import XCTest
import PluginKit
@testable import LernLms

/// Unit rules of the progress exhaust; every request case of upstream's TestProgressExhaustJob runs
/// through the real host in the host's Tests/HostTests/Exhaust/ProgressExhaustTests.swift.
final class ProgressExhaustUnitTests: XCTestCase {
    /// P8 "validate the report path" (and V2-3).
    func testP8ReportPath() {
        XCTAssertEqual(
            ProgressExhaust.filePath(batchId: "batch-001", requestId: "37564CF8F134EE7532F125651B51D17F", date: "20210509"),
            "progress-exhaust/37564CF8F134EE7532F125651B51D17F/batch-001_progress_20210509")
        XCTAssertEqual(
            ProgressExhaust.filePath(batchId: "batch-001", requestId: "", date: "20210509"),
            "progress-exhaust/batch-001_progress_20210509")
    }

    /// P1's pure check: `filterAssessmentsFromHierarchy([], {}, ("do_1130928636168192001667", []))`
    /// gives no assessment ids; and the rule itself on a real tree.
    func testSupportedAssessmentsFromHierarchy() throws {
        let settings = ExhaustSettings(
            try ResolvedParameters(nil, declared: (ExhaustSettings.parameters + ExhaustSettings.scoreParameters).map(\.declaration)))
        XCTAssertEqual(Hierarchy(root: .object([])).supportedAssessments(settings), [])
        let tree = try JSONParser.parse(
            """
            {"identifier":"do_1130928636168192001667","contentType":"Course","children":[
              {"identifier":"u1","contentType":"CourseUnit","children":[
                {"identifier":"do_1128870328040161281204","contentType":"SelfAssess"},
                {"identifier":"qs1","objectType":"QuestionSet","primaryCategory":"Practice Question Set"},
                {"identifier":"qs2","objectType":"QuestionSet","primaryCategory":"Exam Question Set"},
                {"identifier":"do_1128870328040161281204","contentType":"SelfAssess"}]}]}
            """)
        XCTAssertEqual(Hierarchy(root: tree).supportedAssessments(settings), ["do_1128870328040161281204", "qs1"])
        XCTAssertEqual(Hierarchy(root: tree).leafNodesCount, 0)
    }

    func learner(status: String? = nil, completedOn: String? = nil) throws -> Learner {
        var completed: [String] = []
        if case .object(let pairs)? = try status.map({ try JSONParser.parse($0) }) { completed = pairs.filter { $0.1.int == 2 }.map(\.0) }
        return Learner(
            userId: "u", enrolledDate: "2019-11-15", completedOn: completedOn, completedContents: completed,
            hasCertificate: false)
    }

    func testProgressRules() throws {
        // No leaves (every fixture hierarchy): everybody 100, as upstream.
        XCTAssertEqual(ProgressExhaust.progress(try learner(), leafNodes: 0, optional: []), 100)
        XCTAssertEqual(ProgressExhaust.progress(try learner(status: #"{"a":2,"b":1,"c":2}"#), leafNodes: 3, optional: []), 67)
        XCTAssertEqual(ProgressExhaust.progress(try learner(status: #"{"a":2,"b":1,"c":2}"#), leafNodes: 3, optional: ["c"]), 33)
        XCTAssertEqual(ProgressExhaust.progress(try learner(status: #"{"a":2}"#), leafNodes: 8, optional: []), 13)  // 12.5 rounds up
        XCTAssertEqual(ProgressExhaust.progress(try learner(status: #"{"a":2,"b":2}"#), leafNodes: 2, optional: []), 100)
        XCTAssertEqual(ProgressExhaust.progress(try learner(status: #"{}"#, completedOn: "2020-01-01"), leafNodes: 5, optional: []), 100)
    }

    func testCellRules() {
        XCTAssertEqual(ProgressExhaust.declaredBoard(#"["IGOT-Health"]"#), "IGOT-Health")
        XCTAssertEqual(ProgressExhaust.declaredBoard("CBSE"), "CBSE")
        XCTAssertEqual(ProgressExhaust.declaredBoard(nil), "")
        XCTAssertEqual(ReportDates.ddMMyyyy("2019-11-13 05:41:50:382+0000"), "13/11/2019")
        XCTAssertEqual(ReportDates.ddMMyyyy("2019-11-16T05:41:50.000Z"), "16/11/2019")
        XCTAssertEqual(ReportDates.ddMMyyyy(nil), "")
        XCTAssertEqual(ReportDates.ddMMyyyy("garbage-text"), "")
        // QUIRK Q20 (kept): a grand total without '/' gives no per-content score.
        XCTAssertEqual(AssessmentScores.percent(grandTotal: "20"), "")
        XCTAssertEqual(AssessmentScores.percent(grandTotal: "2/3"), "67%")
        XCTAssertEqual(AssessmentScores.percent(grandTotal: "10/10"), "100%")
        XCTAssertEqual(AssessmentScores.percent(grandTotal: " 7 / 10 "), "70%")
        XCTAssertEqual(AssessmentScores.percent(grandTotal: "7/0"), "")
        XCTAssertEqual(AssessmentScores.percent(grandTotal: "x/10"), "")
    }

    /// The byte reader of `contentstatus` agrees with the JSON parser, and hands anything unusual back to it.
    func testCompletedContentsFastPath() {
        func fast(_ s: String) -> [String]? {
            var s = s
            return s.withUTF8 { LearnerStream.completedContents(UnsafeRawBufferPointer($0)) }
        }
        XCTAssertEqual(fast(#"{"do_1":2,"do_2":1,"do_3":2}"#), ["do_1", "do_3"])
        XCTAssertEqual(fast(#"{ "do_1" : 2 , "do_2": 0 }"#), ["do_1"])
        XCTAssertEqual(fast("{}"), [])
        XCTAssertEqual(fast(#"{"do_1":22}"#), [])
        for other in [#"{"do_\u0031":2}"#, #"{"do_1":2.0}"#, #"{"do_1":"2"}"#, #"{"do_1":-2}"#, #"{"do_1":2"#, "[2]", #"{"a":2}x"#] {
            XCTAssertNil(fast(other), other)
        }
    }

    /// request_data shapes (§1.3): batchId wins (even ""), then batchFilter, then searchFilter; a known
    /// key of the wrong type is an error (V2-2's `{"batchFilter": " "}` → Internal Server Error).
    func testRequestShapes() throws {
        func parse(_ s: String) throws -> CollectionRequest { try CollectionRequest(try JSONParser.parse(s)) }
        XCTAssertEqual(try parse(#"{"batchId": "batch-001"}"#), .batches(["batch-001"]))
        XCTAssertEqual(try parse(#"{"batchId": "", "searchFilter": {}}"#), .batches([""]))
        XCTAssertEqual(try parse(#"{"batchFilter": ["batch-001","batch-004"]}"#), .batches(["batch-001", "batch-004"]))
        XCTAssertEqual(try parse(#"{}"#), .none)
        XCTAssertEqual(try parse(#"{"other": 1}"#), .none)
        XCTAssertThrowsError(try parse(#"{"batchFilter": " "}"#))
        XCTAssertThrowsError(try parse(#"{"batchId": 5}"#))
        XCTAssertThrowsError(try parse(#"[1]"#))
    }
}

final class ProgressExhaustV2UnitTests: XCTestCase {
    /// V2-3 "validate the report path" (V2 writes where V1 does).
    func testV2_3ReportPath() {
        XCTAssertEqual(
            ProgressExhaustV2.filePath(batchId: "batch-001", requestId: "37564CF8F134EE7532F125651B51D17F", date: "20210509"),
            "progress-exhaust/37564CF8F134EE7532F125651B51D17F/batch-001_progress_20210509")
        XCTAssertEqual(
            ProgressExhaustV2.filePath(batchId: "batch-001", requestId: "", date: "20210509"), "progress-exhaust/batch-001_progress_20210509")
    }

    func testAggregateScores() {
        let s = ProgressExhaustV2.scores(
            [
                ("completedCount", 1), ("score:do_a", 7), ("max_score:do_a", 10), ("score:do_b", 1),
                ("max_score:do_b", 3), ("score:do_x", 5), ("max_score:do_x", 5),
            ], supported: ["do_a", "do_b"])
        XCTAssertEqual(s.total, "62%")  // ceil(8 / 13 × 100); do_x is not a supported assessment
        XCTAssertEqual(s.perContent, ["do_a": "70%", "do_b": "34%"])
        XCTAssertEqual(ProgressExhaustV2.scores([("completedCount", 1)], supported: ["do_a"]).total, "")
        XCTAssertEqual(ProgressExhaustV2.scores([("score:do_a", 3)], supported: ["do_a"]).total, "")  // no max: no score
    }

    /// Aggregates read from their bytes give what the parsed document gives; anything but a flat
    /// object of numbers is left to the parser.
    func testAggregatesReadFromBytesMatchTheParsedDocument() throws {
        let keys = AggregateKeys(supported: ["do_a", "do_b"])
        var entries: [(AggregateKeys.Info, Double)] = []
        for doc in [
            #"{"completedCount":1,"score:do_a":7,"max_score:do_a":10,"score:do_b":1.5,"max_score:do_b":3}"#,
            #"{ "max_score:do_b" : 3e0 , "score:do_b" : -1 }"#, "{}", #"{"score:do_a":2,"max_score:do_a":0}"#,
        ] {
            var text = doc
            let flat = text.withUTF8 { ProgressExhaustV2.flatNumbers(UnsafeRawBufferPointer($0), keys: keys, into: &entries) }
            XCTAssertTrue(flat, doc)
            guard case .object(let pairs) = try JSONParser.parse(doc) else { return XCTFail(doc) }
            let parsed = ProgressExhaustV2.scores(pairs.compactMap { k, v in AttemptRows.double(v).map { (k, $0) } }, keys: keys)
            let read = ProgressExhaustV2.scores(entries)
            XCTAssertEqual(read.total, parsed.total, doc)
            XCTAssertEqual(read.perContent, parsed.perContent, doc)
        }
        for doc in [#"{"score:do_a":"7"}"#, #"{"a":{"b":1}}"#, #"{"sc\u006fre:do_a":1}"#, #"{"a":1} x"#, #"{"a":1"#, "[1]"] {
            var text = doc
            XCTAssertFalse(text.withUTF8 { ProgressExhaustV2.flatNumbers(UnsafeRawBufferPointer($0), keys: keys, into: &entries) }, doc)
        }
    }
}

/// P7 "provide hierarchy data on module level", its four cases, on the fixture's user_activity_agg rows.
final class ModuleProgressTests: XCTestCase {
    static let course = "do_1130928636168192001667"

    func activities() throws -> [ModuleProgress.Activity] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }  // Plugins/lern-lms/Tests/LernLmsTests/<file>
        let path =
            ProcessInfo.processInfo.environment["DATAPRODUCTS_FIXTURES"].map { $0 + "/" }
            ?? url.path + "/../shared/fixtures/"
        let text = try String(contentsOfFile: path + "lern/exhaust/report_data/sunbird_courses.user_activity_agg.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> ModuleProgress.Activity? in
            let j = try JSONParser.parse(String(line))
            guard j["context_id"]?.string == "cb:batch-001", let u = j["user_id"]?.string, let a = j["activity_id"]?.string else { return nil }
            return ModuleProgress.Activity(userId: u, activityId: a, completedCount: Int(j["agg"]?["completedCount"]?.int ?? 0))
        }
    }

    func check(_ hierarchy: String, l1: String?, file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = ModuleProgress.rows(
            hierarchy: try JSONParser.parse(hierarchy), courseId: Self.course, batchId: "batch-001",
            activities: try activities())
        XCTAssertEqual(Set(rows.map(\.userId)), ["user-001", "user-002", "user-003", "user-004"], file: file, line: line)
        XCTAssertTrue(rows.allSatisfy { $0.courseId == Self.course && $0.batchId == "batch-001" }, file: file, line: line)
        XCTAssertTrue(rows.contains { $0.completionPercentage == 100 }, file: file, line: line)
        XCTAssertTrue(rows.contains { $0.l1Identifier == l1 }, file: file, line: line)
        if l1 != nil { XCTAssertTrue(rows.contains { $0.l1CompletionPercentage == 100 }, file: file, line: line) }
    }

    let node = #""mimeType":"application/vnd.ekstep.content-collection","visibility":"Default","contentType":"Course""#

    func testP7Case1CourseWithAModule() throws {
        try check(
            #"{"identifier":"do_1130928636168192001667",\#(node),"children":[{"identifier":"do_1130928636168192001667",\#(node),"children":[]}]}"#,
            l1: Self.course)
    }

    func testP7Case2RootWithoutCollectionAttributes() throws {
        try check(#"{"children":[{"identifier":"do_1130928636168192001667",\#(node)}]}"#, l1: nil)
    }

    func testP7Case3ParseBeyondTheLevelLimitReturnsTheInput() {
        let data = ModuleProgress.CourseData(courseId: Self.course, leafNodesCount: "0", level1: [])
        XCTAssertEqual(ModuleProgress.parseCourseHierarchy([], level: 3, data, levelLimit: 2), data)
    }

    func testP7Case4CourseWithoutChildren() throws {
        try check(#"{\#(node)}"#, l1: nil)
    }
}
