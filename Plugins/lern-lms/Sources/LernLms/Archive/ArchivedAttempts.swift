import Foundation
import PluginKit

/// Upstream `ExhaustUtil.getArchivedData` (lern-exhaust-spec §4.4 step 2): the archived attempts of
/// a batch, read back from the host's blob store at `<filePath><batchId>_<collectionId>/<year>-<week>-<ts>.<ext>`.
/// QUIRK Q25 decided: both `.csv.gz` (what the archiver writes) and `.csv` are read, whatever `format`
/// says. Any problem (no file, unreadable file, unexpected columns) is logged and the report falls
/// back to the live rows, as upstream.
enum ArchivedAttempts {
    static let required: Set<String> = [
        "content_id", "attempt_id", "user_id", "course_id", "batch_id", "last_attempted_on",
        "total_max_score", "total_score", "grand_total", "question",
    ]
    static let optional: Set<String> = ["created_on", "updated_on"]

    static func folder(_ config: JSONValue, batch: CollectionBatch) -> String {
        var path = config["filePath"]?.string ?? "archived-data/"
        if !path.isEmpty, !path.hasSuffix("/") { path += "/" }
        return path + "\(batch.batchId)_\(batch.collectionId)/"
    }

    static func read(_ job: JobContext, batch: CollectionBatch, config: JSONValue) -> [Attempt] {
        do {
            let prefix = folder(config, batch: batch)
            let keys = try job.blobList(prefix).filter { isArchive(String($0.dropFirst(prefix.count))) }
            guard !keys.isEmpty else { throw JobError(.notFound, "no archive under \(prefix)") }
            var attempts: [Attempt] = []
            for key in keys {
                var data = try job.blobGet(key)
                if key.hasSuffix(".gz") { data = try Gzip.decompress(data) }
                let (header, rows) = SparkCSV.records(String(decoding: data, as: UTF8.self))
                let columns = Set(header)
                guard required.isSubset(of: columns), columns.subtracting(required).isSubset(of: optional) else {
                    throw JobError(.data, "\(key) has columns \(header), not the archive's")
                }
                for r in rows where r["batch_id"] == batch.batchId && r["course_id"] == batch.collectionId {
                    let questions = (r["question"]).flatMap { try? JSONParser.parse($0) }?.array ?? []
                    attempts.append(
                        Attempt(
                            courseId: batch.collectionId, batchId: batch.batchId, userId: r["user_id"] ?? "",
                            contentId: r["content_id"] ?? "", attemptId: r["attempt_id"] ?? "",
                            lastAttemptedOn: r["last_attempted_on"].flatMap { Int64($0) == nil ? nil : $0 },
                            questions: questions, archived: true))
                }
            }
            return attempts
        } catch {
            job.log("Blob does not contain any file for batchid: \(batch.batchId) (\(error))")
            return []
        }
    }

    /// `<year>-<week>-<epochMillis>.csv[.gz]` (upstream's `*-*-*.<format>` pattern).
    static func isArchive(_ name: String) -> Bool {
        guard !name.contains("/") else { return false }
        let stem: Substring
        if name.hasSuffix(".csv.gz") { stem = name.dropLast(7) } else if name.hasSuffix(".csv") { stem = name.dropLast(4) } else { return false }
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
