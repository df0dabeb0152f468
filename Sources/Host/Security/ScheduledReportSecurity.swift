import Foundation
import PluginAPI

/// ABI 1.8 `report_secure`: a scheduled report's file secured as its tenant's data-security policy
/// says for the job (lern-jobs-spec §12 rule 10), in the run's staging, before anything is published.
///
/// Decisions (QUIRKs of §12): PLAIN_DATASET publishes the file and a zip of it beside it, as upstream;
/// PUBLIC_KEY_ENCRYPTED_DATASET publishes only the zip of the encrypted file (upstream uploaded the
/// plain CSV next to it, which defeats the encryption); PASSWORD_PROTECTED_DATASET and
/// TEXT_KEY_ENCRYPTED_DATASET need a request's key, which a scheduled report has not: the call fails
/// naming the tenant and level (upstream crashed on a null key); no or an unknown level leaves the
/// file as it is (upstream: "nothing"), an unknown one with a WARN.
enum ScheduledReportSecurity {
    static func secure(file relative: String, orgId: String, in ctx: RunContext) throws {
        if let why = DataPath.problem(relative: relative) {
            throw HostCallError.invalid("report_secure: '\(DataPath.shown(relative))' \(why)")
        }
        if let open = ctx.openReportIds.first(where: { relative.hasPrefix($0 + "/") || relative.hasPrefix($0 + ".") }) {
            throw HostCallError.invalid("report_secure: report '\(open)' is still open; close it first")
        }
        let path = (ctx.staging.files as NSString).appendingPathComponent(relative)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw HostCallError(status: DP_ERROR_NOT_FOUND, description: "report_secure: this run wrote no file '\(relative)'")
        }
        let level = try ctx.securityLevel(orgId: orgId)
        switch SecurityLevel(rawValue: level) {
        case .plain?:
            _ = try OutputSecurity.secure(csv: path, level: level, key: nil) { "" }
        case .publicKey?:
            let url = ctx.hostParameters[HostParameters.orgSearchUrl]
            _ = try OutputSecurity.secure(csv: path, level: level, key: nil) {
                try SecurityPolicy.publicKey(orgSearchURL: url, orgId: orgId, http: ctx.http)
            }
            guard unlink(path) == 0 else { throw HostCallError.io("cannot remove the plain \(relative): \(String(cString: strerror(errno)))") }
        case .password?, .textKey?:
            throw HostCallError(
                status: DP_ERROR_UNSUPPORTED,
                description:
                    "\(relative): the tenant of org \(orgId) asks for \(level) for job \(ctx.jobId), which needs a request's key; a scheduled report has none"
            )
        case nil:
            if !level.isEmpty {
                ctx.logger.log(.warn, "\(relative): unknown data security level '\(level)' for org \(orgId); published as it is")
            }
        }
    }
}

extension RunContext {
    /// The tenant's level for this job, asked once per org and run.
    func securityLevel(orgId: String) throws -> String {
        if let known = securityLevels[orgId] { return known }
        guard let url = hostParameters[HostParameters.tenantPreferenceUrl], !url.isEmpty else {
            throw HostCallError.invalid("report_secure needs modelParams.tenantPreferenceUrl (the tenant preference read API)")
        }
        let level = try SecurityPolicy.level(url: url, orgId: orgId, jobId: jobId, http: http)
        securityLevels[orgId] = level
        return level
    }
}
