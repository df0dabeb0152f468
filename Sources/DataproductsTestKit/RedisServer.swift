import Foundation
import XCTest

/// A real redis-server on 127.0.0.1 for one test class: its own port, no persistence, stoppable
/// and restartable (to prove reconnects).
public final class RedisServer {
    /// A server that requires credentials: `requirepass` (the default user), or an ACL user (the
    /// default user switched off).
    public enum Auth {
        case password(String)
        case user(String, password: String)
    }

    public private(set) var port: Int32
    private var process: Process?
    public let auth: Auth?

    public init(auth: Auth? = nil) throws {
        self.auth = auth
        port = Self.freePort()
        // Another process may take the port between our probe and the server's bind: try twice.
        for attempt in 1...2 {
            if try launch() { return }
            stop()
            if attempt == 1 { port = Self.freePort() }
        }
        XCTFail("redis-server did not start on port \(port)")
        throw RedisServerError()
    }

    public func start() throws {
        guard try launch() else {
            XCTFail("redis-server did not restart on port \(port)")
            throw RedisServerError()
        }
    }

    /// A loopback port nobody listens on now (the kernel's choice for an ephemeral bind).
    public static func freePort() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int32(UInt16(bigEndian: addr.sin_port))
    }

    deinit { stop() }

    /// The URL our host is given: credentials percent-encoded in the user info, as in any URL.
    public var url: String {
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
        switch auth {
        case nil: return "redis://127.0.0.1:\(port)"
        case .password(let p)?: return "redis://:\(enc(p))@127.0.0.1:\(port)"
        case .user(let u, let p)?: return "redis://\(enc(u)):\(enc(p))@127.0.0.1:\(port)"
        }
    }

    /// redis-cli's own arguments for the credentials.
    private var cliAuth: [String] {
        switch auth {
        case nil: return []
        case .password(let p)?: return ["--no-auth-warning", "-a", p]
        case .user(let u, let p)?: return ["--no-auth-warning", "--user", u, "--pass", p]
        }
    }

    private var serverAuth: [String] {
        switch auth {
        case nil: return []
        case .password(let p)?: return ["--requirepass", p]
        case .user(let u, let p)?: return ["--user", "default", "off", "--user", u, "on", ">" + p, "~*", "&*", "+@all"]
        }
    }

    /// Starts the server; true once it answers PING.
    private func launch() throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        p.arguments =
            ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", NSTemporaryDirectory()] + serverAuth
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice  // a server must not hold the test runner's pipes
        try TestServers.run(p)
        process = p
        for _ in 0..<500 {  // ready when it answers (10 s: CI machines can be busy)
            if (try? cli("PING")) == "PONG" { return true }
            if !p.isRunning { break }
            usleep(20_000)
        }
        return false
    }

    /// SIGKILL: the server dies mid-command, as in a crash or an OOM kill.
    public func kill() {
        if let p = process { Glibc.kill(p.processIdentifier, SIGKILL) }
        process?.waitUntilExit()
        process = nil
    }

    public func stop() {
        process?.terminate()
        process?.waitUntilExit()
        process = nil
    }

    /// Runs redis-cli against this server (a real client beside ours).
    @discardableResult
    public func cli(_ args: String...) throws -> String { try cli(args) }

    /// HSETs these hashes in one `redis-cli --pipe` (RESP on stdin): thousands in a blink, where a
    /// redis-cli per hash would take minutes.
    public func hset(_ hashes: [(key: String, fields: [(String, String)])], db: Int = 0) throws {
        guard !hashes.isEmpty else { return }
        var resp = Data()
        func command(_ args: [String]) {
            resp.append(Data("*\(args.count)\r\n".utf8))
            for a in args { resp.append(Data("$\(a.utf8.count)\r\n\(a)\r\n".utf8)) }
        }
        for h in hashes { command(["HSET", h.key] + h.fields.flatMap { [$0.0, $0.1] }) }
        let file = NSTemporaryDirectory() + "dp-hset-" + UUID().uuidString
        try resp.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        p.arguments = ["-p", String(port), "-n", String(db)] + cliAuth + ["--pipe"]
        p.standardInput = FileHandle(forReadingAtPath: file)
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw RedisServerError() }
    }

    @discardableResult
    public func cli(_ args: [String], db: Int = 0) throws -> String {
        let r = try Harness.capture("/usr/bin/redis-cli", ["-p", String(port), "-n", String(db)] + cliAuth + args)
        return String(decoding: r.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct RedisServerError: Error {}
