import Foundation
import Testing

/// `marina init`, `marina dev` and the MarinaKit example through a real `marina serve`.
/// (docs/tests/test_quickstarts.py runs each language's template from init to a tool call.)
@Suite(.serialized) struct AuthoringCLITests {
    @Test func initRefusesBadInputAndWritesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["init", "Bad_Slug", "--lang", "python"], in: dir).status == 2)
        #expect(try CLI.run(["init", "fine-app", "--lang", "cobol"], in: dir).status == 2)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("taken"), withIntermediateDirectories: true)
        try "x".write(to: dir.appendingPathComponent("taken/file"), atomically: true, encoding: .utf8)
        let refused = try CLI.run(["init", "taken", "--lang", "python"], in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("taken").path) == ["file"])
    }

    @Test(arguments: ["python", "typescript", "swift"])
    func eachTemplateIsFilledInAndValid(lang: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try CLI.run(["init", "my-app", "--lang", lang, "--name", "My App"], in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        let app = dir.appendingPathComponent("my-app")
        let files = FileManager.default.enumerator(atPath: app.path)?.compactMap { $0 as? String } ?? []
        #expect(files.contains(".marinaignore") && files.contains("build"))
        #expect(!files.contains { $0.contains("__slug__") })
        for file in files {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: app.appendingPathComponent(file).path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            let text = try String(contentsOf: app.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("{{"), "\(file) still has a placeholder")
        }
        #expect(FileManager.default.isExecutableFile(atPath: app.appendingPathComponent("build").path))
        let validated = try CLI.run(["validate", app.path])
        #expect(validated.status == 0, "\(validated.stdout) \(validated.stderr)")
        #expect(try String(contentsOf: app.appendingPathComponent("marina.app.yaml"), encoding: .utf8).contains("name: My App"))
    }

    /// `marina dev` on a fresh Python app: deploys, answers, redeploys on an edit, keeps the last good
    /// version through a broken manifest, and takes its platform down with it.
    @Test func devDeploysRedeploysAndStopsItsPlatform() async throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["init", "dev-probe", "--lang", "python"], in: dir).status == 0)
        let app = dir.appendingPathComponent("dev-probe")
        let log = dir.appendingPathComponent("dev.out")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let dev = Process()
        dev.executableURL = CLI.binary
        dev.arguments = ["dev", "--poll", "0.2"]
        dev.currentDirectoryURL = app
        let handle = try FileHandle(forWritingTo: log)
        dev.standardOutput = handle
        dev.standardError = handle
        try dev.run()
        defer { if dev.isRunning { kill(dev.processIdentifier, SIGKILL) } }
        let output = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let devInfo = app.appendingPathComponent(".marina/dev.json")
        func deployedVersion() -> String? {
            guard let data = try? Data(contentsOf: devInfo), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                return nil
            }
            return object["version"] as? String
        }
        func waitFor(_ what: String, seconds: Double = 120, _ condition: () -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition() {
                guard Date() < deadline, dev.isRunning else { throw ServeError(message: "\(what) did not happen:\n\(output())") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        func hello() throws -> [String: Any] {
            let r = try CLI.run(["invoke", "dev-probe", "hello", "--tenant", "dev", "--args", #"{"name": "Ada"}"#, "--json"], in: app)
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? ["stderr": r.stderr]
        }

        try await waitFor("the first deploy") { deployedVersion() != nil }
        let first = try #require(deployedVersion())
        #expect(first.hasPrefix("0.1.0-dev."))
        #expect(output().contains("marina invoke dev-probe hello --tenant dev --args '{\"name\":\"conformance\"}'"))
        #expect(try hello() as NSDictionary == ["greeting": "Hello, Ada!", "count": 1])

        let source = app.appendingPathComponent("app.py")
        try (try String(contentsOf: source, encoding: .utf8)).replacingOccurrences(of: "Hello, ", with: "Howdy, ").write(
            to: source, atomically: true, encoding: .utf8)
        try await waitFor("the redeploy") { deployedVersion().map { $0 != first } ?? false }
        let second = try #require(deployedVersion())
        #expect(try hello() as NSDictionary == ["greeting": "Howdy, Ada!", "count": 2])

        let manifest = app.appendingPathComponent("marina.app.yaml")
        let good = try String(contentsOf: manifest, encoding: .utf8)
        try (good + "bogus: 1\n").write(to: manifest, atomically: true, encoding: .utf8)
        try await waitFor("the manifest diagnostics") { output().contains("unknown_field") }
        #expect(deployedVersion() == second)
        #expect(try hello()["count"] as? Int == 3)
        try good.write(to: manifest, atomically: true, encoding: .utf8)
        try await waitFor("the redeploy after the fix") { deployedVersion().map { $0 != second } ?? false }

        let serveInfo = try JSONSerialization.jsonObject(with: Data(contentsOf: app.appendingPathComponent(".marina/serve.json"))) as? [String: Any]
        let servePid = try #require(serveInfo?["pid"] as? Int)
        dev.terminate()
        for _ in 0..<300 where dev.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!dev.isRunning && dev.terminationStatus == 0, "\(output())")
        #expect(kill(pid_t(servePid), 0) != 0, "the dev platform is still running")
        #expect(!FileManager.default.fileExists(atPath: devInfo.path))
    }

    /// However `marina dev` ends (here SIGKILL), the platform it started does not outlive it.
    @Test func aKilledDevTakesItsPlatformWithIt() async throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["init", "dev-kill", "--lang", "python"], in: dir).status == 0)
        let app = dir.appendingPathComponent("dev-kill")
        let dev = Process()
        dev.executableURL = CLI.binary
        dev.arguments = ["dev", "--no-build"]
        dev.currentDirectoryURL = app
        dev.standardOutput = FileHandle.nullDevice
        dev.standardError = FileHandle.nullDevice
        try dev.run()
        let info = app.appendingPathComponent(".marina/serve.json")
        var servePid: Int32?
        for _ in 0..<600 where servePid == nil {
            if let data = try? Data(contentsOf: info), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                servePid = (object["pid"] as? Int).map(Int32.init)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(dev.processIdentifier, SIGKILL)
        let pid = try #require(servePid, "the dev platform never started")
        var alive = true
        for _ in 0..<200 where alive {
            try await Task.sleep(for: .milliseconds(50))
            alive = kill(pid, 0) == 0
        }
        if alive { kill(pid, SIGKILL) }
        #expect(!alive, "the platform outlived its marina dev")
    }

    /// The MarinaKit example as a partner ships it: the manifest and the compiled binary.
    @Test func theMarinaKitExampleRunsThroughServe() throws {
        let binary = CLI.root.appendingPathComponent(".build/debug/hello-swift")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path), "scripts/test builds hello-swift")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = dir.appendingPathComponent("hello-swift")
        try FileManager.default.createDirectory(at: app.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: CLI.root.appendingPathComponent("examples/hello-swift/marina.app.yaml"), to: app.appendingPathComponent("marina.app.yaml"))
        try FileManager.default.copyItem(at: binary, to: app.appendingPathComponent("bin/hello-swift"))
        let serve = try ServeProcess(data: dir.appendingPathComponent(".marina"))
        defer { serve.stop() }
        func run(_ args: [String]) throws -> CLI.Result { try CLI.run(args, in: dir) }
        #expect(try run(["publish", app.path]).status == 0)
        #expect(try run(["deploy", "--app", "hello-swift", "--version", "1.0.0"]).status == 0)
        for tenant in ["acme", "globex"] {
            #expect(try run(["tenants", "create", tenant]).status == 0)
            let installed = try run(["install", "hello-swift", "--tenant", tenant, "--grant-all"])
            #expect(installed.status == 0, "\(installed.stderr)")
        }
        func greet(_ tenant: String, _ args: String) throws -> CLI.Result {
            try run(["invoke", "hello-swift", "greet", "--tenant", tenant, "--args", args, "--json"])
        }
        #expect(try greet("acme", #"{"name": "Ada"}"#).stdout.contains(#""count":1"#))
        #expect(try greet("acme", #"{"name": "Bob"}"#).stdout.contains(#""count":2"#))
        // Each tenant's kv is its own; MarinaKit decoded the arguments (the platform checked the schema first).
        #expect(try greet("globex", #"{"name": "Eve"}"#).stdout.contains(#"{"count":1,"greeting":"Hello, Eve!"}"#))
        let refused = try greet("acme", #"{"name": 3}"#)
        #expect(refused.status == 1 && refused.stderr.contains("invalid_args"))
        let logs = try run(["logs", "hello-swift", "--tenant", "acme"])
        #expect(logs.stdout.contains("installed for acme"))
    }
}
