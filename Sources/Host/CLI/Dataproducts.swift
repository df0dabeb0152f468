import ArgumentParser
import Foundation
import JobParameters

/// The `dataproducts` command; `Sources/dataproducts/main.swift` runs it.
public struct Dataproducts: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "dataproducts",
        abstract: "Runs Sunbird data-product jobs from independently built plugins.",
        discussion: """
            Exit codes: 0 ok, 64 bad command line, 65 bad config, 66 plugin refused, 67 job failed,
            68 job crashed, 69 job timed out, 70 internal host error.
            """,
        subcommands: [Run.self, Requests.self, Render.self, Load.self, Scan.self, Plugins.self, Child.self]
    )

    /// Learns this process's secrets before anything can print them, then runs the command.
    public static func main() {
        Secrets.learn(arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)
        main(nil)
    }
}
