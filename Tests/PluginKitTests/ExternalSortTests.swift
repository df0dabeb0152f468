import XCTest

@testable import PluginKit

final class ExternalSortTests: XCTestCase {
    /// Rows spilled in many runs come back in key order, ties in arrival order, and equal to what
    /// one in-memory stable sort gives.
    func testManyRunsMergeToTheStableOrder() throws {
        var generator = SystemRandomNumberGenerator()
        let rows: [[String]] = (0..<2_345).map { i in
            // Few distinct keys (many ties), some empty, some non-ASCII, and the arrival index.
            let keys = ["", "b", "a", "é", "ab", "a\u{0}"]
            return [keys[Int.random(in: 0..<keys.count, using: &generator)], String(Int.random(in: 0..<3, using: &generator)), String(i)]
        }
        for runRows in [3, 7, 100, 10_000] {  // 3: more than maxRuns runs, merged on the way
            let sort = ExternalSort(runRows: runRows)
            for r in rows { try sort.append(key: [r[0], r[1]], row: r) }
            var out: [[String]] = []
            try sort.forEachSorted { out.append($0) }
            let expected = rows.enumerated().sorted { a, b in
                (a.element[0], a.element[1], a.offset) < (b.element[0], b.element[1], b.offset)
            }.map(\.element)
            XCTAssertEqual(out, expected, "runs of \(runRows)")
            XCTAssertEqual(sort.count, rows.count)
        }
    }

    func testEmptyAndEmptyStringsSurvive() throws {
        let empty = ExternalSort(runRows: 2)
        var seen = 0
        try empty.forEachSorted { _ in seen += 1 }
        XCTAssertEqual(seen, 0)

        let sort = ExternalSort(runRows: 1)
        try sort.append(key: ["z"], row: ["", "last"])
        try sort.append(key: [""], row: [])
        try sort.append(key: ["m"], row: ["a,b\n\"c\"", ""])
        var out: [[String]] = []
        try sort.forEachSorted { out.append($0) }
        XCTAssertEqual(out, [[], ["a,b\n\"c\"", ""], ["", "last"]])
    }
}
