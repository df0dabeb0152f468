import Foundation
import XCTest

/// A plugin that hands the host a broken batch (the C plugin c-faulty) fails its job with the
/// column and the reason — exit 67, nothing published — instead of crashing the job process on
/// the bad offsets; a 64 MiB value is written whole.
final class MalformedBatchTests: XCTestCase {
    var home: Harness.Home!

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.install("libc-faulty.so")
        let jobs = ["c-echo", "c-backwards-offsets", "c-short-column", "c-huge-string"]
        try home.registry([("c-faulty", Harness.abi, jobs, nil, nil)])
        for job in jobs { try home.write("config/jobs/\(job).json", "{}") }
    }

    func testBrokenBatchesFailTheJobNamingTheColumn() throws {
        for (job, why) in [
            ("c-backwards-offsets", "column 'name': string offsets go backwards at value 1 (1 then 0)"),
            ("c-short-column", "column 'name': 2 values, the batch needs 3"),
        ] {
            let r = try home.run(["run", job])
            XCTAssertEqual(r.status, 67, "\(job): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(why), "\(job): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/reports/c-faulty"), "\(job) published something")
        }
    }

    func testAHugeStringIsWrittenWhole() throws {
        let r = try home.run(["run", "c-huge-string"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let size = try FileManager.default.attributesOfItem(atPath: home.path + "/reports/c-faulty/names.csv")[.size] as? Int
        XCTAssertEqual(size, "name\n".utf8.count + "a\n".utf8.count + "bc\n".utf8.count + (64 << 20) - 3 + 1, "header, a, bc, the rest of the 64 MiB")
    }
}
