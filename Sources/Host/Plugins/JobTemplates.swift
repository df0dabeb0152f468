import Foundation

/// Where a job's config template is: `<home>/config/jobs/<job>.json` when the deployment has one (its
/// own version of the job's config), else the template the job's block installed beside its library
/// (`<pluginDir>/<block>/current/jobs/<job>.json`). A block's templates arrive and leave with it.
enum JobTemplates {
    static func path(job: String, home: String, registry: Registry?) -> String {
        let local = (home as NSString).appendingPathComponent("config/jobs/\(job).json")
        if FileManager.default.fileExists(atPath: local) { return local }
        if let registry, let plugin = registry.plugins.first(where: { $0.jobs.contains(job) }) {
            let installed = (registry.blockFolder(plugin) as NSString).appendingPathComponent("jobs/\(job).json")
            if FileManager.default.fileExists(atPath: installed) { return installed }
        }
        return local
    }
}
