import Foundation
import XCTest

/// A real redis-server on 127.0.0.1 for one test class: its own port, no persistence, stoppable
/// and restartable (to prove reconnects).
final class RedisServer {
    let port: Int32
    private var process: Process?

    init() throws {
        port = Int32.random(in: 20000...40000)
        try start()
    }

    deinit { stop() }

    var url: String { "redis://127.0.0.1:\(port)" }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        p.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", NSTemporaryDirectory()]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice  // a server must not hold the test runner's pipes
        try p.run()
        process = p
        for _ in 0..<100 {  // ready when it answers
            if (try? cli("PING")) == "PONG" { return }
            usleep(20_000)
        }
        throw XCTSkip("redis-server did not start on port \(port)")
    }

    func stop() {
        process?.terminate()
        process?.waitUntilExit()
        process = nil
    }

    /// Runs redis-cli against this server (a real client beside ours).
    @discardableResult
    func cli(_ args: String...) throws -> String { try cli(args) }

    @discardableResult
    func cli(_ args: [String], db: Int = 0) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        p.arguments = ["-p", String(port), "-n", String(db)] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
