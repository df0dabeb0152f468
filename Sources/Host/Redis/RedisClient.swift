import LazyConnectors
import CHiredis
import Foundation
import JobParameters
import PluginAPI
import RowBatch

/// Where the user cache lives. Upstream reads `sparkRedisConnectionHost`, `sparkUserDbRedisPort`
/// (default 6379) and `sparkUserDbRedisIndex` from modelParams; `--redis redis://host:port/db`
/// overrides them, and carries the credentials of a server with `requirepass` or ACL users.
struct RedisSettings: Equatable {
    var host = "localhost"
    var port: Int32 = 6379
    var db = 0
    /// An ACL user (`AUTH user password`); nil with a password is Redis' `default` user.
    var username: String?
    var password: String?

    /// `redis://[[user]:password@]host[:port][/db]` (user and password percent-encoded as in any URL).
    init(url: String) throws {
        let shown = Secrets.scrub(url)
        guard url.hasPrefix("redis://"), let u = URLComponents(string: url), let h = u.host, !h.isEmpty else {
            throw HostError.config("--redis must be redis://[[user]:password@]host[:port][/db], got \(shown)")
        }
        host = h
        guard (u.port ?? 6379) > 0, (u.port ?? 6379) <= 65535 else { throw HostError.config("redis port in \(shown) must be 1 to 65535") }
        port = Int32(u.port ?? 6379)
        let path = u.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || (Int(path).map { (0...100_000).contains($0) } ?? false) else {
            throw HostError.config("redis db in \(shown) must be a number from 0")
        }
        db = Int(path) ?? 0
        password = u.password.flatMap { $0.isEmpty ? nil : $0 }
        username = u.user.flatMap { $0.isEmpty ? nil : $0 }
        if let password { Secrets.learn(value: password) }
        if username != nil, password == nil { throw HostError.config("redis user in \(shown) needs a password (redis://user:password@host)") }
    }

    /// From the host's parameters (upstream keys `sparkRedisConnectionHost`, `sparkUserDbRedisPort`,
    /// `sparkUserDbRedisIndex`); nil when they name no Redis host.
    init?(parameters p: ResolvedParameters) {
        guard let host = p[HostParameters.redisHost], !host.isEmpty else { return nil }
        self.host = host
        port = Int32(clamping: p[HostParameters.redisPort])
        db = p[HostParameters.redisIndex]
    }

    init() {}

    /// For messages: where, never the credentials.
    var url: String { "redis://\(username.map { $0 + "@" } ?? "")\(host):\(port)/\(db)" }

    /// The commands a new connection sends before any other: AUTH, then SELECT.
    var handshake: [[String]] {
        var commands: [[String]] = []
        if let password { commands.append(["AUTH"] + (username.map { [$0] } ?? []) + [password]) }
        if db != 0 { commands.append(["SELECT", String(db)]) }
        return commands
    }
}

/// A hiredis connection that pipelines commands in batches and, when the connection drops,
/// reconnects (with backoff) and replays the batch — every command it sends is idempotent
/// (HMGET, HGETALL, HSET of whole values).
final class RedisClient {
    let settings: RedisSettings
    var reconnectAttempts = 3
    var backoffMs = 100
    private var ctx: UnsafeMutablePointer<redisContext>?

    init(_ settings: RedisSettings) { self.settings = settings }

    deinit { if let ctx { redisFree(ctx) } }

    private func connect() throws -> UnsafeMutablePointer<redisContext> {
        if let ctx, ctx.pointee.err == 0 { return ctx }
        if let ctx { redisFree(ctx) }
        ctx = nil
        try ConnectorLibraries.require(DP_LIB_HIREDIS, for: "Redis \(settings.url)")
        guard let c = redisConnectWithTimeout(settings.host, settings.port, timeval(tv_sec: 5, tv_usec: 0)) else {
            throw HostCallError.io("Redis \(settings.url): cannot allocate a connection")
        }
        if c.pointee.err != 0 {
            let message = errorText(c)
            redisFree(c)
            throw HostCallError.io("Redis \(settings.url): \(message)")
        }
        redisSetTimeout(c, timeval(tv_sec: 30, tv_usec: 0))
        ctx = c
        for command in settings.handshake {
            try append([command], on: c)
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(c, &raw) == REDIS_OK, let raw else { throw HostCallError.io("Redis \(settings.url): \(errorText(c))") }
            defer { freeReplyObject(raw) }
            if case .error(let m) = RedisReply(raw.assumingMemoryBound(to: redisReply.self)) {
                throw HostCallError.io("Redis \(settings.url): \(command[0]) refused: \(m)")
            }
        }
        return c
    }

    private func errorText(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Sends `commands` pipelined and returns their replies, copied; reconnects and retries the whole
    /// batch when the connection fails.
    func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        var replies: [RedisReply] = []
        try forEachReply(commands, fresh: { replies.removeAll(keepingCapacity: true) }) { replies.append(RedisReply($0)) }
        return replies
    }

    /// Sends `commands` pipelined and hands each reply in order to `body`, in hiredis' memory (valid
    /// during the call: nothing is copied that the caller does not copy). `fresh` runs before every
    /// attempt: after a dropped connection the whole batch is replayed, so the caller starts over.
    /// An error reply or an error thrown by `body` is the caller's and is not retried.
    func forEachReply(_ commands: [[String]], fresh: () -> Void, _ body: (UnsafeMutablePointer<redisReply>) throws -> Void) throws {
        struct CallerError: Error { var error: Error }
        var lastError: Error?
        for attempt in 0...reconnectAttempts {
            if attempt > 0 { usleep(useconds_t(backoffMs * 1000 << (attempt - 1))) }
            fresh()
            do {
                let c = try connect()
                try append(commands, on: c)
                for _ in commands {
                    var raw: UnsafeMutableRawPointer?
                    guard redisGetReply(c, &raw) == REDIS_OK, let raw else {
                        throw HostCallError.io("Redis \(settings.url): \(c.pointee.err != 0 ? errorText(c) : "no reply")")
                    }
                    defer { freeReplyObject(raw) }
                    let reply = raw.assumingMemoryBound(to: redisReply.self)
                    if reply.pointee.type == REDIS_REPLY_ERROR {
                        let m = String(decoding: UnsafeRawBufferPointer(start: reply.pointee.str, count: Int(reply.pointee.len)), as: UTF8.self)
                        throw CallerError(error: HostCallError(status: DP_ERROR_IO, description: "Redis \(settings.url): \(m)"))
                    }
                    do { try body(reply) } catch { throw CallerError(error: error) }
                }
                return
            } catch let e as CallerError {
                // The pipeline's later replies are still on the wire: drop the connection so the next
                // call does not take them for its own.
                if let ctx { redisFree(ctx) }
                ctx = nil
                throw e.error
            } catch let e as HostCallError {
                lastError = e
                if let ctx { redisFree(ctx) }
                ctx = nil
            }
        }
        throw lastError!
    }

    /// Formats the commands into hiredis' output buffer (sent at the first read).
    private func append(_ commands: [[String]], on c: UnsafeMutablePointer<redisContext>) throws {
        var bytes: [UInt8] = [], lengths: [Int] = [], starts: [Int] = []
        for command in commands {
            // hiredis copies the arguments at once: one buffer per command is enough.
            bytes.removeAll(keepingCapacity: true)
            lengths.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            for arg in command {
                starts.append(bytes.count)
                lengths.append(arg.utf8.count)
                bytes.append(contentsOf: arg.utf8)
            }
            bytes.append(0)  // never empty, so there is a base address
            let ok = bytes.withUnsafeBufferPointer { buf -> Bool in
                let base = UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var argv: [UnsafePointer<CChar>?] = starts.map { base + $0 }
                return redisAppendCommandArgv(c, Int32(argv.count), &argv, lengths) == REDIS_OK
            }
            guard ok else { throw HostCallError.io("Redis \(settings.url): \(errorText(c))") }
        }
    }
}

/// A reply, copied out of hiredis' memory.
enum RedisReply: Equatable {
    case null
    case string(String)
    case integer(Int64)
    case array([RedisReply])
    case error(String)

    init(_ r: UnsafeMutablePointer<redisReply>) {
        let p = r.pointee
        switch p.type {
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS:
            self = .string(String(decoding: UnsafeRawBufferPointer(start: p.str, count: Int(p.len)), as: UTF8.self))
        case REDIS_REPLY_INTEGER: self = .integer(p.integer)
        case REDIS_REPLY_ARRAY:
            self = .array((0..<Int(p.elements)).map { RedisReply(p.element[$0]!) })
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: UnsafeRawBufferPointer(start: p.str, count: Int(p.len)), as: UTF8.self))
        default: self = .null
        }
    }

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
}
