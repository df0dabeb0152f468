import XCTest
@testable import PluginKit

/// The profile rules several plugins share (the geo and user reports, the user cache indexer).
final class SunbirdProfilesTests: XCTestCase {
    func testLocationIdList() {
        // First id per type, in the order state, district, block, cluster; case-insensitive types.
        XCTAssertEqual(
            SunbirdProfiles.locationIds(
                #"[{"id":"b","type":"Block"},{"id":"s","type":"state"},{"id":"d","type":"DISTRICT"},{"id":"d2","type":"district"},{"id":"c","type":"cluster"}]"#
            ),
            ["s", "d", "b", "c"])
        XCTAssertEqual(SunbirdProfiles.locationIds(#"[{"id":"1", "type":"state"},{"id":"2", "type":"district"}]"#), ["1", "2"])
        XCTAssertEqual(SunbirdProfiles.locationIds(nil), [])
        XCTAssertEqual(SunbirdProfiles.locationIds(""), [])
        XCTAssertEqual(SunbirdProfiles.locationIds("not json"), [])
        XCTAssertEqual(SunbirdProfiles.locationIds(#"[{"id":"x","type":"village"}]"#), [])
    }

    func testLocationIdsFirstOfEachType() {
        XCTAssertEqual(
            SunbirdProfiles.locationIds(#"[{"type":"district","id":"d"},{"type":"State","id":"s"},{"type":"state","id":"s2"}]"#), ["s", "d"])
        XCTAssertEqual(SunbirdProfiles.locationIds("nope"), [])
    }

    func testDistinctValuesInFirstSeenOrder() throws {
        let items = try JSONParser.parse(#"[{"type":"a","subType":"x"},{"type":"b"},{"type":"a","subType":""},{"subType":"y"}]"#).array!
        XCTAssertEqual(SunbirdProfiles.distinct("type", in: items), ["a", "b"])
        XCTAssertEqual(SunbirdProfiles.distinct("subType", in: items), ["x", "y"])
    }
}
