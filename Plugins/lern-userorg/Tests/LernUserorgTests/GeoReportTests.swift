import DataproductsTestKit
import RowBatch
import Foundation
import XCTest

/// lern-jobs-spec §11 (StateAdminGeoReportJob): the upstream tests are `ignore`d, so these are the
/// intended expectations the spec lists, on the upstream fixture `reports/reports_test_data`.
final class GeoReportTests: XCTestCase {
    static let detailHeader = "index,School id,School name,Channels,District id,District name,Block id,Block name,externalid"

    func runGeo(_ extra: [String] = [], job: String? = "admin-geo-reports") throws -> (Harness.Home, Harness.Result) {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install(Harness.library("lern-userorg").file, from: Harness.library("lern-userorg").dir)
        try home.registry([("lern-userorg", Harness.abi, ["admin-geo-reports"], nil, nil)], environments: #"{"dev":["lern-userorg"]}"#)
        try home.write("config/env/dev.json", #"{"core_cassandra_host":"c","sunbird_es_host":"e"}"#)
        let args =
            ["run"] + (job.map { [$0] } ?? []) + [
                "--config", Harness.jobTemplate("admin-geo-reports"), "--env", "dev",
                "--store", "local:" + (try Harness.fixture("lern/reports/reports_test_data")),
                "--log-file", home.path + "/joblog.log",
            ] + extra
        return (home, try home.run(args))
    }

    func testIntendedUpstreamExpectations() throws {
        let (home, r) = try runGeo()
        XCTAssertEqual(r.status, 0, r.stderr)

        // The three outputs for ApSlug exist.
        for f in ["geo-detail/ApSlug.csv", "geo-summary/ApSlug.json", "geo-summary-district/ApSlug.json"] {
            XCTAssertNotNil(home.read("reports/" + f), "missing \(f)")
        }
        // 12 result rows in all, every file with the exact header.
        let detailFiles = home.reportFiles().filter { $0.hasPrefix("geo-detail/") }
        XCTAssertEqual(detailFiles.count, 7)
        var rows: [[String]] = []
        for f in detailFiles {
            let table = CSV.parse(home.read("reports/" + f)!)
            XCTAssertEqual(table.first?.joined(separator: ","), Self.detailHeader, f)
            rows += table.dropFirst()
        }
        XCTAssertEqual(rows.count, 12)
        // 5 distinct District id.
        XCTAssertEqual(Set(rows.map { $0[4] }), ["2", "14", "6", "10", "12"])
        // ApSlug school names in order start with MPPS SIMHACHALNAGAR, Another school.
        let ap = CSV.parse(home.read("reports/geo-detail/ApSlug.csv")!).dropFirst()
        XCTAssertEqual(ap.map { $0[2] }, ["MPPS SIMHACHALNAGAR", "Another school", "PRS HASTINANAGAR"])
        XCTAssertEqual(ap.map { $0[0] }, ["1", "2", "3"])
    }

    func testExactFileContents() throws {
        let (home, r) = try runGeo()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            home.read("reports/geo-detail/ApSlug.csv"),
            """
            \(Self.detailHeader)
            1,org2,MPPS SIMHACHALNAGAR,ap,2,GULBARGA,,,orgext2
            2,org3,Another school,ap,2,GULBARGA,3,GSSS SERA,orgext3
            3,org9,PRS HASTINANAGAR,ap,14,GULBARGA-2,,,orgext9

            """)
        // RFC 4180 quoting of names with commas.
        XCTAssertEqual(
            home.read("reports/geo-detail/TnSlug.csv"),
            """
            \(Self.detailHeader)
            1,org4,"SACRED HEART(B)PS,TIRUVARANGAM",tn,6,VIRURU STATION,,,orgext4
            2,org5,"PUPS, Chithamur",tn,6,VIRURU STATION,7,GOVT MS. LAMARI KALA,orgext5

            """)
        XCTAssertEqual(home.read("reports/geo-summary/ApSlug.json"), #"{"schools":3,"districts":2,"blocks":1}"# + "\n")
        XCTAssertEqual(
            home.read("reports/geo-summary-district/ApSlug.json"),
            #"[{"index":1,"districtName":"GULBARGA","blocks":1,"schools":2},{"index":2,"districtName":"GULBARGA-2","blocks":0,"schools":1}]"#)
        // Two schools of OtherSlug1 share externalid orgext8: schools counts distinct externalid.
        XCTAssertEqual(
            home.read("reports/geo-summary-district/OtherSlug1.json"),
            #"[{"index":1,"districtName":"MALANGI-1","blocks":1,"schools":1}]"#)
        XCTAssertEqual(home.read("reports/geo-summary/OtherSlug1.json"), #"{"schools":2,"districts":1,"blocks":1}"# + "\n")
    }

    func testJobLoggerEvents() throws {
        let (home, r) = try runGeo()
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = home.read("joblog.log")!.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.first?["eid"] as? String, "JOB_START")
        let end = try XCTUnwrap(lines.last)
        XCTAssertEqual(end["eid"] as? String, "JOB_END")
        let edata = end["edata"] as! [String: Any]
        XCTAssertEqual(edata["status"] as? String, "SUCCESS")
        XCTAssertEqual(edata["level"] as? String, "INFO")
        let data = edata["data"] as! [String: Any]
        XCTAssertEqual(data["inputEvents"] as? Int, 15)
        XCTAssertEqual(data["outputEvents"] as? Int, 12)
        XCTAssertNotNil(data["timeTaken"] as? Double)
        let pdata = (end["context"] as! [String: Any])["pdata"] as! [String: Any]
        XCTAssertEqual(pdata["id"] as? String, "AnalyticsDataPipeline")
        XCTAssertEqual(pdata["pid"] as? String, "admin-geo-reports")
        XCTAssertEqual((end["mid"] as? String)?.count, 32)
    }

    func testModelFromConfigAndLegacyClassName() throws {
        // No JOB argument: the config's "model" (an upstream class name) selects the job.
        let (home, r) = try runGeo(job: nil)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.reportFiles().count, 21)
        let (_, r2) = try runGeo(job: "org.sunbird.userorg.job.report.StateAdminGeoReportJob")
        XCTAssertEqual(r2.status, 0, r2.stderr)
    }

    func testSameReportInProcess() throws {
        let (home1, r1) = try runGeo()
        let (home2, r2) = try runGeo(["--in-process"])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(home1.reportFiles(), home2.reportFiles())
        for f in home1.reportFiles() { XCTAssertEqual(home1.read("reports/" + f), home2.read("reports/" + f), f) }
    }
}

/// A small RFC 4180 reader for assertions.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
