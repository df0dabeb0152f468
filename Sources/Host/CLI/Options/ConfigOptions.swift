import ArgumentParser
import Foundation
import JobParameters

/// The model config and what renders it.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Model config template (default: <home>/config/jobs/<job>.json).")
    var config: String?

    @Option(help: "Environment: loads <home>/config/env/<env>.json and limits plugins to the environment's set.")
    var env: String?

    @Option(name: .customLong("vars"), help: "Extra variables file (JSON object); may repeat, later wins.")
    var varsFiles: [String] = []

    @Option(name: .customLong("set"), help: "Set a template variable, NAME=VALUE (VALUE as JSON literal or text); may repeat.")
    var sets: [String] = []

    func effective(home: String, job: String?) throws -> EffectiveConfig {
        guard let path = config ?? job.map({ (home as NSString).appendingPathComponent("config/jobs/\($0).json") }) else {
            throw HostError.config("no config: pass --config FILE or a JOB whose config is in config/jobs/")
        }
        var files: [String] = []
        if let env { files.append((home as NSString).appendingPathComponent("config/env/\(env).json")) }
        return try EffectiveConfig.load(templatePath: path, variablesFiles: files + varsFiles, overrides: sets)
    }
}
