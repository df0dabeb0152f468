import Foundation
import PluginAPI

// Scheduled reports (ABI 1.8): securing a file as its tenant says, and calls made after publishing.

func hostReportSecure(_ run: OpaquePointer?, _ file: dp_str, _ orgId: dp_str) -> dp_status {
    let ctx = HostAPI.context(run)
    do {
        try ScheduledReportSecurity.secure(file: file.string, orgId: orgId.string, in: ctx)
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

func hostHttpAfterPublish(_ run: OpaquePointer?, _ request: UnsafePointer<dp_http_request>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let request else { return ctx.fail(HostCallError.invalid("http_after_publish needs a request")) }
    let r = HTTPRequest(request.pointee)
    guard r.url.hasPrefix("http://") || r.url.hasPrefix("https://") else {
        return ctx.fail(HostCallError.invalid("http_after_publish: '\(r.url)' is not an http(s) URL"))
    }
    ctx.afterPublish.append(DeferredHTTPCall(r))
    return DP_OK
}
