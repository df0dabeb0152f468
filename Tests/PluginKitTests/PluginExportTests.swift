import JobParameters
import PluginAPI
import XCTest

@testable import PluginKit

/// The descriptor a Swift plugin exports: its jobs with their declared parameters, as the host and
/// the manifest read them.
final class PluginExportTests: XCTestCase {
    struct Sample: Job {
        static let id = "sample"
        static let title = "A sample job"
        static let legacyNames = ["org.example.SampleJob"]
        static let limit = Param<Int>("limit", default: 20, doc: "how many")
        static let url = Param<String>(required: "url", doc: "where")
        static let parameters: [any ParameterDeclaring] = [limit, url]
        func run(_ job: JobContext) throws {}
    }

    func testDescriptorCarriesTheJobsAndTheirDeclarations() throws {
        let raw = PluginExport.descriptor(name: "sample-block", version: "1.2.3", owner: "team", block: "sample", jobs: [Sample.self])
        let d = raw.assumingMemoryBound(to: dp_plugin_descriptor.self).pointee
        XCTAssertEqual(d.abi_major, UInt16(DP_ABI_MAJOR))
        XCTAssertEqual(d.abi_minor, UInt16(DP_ABI_MINOR))
        XCTAssertEqual(d.n_jobs, 1)
        let job = try XCTUnwrap(d.jobs[0]).pointee
        XCTAssertEqual(String(cString: job.id.data), "sample")
        XCTAssertEqual(job.n_legacy_names, 1)
        let params = try JSONParser.parse(String(cString: job.params.data))
        XCTAssertEqual(ParameterSchema.parse(params).compactMap(\.parameter), Sample.parameters.map(\.declaration))
        XCTAssertEqual(params["url"]?["required"], .bool(true))
        XCTAssertEqual(params["limit"]?["default"], .int(20))
    }
}

/// The SDK's stated version and its ABI agree: a release tag 1.12.x is ABI 1.12.
final class SDKVersionTests: XCTestCase {
    func testTheSDKVersionsMajorMinorIsTheABI() {
        XCTAssertEqual(SDK.version.split(separator: ".").prefix(2).joined(separator: "."), SDK.abi)
        XCTAssertEqual(SDK.version.split(separator: ".").count, 3, "a semantic version SwiftPM can resolve")
    }
}
