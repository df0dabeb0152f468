import Foundation
import PluginAPI

/// Builds the static plugin descriptor from Swift job types. A plugin's whole export is:
///
///     @_cdecl("dp_plugin_entry")
///     public func dpPluginEntry() -> UnsafeRawPointer {
///         PluginExport.descriptor(name: "my-block", version: "1.0.0", owner: "team", block: "my-block",
///                                 jobs: [MyReport.self])
///     }
public enum PluginExport {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: UnsafeMutablePointer<dp_plugin_descriptor>?
    nonisolated(unsafe) private static var jobTypes: [any Job.Type] = []

    /// The descriptor, built on the first call and kept (with its strings) until the library unloads.
    public static func descriptor(
        name: String, version: String, owner: String, block: String,
        jobs: [any Job.Type]
    ) -> UnsafeRawPointer {
        lock.lock()
        defer { lock.unlock() }
        if let built { return UnsafeRawPointer(built) }
        jobTypes = jobs
        let table = UnsafeMutablePointer<UnsafePointer<dp_job>?>.allocate(capacity: max(jobs.count, 1))
        for (i, type) in jobs.enumerated() {
            let legacy = UnsafeMutablePointer<dp_str>.allocate(capacity: max(type.legacyNames.count, 1))
            for (j, n) in type.legacyNames.enumerated() { legacy[j] = staticStr(n) }
            let job = UnsafeMutablePointer<dp_job>.allocate(capacity: 1)
            job.pointee = dp_job(
                size: UInt32(MemoryLayout<dp_job>.size), id: staticStr(type.id), title: staticStr(type.title),
                legacy_names: legacy, n_legacy_names: type.legacyNames.count,
                params: staticStr(ParameterSchema.json(type.parameters.map(\.declaration)).render()), run: runTrampoline,
                job_data: UnsafeMutableRawPointer(bitPattern: i + 1))
            table[i] = UnsafePointer(job)
        }
        let d = UnsafeMutablePointer<dp_plugin_descriptor>.allocate(capacity: 1)
        d.pointee = dp_plugin_descriptor(
            size: UInt32(MemoryLayout<dp_plugin_descriptor>.size),
            abi_major: UInt16(DP_ABI_MAJOR), abi_minor: UInt16(DP_ABI_MINOR),
            name: staticStr(name), version: staticStr(version), owner: staticStr(owner), block: staticStr(block),
            jobs: table, n_jobs: jobs.count)
        built = d
        return UnsafeRawPointer(d)
    }

    static func jobType(_ data: UnsafeMutableRawPointer?) -> (any Job.Type)? {
        lock.lock()
        defer { lock.unlock() }
        let i = Int(bitPattern: data) - 1
        return jobTypes.indices.contains(i) ? jobTypes[i] : nil
    }

    private static func staticStr(_ s: String) -> dp_str {
        let p = strdup(s)!  // intentionally never freed: the descriptor is static
        return dp_str(data: p, len: strlen(p))
    }
}

/// The one C entry point every Swift job runs through: finds the job type, runs it, maps errors.
private func runTrampoline(
    _ run: OpaquePointer?, _ host: UnsafePointer<dp_host_api>?,
    _ data: UnsafeMutableRawPointer?
) -> dp_status {
    guard let run, let host else { return DP_ERROR_INVALID_ARGUMENT }
    let context = JobContext(run: run, host: host)
    func fail(_ status: dp_status, _ message: String) -> dp_status {
        withDPStr(message) { host.pointee.set_error(run, $0) }
        return status
    }
    guard host.pointee.abi_major == UInt16(DP_ABI_MAJOR) else {
        return fail(DP_ERROR_UNSUPPORTED, "host ABI \(host.pointee.abi_major).x, plugin needs \(DP_ABI_MAJOR).x")
    }
    guard let type = PluginExport.jobType(data) else { return fail(DP_ERROR_INTERNAL, "unknown job_data") }
    do {
        // The host has checked these already; a host that did not still never runs a job on a bad config.
        context.params = try ResolvedParameters(context.modelParams, declared: type.parameters.map(\.declaration))
    } catch {
        return fail(DP_ERROR_INVALID_ARGUMENT, "job \(type.id): \(error)")
    }
    do {
        try type.init().run(context)
        return DP_OK
    } catch let e as JobError {
        return fail(e.kind.rawValue, e.message)
    } catch {
        return fail(DP_ERROR_INTERNAL, "\(error)")
    }
}
