import Foundation
import PluginKit

/// The course metadata a summary row carries (§3: content search fields, renamed as rule 1 says).
struct CourseContent {
    var name, status, channel: String?
    /// Lists as the search answered them (JSON text), or nil when absent.
    var organisation, keywords, createdFor, medium, subject: String?

    init(_ item: JSONValue) {
        name = item["name"]?.string
        status = item["status"]?.string
        channel = item["channel"]?.string
        func raw(_ key: String) -> String? {
            guard let v = item[key], !v.isNull else { return nil }
            return v.render()
        }
        organisation = raw("organisation")
        keywords = raw("keywords")
        createdFor = raw("createdFor")
        medium = raw("medium")
        subject = raw("subject")
    }
}

/// The content search calls of §3. QUIRK decided: upstream treats an answer that is not `OK` (or a
/// failed call) as "no content" and publishes an empty summary, which Druid then ingests over the
/// day's snapshot; here such an answer fails the run, naming the call, and nothing is published.
enum ContentLookup {
    /// `searchFilter` mode: one call with the filter as given.
    static func search(_ job: JobContext, url: String, filter: JSONValue) throws -> [String: CourseContent] {
        try call(job, url: url, body: filter)
    }

    /// The courses' metadata, `chunk` identifiers a call.
    static func courses(
        _ job: JobContext, url: String, ids: [String], chunk: Int, status: [String], fields: [String]
    ) throws -> [String: CourseContent] {
        var out: [String: CourseContent] = [:]
        var start = 0
        while start < ids.count {
            let part = ids[start..<min(start + max(chunk, 1), ids.count)]
            let body = JSONValue.object([
                (
                    "request",
                    .object([
                        (
                            "filters",
                            .object([("identifier", .array(part.map { .string($0) })), ("status", .array(status.map { .string($0) }))])
                        ),
                        ("fields", .array(fields.map { .string($0) })),
                    ])
                )
            ])
            out.merge(try call(job, url: url, body: body)) { first, _ in first }
            start += part.count
        }
        return out
    }

    private static func call(_ job: JobContext, url: String, body: JSONValue) throws -> [String: CourseContent] {
        guard !url.isEmpty else { throw JobError(.invalidArgument, "modelParams.contentSearchUrl is not set") }
        let answer = try job.http("POST", url, headers: ["Content-Type": "application/json"], body: body.render())
        guard (200..<300).contains(answer.status) else {
            throw JobError(.io, "content search POST \(url) answered HTTP \(answer.status): \(answer.body.prefix(200))")
        }
        guard let json = try? JSONParser.parse(answer.body), json["responseCode"]?.string?.lowercased() == "ok" else {
            throw JobError(.io, "content search POST \(url) did not answer responseCode OK: \(answer.body.prefix(200))")
        }
        var items: [String: CourseContent] = [:]
        for item in json["result"]?["content"]?.array ?? [] {
            if let id = item["identifier"]?.string, items[id] == nil { items[id] = CourseContent(item) }
        }
        return items
    }
}
