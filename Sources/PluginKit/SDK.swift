import PluginAPI

/// The SDK's release (this package's git tag) and the ABI it builds plugins for. The tag's MAJOR.MINOR is
/// the ABI's, so a block that names the SDK `from: "1.12.0"` builds for ABI 1.12 and runs on every host
/// from 1.12 on; a host older than its ABI minor refuses it.
public enum SDK {
    public static let version = "1.12.0"
    public static let abi = "\(DP_ABI_MAJOR).\(DP_ABI_MINOR)"
}
