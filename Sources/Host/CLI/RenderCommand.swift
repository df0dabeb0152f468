import ArgumentParser
import Foundation
import JobParameters

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective (rendered) model config of a job, checked against the job's declared parameters.",
        discussion: "A config that does not fit the declarations (wrong type, missing required key) exits 65 naming the key.")

    @Argument(help: "Job id whose template to render: config/jobs/<job>.json, else its plugin's (or use --config).")
    var job: String?

    @Flag(help: "Print the job's parameters with their effective values instead of the config.")
    var params = false

    @Flag(help: "Parameters of `requests run` too (with --params).")
    var onDemand = false

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        try reportingErrors {
            let home = homeOptions.homePath
            let registry = try homeOptions.loadRegistry()
            // --env picks the variables here; which plugins an environment gets matters when a job runs.
            let resolver = PluginResolver(registry: registry, environment: nil)
            let (found, config) = try configOptions.job(job, home: home, registry: registry, lookup: resolver.described(job:), id: \.id)
            guard let resolved = found else {
                print(config.json.pretty())  // a config for no known job: rendered, nothing to check it against
                return
            }
            if let why = resolved.unreadable {  // still rendered and checked against the host's own keys
                FileHandle.standardError.write(Data("dataproducts: warning: \(resolved.id)'s own parameters are not checked: \(why)\n".utf8))
            }
            let declared = HostParameters.declarations(job: resolved.params ?? .object([]), onDemand: onDemand || params)
            let values = try HostParameters.resolve(config, job: resolved.id, declared: declared)
            guard params else { return print(config.json.pretty()) }
            print(
                "\(resolved.id) (\(configOptions.config ?? JobTemplates.path(job: resolved.id, home: home, registry: registry))\(configOptions.env.map { ", env \($0)" } ?? ""))"
            )
            ParameterListing.lines(declared, values: values, indent: "  ").forEach { print($0) }
        }
    }
}
