import XCTest

@testable import PluginKit

/// A row read by a column the scan did not ask for: nil at once, the scan's error after the row.
final class RowColumnsTests: XCTestCase {
    func testAnUnrequestedColumnIsNamedOnce() throws {
        let c = RowColumns(["user_id", "batch_id"], source: "scan of ks.t")
        XCTAssertEqual(c.index(of: "batch_id"), 1)
        XCTAssertNoThrow(try c.checkMissing())
        XCTAssertNil(c.index(of: "userid"))
        XCTAssertNil(c.index(of: "other"))
        XCTAssertThrowsError(try c.checkMissing()) { e in
            let error = e as! JobError
            XCTAssertEqual(error.kind, .invalidArgument)
            XCTAssertEqual(error.message, "scan of ks.t: the job read column 'userid', which the scan did not request (it has user_id, batch_id)")
        }
    }
}
