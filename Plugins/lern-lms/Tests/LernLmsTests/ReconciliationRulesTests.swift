import Foundation
import PluginKit
import XCTest

@testable import LernLms

/// §2's per-enrolment rules at their edges.
final class ReconciliationRulesTests: XCTestCase {
    func enrolment(_ map: [(String, JSONValue)]?) -> Enrolment {
        Enrolment(
            userId: "u", courseId: "c", batchId: "b", contentStatus: map, completedOn: nil, enrolledDate: nil, active: nil, hasCertificate: false)
    }

    func testPruningKeepsLeavesAndLeavesAMissingMapOrListAlone() {
        let leaves = CourseLeaves(nodes: ["l1", "l2"], count: 2)
        let p = ReconciliationRules.pruned(enrolment([("l1", .int(2)), ("x", .int(1))]), leaves)
        XCTAssertEqual(p.map?.map(\.0), ["l1"])
        XCTAssertTrue(p.changed)
        XCTAssertFalse(ReconciliationRules.pruned(enrolment(nil), leaves).changed)
        XCTAssertFalse(ReconciliationRules.pruned(enrolment([("x", .int(2))]), CourseLeaves(nodes: nil, count: 0)).changed)
    }

    func testCompletedNeedsEveryLeafAtStatusTwo() {
        let leaves = CourseLeaves(nodes: ["l1", "l2"], count: 2)
        XCTAssertTrue(ReconciliationRules.isCompleted([("l1", .int(2)), ("l2", .int(2))], leaves))
        XCTAssertFalse(ReconciliationRules.isCompleted([("l1", .int(2)), ("l2", .int(1))], leaves))
        XCTAssertFalse(ReconciliationRules.isCompleted([], CourseLeaves(nodes: [], count: 0)), "an empty map is never completed")
    }

    func testDatesAndTheirTextForms() {
        let d = { (s: String) in Timestamp.lenient(s)! }
        XCTAssertEqual(d("2021-01-25 10:00:00:123").timeIntervalSince1970, 1_611_568_800.123, accuracy: 0.0005)
        XCTAssertEqual(Timestamp.lenient("2019-11-13 05:41:50:382+0000"), d("2019-11-13 05:41:50:382"))
        XCTAssertEqual(Timestamp.lenient("2021-01-05T08:00:00.000Z"), d("2021-01-05 08:00:00:000"))
        XCTAssertNil(Timestamp.lenient(""))
        XCTAssertEqual(ReconciliationRules.day("2021-12-09 18:30:00"), ReconciliationRules.day("2021-12-09"))
        XCTAssertNil(ReconciliationRules.day("2021"))
        XCTAssertEqual(ReconciliationRules.enrolledText(d("2021-01-10 00:00:00:000")), "2021-01-10 00:00:00:000+0000")
        XCTAssertEqual(ReconciliationRules.completion(lastCompleted: nil, batchEnd: d("2021-01-01 00:00:00:000")), nil)
        XCTAssertEqual(ReconciliationRules.enrolment(firstActivity: nil, batchStart: nil), nil)
        XCTAssertEqual(ReconciliationRules.enrolment(firstActivity: d("2021-01-05 00:00:00:000"), batchStart: nil), d("2021-01-05 00:00:00:000"))
        XCTAssertTrue(ReconciliationRules.hasSVG(#"{"t":{"url":"x/Y.SvG"}}"#))
        XCTAssertFalse(ReconciliationRules.hasSVG(nil))
    }
}
