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

    func run() throws {
        try reportingErrors {
            let execution = try runOptions.execution(job: job, home: homeOptions, config: configOptions)
            installCancellationHandlers()
            let result = try execution.run()
            print("\(result.jobId): \(result.published.count) report file(s) in \(String(format: "%.3f", result.seconds)) s")
            for p in result.published { print("  \(p)") }
        }
    }
}
