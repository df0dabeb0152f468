import Foundation
import PluginKit

/// A live course's batch with its tenant, the rows both course metrics reports start from
/// (lern-jobs-spec §8/9 BaseCourseMetrics.preProcess).
struct CourseBatch {
    var courseId, batchId, courseName, batchName: String
    /// The batch's status as course_batch holds it (0, 1, 2), as text; "" when unknown.
    var status: String
    var slug: String
}

enum CourseBatches {
    /// Courses from the content search (`esConfig` sent as it is), joined to their batches, then to
    /// the tenant of their channel (inner joins, as upstream); a tenant without slug is "unknown".
    /// A search that fails or answers without content fails the run (upstream crashed on it).
    static func load(_ job: JobContext, searchURL: String, request: JSONValue, courseKeyspace: String, keyspace: String) throws -> [CourseBatch] {
        let answer = try job.http("POST", searchURL, headers: ["Content-Type": "application/json"], body: request.render())
        guard (200..<300).contains(answer.status), let json = try? JSONParser.parse(answer.body), let content = json["result"]?["content"]?.array
        else {
            throw JobError(.io, "course search POST \(searchURL) answered HTTP \(answer.status) without result.content: \(answer.body.prefix(200))")
        }
        var courses: [String: (name: String, channel: String)] = [:]
        for c in content {
            guard let id = c["identifier"]?.string else { continue }
            courses[id] = (c["name"]?.string ?? "", c["channel"]?.string ?? "")
        }
        var slugs: [String: String] = [:]
        try job.scan("\(keyspace).organisation", columns: [Field("id", .utf8), Field("slug", .utf8)]) { row in
            if let id = row.string("id") { slugs[id] = row.string("slug") ?? "unknown" }
        }
        var out: [CourseBatch] = []
        let columns = [Field("courseid", .utf8), Field("batchid", .utf8), Field("name", .utf8), Field("status", .int64)]
        try job.scan("\(courseKeyspace).course_batch", columns: columns) { row in
            guard let courseId = row.string("courseid"), let course = courses[courseId], let slug = slugs[course.channel] else { return }
            out.append(
                CourseBatch(
                    courseId: courseId, batchId: row.string("batchid") ?? "", courseName: course.name, batchName: row.string("name") ?? "",
                    status: row.int("status").map(String.init) ?? "", slug: slug))
        }
        return out
    }
}
