import Foundation
import RowBatch

/// Drains the on-demand queue for one job (upstream `OnDemandExhaustJob`, lern-exhaust-spec §1–2):
/// claim a request under a lease, look up the requesting organisation's security policy, run the
/// plugin's job once for it (isolated in a child process), secure and publish the files it wrote, and
/// record the outcome — then the next, until none is left. One failing request never stops the others.
final class RequestEngine {
    struct Settings {
        var requestJobId: String
        var lease: TimeInterval = 60
        var retryAfter: TimeInterval = 300
        var batchNumber: Int?
        var maxRequests: Int = .max
        var tenantPreferenceUrl: String?
        var orgSearchUrl: String?
        // The declared parameters' defaults (each declared with one), so the engine and `plugins list --params` agree.
        var batchesPerChannel = HostParameters.batchesLimitPerChannel.defaultValue!
        var bytesPerChannel = Int64(HostParameters.fileSizeLimitPerChannel.defaultValue!)
        /// `sunbird_encryption_key`: the salt length of DecryptUtil for request keys.
        var sunbirdEncryptionKey = ""
        var maxErrorMessageLength = HostParameters.maxErrorMessageLength.defaultValue!
    }

    struct Summary {
        var total = 0, success = 0, failed = 0, duplicates = 0, deferred = 0
        var line: String { "\(total) request(s): \(success) success, \(failed) failed, \(duplicates) duplicate, \(deferred) deferred" }
    }

    let queue: RequestQueue
    let heartbeatQueue: RequestQueue
    let settings: Settings
    let execution: JobExecution
    let blob: BlobStore
    let http: HTTPConnector
    let logger: JobLogger
    let owner: String

    init(
        queue: RequestQueue, heartbeatQueue: RequestQueue, settings: Settings, execution: JobExecution, blob: BlobStore,
        http: HTTPConnector, logger: JobLogger
    ) {
        (self.queue, self.heartbeatQueue, self.settings, self.execution) = (queue, heartbeatQueue, settings, execution)
        (self.blob, self.http, self.logger) = (blob, http, logger)
        owner = LeaseOwner.make()
    }

    /// Per requesting channel in this run: batches and bytes produced (upstream's throttle counters).
    private var produced: [String: (batches: Int, bytes: Int64)] = [:]
    private var handled: Set<JobRequest.Key> = []
    /// Blob keys uploaded for the request in hand; they count as published once its outcome is recorded.
    private var uploaded: [String] = []

    func drain() throws -> Summary {
        var summary = Summary()
        while summary.total < settings.maxRequests, cancelRequested == 0,
            var request = try queue.claim(
                jobId: settings.requestJobId, owner: owner, lease: settings.lease,
                retryAfter: settings.retryAfter, batchNumber: settings.batchNumber, exclude: handled)
        {
            handled.insert(request.key)
            summary.total += 1
            logger.requestId = request.requestId
            defer { logger.requestId = nil }
            let heartbeat = Heartbeat(queue: heartbeatQueue, key: request.key, owner: owner, lease: settings.lease)
            let started = Date()
            uploaded = []
            let deferred = process(&request, heartbeat: heartbeat)
            heartbeat.stop()
            if request.status != JobRequest.Status.submitted || !deferred {
                request.executionTime = (request.executionTime ?? 0) + Int64(Date().timeIntervalSince(started) * 1000)
            }
            // Publication = the recorded outcome (the API reads download_urls from the row). Uploads
            // happen before it and are idempotent (same keys), so a host that dies in between leaves
            // nothing visible: whoever takes the request over uploads the same keys and records it.
            guard !heartbeat.lost, try queue.finish(request, owner: owner) else {
                logger.log(.warn, "request \(request.requestId): lease lost to another host; its outcome was not recorded here")
                continue
            }
            for key in uploaded {
                logger.log(
                    .info, "published \(key)",
                    data: [("published", .string(key)), ("owner", .string(owner))])
            }
            logger.log(
                .info, "request \(request.requestId): \(request.status)\(request.errMessage.map { $0.isEmpty ? "" : " (\($0))" } ?? "")",
                data: [
                    ("status", .string(request.status)),
                    ("downloadUrls", .array(request.downloadUrls.map { .string($0) })),
                ])
            switch request.status {
            case JobRequest.Status.success: summary.success += 1
            case JobRequest.Status.failed: summary.failed += 1
            default: summary.deferred += 1
            }
            if request.status == JobRequest.Status.success || request.status == JobRequest.Status.failed {
                let dups = try queue.copyToDuplicates(of: request, owner: owner, retryAfter: settings.retryAfter)
                handled.formUnion(dups)
                summary.duplicates += dups.count
                for d in dups {
                    logger.tagged(requestId: d.requestId) {
                        logger.log(.info, "request \(d.requestId): duplicate of \(request.requestId), given its outcome")
                    }
                }
            }
        }
        return summary
    }

    /// Runs one claimed request and sets its outcome fields. Returns true when it was deferred
    /// (channel throttled) before any work.
    private func process(_ r: inout JobRequest, heartbeat: Heartbeat) -> Bool {
        let channel = r.requestedChannel ?? ""
        let done = produced[channel] ?? (0, 0)
        // Upstream's per-channel throttle (§2.3 step 2). QUIRK Q10 decided: earlier progress is kept.
        guard done.batches < settings.batchesPerChannel, done.bytes < settings.bytesPerChannel else {
            r.status = JobRequest.Status.submitted
            r.processedBatches = r.processedBatches ?? "[]"
            return true
        }
        let previous = r.processedBatches.flatMap { try? JSONParser.parse($0) }?.array ?? []
        // Validated before any work: whose request it is decides security level, throttle and visibility.
        guard !channel.isEmpty else {
            fail(&r, "Internal Server Error: the request has no requested_channel (the requesting organisation)")
            return false
        }
        if let text = r.requestData {
            do { _ = try JSONParser.parse(text) } catch {
                fail(&r, "Internal Server Error: request_data is not valid JSON (\(error))")
                return false
            }
        }
        if let why = r.sizeProblem {
            fail(&r, "Internal Server Error: \(why)")
            return false
        }
        do {
            let policy = try SecurityPolicy.lookup(url: settings.tenantPreferenceUrl, orgId: channel, jobId: settings.requestJobId, http: http)
            let key = r.encryptionKey.map { DecryptUtil.decrypt($0, salt: settings.sunbirdEncryptionKey) }
            let requestJSON = JSONValue.object([
                ("tag", .string(r.tag)), ("requestId", .string(r.requestId)), ("jobId", .string(r.jobId)),
                ("requestData", r.requestData.map { (try? JSONParser.parse($0)) ?? .string($0) } ?? .null),
                ("requestedBy", .string(r.requestedBy ?? "")), ("requestedChannel", .string(channel)),
                ("hasEncryptionKey", .bool(!(key ?? "").isEmpty)), ("processedBatches", .array(previous)),
                ("securityLevel", .string(policy.level)), ("piiFields", .array(policy.piiFields.map { .string($0) })),
                (
                    "budget",
                    .object([
                        ("batches", .int(Int64(settings.batchesPerChannel - done.batches))),
                        ("bytes", .int(settings.bytesPerChannel - done.bytes)),
                    ])
                ),
                ("date", .string(Timestamps.reportDate(execution.now))),
            ])
            var exec = execution
            exec.request = requestJSON.render()
            exec.progressLabel = "\(execution.job) request \(handled.count) (\(String(r.requestId.prefix(12)).printable()))"
            let (requestKey, requestId) = (r.key, r.requestId)
            exec.publish = { [self] staged, resultText in
                // Only what the job's answer names is published; no answer, nothing leaves the host.
                guard let text = resultText, let files = (try? JSONParser.parse(text))?["files"]?.array?.compactMap(\.string) else {
                    throw HostError.internal("the job returned no result for the request")
                }
                // The fence: publish only while this host still holds the request.
                guard !heartbeat.lost, try queue.renew(requestKey, owner: owner, lease: settings.lease) else {
                    throw HostError.internal("lease on request \(requestId) lost before publishing")
                }
                return try publish(staged: staged, files: Set(files), level: policy.level, key: key, orgId: channel)
            }
            let result = try exec.run()
            let earlier = Set(previous.compactMap { $0["filePath"]?.string }.map(Self.zipName))
            try apply(result.requestResult, to: &r, channel: channel, published: earlier.union(uploaded))
        } catch {
            var message = "\(error)"
            if case HostError.jobFailed(let m)? = error as? HostError, let range = m.range(of: " failed: ") {
                message = String(m[range.upperBound...])
            }
            if message.isEmpty { message = String(describing: type(of: error)) }  // QUIRK Q12 decided
            fail(&r, "Internal Server Error: " + String(message.prefix(settings.maxErrorMessageLength)))
        }
        return false
    }

    private func fail(_ r: inout JobRequest, _ message: String) {
        r.status = JobRequest.Status.failed
        r.iteration += 1
        // The portal shows this text: no secret, no host folder.
        r.errMessage = JobRequest.abbreviate(Staging.hidingFolders(Secrets.scrub(message)))
        r.dtJobCompleted = Timestamps.now()
    }

    /// The job's answer → the row (§1.5, §2.12). `published`: the blob keys this request has, uploaded
    /// now or recorded by an earlier attempt; a success may name no other (the portal would be sent a
    /// link to nothing).
    private func apply(_ text: String?, to r: inout JobRequest, channel: String, published: Set<String>) throws {
        guard let text, let result = try? JSONParser.parse(text), let status = result["status"]?.string else {
            return fail(&r, "Internal Server Error: the job returned no result for the request")
        }
        let batches = result["processedBatches"]?.array ?? []
        let files = (result["files"]?.array ?? []).compactMap(\.string)
        var p = produced[channel] ?? (0, 0)
        p.batches += batches.count
        p.bytes += batches.reduce(0) { $0 + ($1["fileSize"]?.int ?? 0) }
        produced[channel] = p
        let message = result["message"]?.string ?? ""
        switch status {
        case JobRequest.Status.success:
            let keys = batches.isEmpty ? files.map { $0 + ".csv" } : batches.compactMap { $0["filePath"]?.string }
            if let never = keys.map(Self.zipName).first(where: { !published.contains($0) }) {
                return fail(&r, "Internal Server Error: the job named '\(DataPath.shown(never))', which was not published")
            }
            r.status = status
            r.downloadUrls = keys.map(Self.zipName)  // QUIRK Q1: every entry names the zip
            r.processedBatches = JSONValue.array(batches).render()
            r.errMessage = ""  // QUIRK Q4 decided: a success clears an earlier failure's message
            r.dtJobCompleted = Timestamps.now()
        case JobRequest.Status.submitted:
            r.status = status
            r.processedBatches = JSONValue.array(batches).render()
        case JobRequest.Status.failed:
            fail(&r, message)
            if !batches.isEmpty { r.processedBatches = JSONValue.array(batches).render() }
        default:
            fail(&r, "Internal Server Error: the job answered unknown status '\(status)'")
        }
    }

    static func zipName(_ key: String) -> String { key.hasSuffix(".csv") ? String(key.dropLast(4)) + ".zip" : key }

    /// Secures every staged file and uploads the zips; returns their blob keys.
    private func publish(staged: String, files: Set<String>, level: String, key: String?, orgId: String) throws -> [String] {
        let rels = (FileManager.default.enumerator(atPath: staged)?.allObjects as? [String] ?? []).sorted()
            .filter { files.contains(($0 as NSString).deletingPathExtension) }
            .filter { rel in
                var dir: ObjCBool = false
                return FileManager.default.fileExists(atPath: (staged as NSString).appendingPathComponent(rel), isDirectory: &dir) && !dir.boolValue
            }
        var pem: String?
        var published: [String] = []
        for rel in rels {
            let zip = try OutputSecurity.secure(csv: (staged as NSString).appendingPathComponent(rel), level: level, key: key) {
                if let pem { return pem }
                pem = try SecurityPolicy.publicKey(orgSearchURL: settings.orgSearchUrl, orgId: orgId, http: http)
                return pem!
            }
            let blobKey = Self.zipName(rel.hasSuffix(".csv") ? rel : rel + ".csv")
            try blob.putFile(key: blobKey, path: zip)
            logger.log(.info, "uploaded \(blobKey)", data: [("uploaded", .string(blobKey)), ("owner", .string(owner))])
            published.append(blobKey)
        }
        uploaded = published
        return published
    }
}

/// Renews a request's lease every third of its length on its own connection while the job runs; a
/// failed renewal marks the lease lost (another host may have it now), and nothing is published then.
final class Heartbeat: @unchecked Sendable {
    private let stopSignal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var _lost = false
    private var stopped = false
    var lost: Bool { lock.withLock { _lost } }

    init(queue: RequestQueue, key: JobRequest.Key, owner: String, lease: TimeInterval) {
        let box = UncheckedBox(queue)
        Thread { [self] in
            while stopSignal.wait(timeout: .now() + lease / 3) == .timedOut {
                if !((try? box.value.renew(key, owner: owner, lease: lease)) ?? false) { lock.withLock { _lost = true } }
            }
            finished.signal()
        }.start()
    }

    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        stopSignal.signal()
        finished.wait()
    }
}

/// Who holds a lease (a request's, a work item's): host name, process id and a random part, unique
/// per holder even when one machine runs several hosts.
enum LeaseOwner {
    static func make() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        return "\(String(cString: name)):\(getpid()):\(UUID().uuidString.prefix(8))"
    }
}

/// Hands a non-Sendable value to the one thread that uses it.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
