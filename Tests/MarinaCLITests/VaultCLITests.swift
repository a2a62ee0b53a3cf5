import Foundation
import Synchronization
import Testing

/// The vault through a real `marina serve`: the master key file's guards, secrets set from
/// standard input, rotation across restarts, and a scan of everything the platform wrote or said
/// for the values.
@Suite(.serialized) struct VaultCLITests {
    /// hello-python with `API_KEY` taken from the secret of the same name.
    func appWithSecretEnv(in dir: URL) throws -> URL {
        let app = dir.appendingPathComponent("hello-secret")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("examples/hello-python"), to: app)
        let manifest = app.appendingPathComponent("marina.app.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
            .replacingOccurrences(of: "\"runtime\": {", with: "\"runtime\": {\n    \"env\": {\"API_KEY\": \"${secret:API_KEY}\"},")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        return app
    }

    func serveOnce(_ data: URL, environment: [String: String] = [:]) throws -> CLI.Result {
        try CLI.run(["serve", "--data", data.path, "--listen", "127.0.0.1:0"], environment: environment)
    }

    @Test func secretsStayWriteOnlyAndTheMasterKeyIsGuarded() throws {
        let dir = try CLI.temporaryDirectory()
        let data = dir.appendingPathComponent(".marina")
        let defaultValue = "Dflt-\(UUID().uuidString)-v4lue", overrideValue = "Ovrd-\(UUID().uuidString)-v4lue"
        var said: [String] = []
        func run(_ args: [String], stdin: String? = nil) throws -> CLI.Result {
            let r = try CLI.run(args, in: dir, stdin: stdin.map { Data($0.utf8) })
            said += [r.stdout, r.stderr]
            return r
        }

        var serve = try ServeProcess(data: data, extra: ["--log-level", "debug", "--unsandboxed"])
        var info = stat()
        #expect(stat(data.appendingPathComponent("master.key").path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try run(["publish", try appWithSecretEnv(in: dir).path]).status == 0)
        #expect(try run(["deploy", "--app", "hello-python", "--version", "1.0.0"]).status == 0)
        #expect(try run(["tenants", "create", "acme"]).status == 0)

        // Bad input first: a key off the pattern, an oversize value.
        let badKey = try run(["secrets", "set", "api-key=x", "--app", "hello-python"])
        #expect(badKey.status == 1 && badKey.stderr.contains("invalid_secret_key"))
        #expect(try run(["secrets", "set", "BIG=-", "--app", "hello-python"], stdin: String(repeating: "x", count: 70_000)).status == 1)

        #expect(
            try run(["secrets", "set", "API_KEY=-", "--app", "hello-python", "--description", "upstream key"], stdin: defaultValue + "\n").status == 0
        )
        #expect(try run(["secrets", "set", "API_KEY=\(overrideValue)", "--app", "hello-python", "--tenant", "acme"]).status == 0)
        let installed = try run(["install", "hello-python", "--tenant", "acme", "--grant-all"])
        #expect(installed.status == 0, "\(installed.stderr)")
        let listed = try run(["secrets", "list", "--app", "hello-python", "--tenant", "acme"])
        #expect(listed.stdout.contains("API_KEY") && listed.stdout.contains("upstream key"))

        // The instance starts with the override resolved; then it crashes (killed) and restarts.
        let invoked = try run(["invoke", "hello-python", "greet", "--tenant", "acme", "--args", #"{"name":"vault"}"#])
        #expect(invoked.status == 0, "\(invoked.stderr)")
        let instances = try run(["instances", "--json"])
        let pids = ((try? JSONSerialization.jsonObject(with: Data(instances.stdout.utf8))) as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
        for pid in pids { kill(Int32(pid), SIGKILL) }
        Thread.sleep(forTimeInterval: 1)
        #expect(try run(["invoke", "hello-python", "greet", "--tenant", "acme", "--args", #"{"name":"again"}"#]).status == 0)
        #expect(try run(["keys", "rotate", "--tenant", "acme"]).status == 0)
        // Eight master rotations at once all succeed, one after the other (run side by side they
        // once shared one key file and left the database's keys unreadable; the restart below
        // proves the last key opens everything).
        let statuses = Mutex<[Int32]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let status = (try? CLI.run(["keys", "rotate", "--master"], in: dir))?.status ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 0, count: 8))
        let export = try run(["audit", "export"])
        #expect(export.stdout.contains("secret_read"))
        #expect(try run(["audit", "verify"]).status == 0)
        serve.stop()

        // A start whose secret reference resolves to nothing fails, naming the key.
        serve = try ServeProcess(data: data, extra: ["--unsandboxed"])
        #expect(try run(["secrets", "unset", "API_KEY", "--app", "hello-python", "--tenant", "acme"]).status == 0)
        #expect(try run(["secrets", "unset", "API_KEY", "--app", "hello-python"]).status == 0)
        let missing = try run(["invoke", "hello-python", "greet", "--tenant", "acme", "--args", #"{"name":"x"}"#])
        #expect(missing.status == 1 && missing.stderr.contains("API_KEY"), "\(missing.stderr)")
        #expect(try run(["secrets", "set", "API_KEY=\(overrideValue)", "--app", "hello-python", "--tenant", "acme"]).status == 0)
        serve.stop()

        // Restart: the rotated master key opens everything.
        serve = try ServeProcess(data: data, extra: ["--unsandboxed"])
        #expect(try run(["invoke", "hello-python", "greet", "--tenant", "acme", "--args", #"{"name":"after"}"#]).status == 0)
        serve.stop()

        // Nothing the platform wrote or said holds a value, in any common encoding.
        var haystack = said.joined(separator: "\n") + serve.output
        for file in (try? FileManager.default.subpathsOfDirectory(atPath: data.path)) ?? [] where !file.hasPrefix("instances/bundles") {
            if let bytes = FileManager.default.contents(atPath: data.appendingPathComponent(file).path) {
                haystack += String(decoding: bytes, as: UTF8.self)
            }
        }
        for log in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where log.hasSuffix(".log") {
            haystack += (try? String(contentsOf: dir.appendingPathComponent(log), encoding: .utf8)) ?? ""
        }
        for value in [defaultValue, overrideValue] {
            for form in [value, Data(value.utf8).base64EncodedString(), value.utf8.map { String(format: "%02x", $0) }.joined()] {
                #expect(!haystack.contains(form), "found \(form)")
            }
        }

        // The master key file is guarded: loose permissions, a wrong key and a missing key are
        // each refused, and nothing is overwritten.
        let keyFile = data.appendingPathComponent("master.key")
        let original = try Data(contentsOf: keyFile)
        chmod(keyFile.path, 0o644)
        let loose = try serveOnce(data)
        #expect(loose.status == 1 && loose.stderr.contains("readable by its owner only"))
        chmod(keyFile.path, 0o600)
        let wrong = try serveOnce(
            data, environment: ["MARINA_MASTER_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()])
        #expect(wrong.status == 1 && wrong.stderr.contains("encrypted with master key"))
        try FileManager.default.moveItem(at: keyFile, to: dir.appendingPathComponent("kept.key"))
        let gone = try serveOnce(data)
        #expect(gone.status == 1 && gone.stderr.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: keyFile.path))
        try FileManager.default.moveItem(at: dir.appendingPathComponent("kept.key"), to: keyFile)
        #expect(try Data(contentsOf: keyFile) == original)
    }
}
