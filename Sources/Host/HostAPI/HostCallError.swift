import PluginAPI

/// Why a host call failed, as the plugin receives it: a dp_status and the message `last_error`
/// returns. Stores, connectors and writers throw it; `RunContext.fail` hands it over.
struct HostCallError: Error, CustomStringConvertible {
    var status: dp_status
    var description: String
    static func notFound(_ m: String) -> HostCallError { HostCallError(status: DP_ERROR_NOT_FOUND, description: m) }
    static func data(_ m: String) -> HostCallError { HostCallError(status: DP_ERROR_DATA, description: m) }
    static func io(_ m: String) -> HostCallError { HostCallError(status: DP_ERROR_IO, description: m) }
    static func invalid(_ m: String) -> HostCallError { HostCallError(status: DP_ERROR_INVALID_ARGUMENT, description: m) }
}
