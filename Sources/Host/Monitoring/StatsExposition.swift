import Foundation

/// `requests stats` written for people (a table) and for Prometheus (the text exposition format that
/// node_exporter's textfile collector reads). Every job gets every status, zeros included, so an
/// alert on a series never sees it vanish.
enum StatsExposition {
    static func prometheus(queues: [JobQueueStats], runs: [LastRun], now: Date) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(number(value))\n" }
        }
        family(
            "dataproducts_requests", "Requests in the on-demand queue, by job and status.",
            queues.flatMap { q in JobQueueStats.statuses.map { (labels(["job": q.job, "status": $0]), Double(q.byStatus[$0] ?? 0)) } })
        family(
            "dataproducts_requests_oldest_waiting_age_seconds",
            "Age of the oldest request still to run (SUBMITTED, or FAILED before its third attempt); 0 when none waits.",
            queues.map { (labels(["job": $0.job]), $0.oldestWaiting.map { max(0, now.timeIntervalSince($0)).rounded(.down) } ?? 0) })
        family(
            "dataproducts_requests_failed_24h", "Requests whose latest attempt failed in the last 24 hours.",
            queues.map { (labels(["job": $0.job]), Double($0.failedRecently)) })
        family(
            "dataproducts_requests_retried_24h", "Requests whose latest attempt, in the last 24 hours, was a retry.",
            queues.map { (labels(["job": $0.job]), Double($0.retriedRecently)) })
        family(
            "dataproducts_requests_given_up", "Requests FAILED at their third attempt: they are not retried again.",
            queues.map { (labels(["job": $0.job]), Double($0.givenUp)) })
        func runLabels(_ r: LastRun) -> String { labels(["job": r.job, "mode": r.mode]) }
        family(
            "dataproducts_job_last_run_exit_code", "Exit status of the job's last run (0 = success).", runs.map { (runLabels($0), Double($0.exit)) })
        family(
            "dataproducts_job_last_run_success", "1 when the job's last run succeeded, else 0.", runs.map { (runLabels($0), $0.succeeded ? 1 : 0) })
        family(
            "dataproducts_job_last_run_finished_timestamp_seconds", "When the job's last run ended (Unix time).",
            runs.map { (runLabels($0), $0.finished.timeIntervalSince1970.rounded(.down)) })
        family(
            "dataproducts_job_last_run_duration_seconds", "How long the job's last run took.",
            runs.map { (runLabels($0), max(0, $0.finished.timeIntervalSince($0.started))) })
        family(
            "dataproducts_stats_generated_timestamp_seconds", "When these statistics were taken (Unix time).",
            [("", now.timeIntervalSince1970.rounded(.down))])
        return out
    }

    /// `{a="x",b="y"}` with the exposition format's escapes (backslash, quote, newline).
    static func labels(_ pairs: KeyValuePairs<String, String>) -> String {
        let items = pairs.map { key, value in key + "=\"" + escaped(value) + "\"" }
        return "{" + items.joined(separator: ",") + "}"
    }

    static func escaped(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }

    static func text(queues: [JobQueueStats], runs: [LastRun], now: Date) -> String {
        var rows = [["job"] + JobQueueStats.statuses + ["oldest waiting", "failed 24h", "retried 24h", "given up"]]
        for q in queues {
            let counts: [String] = JobQueueStats.statuses.map { String(q.byStatus[$0] ?? 0) }
            let oldest: String = q.oldestWaiting.map { age(now.timeIntervalSince($0)) } ?? "-"
            let recent: [String] = [String(q.failedRecently), String(q.retriedRecently), String(q.givenUp)]
            rows.append([q.job] + counts + [oldest] + recent)
        }
        var out = queues.isEmpty ? "no requests in the queue\n" : table(rows)
        if !runs.isEmpty {
            var last = [["scheduled job", "mode", "last run ended (UTC)", "exit", "took"]]
            for r in runs {
                let exit = r.exit == 0 ? "0" : "\(r.exit) FAILED"
                last.append([r.job, r.mode, stamp.string(from: r.finished), exit, age(r.finished.timeIntervalSince(r.started))])
            }
            out += "\n" + table(last)
        }
        return out
    }

    /// Columns padded to their widest cell; numbers right-aligned.
    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c > 0 && Int(cell.prefix { $0.isNumber }) != nil ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// 42 s, 3m 05s, 5h 00m, 2d 03h.
    static func age(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        switch s {
        case ..<60: return "\(s) s"
        case ..<3600: return String(format: "%dm %02ds", s / 60, s % 60)
        case ..<86400: return String(format: "%dh %02dm", s / 3600, s % 3600 / 60)
        default: return String(format: "%dd %02dh", s / 86400, s % 86400 / 3600)
        }
    }

    static let stamp = DateFormatter.utc("yyyy-MM-dd HH:mm:ss")
}
