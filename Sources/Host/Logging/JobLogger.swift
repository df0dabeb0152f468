import Crypto
import Foundation
import RowBatch

/// Writes upstream JobLogger events (JOB_START, JOB_END, JOB_LOG) as JSON lines.
///
/// Same shape and field names as upstream's `joblog.log` (framework-spec A3), because the monitoring
/// summariser and the exhaust sanity check read these lines. One `write(2)` per event with O_APPEND,
/// so a parent host and its job child can share one log file without tearing lines.
final class JobLogger {
    let fd: Int32
    var jobName: String
    /// Events below this level are dropped (upstream production keeps INFO and up).
    var minimumLevel: Level
    /// The on-demand request being served: every event then carries `edata.data.request_id`, so one
    /// request's story is one filter over the log (the host's, the job's and the engine's events).
    var requestId: String?

    enum Level: Int, Comparable {
        case debug = 0, info = 1, warn = 2, error = 3
        var name: String { ["DEBUG", "INFO", "WARN", "ERROR"][rawValue] }
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    init(fd: Int32, jobName: String = "default", minimumLevel: Level = .info) {
        self.fd = fd
        self.jobName = jobName
        self.minimumLevel = minimumLevel
    }

    /// Opens `path` for appending (creating directories), or uses stderr when `path` is nil.
    static func open(path: String?, jobName: String, minimumLevel: Level) throws -> JobLogger {
        guard let path else { return JobLogger(fd: 2, jobName: jobName, minimumLevel: minimumLevel) }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        let fd = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.config("cannot open log file \(path): \(String(cString: strerror(errno)))") }
        return JobLogger(fd: fd, jobName: jobName, minimumLevel: minimumLevel)
    }

    /// Runs `body` with every event tagged with `id` (nil: untagged), then restores the tag.
    func tagged<T>(requestId id: String?, _ body: () throws -> T) rethrows -> T {
        let saved = requestId
        requestId = id
        defer { requestId = saved }
        return try body()
    }

    func start(_ message: String, data: [(String, JSONValue)]) {
        emit(eid: "JOB_START", level: .info, message: message, status: nil, data: data)
    }

    func end(_ message: String, success: Bool, data: [(String, JSONValue)]) {
        emit(eid: "JOB_END", level: .info, message: message, status: success ? "SUCCESS" : "FAILED", data: data)
    }

    func log(_ level: Level, _ message: String, data: [(String, JSONValue)]? = nil) {
        guard level >= minimumLevel else { return }
        emit(eid: "JOB_LOG", level: level, message: message, status: nil, data: data)
    }

    private func emit(eid: String, level: Level, message: String, status: String?, data: [(String, JSONValue)]?) {
        let now = Date()
        let ms = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        var edata: [(String, JSONValue)] = []
        var data = data
        if let requestId { data = (data ?? []).filter { $0.0 != "request_id" } + [("request_id", .string(requestId))] }
        if let data { edata.append(("data", .object(data))) }
        if let status { edata.append(("status", .string(status))) }
        edata += [
            ("message", .string(message)), ("class", .string("org.sunbird.dataproducts.Host")),
            ("level", .string(level.name)),
        ]
        let event: JSONValue = .object([
            ("eid", .string(eid)),
            ("ets", .int(ms)),
            ("ver", .string("3.0")),
            ("mid", .string(Self.mid(eid: eid, level: level.name, at: now))),
            ("actor", .object([("id", .string("")), ("type", .string("System"))])),
            (
                "context",
                .object([
                    ("channel", .string("in.ekstep")),
                    (
                        "pdata",
                        .object([
                            ("id", .string("AnalyticsDataPipeline")), ("ver", .string("1.0")),
                            ("pid", .string(jobName)),
                        ])
                    ),
                    ("env", .string("analytics")),
                ])
            ),
            ("edata", .object(edata)),
            ("@timestamp", .string(Self.secondStamp.string(from: now) + "+00:00")),
        ])
        var line = Secrets.scrub(event.render()) + "\n"
        line.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue } else { break } }
                off += n
            }
        }
    }

    /// Upstream: uppercase hex MD5 of "<eid>|<level>|<time>|<app id>|<channel>" (not a stable id).
    private static func mid(eid: String, level: String, at date: Date) -> String {
        let text = "\(eid)|\(level)|\(msStamp.string(from: date))|no_value|in.ekstep"
        return Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02X", $0) }.joined()
    }

    private static let secondStamp = DateFormatter.utc("yyyy-MM-dd'T'HH:mm:ss")
    private static let msStamp = DateFormatter.utc("yyyy-MM-dd'T'HH:mm:ss.SSS+0000")
}
