import ArgumentParser
import Foundation
import JobParameters

/// The hidden subcommand a job's child process runs.
struct Child: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_child", abstract: "Internal: run the job spec read from stdin; the outcome goes to fd 3.",
        shouldDisplay: false)

    func run() throws {
        let code = JobExecution.childMain()
        if code != 0 { throw ExitCode(code) }
    }
}
