import ArgumentParser
import Foundation
import JobParameters

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one job and publish its reports.",
        discussion: "JOB is a job id or an upstream class name; when omitted, the config's \"model\" names it.")

    @Argument(help: "Job id (e.g. admin-geo-reports) or upstream class name.")
    var job: String?

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var runOptions: RunOptions

    @Option(
        name: .customLong("publish"),
        help: ArgumentHelp(
            "Also upload the reports, once the job succeeded, to this blob store (repeatable; local:DIR, s3://bucket/prefix?..., azure://container/prefix?...), each file at its path under the reports — e.g. s3://reports/reports for upstream's container `reports` and objectKey `reports/`. Default: $DATAPRODUCTS_PUBLISH (space-separated), else none.",
            valueName: "blob"))
    var publish: [String] = []

    func run() throws {
        try reportingErrors {
            var execution = try runOptions.execution(job: job, home: homeOptions, config: configOptions)
            let targets =
                publish.isEmpty ? (ProcessInfo.processInfo.environment["DATAPRODUCTS_PUBLISH"] ?? "").split(separator: " ").map(String.init) : publish
            execution.publishTo = try targets.map(BlobSpec.init)
            installCancellationHandlers()
            let result = try execution.run()
            print("\(result.jobId): \(result.published.count) report file(s) in \(String(format: "%.3f", result.seconds)) s")
            for p in result.published { print("  \(p)") }
        }
    }
}
