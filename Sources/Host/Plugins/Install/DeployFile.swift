import Foundation
import RowBatch

/// `deploy.json` of a building block: where its plugin goes and when its jobs run — the deployment
/// facts a block owns beside its code (its templates are `jobs/<job>.json`; name, version, owner and
/// jobs are its descriptor's). Shipped inside the artifact, installed beside the library.
struct DeployFile: Equatable {
    struct Entry: Equatable {
        var name: String
        var job: String
        /// minute, hour, day, month, weekday: cron fields, "*" when absent.
        var fields: [String]
        /// The entry drains the job's on-demand requests (`requests run`) instead of one standalone run.
        var requests: Bool
    }

    static let fileName = "deploy.json"
    static let cronFields = ["minute", "hour", "day", "month", "weekday"]
    var environments: [String]
    var schedule: [Entry]

    /// The deploy.json an installed block keeps in `folder`; nil when it has none (a block built in place).
    static func read(folder: String, jobs: [String]) throws -> DeployFile? {
        let file = (folder as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        return try parse(try RegularFile.read(file, maxBytes: 4 << 20), source: file, jobs: jobs)
    }

    /// Parses and checks the file against the jobs the plugin declares; errors name `source` and the field.
    static func parse(_ data: Data, source: String, jobs: [String]) throws -> DeployFile {
        func bad(_ why: String) -> HostError { .config("\(source): \(why)") }
        let json: JSONValue
        do { json = try JSONParser.parse(String(decoding: data, as: UTF8.self)) } catch { throw bad("not valid JSON: \(error)") }
        guard case .object(let top) = json else { throw bad("must be a JSON object") }
        for (key, _) in top where !["environments", "schedule"].contains(key) { throw bad("unknown field \"\(key.printable())\"") }
        guard let envs = json["environments"]?.array else { throw bad("needs \"environments\", a list of environment names") }
        let environments = try envs.map { v -> String in
            guard let s = v.string, isName(s) else {
                throw bad("environment \(v.render().printable()) is not a name of letters, digits, '_', '.', '-'")
            }
            return s
        }
        var schedule: [Entry] = []
        for (i, e) in (json["schedule"]?.array ?? []).enumerated() {
            schedule.append(try entry(e, number: i + 1, jobs: jobs, bad: bad))
        }
        let names = schedule.map(\.name)
        if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) { throw bad("schedule entry \(twice) appears twice") }
        return DeployFile(environments: environments, schedule: schedule)
    }

    private static func entry(_ e: JSONValue, number: Int, jobs: [String], bad: (String) -> HostError) throws -> Entry {
        guard case .object(let pairs) = e else { throw bad("schedule entry #\(number) must be an object") }
        let known = ["name", "job", "requests"] + cronFields
        for (key, _) in pairs where !known.contains(key) { throw bad("schedule entry #\(number): unknown field \"\(key.printable())\"") }
        guard let name = e["name"]?.string, isName(name) else {
            throw bad("schedule entry #\(number) needs a \"name\" of letters, digits, '_', '.', '-'")
        }
        guard let job = e["job"]?.string, jobs.contains(job) else {
            throw bad(
                "schedule entry \(name) names job \((e["job"]?.render() ?? "nothing").printable()), not one of this plugin's (\(jobs.joined(separator: ", ")))"
            )
        }
        let fields = try cronFields.map { f -> String in
            guard let v = e[f] else { return "*" }
            guard let s = v.string, (1...32).contains(s.utf8.count), s.allSatisfy({ "0123456789*/,-".contains($0) }) else {
                throw bad("schedule entry \(name): \(f) \(v.render().printable()) is not a cron field (digits, '*', '/', ',', '-')")
            }
            return s
        }
        var requests = false
        if let r = e["requests"] {
            guard case .bool(let b) = r else { throw bad("schedule entry \(name): \"requests\" must be true or false") }
            requests = b
        }
        return Entry(name: name, job: job, fields: fields, requests: requests)
    }

    static func isName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count)
            && s.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)) }
    }

    /// An entry as `plugins schedule` prints it (the fields Ansible's cron template reads).
    func json(plugin: String) -> [JSONValue] {
        schedule.map { e in
            .object(
                [("name", .string(e.name)), ("plugin", .string(plugin)), ("job", .string(e.job))]
                    + zip(Self.cronFields, e.fields).map { ($0, JSONValue.string($1)) } + [("requests", .bool(e.requests))])
        }
    }
}
