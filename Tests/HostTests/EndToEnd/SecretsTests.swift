import Foundation
import XCTest
@testable import Host

/// Issue 31 class 5: secrets given in any accepted form are used, and never printed — not in an
/// error, not in a log line, not in a request's err_message.
final class SecretsTests: XCTestCase {
    /// The user cache of an on-demand exhaust read from a Redis that requires a password, and from one
    /// with an ACL user: the requests succeed; a wrong password fails them naming AUTH, not the password.
    func testRequestsReadTheUserCacheFromARedisWithCredentials() throws {
        for auth in [RedisServer.Auth.password("pa:ss@wo/rd"), .user("exhaust", password: "acl-Secret-9")] {
            let b = try ExhaustBench.progressQueue(.postgres, redisAuth: auth)
            try b.insertRequest(1)
            XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("1 request(s): 1 success"), "\(auth)")
            XCTAssertEqual(try b.row("REQ-1").status, "SUCCESS")
        }
    }

    func testAWrongRedisPasswordFailsClearlyWithoutPrintingIt() throws {
        let b = try ExhaustBench.progressQueue(.postgres, redisAuth: .password("right-one"))
        try b.insertRequest(1)
        var args = b.runArguments("progress-exhaust")
        args[args.firstIndex(of: "--redis")! + 1] = "redis://:Wrong-Secret-1@127.0.0.1:\(b.redis!.port)/0"
        let r = try Harness.run(args, cwd: b.home.path)
        let row = try b.row("REQ-1")
        XCTAssertEqual(row.status, "FAILED")
        XCTAssertTrue(row.errMessage?.contains("AUTH refused") ?? false, row.errMessage ?? "")
        let log = try String(contentsOfFile: b.home.path + "/joblog.log", encoding: .utf8)
        XCTAssertFalse((r.stdout + r.stderr + log + (row.errMessage ?? "")).contains("Wrong-Secret-1"))
    }

    /// Every form a secret is accepted in, each given to a command that fails on it (unknown scheme,
    /// libpq's own parse error, a refused connection, a bad Redis URL, the environment): the secret
    /// is absent from stderr, stdout and the log file, raw and percent-decoded.
    func testNoErrorOrLogLinePrintsASecret() throws {
        let home = try Harness.Home()
        let secret = "Zq7-secret-PW"
        let log = home.path + "/log.jsonl"
        let cases: [[String]] = [
            ["run", "progress-exhaust", "--store", "postgresql://user:\(secret)@127.0.0.1:1/db"],
            ["run", "progress-exhaust", "--store", "postgres:host=127.0.0.1 port=1 user=u password=\(secret) dbname=x"],
            ["run", "progress-exhaust", "--store", "postgres:host=127.0.0.1 port=1 password='\(secret) with space'"],
            ["run", "progress-exhaust", "--store", "postgres:postgresql://u:\(secret)%zz@127.0.0.1:1/db"],
            ["run", "progress-exhaust", "--store", "postgres:postgresql://u:\(secret)@127.0.0.1:notaport/db"],
            ["run", "progress-exhaust", "--store", "postgres:postgresql://u@127.0.0.1:1/db?password=\(secret)&sslmode=bogus"],
            ["run", "progress-exhaust", "--redis", "redis://:\(secret)@127.0.0.1:1/zero"],
            ["run", "progress-exhaust", "--redis", "redis:/:\(secret)@127.0.0.1"],
            ["run", "progress-exhaust", "--redis", "redis://user:\(secret)@127.0.0.1:1/0"],
            ["requests", "stats", "--requests", "postgres:host=127.0.0.1 port=1 password=\(secret)"],
            ["requests", "list", "--requests", "postgres:postgresql://u:\(secret)@127.0.0.1:1/db"],
            ["requests", "run", "--job", "progress-exhaust", "--requests", "postgres:postgresql://u:\(secret)@127.0.0.1:1/db"],
            ["load", home.path, "--into", "postgres:password=\(secret) host=127.0.0.1 port=1"],
        ]
        for args in cases {
            let logged = args[0] == "run" || args.prefix(2) == ["requests", "run"]
            let r = try Harness.run(args + (logged ? ["--home", home.path, "--log-file", log] : []), cwd: home.path)
            let printed = r.stdout + r.stderr + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertFalse(printed.contains(secret), "\(args.joined(separator: " ")) printed the secret:\n\(printed)")
        }
        // The secret in the environment (libpq's PGPASSWORD, S3's key): used, never printed.
        let env = try Harness.run(
            [
                "run", "progress-exhaust", "--store", "postgres:host=127.0.0.1 port=1 user=\(secret)", "--blob",
                "s3://b/p?endpoint=http://127.0.0.1:1",
            ],
            cwd: home.path, environment: ["PGPASSWORD": secret, "AWS_SECRET_ACCESS_KEY": secret, "AWS_ACCESS_KEY_ID": "k"])
        XCTAssertFalse((env.stdout + env.stderr).contains(secret), env.stderr)
    }

    func testScrubHidesEveryForm() {
        Secrets.learn(value: "learned-Value-42")
        let text = """
            postgresql://u:pw1@h/db redis://:pw2@h:6379/0 password=pw3 PASSWORD = 'pw 4' password="pw5" \
            ?password=pw6&x=1 and learned-Value-42 and "learned-Value-42"
            """
        let out = Secrets.scrub(text)
        for s in ["pw1", "pw2", "pw3", "pw 4", "pw5", "pw6", "learned-Value-42"] { XCTAssertFalse(out.contains(s), "\(s): \(out)") }
        XCTAssertTrue(out.contains("postgresql://u:***@h/db"), out)
        XCTAssertTrue(out.contains("redis://:***@h:6379/0"), out)
        XCTAssertTrue(out.contains("&x=1"), out)
    }
}
