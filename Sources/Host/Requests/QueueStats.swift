import Foundation

/// One job's queue at a moment (`requests stats`): what is waiting, how old the oldest wait is, and
/// what failed or was retried lately. A row holds only a request's latest attempt, so "failed in the
/// last 24 h" counts requests whose latest attempt failed then, and "retried" those whose latest
/// attempt then was not their first.
struct JobQueueStats: Equatable {
    static let statuses = [JobRequest.Status.submitted, JobRequest.Status.processing, JobRequest.Status.success, JobRequest.Status.failed]
    static let window: TimeInterval = 24 * 3600

    var job: String
    var byStatus: [String: Int] = [:]
    /// Submission time of the oldest request that will still run: SUBMITTED, or FAILED under 3 attempts.
    var oldestWaiting: Date?
    var failedRecently = 0
    var retriedRecently = 0
    /// FAILED at the third attempt: never retried again; someone has to look.
    var givenUp = 0

    /// The stats of `requests` (any order), one entry per job id, sorted by job id.
    static func summarize(_ requests: [JobRequest], now: Date) -> [JobQueueStats] {
        var jobs: [String: JobQueueStats] = [:]
        for r in requests {
            var s = jobs[r.jobId] ?? JobQueueStats(job: r.jobId)
            s.byStatus[r.status, default: 0] += 1
            let failed = r.status == JobRequest.Status.failed
            if r.status == JobRequest.Status.submitted || (failed && r.iteration < 3),
                let submitted = r.dtJobSubmitted.flatMap(Timestamps.parse)
            {
                s.oldestWaiting = min(s.oldestWaiting ?? submitted, submitted)
            }
            if let done = r.dtJobCompleted.flatMap(Timestamps.parse), done >= now - window {
                if failed { s.failedRecently += 1 }
                if (r.status == JobRequest.Status.success && r.iteration >= 1) || (failed && r.iteration >= 2) { s.retriedRecently += 1 }
            }
            if failed && r.iteration >= 3 { s.givenUp += 1 }
            jobs[r.jobId] = s
        }
        return jobs.values.sorted { $0.job < $1.job }
    }
}
