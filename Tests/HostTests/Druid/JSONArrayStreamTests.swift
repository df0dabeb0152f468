import Foundation
import XCTest
@testable import Host

/// The streamed-array splitter: any chunking gives the same elements; a cut-off answer is an error.
final class JSONArrayStreamTests: XCTestCase {
    let answer = Array(#" [ {"a":"x]},{\"y","b":[1,{"c":2}]} ,{"d":null}]  "#.utf8)

    func elements(_ chunks: [ArraySlice<UInt8>]) throws -> [String] {
        var s = JSONArrayStream()
        var out: [String] = []
        for c in chunks { try Array(c).withUnsafeBytes { try s.feed($0) { out.append(String(decoding: $0, as: UTF8.self)) } } }
        try s.finish()
        return out
    }

    func testEverySplitPointGivesTheSameElements() throws {
        let expected = [#"{"a":"x]},{\"y","b":[1,{"c":2}]}"#, #"{"d":null}"#]
        for cut in 0...answer.count {
            XCTAssertEqual(try elements([answer[..<cut], answer[cut...]]), expected, "cut at \(cut)")
        }
        XCTAssertEqual(try elements(answer.map { [$0][...] }), expected, "one byte at a time")
    }

    func testAnAnswerCutOffAnywhereBeforeTheEndFails() {
        let end = answer.lastIndex(of: UInt8(ascii: "]"))!
        for cut in 0...end {
            XCTAssertThrowsError(try elements([answer[..<cut]]), "cut at \(cut)")
        }
    }

    func testAnErrorObjectIsReportedWithItsText() {
        XCTAssertThrowsError(try elements([Array(#"{"error":"Query timeout"}"#.utf8)[...]])) {
            XCTAssertTrue("\($0)".contains("Query timeout"), "\($0)")
        }
        XCTAssertThrowsError(try elements([Array("[1,2]".utf8)[...]])) { XCTAssertTrue("\($0)".contains("non-object"), "\($0)") }
        XCTAssertEqual(try elements([Array("[]".utf8)[...]]), [])
    }
}
