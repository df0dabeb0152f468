import Foundation
import RowBatch

/// Runs jobs' Druid queries (ABI druid_query): the query model turned into native JSON, the interval
/// macro resolved on the run clock, the answer streamed from the main or the roll-up broker and each
/// row converted as upstream does (DruidRows). A broker that cannot be reached, times out or answers
/// 5xx before any row arrived is retried (bounded, with backoff); once rows have been handed to the
/// job a failure is final, so no row is delivered twice. Any failure names the broker and the cause.
final class DruidConnector {
    let transport: HTTPStreaming
    let mainBroker: String
    let rollupBroker: String
    let attempts: Int
    let backoffMs: Int
    let timeoutMs: Int
    /// Druid's metadata database (druid_segments), for LATEST_INDEX.
    let segments: String?

    init(_ spec: DruidSpec) throws {
        switch spec {
        case .brokers(let main, let rollup, let options, let segments):
            self.segments = segments
            let curl = try CurlHTTP(options: options)
            transport = curl
            mainBroker = Self.queryURL(main)
            rollupBroker = Self.queryURL(rollup ?? main)
            attempts = curl.attempts
            backoffMs = curl.backoffMs
            timeoutMs = curl.timeoutMs
        case .canned(let dir):
            segments = nil
            transport = try CannedHTTP(directory: dir)
            mainBroker = "http://druid/druid/v2/"
            rollupBroker = mainBroker
            (attempts, backoffMs, timeoutMs) = (1, 0, 0)
        }
    }

    /// A broker base URL without a path gets Druid's query endpoint, /druid/v2/ (upstream druid.url).
    static func queryURL(_ base: String) -> String {
        let path = URLComponents(string: base)?.path ?? ""
        return path.isEmpty || path == "/" ? base.trimmingSuffix("/") + "/druid/v2/" : base
    }

    /// Runs `model` (spec A4.1 JSON; with `"exhaustQuery": true` as Druid SQL, DruidSQL) and hands
    /// every converted record (JSON object bytes) to `onRecord`. Returns the number of records.
    @discardableResult
    func query(_ model: JSONValue, now: Date, onRecord: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        if model["exhaustQuery"] == .bool(true) { return try sqlQuery(model, now: now, onRecord: onRecord) }
        let q = try DruidQuery(model)
        let slider = Int(model["intervalSlider"]?.int ?? 0)
        let interval = try q.latestIndex ? latestSegment(q.dataSource) ?? macro(q, slider, now) : macro(q, slider, now)
        let request = post(q.usesRollupBroker ? rollupBroker : mainBroker, try q.native(interval: interval).render())
        return try withRetries { delivered in
            var splitter = JSONArrayStream()
            return try answer(
                request, delivered: &delivered,
                feed: { chunk, delivered in
                    try splitter.feed(chunk) { element in
                        let value: JSONValue
                        do { value = try JSONParser.parse(element) } catch {
                            throw DruidError.broker("Druid answer element \(delivered + 1) is not JSON: \(error)")
                        }
                        for record in try DruidRows.records(of: value, kind: q.kind) {
                            try record.withUnsafeBytes { try onRecord($0) }
                            delivered += 1
                        }
                    }
                }, finish: { try splitter.finish() })
        }
    }

    /// The SQL path: objectLines from the roll-up broker's `sql` endpoint, the header line skipped.
    private func sqlQuery(_ model: JSONValue, now: Date, onRecord: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let sql = try DruidSQL(model, now: now)
        let request = post(rollupBroker + "sql", sql.body.render())
        return try withRetries { delivered in
            var lines = JSONLinesStream()
            var headerSeen = false
            return try answer(
                request, delivered: &delivered,
                feed: { chunk, delivered in
                    try lines.feed(chunk) { line in
                        let value: JSONValue
                        do { value = try JSONParser.parse(line) } catch {
                            throw DruidError.broker("Druid SQL answer line \(delivered + 2) is not JSON: \(error)")
                        }
                        guard headerSeen else { return headerSeen = true }
                        try DruidSQL.record(value).withUnsafeBytes { try onRecord($0) }
                        delivered += 1
                    }
                }, finish: { try lines.finish() })
        }
    }

    private func post(_ url: String, _ body: String) -> HTTPRequest {
        HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body, timeoutMs: timeoutMs)
    }

    /// Bounded attempts with jittered exponential backoff, only while no row has been delivered.
    private func withRetries(_ attempt: (inout Int) throws -> Int) throws -> Int {
        var delivered = 0
        for n in 1...attempts {
            if n > 1 { usleep(useconds_t(Double(backoffMs << (n - 2)) * Double.random(in: 0.75...1.25) * 1000)) }
            do {
                return try attempt(&delivered)
            } catch is RetryableBrokerFailure where delivered == 0 && n < attempts {
                continue
            } catch let e as RetryableBrokerFailure {
                throw DruidError.broker("\(e.message) (attempt \(n) of \(attempts))")
            }
        }
        preconditionFailure("the last attempt returns or throws")
    }

    private struct RetryableBrokerFailure: Error { var message: String }

    private func macro(_ q: DruidQuery, _ slider: Int, _ now: Date) -> String {
        DruidIntervals.resolve(q.intervals, dataSource: q.dataSource, slider: slider, now: now)
    }

    /// The newest used segment's `start/end` of `dataSource` in Druid's metadata database, or nil
    /// when it has none (then the interval rule applies, as upstream).
    func latestSegment(_ dataSource: String) throws -> String? {
        guard let segments else {
            throw DruidError.config("granularity LATEST_INDEX needs Druid's metadata database: --druid URL,segments=CONNINFO")
        }
        let r = try PGConnection(segments).exec(
            #"SELECT start, "end" FROM druid_segments WHERE datasource = $1 AND used ORDER BY start DESC LIMIT 1"#, [dataSource])
        guard r.rows > 0, let start = r.string(0, 0), let end = r.string(0, 1) else { return nil }
        return start + "/" + end
    }

    /// One attempt: streams a 2xx answer through `feed`; a non-2xx answer is read whole (bounded)
    /// for Druid's error message. `finish` checks that the answer was complete.
    private func answer(
        _ request: HTTPRequest, delivered: inout Int, feed: (UnsafeRawBufferPointer, inout Int) throws -> Void,
        finish: () throws -> Void
    ) throws -> Int {
        var errorBody: [UInt8] = []
        let status: Int32
        do {
            status = try transport.stream(request) { status, chunk in
                guard (200..<300).contains(status) else {
                    if errorBody.count < 65_536 { errorBody += chunk.prefix(65_536 - errorBody.count) }
                    return
                }
                try feed(chunk, &delivered)
            }
        } catch let e as StreamTransportError {
            if e.transient { throw RetryableBrokerFailure(message: "Druid broker unreachable: \(e.message)") }
            throw DruidError.broker("Druid broker failed: \(e.message) after \(delivered) rows")
        }
        guard (200..<300).contains(status) else {
            let message = "Druid broker \(request.url) answered \(status): \(Self.errorText(errorBody))"
            if status >= 500 { throw RetryableBrokerFailure(message: message) }
            throw DruidError.broker(message)
        }
        do { try finish() } catch let e as DruidError { throw DruidError.broker("\(e) (\(delivered) rows received)") }
        return delivered
    }

    /// Druid's error answer is `{"error", "errorMessage", "errorClass", "host"}`; else the raw text.
    static func errorText(_ body: [UInt8]) -> String {
        let text = String(decoding: body, as: UTF8.self)
        guard let json = try? JSONParser.parse(text) else { return text.isEmpty ? "(no body)" : String(text.prefix(500)) }
        let parts = [json["error"]?.string, json["errorMessage"]?.string].compactMap { $0 }
        return parts.isEmpty ? String(text.prefix(500)) : parts.joined(separator: ": ")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
