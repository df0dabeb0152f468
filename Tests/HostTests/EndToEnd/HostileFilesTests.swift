import Foundation
import XCTest

/// Issue 31 classes 1 and 4 from the operator's side: a config nested 100,000 deep (about 200 KB), or
/// a config path that is a device or a FIFO, is a config error (65) at once, never a crash or a hang.
final class HostileFilesTests: XCTestCase {
    func testADeeplyNestedConfigIsAConfigError() throws {
        let home = try Harness.Home.withTestkit(["test-echo"])
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try home.write("deep.json", #"{"model":"test-echo","modelParams":{"x":\#(deep)}}"#)
        try home.write("vars.json", #"{"x":\#(deep)}"#)
        for args in [["--config", home.path + "/deep.json"], ["--config", home.path + "/deep.json", "--vars", home.path + "/vars.json"]] {
            let r = try home.run(["run", "test-echo"] + args)
            XCTAssertEqual(r.status, 65, r.stderr)
            XCTAssertTrue(r.stderr.contains("nested deeper than 512 levels"), r.stderr)
        }
    }

    func testAConfigThatIsADeviceOrAFIFOIsRefusedAtOnce() throws {
        let home = try Harness.Home.withTestkit(["test-echo"])
        XCTAssertEqual(mkfifo(home.path + "/fifo.json", 0o644), 0)
        for path in ["/dev/zero", home.path + "/fifo.json"] {
            let r = try Harness.run(
                ["20", Harness.binary, "run", "test-echo", "--config", path, "--home", home.path], cwd: home.path, executable: "/usr/bin/timeout")
            XCTAssertEqual(r.status, 65, r.stderr)
            XCTAssertTrue(r.stderr.contains("is not a regular file"), r.stderr)
        }
    }
}

/// Issue 31 class 6: numeric options and the run clock, through the real binary.
final class NumberAndDateOptionTests: XCTestCase {
    func testOptionsOutOfRangeAreUsageErrorsNamingTheOption() throws {
        try Harness.requireBuilt()
        let cases: [([String], String)] = [
            (["run", "test-echo", "--timeout", "nan"], "--timeout must be a number of seconds"),
            (["run", "test-echo", "--timeout", "inf"], "--timeout must be a number of seconds"),
            (["requests", "run", "--job", "x", "--lease", "inf"], "--lease must be a number of seconds from 1 to 86400"),
            (["requests", "run", "--job", "x", "--retry-after", "nan"], "--retry-after must be"),
            (["requests", "run", "--job", "x", "--max-requests=-1"], "--max-requests must be from 1"),
            (["requests", "run", "--job", "x", "--batch-number=-3"], "--batch-number must be from 0"),
        ]
        for (args, message) in cases {
            let r = try Harness.run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    func testTheRunClockIsARealDateInRange() throws {
        let home = try Harness.Home.withTestkit(["test-echo"])
        try home.write("config/jobs/test-echo.json", #"{"model":"test-echo","modelParams":{"table":"t.x","columns":"a:utf8"}}"#)
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n")
        let cases: [(String, String?)] = [
            ("9223372036854775807", "must lie between 1970-01-01 and 9999-12-31"), ("2024-02-30", "day 30 does not exist in 2024-02"),
            ("2023-02-29", "day 29 does not exist"), ("2024-02-29T24:00:00Z", "hour 24 does not exist"),
            ("2024-13-01", "month 13 does not exist"), ("2024-02-29", nil), ("2024-02-29T10:00:00+05:30", nil), ("1700000000000", nil),
        ]
        for (now, problem) in cases {
            let r = try home.run(["run", "test-echo", "--now", now])
            if let problem {
                XCTAssertEqual(r.status, 65, "\(now): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(problem), "\(now): \(r.stderr)")
            } else {
                XCTAssertEqual(r.status, 0, "\(now): \(r.stderr)")
            }
        }
    }
}
