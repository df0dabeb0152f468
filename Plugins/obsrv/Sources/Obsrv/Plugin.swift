import PluginKit

/// The plugin's one export: its descriptor, listing the jobs it provides.
@_cdecl("dp_plugin_entry")
public func dpPluginEntry() -> UnsafeRawPointer {
    PluginExport.descriptor(
        name: "obsrv", version: "1.0.0", owner: "Sunbird Obsrv team",
        block: "obsrv", jobs: [UserCacheIndexer.self, DruidReports.self, SubmitDruidJobs.self])
}
