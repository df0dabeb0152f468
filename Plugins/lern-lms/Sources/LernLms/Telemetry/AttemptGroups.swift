import Foundation
import PluginKit

/// ASSESS events grouped per learner attempt and batch (lern-jobs-spec §7 rules 1–4, 6), in first-seen order.
struct AttemptGroups {
    struct Key: Hashable {
        var contentId, courseId, userId, attemptId, batchId: String
    }

    let enrolments: [String: [String]]
    private(set) var order: [Key] = []
    private(set) var events: [Key: [String]] = [:]

    init(enrolments: [String: [String]]) { self.enrolments = enrolments }

    mutating func add(_ e: JSONValue, text: String) {
        guard e["eid"]?.string == "ASSESS", let course = e["object"]?["rollup"]?["l1"]?.string, !course.isEmpty else { return }
        let user = e["actor"]?["type"]?.string == "User" ? e["actor"]?["id"]?.string ?? "" : ""
        let attempt = e["context"]?["cdata"]?.array?.first { $0["type"]?.string?.lowercased() == "attemptid" }?["id"]?.string ?? ""
        let content = e["object"]?["id"]?.string ?? ""
        for batch in enrolments["\(course)\u{1}\(user)"] ?? [] {
            let id = attempt.isEmpty ? AssessmentCorrectionMD5.hex(content + course + user + batch) : attempt
            let key = Key(contentId: content, courseId: course, userId: user, attemptId: id, batchId: batch)
            if events[key] == nil { order.append(key) }
            events[key, default: []].append(text)
        }
    }

    /// One JSON record per attempt of a content in `contents` (rule 6).
    func records(contents: Set<String>, now: Date) -> [String] {
        let ts = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        return order.filter { contents.contains($0.contentId) }.map { k in
            var out = #"{"assessmentTs":\#(ts),"batchId":\#(JSONText.quote(k.batchId)),"courseId":\#(JSONText.quote(k.courseId)),"#
            out +=
                #""userId":\#(JSONText.quote(k.userId)),"attemptId":\#(JSONText.quote(k.attemptId)),"contentId":\#(JSONText.quote(k.contentId)),"events":["#
            out += events[k]!.joined(separator: ",") + "]}"
            return out
        }
    }
}

enum AssessmentCorrectionMD5 {
    /// Lower-case hex MD5 (commons-codec md5Hex).
    static func hex(_ s: String) -> String { AssessmentArchival.md5Hex(s).lowercased() }
}
