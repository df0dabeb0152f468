import Foundation
import RowBatch
import XCTest

@testable import Host

/// `plugins install | rollback | schedule` through the binary, on artifacts packed by
/// scripts/package-plugin.sh and on hand-made hostile ones: every refusal exits before a byte of the
/// deployment changes.
final class PluginInstallTests: XCTestCase {
    /// The ml block packed as its team ships it.
    func mlArtifact(_ out: String) throws -> String {
        try Harness.requireBuilt()
        let r = try Harness.capture(
            Harness.repoRoot + "/scripts/package-plugin.sh", [Harness.pluginDir + "/libml.so", Harness.repoRoot + "/Plugins/ml", out],
            keepStderr: true)
        XCTAssertEqual(r.status, 0)
        return String(decoding: r.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The entries of an artifact, and a zip written from changed entries (python's zipfile, a peer).
    func entries(_ zip: String) throws -> [String: Data] {
        let names = try Harness.capture("/usr/bin/unzip", ["-Z1", zip]).output
        var out: [String: Data] = [:]
        for n in String(decoding: names, as: UTF8.self).split(separator: "\n") {
            out[String(n)] = try Harness.capture("/usr/bin/unzip", ["-p", zip, String(n)]).output
        }
        return out
    }

    func pack(_ entries: [String: Data], to zip: String) throws {
        var args = [
            "-c",
            "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],'w')\nfor n,p in zip(sys.argv[2::2],sys.argv[3::2]): z.writestr(n,open(p,'rb').read())",
            zip,
        ]
        for (i, (name, data)) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
            let file = zip + ".\(i)"
            FileManager.default.createFile(atPath: file, contents: data)
            args += [name, file]
        }
        XCTAssertEqual(try Harness.capture("/usr/bin/python3", args).status, 0)
    }

    /// Every file under the home with its bytes, and every link with its target.
    func snapshot(_ home: Harness.Home) -> [String: String] {
        var out: [String: String] = [:]
        for p in (FileManager.default.enumerator(atPath: home.path)?.allObjects as? [String]) ?? [] {
            let full = home.path + "/" + p
            if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: full) { out[p] = "-> " + link; continue }
            var d: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue {
                out[p] = (try? sha256(file: full)) ?? "?"
            }
        }
        return out
    }

    func testAnInstalledBlockRendersItsJobFromItsOwnTemplateAndReinstallIsANoOp() throws {
        let home = try Harness.Home()
        let zip = try mlArtifact(home.path + "/artifacts")
        let first = try home.run(["plugins", "install", zip])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "ml 1.0.0 installed\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: home.plugins + "/ml/current"), "1.0.0")
        let registry = try JSONParser.parse(try XCTUnwrap(home.read("registry.json")))
        XCTAssertEqual(registry["plugins"]?.array?.first?["file"]?.string, "ml/current/libml.so")
        XCTAssertEqual(registry["environments"]?["staging"]?.array, [.string("ml")])
        let rendered = try home.run(["render", "program-user-exhaust", "--params"])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertTrue(rendered.stdout.contains("plugins/ml/current/jobs/program-user-exhaust.json"), rendered.stdout)
        XCTAssertEqual(try home.run(["plugins", "verify"]).status, 0)
        let before = snapshot(home)
        let again = try home.run(["plugins", "install", zip])
        XCTAssertEqual(again.stdout, "ml 1.0.0 already installed\n", again.stderr)
        XCTAssertEqual(snapshot(home), before)
        // A deployment's own config/jobs/<job>.json wins over the block's.
        try home.write("config/jobs/program-user-exhaust.json", #"{"model":"program-user-exhaust","modelParams":{"mine":1}}"#)
        XCTAssertTrue(try home.run(["render", "program-user-exhaust"]).stdout.contains("\"mine\""))
    }

    func testEveryBrokenArtifactIsRefusedBeforeTheDeploymentChanges() throws {
        let home = try Harness.Home()
        let good = try mlArtifact(home.path + "/artifacts")
        XCTAssertEqual(try home.run(["plugins", "install", good]).status, 0)
        let before = snapshot(home)
        let original = try entries(good)
        let manifest = String(decoding: original["libml.manifest.json"]!, as: UTF8.self)
        var lib = original["libml.so"]!
        lib[lib.count - 1] ^= 0xFF
        let cases: [(String, [String: Data?], Int32, String)] = [
            ("tampered", ["libml.so": lib], 66, "checksum mismatch"),
            (
                "newer-abi", ["libml.manifest.json": Data(manifest.replacingOccurrences(of: "\"abi\": \"1.", with: "\"abi\": \"1.9").utf8)], 66,
                "newer than the host"
            ),
            ("no-template", ["jobs/program-user-exhaust.json": nil], 66, "has no template jobs/program-user-exhaust.json"),
            ("stray", ["../evil.sh": Data("x".utf8)], 66, "is not part of a plugin artifact"),
            (
                "bad-schedule", ["deploy.json": Data(#"{"environments":["dev"],"schedule":[{"name":"x","job":"nope"}]}"#.utf8)], 65,
                "names job \"nope\""
            ),
            (
                "bad-cron",
                ["deploy.json": Data(#"{"environments":["dev"],"schedule":[{"name":"x","job":"program-user-exhaust","hour":"3; rm -rf /"}]}"#.utf8)],
                65, "is not a cron field"
            ),
            ("bad-env", ["deploy.json": Data(#"{"environments":["../prod"]}"#.utf8)], 65, "is not a name"),
            ("same-version-other-bytes", ["jobs/program-user-exhaust.json": Data("{}".utf8)], 66, "already installed with other content"),
        ]
        for (name, change, status, message) in cases {
            var files = original
            for (k, v) in change { files[k] = v }
            let zip = home.path + "/bad-\(name).zip"
            try pack(files.compactMapValues { $0 }, to: zip)
            let r = try home.run(["plugins", "install", zip])
            XCTAssertEqual(r.status, status, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(name): \(r.stderr)")
            XCTAssertEqual(
                snapshot(home).filter { !$0.key.hasPrefix("bad-") && !$0.key.hasPrefix("artifacts") },
                before.filter { !$0.key.hasPrefix("artifacts") }, name)
        }
        try Data(repeating: 0, count: 100).write(to: URL(fileURLWithPath: home.path + "/bad-not-a-zip.zip"))
        XCTAssertEqual(try home.run(["plugins", "install", home.path + "/bad-not-a-zip.zip"]).status, 65)
        let rollback = try home.run(["plugins", "rollback", "ml", "--to", "0.9.0"])
        XCTAssertEqual(rollback.status, 65, rollback.stderr)
        XCTAssertTrue(rollback.stderr.contains("ml 0.9.0 is not installed"), rollback.stderr)
    }

    func testTheScheduleIsWhatTheInstalledBlocksDeclare() throws {
        let home = try Harness.Home()
        XCTAssertEqual(try home.run(["plugins", "install", try mlArtifact(home.path + "/artifacts")]).status, 0)
        let r = try home.run(["plugins", "schedule", "--env", "prod"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try JSONParser.parse(r.stdout), .array([]), "ml declares no cron upstream")
        let userorg = try Harness.capture(
            Harness.repoRoot + "/scripts/package-plugin.sh",
            [Harness.pluginDir + "/liblern-userorg.so", Harness.repoRoot + "/Plugins/lern-userorg", home.path + "/artifacts"])
        XCTAssertEqual(
            try home.run(["plugins", "install", String(decoding: userorg.output, as: UTF8.self).trimmingCharacters(in: .newlines)]).status, 0)
        let entries = try JSONParser.parse(try home.run(["plugins", "schedule"]).stdout).array ?? []
        XCTAssertEqual(
            entries.compactMap { $0["name"]?.string }.sorted(),
            [
                "admin-geo-reports-3PMIST", "admin-geo-reports-4AMIST", "admin-user-reports-2PMIST", "admin-user-reports-3AMIST",
            ])
    }
}
