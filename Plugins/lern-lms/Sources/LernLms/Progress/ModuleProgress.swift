import PluginKit

/// Upstream `getCollectionAggWithModuleData` (lern-exhaust-spec §3.2, unit-tested upstream as P7, not
/// used by the report): course and first-level module completion per learner from the
/// `user_activity_agg` `completedCount`s and the collection's hierarchy (two levels deep, only
/// Course collection nodes that are visible by default).
enum ModuleProgress {
    struct Activity {
        var userId: String
        var activityId: String
        var completedCount: Int
    }

    struct CourseData: Equatable {
        var courseId: String
        var leafNodesCount: String
        var level1: [(identifier: String, leafNodesCount: String)]

        static func == (a: CourseData, b: CourseData) -> Bool {
            a.courseId == b.courseId && a.leafNodesCount == b.leafNodesCount
                && a.level1.map(\.identifier) == b.level1.map(\.identifier) && a.level1.map(\.leafNodesCount) == b.level1.map(\.leafNodesCount)
        }
    }

    struct Row: Equatable {
        var userId: String
        var courseId: String
        var batchId: String
        var completionPercentage: Int
        var l1Identifier: String?
        var l1CompletionPercentage: Int?
    }

    static func isCourseNode(_ n: JSONValue) -> Bool {
        n["mimeType"]?.string?.lowercased() == "application/vnd.ekstep.content-collection"
            && n["visibility"]?.string?.lowercased() == "default" && n["contentType"]?.string?.lowercased() == "course"
    }

    /// Upstream `parseCourseHierarchy`: level 0 sets the course leaf count, level 1 adds modules;
    /// beyond `levelLimit` the data comes back unchanged.
    static func parseCourseHierarchy(_ nodes: [JSONValue], level: Int, _ data: CourseData, levelLimit: Int) -> CourseData {
        guard level < levelLimit else { return data }
        var data = data
        for node in nodes where isCourseNode(node) {
            let leaves = String(node["leafNodesCount"]?.int ?? 0)
            if level == 0 {
                data.leafNodesCount = leaves
                data = parseCourseHierarchy(node["children"]?.array ?? [], level: 1, data, levelLimit: levelLimit)
            } else if let id = node["identifier"]?.string {
                data.level1.append((id, leaves))
            }
        }
        return data
    }

    static func rows(hierarchy: JSONValue, courseId: String, batchId: String, activities: [Activity]) -> [Row] {
        let data = parseCourseHierarchy([hierarchy], level: 0, CourseData(courseId: courseId, leafNodesCount: "0", level1: []), levelLimit: 2)
        func percent(_ done: Int, _ leaves: Int) -> Int { done >= leaves ? 100 : done * 100 / leaves }
        let byUser = Dictionary(grouping: activities, by: \.userId)
        var out: [Row] = []
        for (user, acts) in byUser.sorted(by: { $0.key < $1.key }) {
            guard let course = acts.first(where: { $0.activityId == courseId }) else { continue }
            let total = percent(course.completedCount, Int(data.leafNodesCount) ?? 0)
            if data.level1.isEmpty {
                out.append(Row(userId: user, courseId: courseId, batchId: batchId, completionPercentage: total))
            }
            for m in data.level1 {
                let done = acts.first { $0.activityId == m.identifier }?.completedCount ?? 0
                out.append(
                    Row(
                        userId: user, courseId: courseId, batchId: batchId, completionPercentage: total,
                        l1Identifier: m.identifier, l1CompletionPercentage: percent(done, Int(m.leafNodesCount) ?? 0)))
            }
        }
        return out
    }
}
