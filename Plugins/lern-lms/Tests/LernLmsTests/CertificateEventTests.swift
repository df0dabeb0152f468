import Foundation
import XCTest

@testable import LernLms
import PluginKit

/// §5's per-row rules that the one upstream fixture row does not reach.
final class CertificateEventTests: XCTestCase {
    func row(data: String, createdAt: String) -> CertificateRow {
        CertificateRow(
            id: "c1", data: CertificateRow.strings(data), related: CertificateRow.strings(#"{"batchId":"b","courseId":"c"}"#),
            recipient: [], createdAt: createdAt)
    }

    func testIssuedDateFallsBackToCreatedAtInUTC() {
        XCTAssertEqual(CertificateEvent.issuedDate(row(data: #"{"issuedOn":"2021-12-14T00:00:00Z"}"#, createdAt: "x")), "2021-12-14T00:00:00Z")
        XCTAssertEqual(CertificateEvent.issuedDate(row(data: "{}", createdAt: "2021-12-17 11:26:47")), "2021-12-17T11:26:47Z")
        XCTAssertEqual(CertificateEvent.issuedDate(row(data: "{}", createdAt: "2021-12-17T11:26:47.000+05:30")), "2021-12-17T05:56:47Z")
        XCTAssertEqual(CertificateEvent.issuedDate(row(data: "{}", createdAt: "")), "")
    }

    func testMapsKeepNestedValuesAsJSONTextAndNullsAsEmpty() {
        let m = CertificateRow.strings(#"{"a":"x","b":{"c":1},"d":null,"e":2}"#)
        XCTAssertEqual(m.map(\.0), ["a", "b", "d", "e"])
        XCTAssertEqual(m.map(\.1), ["x", #"{"c":1}"#, "", "2"])
        XCTAssertTrue(CertificateRow.strings("not json").isEmpty)
    }

    func testTemplatesMatchTheirNameIgnoringCase() throws {
        let templates = try JSONParser.parse(#"{"t1":{"name":"Other"},"t2":{"name":"merit CERTIFICATE","identifier":"t2"}}"#)
        let r = row(data: #"{"badge":"{\"criteria\":{\"narrative\":\"Merit certificate\"}}"}"#, createdAt: "")
        XCTAssertEqual(try CertificateEvent.template(for: r, in: templates)["identifier"]?.string, "t2")
        XCTAssertThrowsError(try CertificateEvent.template(for: row(data: "{}", createdAt: ""), in: templates))
    }
}
