import Foundation
import PluginAPI

extension JobContext {
    /// Runs a Druid query through the host (ABI 1.11): `query` is upstream's query model (spec A4.1),
    /// its interval a literal or a macro the host resolves on the run clock. `body` gets every row as
    /// upstream's record, a JSON object (values converted, plus "date"), in Druid's order. A broker
    /// failure after some rows throws: what the job built from them must not be published. Throws
    /// `.unsupported` on an older host or when no Druid is configured.
    public func druidQuery(_ query: JSONValue, _ body: (JSONValue) throws -> Void) throws {
        try druidQueryRaw(query) { bytes in
            let record: JSONValue
            do { record = try JSONParser.parse(bytes) } catch { throw JobError(.data, "druid_query gave a row that is not JSON: \(error)") }
            try body(record)
        }
    }

    /// `druidQuery` with each row's JSON bytes (valid for the call), for callers that parse selectively.
    public func druidQueryRaw(_ query: JSONValue, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try requireHost(\.druid_query, minor: 11, for: "Druid")
        // A 1.11 host ignores exhaustQuery and would run the model as a native query.
        if query["exhaustQuery"] == .bool(true), host.pointee.abi_minor < 12 {
            throw JobError(.unsupported, "this host speaks ABI 1.\(host.pointee.abi_minor); Druid SQL (exhaustQuery) needs 1.12")
        }
        let call = host.pointee.druid_query!
        try withoutActuallyEscaping(body) { body in
            let sink = ScanSink(names: RowColumns(["row"], source: "druid_query")) { row in
                _ = try row.withUTF8(at: 0) { try body($0) }
            }
            let status = withDPStr(query.render()) { call(run, $0, scanCallback, Unmanaged.passUnretained(sink).toOpaque()) }
            if let error = sink.error { throw error }
            try check(status)
        }
    }
}
