import XCTest
@testable import Obsrv

/// Unit rules of the indexer; the job runs through the real host (SQLite and Redis) in
/// UserCacheIndexerTests.swift beside this file.
final class UserCacheIndexerUnitTests: XCTestCase {
    func testDateFilter() {
        XCTAssertTrue(UserHashes.passes(updated: nil, from: "2024-01-01"))
        XCTAssertTrue(UserHashes.passes(updated: "2024-01-01 00:00:00:000+0000", from: "2024-01-01"))
        XCTAssertFalse(UserHashes.passes(updated: "2023-12-31 23:59:59:999+0000", from: "2024-01-01"))
        XCTAssertTrue(UserHashes.passes(updated: "2020-01-01 00:00:00:000+0000", from: nil))
        XCTAssertTrue(UserCacheIndexer.isDay("2024-02-29"))
        for bad in ["", "2024-2-29", "29-02-2024", "2024/02/29", "2024-02-29T00"] { XCTAssertFalse(UserCacheIndexer.isDay(bad), bad) }
    }

    func testSchoolNameBracketsEscaped() {
        XCTAssertEqual(UserHashes.escapeBrackets("GHS [Main] ]["), #"GHS \[Main\] \]\["#)
    }
}
