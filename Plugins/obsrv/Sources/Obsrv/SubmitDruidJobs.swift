import Foundation
import PluginKit

/// `submit_druid_jobs` (framework-spec B8, Obsrv's python `dataproducts submit_druid_jobs`): the
/// ACTIVE report configs of the report API that are due today, each queued as a `druid_reports`
/// message on `<env>.analytics.job_queue` for upstream's JobManager.
///
/// Decisions:
/// - Today is the run clock's UTC day (upstream: the machine's local zone); the weekday and
///   day-of-month rules are upstream's (Monday = 0, the slider picks the day; QUIRK C1.15: batch mode
///   of druid_reports keeps its own Monday/1st rule, as upstream).
/// - A ONCE report is deactivated only after the run succeeded, i.e. once Kafka acknowledged every
///   message (upstream deactivated it before submitting, so a failed send lost the report).
/// - Interpolation stays raw text replacement over the config's JSON (QUIRK C1.15, kept: deployed
///   configs rely on `__store__` inside longer strings); a result that is no longer JSON fails that
///   report only, logged as upstream's `ERROR::While submitting druid report <id>`.
struct SubmitDruidJobs: Job {
    static let id = "submit_druid_jobs"
    static let title = "Druid job submitter: today's ACTIVE report configs from the report API queued on <env>.analytics.job_queue"

    static let listURL = Param<String>(required: "report_list_jobs_url", doc: "the report API base, e.g. https://<domain>/api/data/v1/")
    static let token = Param<String>("auth_token", default: "", doc: "the platform API token (Authorization: Bearer)")
    static let interpolation = Param<JSONValue>(
        "interpolation_config", .list,
        default: .array([
            .object([("key", .string("__store__")), ("value", .string("azure"))]),
            .object([("key", .string("__container__")), ("value", .string("reports"))]),
        ]), doc: "[{key, value}]: every key in a config's JSON text replaced by its value")
    static let env = Param<String>("env", default: "dev", doc: "the topic is <env>.analytics.job_queue")
    static let parameters: [any ParameterDeclaring] = [listURL, token, interpolation, env]

    func run(_ job: JobContext) throws {
        let p = job.params
        let base = p[Self.listURL]
        let headers = ["Content-Type": "application/json; charset=utf-8", "cache-control": "no-cache", "Authorization": "Bearer " + p[Self.token]]
        let answer = try job.http("POST", base + "report/jobs", headers: headers, body: #"{"request": {"filters": {"status": ["ACTIVE"]}}}"#)
        guard (200..<300).contains(answer.status), let list = try? JSONParser.parse(answer.body), let reports = list["result"]?["reports"]?.array
        else {
            throw JobError(.io, "POST \(base)report/jobs answered HTTP \(answer.status): \(answer.body.prefix(300))")
        }
        let pairs = try Self.pairs(p[Self.interpolation])
        let topic = p[Self.env] + ".analytics.job_queue"
        var submitted = 0, failed = 0
        for report in reports {
            let id = report["reportId"]?.string ?? ""
            do {
                guard try Self.isDue(report, on: job.now) else { continue }
                try job.kafkaSend(topic: topic, value: try Self.message(report, interpolating: pairs))
                if report["reportSchedule"]?.string?.uppercased() == "ONCE" {
                    try job.httpAfterPublish("POST", base + "report/jobs/deactivate/" + id, headers: headers)
                }
                submitted += 1
            } catch {
                failed += 1
                job.log("ERROR::While submitting druid report \(id): \(error)", level: .error)
            }
        }
        job.count("inputEvents", Int64(reports.count))
        job.count("outputEvents", Int64(submitted))
        job.log("Job submission completed... \(submitted) of \(reports.count) reports queued on \(topic), \(failed) failed")
    }

    static func pairs(_ config: JSONValue) throws -> [(String, String)] {
        try (config.array ?? []).map { pair in
            guard let k = pair["key"]?.string, let v = pair["value"]?.string else {
                throw JobError(.invalidArgument, "interpolation_config: every entry needs a string key and value, got \(pair.render())")
            }
            return (k, v)
        }
    }

    /// B8 step 2 on `day` (UTC): DAILY and ONCE always; WEEKLY when today's weekday (Monday = 0) is
    /// the slider (0...6); MONTHLY when today is day slider + 1 (1...20); anything else never.
    static func isDue(_ report: JSONValue, on day: Date) throws -> Bool {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let slider = report["config"]?["reportConfig"]?["dateRange"]?["intervalSlider"]?.int
        switch (report["reportSchedule"]?.string ?? "").uppercased() {
        case "DAILY", "ONCE": return true
        case "WEEKLY":
            let s = slider ?? 0
            return (0..<7).contains(s) && Int64((utc.component(.weekday, from: day) + 5) % 7) == s
        case "MONTHLY":
            let n = (slider ?? 0) + 1
            return n > 0 && n < 21 && Int64(utc.component(.day, from: day)) == n
        default: return false
        }
    }

    /// B8 steps 3–4: the config interpolated as text, wrapped in upstream's druid_reports job config.
    static func message(_ report: JSONValue, interpolating pairs: [(String, String)]) throws -> String {
        let id = report["reportId"]?.string ?? ""
        guard let config = report["config"], config.objectPairs != nil else { throw JobError(.data, "report \(id) has no config object") }
        var text = config.render()
        for (k, v) in pairs { text = text.replacingOccurrences(of: k, with: v) }
        guard case .object(var params) = try? JSONParser.parse(text) else {
            throw JobError(.data, "report \(id): its config is not JSON once interpolated")
        }
        params.append(("modelName", .string(id + "_job")))
        let jobConfig = JSONValue.object([
            ("search", .object([("type", .string("none"))])), ("model", .string("org.ekstep.analytics.model.DruidQueryProcessingModel")),
            ("output", .array([.object([("to", .string("console")), ("params", .object([("printEvent", .bool(false))]))])])),
            ("parallelization", .int(8)), ("appName", .string("Druid Query Processor")), ("deviceMapping", .bool(false)),
            ("modelParams", .object(params)),
        ])
        return JSONValue.object([("model", .string("druid_reports")), ("config", jobConfig)]).render()
    }
}
