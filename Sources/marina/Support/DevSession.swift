import Foundation
import MarinaBundle
import MarinaCore
import MarinaRuntime
import MarinaSandbox
import MarinaServer
import NIOCore

/// One `marina dev` run: the platform it started and the app it keeps deployed there.
final class DevSession: @unchecked Sendable {
    let app: URL
    let tenant: String
    let build: Bool
    /// The scopes manifests are checked against (the operator's file, when given, extends them).
    let catalog: ScopeCatalog
    let platform: ChildProcess
    let platformLog: URL
    let client: APIClient
    private var lastDevNumber = 0
    private var logs: Task<Void, Never>?
    private var installed = false

    init(app: URL, tenant: String, build: Bool, catalog: ScopeCatalog, platform: ChildProcess, platformLog: URL, client: APIClient) {
        self.app = app
        self.tenant = tenant
        self.build = build
        self.catalog = catalog
        self.platform = platform
        self.platformLog = platformLog
        self.client = client
    }

    /// Starts `marina serve` with its data in APP/.marina and waits until it answers.
    static func start(
        app: URL, tenant: String, listen: String, build: Bool, catalog: (ScopeCatalog, file: String?) = (.default, nil)
    ) async throws(CLIError) -> DevSession {
        let data = app.appendingPathComponent(DataDirectory.defaultPath)
        let info = DataDirectory(url: data).serveInfo
        do { try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true) } catch {
            throw .failed("cannot create \(data.path)")
        }
        stopLeftover(data)
        try? FileManager.default.removeItem(at: info)
        let log = data.appendingPathComponent("dev-serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: log.path) else { throw .failed("cannot write \(log.path)") }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let platform: ChildProcess
        do {
            // A developer's own machine: without root, instances share the developer's user.
            platform = try ChildProcess.start(
                [executable, "serve", "--data", data.path, "--listen", listen, "--parent-pid", String(getpid())]
                    + (catalog.file.map { ["--scopes", $0] } ?? []) + (getuid() == 0 ? [] : ["--allow-shared-uid"]),
                directory: app.path, output: handle.fileDescriptor, error: handle.fileDescriptor)
        } catch { throw .failed("\(error)") }
        try? handle.close()
        Output.line("starting a platform for \(app.lastPathComponent) (data in \(data.path), log in \(log.path))")
        for _ in 0..<600 {
            if let code = platform.poll() {
                let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5).joined(separator: "\n")
                throw .failed("the platform did not start (exit \(code)):\n\(tail)")
            }
            if let bytes = try? Data(contentsOf: info), let object = try? JSONParser.parse(Array(bytes)),
                object["pid"]?.intValue == Int(platform.pid),
                let url = object["url"]?.stringValue, let key = try? String(contentsOf: DataDirectory(url: data).adminKey, encoding: .utf8)
            {
                let client = APIClient(server: url, apiKey: key.trimmingCharacters(in: .whitespacesAndNewlines))
                let session = DevSession(
                    app: app, tenant: tenant, build: build, catalog: catalog.0, platform: platform, platformLog: log, client: client)
                Output.line("platform ready at \(url)")
                do throws(CLIError) {
                    let body = CanonicalJSON.bytes(["slug": .string(tenant), "name": "Development"])
                    let created = try await client.raw(
                        .POST, "/api/v1/tenants", body: .bytes(ByteBuffer(bytes: body)), contentType: "application/json")
                    if created.status != 409 { _ = try APIClient.check(created) }
                } catch {
                    await platform.terminate()
                    throw error
                }
                return session
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        await platform.terminate()
        throw .failed("the platform did not answer within 30 s; its log: \(log.path)")
    }

    /// A platform an earlier `dev` here started and did not stop (it was killed): ended, so that
    /// this run can take the data directory.
    static func stopLeftover(_ data: URL) {
        guard FileManager.default.fileExists(atPath: data.appendingPathComponent("dev.json").path),
            let bytes = try? Data(contentsOf: DataDirectory(url: data).serveInfo), let pid = (try? JSONParser.parse(Array(bytes)))?["pid"]?.intValue,
            let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        else { return }
        let argv = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard argv.contains("serve"), argv.contains(data.path) else { return }
        Output.line("stopping the platform an earlier marina dev left running (pid \(pid))")
        kill(pid_t(pid), SIGTERM)
        for _ in 0..<200 where kill(pid_t(pid), 0) == 0 { usleep(50_000) }
    }

    /// Builds, publishes a development version, installs or upgrades, restarts the log stream.
    /// False (with the reason printed) when any step failed; the previous version keeps running.
    func deploy() async -> Bool {
        do throws(CLIError) {
            if build, FileManager.default.isExecutableFile(atPath: app.appendingPathComponent("build").path) {
                Output.line("building: ./build")
                let child: ChildProcess
                do { child = try ChildProcess.start(["./build"], directory: app.path, ownGroup: true) } catch { throw .failed("\(error)") }
                let status = await child.wait()
                guard status == 0 else { throw .failed("./build failed (exit \(status))") }
            }
            var source = try Publisher.load(app.path, catalog: catalog)
            let version = nextVersion(source.manifest.app.version)
            try rewrite(&source, version: version)
            let appId = source.manifest.app.id
            _ = try await Publisher.publish(source, client: client, progress: ProgressLine(enabled: true))
            _ = try await client.send(.PUT, "/api/v1/apps/\(appId)/channels/current", json: ["version": .string(version)])
            let path = "/api/v1/tenants/\(tenant)/installs/\(appId)"
            let current = try await client.raw(.GET, path)
            var reply: JSONValue
            if current.status == 404 {
                reply = try await client.send(.PUT, path, json: ["version": .string(version), "grant_all": true, "policy": "manual"])
            } else {
                reply = try await client.send(.POST, path + "/upgrade", json: ["version": .string(version), "grant_all": true])
            }
            for _ in 0..<600 where reply["state"] == "installing" {
                try? await Task.sleep(for: .milliseconds(100))
                reply = try await client.send(.GET, path)
            }
            guard reply["state"] == "active" else { throw .failed("the install is \(reply["state"]?.text ?? "?"): \(reply["failure"]?.text ?? "")") }
            streamLogs(appId)
            Output.line(
                "ready: \(appId) \(version) in tenant \(tenant) (granted: \((reply["granted_scopes"]?.arrayValue ?? []).map(\.text).joined(separator: ", ")))"
            )
            for tool in source.manifest.tools {
                let args = CanonicalJSON.string(ConformanceCommand.sampleArguments(tool.inputSchema))
                Output.line("  marina invoke \(appId) \(tool.name) --tenant \(tenant) --args '\(args)'")
            }
            try? DataDirectory.writeSecret(
                CanonicalJSON.string([
                    "app": .string(appId), "version": .string(version), "tenant": .string(tenant), "server": .string(client.server),
                ]) + "\n",
                to: app.appendingPathComponent(DataDirectory.defaultPath).appendingPathComponent("dev.json"))
            installed = true
            return true
        } catch {
            Output.error("marina dev: " + error.description)
            return false
        }
    }

    /// `1.2.0` → `1.2.0-dev.N`, `1.2.0-rc.1` → `1.2.0-rc.1.dev.N`; N grows with the clock, so
    /// every deploy is a newer version than the last, across runs too.
    func nextVersion(_ base: String) -> String {
        lastDevNumber = max(Int(Date().timeIntervalSince1970), lastDevNumber + 1)
        return base + (base.contains("-") ? ".dev." : "-dev.") + String(lastDevNumber)
    }

    /// Publishes the manifest with `version` in place of the file's: the same file name, holding
    /// the canonical marina/v1 JSON (JSON is YAML, so a `.yaml` name still reads).
    func rewrite(_ source: inout Publisher.Source, version: String) throws(CLIError) {
        guard case .object(var document)? = source.report.native, case .object(var appSection)? = document["app"] else {
            throw .failed("cannot read the manifest's app section")
        }
        appSection["version"] = .string(version)
        document["app"] = .object(appSection)
        let bytes = CanonicalJSON.bytes(.object(document))
        let report = ManifestLoader.load(bytes: bytes, fileName: source.manifestFile.lastPathComponent)
        guard let manifest = report.manifest, let hash = report.hash, report.isValid else {
            throw .failed("marina dev needs a marina/v1 manifest (convert this one with marina manifest convert)")
        }
        source.manifest = manifest
        source.hash = hash
        source.report = report
        source.replacing[source.manifestFile.lastPathComponent] = bytes
    }

    /// Follows the instance's log on standard output, "app | …".
    func streamLogs(_ appId: String) {
        logs?.cancel()
        let client = client, tenant = tenant
        logs = Task {
            try? await client.stream("/api/v1/tenants/\(tenant)/apps/\(appId)/logs?follow=1") { line in
                guard let value = try? JSONParser.parse(Array(line.utf8)) else { return }
                Output.line("\(appId) | \(value["text"]?.text ?? "")")
            }
        }
    }

    func close() async {
        logs?.cancel()
        await platform.terminate()
        try? FileManager.default.removeItem(at: app.appendingPathComponent(DataDirectory.defaultPath).appendingPathComponent("dev.json"))
    }

    /// What `dev` watches: every file's path, size and modification time, leaving out build
    /// caches and dependencies (`.build`, `.git`, `.marina`, `node_modules`, `__pycache__`, `.swiftpm`).
    static func fingerprint(_ root: URL) -> [String: [Int]] {
        let skipped: Set<String> = [".build", ".git", ".marina", "node_modules", "__pycache__", ".swiftpm"]
        var out: [String: [Int]] = [:]
        func walk(_ dir: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names where !skipped.contains(name) {
                let path = dir + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR { walk(path); continue }
                out[path] = [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
            }
        }
        walk(root.path)
        return out
    }
}
