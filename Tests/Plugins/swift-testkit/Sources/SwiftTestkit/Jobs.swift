import Foundation
import PluginKit

@_cdecl("dp_plugin_entry")
public func dpPluginEntry() -> UnsafeRawPointer {
    PluginExport.descriptor(
        name: "swift-testkit", version: "0.1.0", owner: "host team", block: "test",
        jobs: [
            Echo.self, Fail.self, Crash.self, Hang.self, HTTPProbe.self, RedisProbe.self, Count.self, BlobProbe.self, SearchProbe.self,
            Merge.self, KafkaProbe.self,
        ])
}

/// "name:type,name:type" → fields.
func columnSpec(_ spec: String) throws -> [Field] {
    try spec.split(separator: ",").map { c in
        let parts = c.split(separator: ":")
        guard parts.count == 2, let t = ColumnType(name: String(parts[1])) else {
            throw JobError(.invalidArgument, "bad column spec '\(c)'")
        }
        return Field(String(parts[0]), t)
    }
}

/// Scans `modelParams.table` (columns "name:type,...", optional `where` equality on `eqColumn`/`eqValue`)
/// and writes the rows to CSV report "echo/rows".
struct Echo: Job {
    static let id = "test-echo"
    static let title = "Echo a table into a CSV report"
    static let legacyNames = ["org.example.EchoJob"]
    static let table = Param<String>(required: "table", doc: "keyspace.table to echo")
    static let columns = Param<String>(required: "columns", doc: "name:type,... of the columns to read")
    static let eqColumn = Param<String?>("eqColumn", doc: "equality filter: column")
    static let eqValue = Param<String?>("eqValue", doc: "equality filter: value")
    static let sleepMsPerRow = Param<Int>("sleepMsPerRow", default: 0, doc: "pause per row, for tests that disturb a running scan")
    static let batchRows = Param<Int>("batchRows", default: 3, doc: "rows per scan batch")
    static let alsoRead = Param<String?>("alsoRead", doc: "a column to read by name from every row (tests reading one not requested)")
    static let parameters: [any ParameterDeclaring] = [table, columns, eqColumn, eqValue, sleepMsPerRow, batchRows, alsoRead]

    func run(_ job: JobContext) throws {
        let p = job.params
        let fields = try columnSpec(p[Self.columns])
        var filters: [Filter] = []
        if let c = p[Self.eqColumn], let v = p[Self.eqValue] {
            filters.append(.eq(c, .string(v)))
        }
        let report = try job.openReport("echo/rows", format: .csv, columns: fields)
        let pause = UInt32(p[Self.sleepMsPerRow] * 1000)
        var n: Int64 = 0
        let alsoRead = p[Self.alsoRead]
        try job.scan(p[Self.table], columns: fields, where: filters, batchRows: p[Self.batchRows]) { row in
            if let alsoRead { _ = row.string(alsoRead) }
            try report.append(fields.map { row.value($0.name) })
            n += 1
            if pause > 0 { usleep(pause) }
        }
        try report.close()
        job.count("inputEvents", n)
    }
}

/// Writes a report, then fails: the report must not be published.
struct Fail: Job {
    static let id = "test-fail"
    static let title = "Fail on purpose after writing a report"
    func run(_ job: JobContext) throws {
        let r = try job.openReport("fail/partial", format: .csv, columns: [Field("a", .utf8)])
        try r.append([.string("half")])
        try r.close()
        throw JobError(.data, "deliberate failure for the test suite")
    }
}

/// Writes part of a report, then crashes as `modelParams.mode` says: segv, abort or fatal.
struct Crash: Job {
    static let id = "test-crash"
    static let title = "Crash on purpose"
    static let mode = Param<String>("mode", default: "segv", oneOf: ["segv", "abort", "fatal"], doc: "how to crash")
    static let parameters: [any ParameterDeclaring] = [mode]
    func run(_ job: JobContext) throws {
        let r = try job.openReport("crash/partial", format: .csv, columns: [Field("a", .utf8)])
        try r.append([.string("half")])
        switch job.params[Self.mode] {
        case "abort": abort()
        case "fatal": fatalError("deliberate fatalError for the test suite")
        default:
            let p = UnsafeMutablePointer<Int>(bitPattern: 8)!
            p.pointee = 42
        }
    }
}

/// Never finishes; with `cooperative: true` it stops when the host cancels it.
struct Hang: Job {
    static let id = "test-hang"
    static let title = "Hang on purpose"
    static let cooperative = Param<Bool>("cooperative", default: false, doc: "stop when the host cancels")
    static let parameters: [any ParameterDeclaring] = [cooperative]
    func run(_ job: JobContext) throws {
        let r = try job.openReport("hang/partial", format: .csv, columns: [Field("a", .utf8)])
        try r.append([.string("half")])
        let cooperative = job.params[Self.cooperative]
        while true {
            if cooperative && job.isCancelled { throw JobError(.cancelled, "cancelled by the host") }
            usleep(10_000)
        }
    }
}

/// Calls `modelParams.url` with `modelParams.method` and writes status and body to "http/answer".
struct HTTPProbe: Job {
    static let id = "test-http"
    static let title = "Call an HTTP endpoint through the host"
    static let method = Param<String>("method", default: "GET", doc: "HTTP method")
    static let url = Param<String>(required: "url", doc: "what to call")
    static let body = Param<String?>("body", doc: "request body")
    static let parameters: [any ParameterDeclaring] = [method, url, body]
    func run(_ job: JobContext) throws {
        let p = job.params
        let answer = try job.http(p[Self.method], p[Self.url], body: p[Self.body])
        let r = try job.openReport("http/answer", format: .jsonl, columns: [Field("status", .int64), Field("body", .utf8)])
        try r.append([.int(Int64(answer.status)), .string(answer.body)])
        try r.close()
    }
}

/// Sends `count` messages {"n": i} (key "k<i>") to `topic`; after the first `holdAfter` it waits
/// until the file `holdUntil` exists (a test takes the broker away meanwhile).
struct KafkaProbe: Job {
    static let id = "test-kafka"
    static let title = "Send numbered messages to a Kafka topic through the host"
    static let topic = Param<String>(required: "topic", doc: "where to send")
    static let count = Param<Int>("count", default: 10, doc: "how many messages")
    static let holdAfter = Param<Int>("holdAfter", default: -1, doc: "pause after this many messages (-1: never)")
    static let holdUntil = Param<String>("holdUntil", default: "", doc: "a file whose appearance ends the pause")
    static let parameters: [any ParameterDeclaring] = [topic, count, holdAfter, holdUntil]
    func run(_ job: JobContext) throws {
        let p = job.params
        for i in 0..<p[Self.count] {
            if i == p[Self.holdAfter] {
                while !FileManager.default.fileExists(atPath: p[Self.holdUntil]) { usleep(20_000) }
            }
            try job.kafkaSend(topic: p[Self.topic], key: "k\(i)", value: "{\"n\":\(i)}")
            job.count("sent")
        }
    }
}

/// Writes `modelParams.write` ([{"key": ..., field: value}]) to Redis, then reads `keys` (HMGET
/// `fields`, or HGETALL without them) into CSV report "redis/rows".
struct RedisProbe: Job {
    static let id = "test-redis"
    static let title = "Write and read Redis hashes through the host"
    static let write = Param<JSONValue>("write", .list, default: .array([]), doc: "hashes to write: [{\"key\": ..., field: value}]")
    static let keys = Param<[String]>("keys", default: [], doc: "keys to read")
    static let fields = Param<[String]>("fields", default: [], doc: "fields to read (HMGET); none: HGETALL")
    static let parameters: [any ParameterDeclaring] = [write, keys, fields]
    func run(_ job: JobContext) throws {
        let p = job.params
        let write: [[(String, JSONValue)]] = (p[Self.write].array ?? []).map { if case .object(let o) = $0 { return o } else { return [] } }
        if !write.isEmpty {
            let names = ["key"] + Set(write.flatMap { $0.map(\.0) }).subtracting(["key"]).sorted()
            try job.redisWrite(
                columns: names.map { Field($0, .utf8) },
                rows: write.map { r in names.map { n in r.first { $0.0 == n }?.1.string.map { .string($0) } ?? .null } })
        }
        let keys = p[Self.keys]
        let fields = p[Self.fields]
        let columns = [Field("key", .utf8)] + (fields.isEmpty ? [Field("fields", .json)] : fields.map { Field($0, .utf8) })
        let report = try job.openReport("redis/rows", format: .csv, columns: columns)
        try job.redisRead(keys: keys, fields: fields) { row in
            try report.append(columns.map { row.value($0.name) })
        }
        try report.close()
    }
}

/// For benchmarks: streams `table` (columns "name:type,...") or, with `redisUsers: N`, reads
/// user:0..N-1 (`fields`) from Redis in slices of 10,000 keys, or, with `druidQuery`, runs that
/// query through the host's Druid connector; counts rows and touches every value.
struct Count: Job {
    static let id = "test-count"
    static let title = "Count rows streamed through the host"
    static let redisUsers = Param<Int?>("redisUsers", doc: "read user:0..N-1 from Redis instead of a table")
    static let fields = Param<[String]>("fields", default: [], doc: "Redis fields to read")
    static let columns = Param<String>("columns", default: "", doc: "name:type,... of the table's columns")
    static let table = Param<String>("table", default: "", doc: "keyspace.table to stream")
    static let batchRows = Param<Int>("batchRows", default: 0, doc: "rows per scan batch (0: the store's)")
    static let druidQuery = Param<JSONValue?>("druidQuery", doc: "a Druid query model to stream instead of a table")
    static let parameters: [any ParameterDeclaring] = [redisUsers, fields, columns, table, batchRows, druidQuery]
    func run(_ job: JobContext) throws {
        let p = job.params
        var rows: Int64 = 0, bytes = 0
        if let query = p[Self.druidQuery] {
            try job.druidQueryRaw(query) { record in
                rows += 1
                bytes += record.count
            }
        } else if let users = p[Self.redisUsers] {
            let fields = p[Self.fields]
            var start = 0
            while start < users {
                let keys = (start..<min(start + 10_000, users)).map { "user:\($0)" }
                try job.redisRead(keys: keys, fields: fields) { row in
                    rows += 1
                    for f in fields { bytes += row.string(f)?.utf8.count ?? 0 }
                }
                start += keys.count
            }
        } else {
            let spec = try columnSpec(p[Self.columns])
            try job.scan(p[Self.table], columns: spec, batchRows: p[Self.batchRows]) { row in
                rows += 1
                for f in spec { bytes += row.string(f.name)?.utf8.count ?? 0 }
            }
        }
        job.count("inputEvents", rows)
        job.log("counted \(rows) rows, \(bytes) value bytes")
    }
}

/// Puts `put` ({key: text}), deletes `delete` ([key]), then lists `prefix` and reads every key
/// listed into JSONL report "blob/result" (key, size, text).
struct BlobProbe: Job {
    static let id = "test-blob"
    static let title = "Store, list, read and delete blobs through the host"
    static let put = Param<JSONValue>("put", default: .object([]), doc: "{key: text} to store")
    static let delete = Param<[String]>("delete", default: [], doc: "keys to delete")
    static let prefix = Param<String>("prefix", default: "", doc: "what to list and read back")
    static let parameters: [any ParameterDeclaring] = [put, delete, prefix]
    func run(_ job: JobContext) throws {
        let p = job.params
        var puts: [(String, JSONValue)] = []
        if case .object(let o) = p[Self.put] { puts = o }
        for (key, text) in puts.sorted(by: { $0.0 < $1.0 }) { try job.blobPut(key, Data((text.string ?? "").utf8)) }
        for key in p[Self.delete] { try job.blobDelete(key) }
        let report = try job.openReport(
            "blob/result", format: .jsonl,
            columns: [Field("key", .utf8), Field("size", .int64), Field("text", .utf8)])
        for key in try job.blobList(p[Self.prefix]) {
            let data = try job.blobGet(key)
            try report.append([.string(key), .int(Int64(data.count)), .string(String(decoding: data, as: UTF8.self))])
        }
        try report.close()
    }
}

/// Pages through `modelParams.url` (a search API) `limit` items at a time into CSV "search/ids".
struct SearchProbe: Job {
    static let id = "test-search"
    static let title = "Page through a search API"
    static let url = Param<String>(required: "url", doc: "the search API")
    static let limit = Param<Int>("limit", default: 10, doc: "items per page")
    static let parameters: [any ParameterDeclaring] = [url, limit]
    func run(_ job: JobContext) throws {
        let p = job.params
        let report = try job.openReport("search/ids", format: .csv, columns: [Field("identifier", .utf8)])
        let request = JSONValue.object([("filters", .object([("status", .array([.string("Live")]))]))])
        try job.searchPages(p[Self.url], request: request, itemsPath: ["result", "content"], limit: p[Self.limit]) { items in
            for item in items { try report.append([Value(item["identifier"]?.string)]) }
        }
        try report.close()
    }
}

extension Value {
    init(_ s: String?) { self = s.map { .string($0) } ?? .null }
}

/// ABI 1.5 pull scans: merge-joins enrolments with attempts, both ordered by user, holding both
/// cursors open (batches of 2, one read ahead) into report "merge/rows" (user, batch, attempts).
/// `stopAfter: N` closes the attempts cursor after N users (early close); `attemptsTable` overrides
/// the right table (a missing one must fail the job from cursor_next, not hang).
struct Merge: Job {
    static let id = "test-merge"
    static let title = "Merge two ordered pull scans"
    static let attemptsTable = Param<String>("attemptsTable", default: "sunbird_courses.assessment_aggregator", doc: "the right table")
    static let stopAfter = Param<Int?>("stopAfter", doc: "close the right cursor after N users")
    static let parameters: [any ParameterDeclaring] = [attemptsTable, stopAfter]
    func run(_ job: JobContext) throws {
        let p = job.params
        let left = try job.openScan(
            "sunbird_courses.user_enrolments", columns: [Field("userid", .utf8), Field("batchid", .utf8)],
            orderBy: ["userid", "batchid"], batchRows: 2, readAhead: 1)
        let right = try job.openScan(
            p[Self.attemptsTable],
            columns: [Field("user_id", .utf8), Field("attempt_id", .utf8)], orderBy: ["user_id"],
            batchRows: 2, readAhead: 1)
        let stopAfter = p[Self.stopAfter] ?? Int.max
        let out = try job.openReport("merge/rows", format: .csv, columns: [Field("user", .utf8), Field("batch", .utf8), Field("attempts", .int64)])
        var pending: [(String, String)] = []  // right rows read but not yet matched (a batch at a time)
        var rightDone = false, users = 0
        func rightRows(upTo user: String) throws -> Int {
            var n = 0
            while true {
                while let first = pending.first, first.0.utf8.lexicographicallyPrecedes(user.utf8) { pending.removeFirst() }
                while let first = pending.first, first.0 == user { n += 1; pending.removeFirst() }
                if !pending.isEmpty || rightDone { return n }
                guard let b = try right.next() else { rightDone = true; return n }
                pending = (0..<b.count).map { (b.string(0, $0) ?? "", b.string(1, $0) ?? "") }
            }
        }
        while let b = try left.next() {
            for i in 0..<b.count {
                let user = b.string(0, i) ?? ""
                users += 1
                if users > stopAfter && !rightDone { right.close(); rightDone = true; pending = [] }
                try out.append([.string(user), .string(b.string(1, i) ?? ""), .int(Int64(try rightRows(upTo: user)))])
            }
        }
        right.close()
        left.close()
        try out.close()
    }
}
