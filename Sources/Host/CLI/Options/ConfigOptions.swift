import ArgumentParser
import Foundation
import JobParameters

/// The model config and what renders it.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Model config template (default: <home>/config/jobs/<job>.json, else the one the job's plugin installed).")
    var config: String?

    @Option(help: "Environment: loads <home>/config/env/<env>.json and limits plugins to the environment's set.")
    var env: String?

    @Option(name: .customLong("vars"), help: "Extra variables file (JSON object); may repeat, later wins.")
    var varsFiles: [String] = []

    @Option(name: .customLong("set"), help: "Set a template variable, NAME=VALUE (VALUE as JSON literal or text); may repeat.")
    var sets: [String] = []

    func effective(home: String, job: String?, registry: Registry? = nil) throws -> EffectiveConfig {
        guard let path = config ?? job.map({ JobTemplates.path(job: $0, home: home, registry: registry) }) else {
            throw HostError.config("no config: pass --config FILE or a JOB whose plugin installed a template (or config/jobs/<job>.json)")
        }
        var files: [String] = []
        if let env { files.append((home as NSString).appendingPathComponent("config/env/\(env).json")) }
        return try EffectiveConfig.load(templatePath: path, variablesFiles: files + varsFiles, overrides: sets)
    }

    /// The job and its config, in the order that gives the clearest errors: the job named on the command
    /// line is looked up first (an unknown id is refused before its config is looked for), its config
    /// is found by the canonical id, and with no job named the config's `model` decides (nil: none).
    func job<Job>(
        _ named: String?, home: String, registry: Registry, lookup: (String) throws -> Job, id: (Job) -> String
    ) throws
        -> (job: Job?, config: EffectiveConfig)
    {
        var found = try named.map(lookup)
        let config = try effective(home: home, job: found.map(id) ?? named, registry: registry)
        if found == nil, let model = config.model { found = try lookup(model) }
        return (found, config)
    }
}
