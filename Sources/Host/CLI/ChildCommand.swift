import ArgumentParser
import Foundation
import JobParameters

/// The hidden subcommand a job's child process runs.
struct Child: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_child", abstract: "Internal: run one job spec.",
        shouldDisplay: false)
    @Option var spec: String

    func run() throws {
        let code = JobExecution.childMain(specPath: spec)
        if code != 0 { throw ExitCode(code) }
    }
}
