import LazyConnectors

/// The connector libraries are opened on first use (LazyConnectors): each connector asks for its
/// library before its first call, so a missing one is an I/O error naming the package to install.
enum ConnectorLibraries {
    static func require(_ library: dp_connector_library, for what: String) throws {
        if let reason = dp_connector_load(library) { throw HostCallError.io("\(what): \(String(cString: reason))") }
    }

    static func isLoaded(_ library: dp_connector_library) -> Bool { dp_connector_loaded(library) != 0 }
}
