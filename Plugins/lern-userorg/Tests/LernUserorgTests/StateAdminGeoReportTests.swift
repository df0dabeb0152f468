import XCTest
@testable import LernUserorg

/// Unit rules of the geo report; the whole job runs through the real host in the host's
/// Tests/HostTests/EndToEnd/GeoReportTests.swift.
final class StateAdminGeoReportTests: XCTestCase {
    func testOrderIsSlugThenDistrictNameThenSchoolId() {
        func row(_ slug: String, _ district: String?, _ school: String) -> StateAdminGeoReport.SchoolRow {
            .init(
                slug: slug, schoolId: school, schoolName: nil, channel: nil, externalId: nil, districtId: "d",
                districtName: district, blockId: nil, blockName: nil)
        }
        var rows = [
            row("b", "A", "1"), row("a", "Z", "1"), row("a", "GULBARGA-2", "org9"), row("a", "GULBARGA", "org3"),
            row("a", "GULBARGA", "org2"), row("a", nil, "x"),
        ]
        StateAdminGeoReport.sortForReport(&rows)
        XCTAssertEqual(
            rows.map { "\($0.slug)/\($0.districtName ?? "null")/\($0.schoolId)" },
            ["a/null/x", "a/GULBARGA/org2", "a/GULBARGA/org3", "a/GULBARGA-2/org9", "a/Z/1", "b/A/1"])
    }
}

/// Unit rules of the admin user report; the job runs through the real host in
/// StateAdminUserReportTests.swift beside this file.
final class StateAdminUserReportUnitTests: XCTestCase {
    func testUserTypesAreDistinctInFirstSeenOrder() {
        let (types, subTypes) = StateAdminUserReport.userTypes(
            #"[{"type":"administrator","subType":"hm"},{"type":"teacher","subType":"hm"},{"type":"administrator","subType":"crp"},{"type":"other"},{"type":"parent"}]"#
        )
        XCTAssertEqual(types, "administrator,teacher,other,parent")
        XCTAssertEqual(subTypes, "hm,crp")
        XCTAssertEqual(StateAdminUserReport.userTypes(#"[{"type":"teacher"}]"#).subTypes, "")
        XCTAssertEqual(StateAdminUserReport.userTypes(#"[{"type":"","subType":""},{"type":"x"}]"#).types, "x")
        for bad in [nil, "", "not json", "{}"] {
            XCTAssertEqual(StateAdminUserReport.userTypes(bad).types, "", String(describing: bad))
        }
    }
}
