import Foundation
import PluginAPI
import RowBatch

// On-demand requests: the request a run serves, the job's answer, PII decryption.

func hostRequest(_ run: OpaquePointer?) -> dp_str {
    HostAPI.context(run).requestStr
}

func hostSetResult(_ run: OpaquePointer?, _ json: dp_str) {
    HostAPI.context(run).resultJSON = json.string
}

func hostDecryptPii(_ run: OpaquePointer?, _ value: dp_str, _ out: UnsafeMutablePointer<dp_str>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let out else { return ctx.fail(HostCallError.invalid("decrypt_pii needs out")) }
    out.pointee = ctx.keepDecrypted(DecryptUtil.decrypt(value.string, salt: ctx.sunbirdEncryptionKey))
    return DP_OK
}
