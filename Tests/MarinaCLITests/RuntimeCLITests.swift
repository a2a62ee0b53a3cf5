import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing

/// Installs, sandboxed instances and dispatch through a real `marina serve`.
@Suite(.serialized) struct RuntimeCLITests {
    struct Platform {
        let dir: URL
        let serve: ServeProcess

        init(_ extra: [String] = []) throws {
            dir = try CLI.temporaryDirectory()
            serve = try ServeProcess(data: dir.appendingPathComponent(".marina"), extra: extra)
        }

        @discardableResult
        func run(_ args: [String]) throws -> CLI.Result { try CLI.run(args, in: dir) }

        func json(_ args: [String]) throws -> Any {
            let r = try run(args + ["--json"])
            guard r.status == 0 else { throw ServeError(message: "\(args) failed: \(r.stderr)") }
            return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        }

        /// Publishes and deploys an app built by `ProbeApp`.
        func ship(_ app: URL, version: String = "1.0.0", id: String) throws {
            let p = try run(["publish", app.path])
            guard p.status == 0 else { throw ServeError(message: "publish failed: \(p.stderr)") }
            try run(["deploy", "--app", id, "--version", version])
        }

        func invoke(_ app: String, _ tool: String, tenant: String, _ args: String = "{}") throws -> CLI.Result {
            try run(["invoke", app, tool, "--tenant", tenant, "--args", args, "--json"])
        }

        func object(_ r: CLI.Result) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:] }
    }

    @Test func aSandboxedAppCallsThePlatformBackUnderItsScopes() throws {
        let p = try Platform()
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", scopes: ["kv.read", "kv.write", "files.read"], in: p.dir), id: "probe")
        try p.run(["tenants", "create", "acme"])
        let installed = try p.run(["install", "probe", "--tenant", "acme", "--grant", "kv.read", "--grant", "kv.write"])
        #expect(installed.status == 0, "\(installed.stderr)")
        // From inside the sandbox (no network), MARINA_URL reaches the platform.
        let set = p.object(try p.invoke("probe", "callback", tenant: "acme", #"{"tool": "kv_set", "args": {"key": "k", "value": [1, 2]}}"#))
        #expect(set["status"] as? Int == 200, "\(set)")
        #expect((set["reply"] as? [String: Any])?["ok"] as? Bool == true)
        let get = p.object(try p.invoke("probe", "callback", tenant: "acme", #"{"tool": "kv_get", "args": {"key": "k"}}"#))
        #expect(((get["reply"] as? [String: Any])?["result"] as? [String: Any])?["value"] as? [Int] == [1, 2])
        // Declared but not granted: refused by the scope gate, and audited.
        let denied = p.object(try p.invoke("probe", "callback", tenant: "acme", #"{"tool": "files_list", "args": {}}"#))
        let error = (denied["reply"] as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["decision"] as? String == "scope_denied" && error?["needed_scopes"] as? [String] == ["files.read"])
        let audit = try p.run(["audit", "--tenant", "acme", "--kind", "app_call", "--json"])
        #expect(audit.stdout.contains("deny:no_scope") && audit.stdout.contains("kv_set"))
        // The only other way out is the egress proxy, which refuses what the manifest does not list.
        let fetched = p.object(try p.invoke("probe", "fetch", tenant: "acme", #"{"url": "http://blocked.example.org/"}"#))
        #expect(fetched["status"] as? Int == 403 && (fetched["body"] as? String)?.contains("deny:host_not_allowed") == true, "\(fetched)")
        let literal = p.object(try p.invoke("probe", "fetch", tenant: "acme", #"{"url": "http://10.1.2.3/"}"#))
        #expect(literal["status"] as? Int == 403, "\(literal)")
        Thread.sleep(forTimeInterval: 0.5)
        let egress = try p.run(["audit", "--tenant", "acme", "--kind", "egress", "--json"])
        #expect(egress.stdout.contains("blocked.example.org:80") && egress.stdout.contains("deny:ip_literal"))
    }

    @Test func appsInvokeOtherAppsButNeverInACycle() throws {
        let p = try Platform()
        defer { p.serve.stop() }
        for id in ["probe-a", "probe-b"] {
            try p.ship(try ProbeApp.make(id: id, scopes: ["apps.invoke"], in: p.dir), id: id)
        }
        try p.run(["tenants", "create", "acme"])
        for id in ["probe-a", "probe-b"] { #expect(try p.run(["install", id, "--tenant", "acme", "--grant-all"]).status == 0) }
        func reply(_ r: CLI.Result) -> [String: Any] { p.object(r)["reply"] as? [String: Any] ?? [:] }
        // a → b: the other app's tool answers.
        let direct = reply(
            try p.invoke(
                "probe-a", "callback", tenant: "acme",
                #"{"tool": "apps_invoke", "args": {"app": "probe-b", "tool": "echo", "args": {"text": "hi"}}}"#))
        #expect(((direct["result"] as? [String: Any])?["echo"] as? [String: Any])?["text"] as? String == "hi", "\(direct)")
        // a → a and a → b → a are cycles, refused (b does not pass the request id back).
        let itself = reply(
            try p.invoke(
                "probe-a", "callback", tenant: "acme", #"{"tool": "apps_invoke", "args": {"app": "probe-a", "tool": "echo", "args": {"text": "x"}}}"#)
        )
        let message = (itself["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("cycle"), "\(itself)")
        let around = reply(
            try p.invoke(
                "probe-a", "callback", tenant: "acme",
                #"""
                {"tool": "apps_invoke", "args": {"app": "probe-b", "tool": "callback", "args": {"tool": "apps_invoke", "args": {"app": "probe-a", "tool": "echo", "args": {"text": "x"}}}}}
                """#))
        let inner = ((around["result"] as? [String: Any])?["reply"] as? [String: Any])?["error"] as? [String: Any]
        #expect((inner?["message"] as? String)?.contains("probe-a → probe-b → probe-a") == true, "\(around)")
    }

    /// The request id an app sends back only extends a chain issued to that app for a call still
    /// in flight: the id of another app's finished call (whose chain is short) does not reset it.
    @Test func anAppCannotShortenItsChainWithAnotherCallsRequestId() throws {
        let p = try Platform()
        defer { p.serve.stop() }
        for id in ["probe-a", "probe-b", "probe-c"] {
            try p.ship(try ProbeApp.make(id: id, scopes: ["apps.invoke"], in: p.dir), id: id)
        }
        try p.run(["tenants", "create", "acme"])
        for id in ["probe-a", "probe-b", "probe-c"] { #expect(try p.run(["install", id, "--tenant", "acme", "--grant-all"]).status == 0) }
        func reply(_ r: CLI.Result) -> [String: Any] { p.object(r)["reply"] as? [String: Any] ?? [:] }
        // b → c: c learns the request id of that call (chain b → c), and echoes it.
        let first = reply(
            try p.invoke(
                "probe-b", "callback", tenant: "acme",
                #"{"tool": "apps_invoke", "args": {"app": "probe-c", "tool": "echo", "args": {"text": "x"}}}"#))
        let issued = try #require(((first["result"] as? [String: Any])?["request_id"] as? String), "\(first)")
        // a → b → a, with b claiming to handle that other request: still the cycle it is.
        for claimed in [issued, "req_made_up"] {
            let around = reply(
                try p.invoke(
                    "probe-a", "callback", tenant: "acme",
                    """
                    {"tool": "apps_invoke", "args": {"app": "probe-b", "tool": "callback", "args": {"tool": "apps_invoke", "as_request": "\(claimed)", "args": {"app": "probe-a", "tool": "echo", "args": {"text": "y"}}}}}
                    """))
            let inner = ((around["result"] as? [String: Any])?["reply"] as? [String: Any])
            #expect(inner?["ok"] as? Bool == false, "\(claimed): \(around)")
            #expect(
                ((inner?["error"] as? [String: Any])?["message"] as? String)?.contains("probe-a → probe-b → probe-a") == true, "\(claimed): \(around)"
            )
        }
    }

    /// Every process's command line on this host.
    static func commandLines() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map {
                String(decoding: $0.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            }
        }
    }

    @Test func twoTenantsGetTwoSandboxedInstancesWithSeparateData() throws {
        let p = try Platform()
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        for t in ["acme", "globex"] {
            try p.run(["tenants", "create", t])
            let installed = try p.run(["install", "probe", "--tenant", t])
            #expect(installed.status == 0 && installed.stdout.contains("active"), "\(installed.stderr)")
        }
        let a = p.object(try p.invoke("probe", "whoami", tenant: "acme"))
        let b = p.object(try p.invoke("probe", "whoami", tenant: "globex"))
        #expect(a["pid"] != nil && b["pid"] != nil)
        #expect((a["uid"] as? Int) != 0 && (b["uid"] as? Int) != 0)
        #expect(a["uid"] as? Int != b["uid"] as? Int)
        // Each sees only its own data directory.
        let aData = a["data"] as? [String] ?? [], bData = b["data"] as? [String] ?? []
        #expect(aData == ["marker-acme"] && bData == ["marker-globex"])
        // The sandbox: no capabilities, no new privileges, loopback only, read-only bundle and system.
        #expect(a["cap_eff"] as? String == "0000000000000000")
        #expect(a["no_new_privs"] as? String == "1")
        #expect(a["interfaces"] as? [String] == ["lo"])
        #expect(a["write_app"] as? Bool == false && a["write_usr"] as? Bool == false && a["write_etc"] as? Bool == false)
        #expect(a["write_tmp"] as? Bool == true)
        #expect(a["sees_root"] as? Bool == false && a["sees_marina_data"] as? Bool == false)
        // Only SPEC §4's environment (plus the manifest's MODE and the basics of a process).
        // The seccomp filter is in force: the denied calls fail with EPERM (1).
        #expect(a["seccomp"] as? String == "2")
        let denied = a["denied_syscalls"] as? [String: Int] ?? [:]
        #expect(!denied.isEmpty && denied.values.allSatisfy { $0 == 1 }, "\(denied)")
        // /tmp and /dev/shm are tmpfs of the instance's memory limit (128 MB here).
        #expect(a["tmp_bytes"] as? Int == 128 * 1024 * 1024 && a["shm_bytes"] as? Int == 128 * 1024 * 1024)
        // The descriptors that carried its environment and filter to bubblewrap are not left open:
        // standard streams and the sockets and files the app itself opened only.
        let files = a["open_files"] as? [String] ?? []
        #expect(!files.isEmpty && !files.contains { $0.contains("memfd:") || $0.contains("marina-") }, "\(files)")
        // Nothing else of serve's either: the app started with its three standard streams only.
        #expect(a["inherited_fds"] as? [Int] == [0, 1, 2], "\(a["inherited_fds"] ?? "none")")
        // The app token is in no process's command line on the host (it reached bubblewrap through a
        // descriptor), and the token file holds the same token.
        let tokenHead = a["token_head"] as? String ?? ""
        #expect(tokenHead.count == 48 && a["token_file"] as? String == tokenHead)
        #expect(Self.commandLines().filter { $0.contains(tokenHead) }.isEmpty)
        #expect(
            Set(a["env"] as? [String] ?? []) == [
                "PORT", "MARINA_URL", "MARINA_APP_TOKEN", "MARINA_APP_TOKEN_FILE", "MARINA_TENANT", "MARINA_APP", "MARINA_VERSION",
                "MARINA_INSTALL_ID", "MARINA_JWKS",
                "MARINA_SOCKET", "NO_PROXY", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "MODE", "HOME", "PATH", "TMPDIR",
                "LANG", "PWD",
            ])
        // The install event arrived, with an id and an invocation token.
        let events = a["events"] as? [[String: Any]] ?? []
        #expect(events.first?["type"] as? String == "install" && (events.first?["id"] as? String)?.hasPrefix("evt_") == true)
        #expect(events.first?["auth"] as? String == "Bearer ")

        let instances = try p.json(["instances"]) as? [[String: Any]] ?? []
        #expect(instances.count == 2)
        #expect(Set(instances.compactMap { $0["pid"] as? Int }).count == 2)
        for i in instances {
            #expect(i["state"] as? String == "ready")
            let limits = i["limits"] as? [String: Any]
            #expect(limits?["memory_mb"] as? Int == 128 && limits?["max_processes"] as? Int == 32)
            #expect(["cgroup-v1", "cgroup-v2", "rlimit"].contains(limits?["mechanism"] as? String ?? ""))
        }
        // A tenant's identity sees only its own tenant's instance and cannot call into the other.
        let member = try p.run(["keys", "create", "--role", "tenant_member", "--tenant", "acme"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect((try p.json(["instances", "--api-key", member]) as? [[String: Any]])?.count == 1)
        let foreign = try p.run(["invoke", "probe", "echo", "--tenant", "globex", "--args", #"{"text":"hi"}"#, "--api-key", member])
        #expect(foreign.status == 1 && foreign.stderr.contains("not_found"))
        #expect(try p.run(["invoke", "probe", "echo", "--tenant", "acme", "--args", #"{"text":"hi"}"#, "--api-key", member]).status == 0)
    }

    @Test func argumentsResultsErrorsAndTimeoutsAreChecked() async throws {
        let p = try Platform()
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir, timeout: 2), id: "probe")
        try p.run(["tenants", "create", "acme"])
        try p.run(["install", "probe", "--tenant", "acme"])
        let ok = p.object(try p.invoke("probe", "echo", tenant: "acme", #"{"text":"hello"}"#))
        #expect((ok["echo"] as? [String: Any])?["text"] as? String == "hello")
        #expect((ok["request_id"] as? String)?.hasPrefix("req_") == true && ok["bearer"] as? Bool == true)
        for (tool, args, code) in [
            ("echo", #"{"text": 5}"#, "invalid_args"), ("echo", #"{"text":"way too long for the schema"}"#, "invalid_args"),
            ("echo", "{}", "invalid_args"),
            ("nope", "{}", "unknown_tool"), ("garbage", "{}", "output_invalid"), ("big", "{}", "output_invalid"), ("fail", "{}", "app_error"),
            ("hang", "{}", "tool_timeout"),
        ] {
            let r = try p.invoke("probe", tool, tenant: "acme", args)
            #expect(r.status == 1, "\(tool)")
            #expect(r.stderr.contains(code), "\(tool): \(r.stderr)")
            #expect(!r.stderr.contains("Traceback"))
        }
        #expect(try p.invoke("probe", "echo", tenant: "acme", #"{"text":"still fine"}"#).status == 0)
        // The HTTP statuses: 400 before the app, 502 for what the app got wrong, 504 for silence.
        for (tool, args, status) in [
            ("echo", "{}", 400), ("fail", "{}", 502), ("garbage", "{}", 502), ("hang", "{}", 504), ("nope", "{}", 404),
            ("echo", #"{"text":"ok"}"#, 200),
        ] {
            var request = HTTPClientRequest(url: p.serve.url + "/api/v1/tenants/acme/apps/probe/tools/" + tool)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer " + p.serve.adminKey)
            request.body = .bytes(ByteBuffer(string: args))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(Int(response.status.code) == status, "\(tool)")
            let body = try await response.body.collect(upTo: 1 << 20)
            if status != 200 { #expect(String(buffer: body).hasPrefix("{\"error\":{\"code\":")) }
        }
    }

    @Test func crashesRestartAndHostileToolsAreContained() throws {
        let p = try Platform()
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir, memoryMB: 96), id: "probe")
        try p.run(["tenants", "create", "acme"])
        try p.run(["install", "probe", "--tenant", "acme"])
        let hostPid = { () throws -> Int? in ((try p.json(["instances"]) as? [[String: Any]])?.first?["pid"] as? Int) }
        let first = try hostPid()
        #expect(try p.invoke("probe", "crash", tenant: "acme").status == 1)
        // Restarted with backoff: the next calls work again, in a new process.
        var again: Int?
        for _ in 0..<40 {
            if try p.invoke("probe", "whoami", tenant: "acme").status == 0 { again = try hostPid(); break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        #expect(again != nil)
        // 60 MB of output: the instance keeps working and its log stays bounded.
        #expect(try p.invoke("probe", "flood", tenant: "acme").status == 0)
        let flooded = try p.run(["logs", "probe", "--tenant", "acme"]).stdout
        #expect(flooded.split(separator: "\n").count <= 2_000)
        #expect(flooded.utf8.count < 20 * 1024 * 1024)
        let forks = p.object(try p.invoke("probe", "forkbomb", tenant: "acme"))
        #expect((forks["started"] as? Int ?? 10_000) < 40, "\(forks)")
        #expect(try p.invoke("probe", "oom", tenant: "acme").status == 1)
        var recovered = false
        for _ in 0..<40 where !recovered {
            recovered = try p.invoke("probe", "echo", tenant: "acme", #"{"text":"alive"}"#).status == 0
            if !recovered { Thread.sleep(forTimeInterval: 0.25) }
        }
        #expect(recovered)
        #expect(try p.run(["whoami"]).status == 0)
        let log = try p.run(["logs", "probe", "--tenant", "acme"]).stdout
        #expect(log.contains("crashed"))
        #expect(again != first)
    }

    @Test func appsThatNeverBecomeHealthyExitOrServeAnotherManifestAreRefused() throws {
        let p = try Platform(["--event-retries", "2", "--start-timeout", "4"])
        defer { p.serve.stop() }
        try p.run(["tenants", "create", "acme"])
        for (id, mode, expected) in [
            ("sick", "never-healthy", "instance_unhealthy"), ("quitter", "exit", "refusing to start"),
            ("liar", "wrong-manifest", "instance_manifest_mismatch"),
            ("grumpy", "fail-install", "cannot take installs"),
        ] {
            try p.ship(try ProbeApp.make(id: id, mode: mode, in: p.dir), id: id)
            let r = try p.run(["install", id, "--tenant", "acme"])
            #expect(r.status == 1, "\(id)")
            #expect(r.stderr.contains(expected), "\(id): \(r.stderr)")
        }
        let installs = try CLI.run(["instances", "--json"], in: p.dir)
        #expect(installs.status == 0)
    }

    @Test func idleInstancesSleepAndConcurrentFirstCallsShareOneStart() async throws {
        let p = try Platform(["--idle-timeout", "1"])
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        try p.run(["tenants", "create", "acme"])
        try p.run(["install", "probe", "--tenant", "acme"])
        var state = ""
        for _ in 0..<40 {
            state = ((try p.json(["instances"]) as? [[String: Any]])?.first?["state"] as? String) ?? ""
            if state == "sleeping" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(state == "sleeping")
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for i in 0..<5 { group.addTask { try p.invoke("probe", "echo", tenant: "acme", #"{"text":"call \#(i)"}"#).status } }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses == [0, 0, 0, 0, 0])
        let log = try p.run(["logs", "probe", "--tenant", "acme"]).stdout
        #expect(log.components(separatedBy: "starting probe").count - 1 == 2, "one start for the install, one for the wake: \(log)")
    }

    /// An instance put to sleep gets SIGTERM in its sandbox and time to finish: what it writes on
    /// the way out is there when it wakes.
    @Test func aSleepingInstanceEndsOnSIGTERMInItsOwnTime() async throws {
        let p = try Platform(["--idle-timeout", "1"])
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        try p.run(["tenants", "create", "acme"])
        try p.run(["install", "probe", "--tenant", "acme"])
        let first = p.object(try p.invoke("probe", "note_term", tenant: "acme"))
        #expect(first["noting"] as? Bool == true, "\(first)")
        var asleep = false
        for _ in 0..<100 where !asleep {
            try await Task.sleep(for: .milliseconds(200))
            asleep = (try p.json(["instances"]) as? [[String: Any]])?.first?["state"] as? String == "sleeping"
        }
        #expect(asleep)
        let again = p.object(try p.invoke("probe", "whoami", tenant: "acme"))
        #expect((again["data"] as? [String] ?? []).contains("term-seen"), "\(again)")
    }

    @Test func killDashNineOfServeLeavesNoSandboxRunning() throws {
        let p = try Platform()
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        try p.run(["tenants", "create", "acme"])
        try p.run(["install", "probe", "--tenant", "acme"])
        let instances = try p.json(["instances"]) as? [[String: Any]] ?? []
        let pid = try #require(instances.first?["pid"] as? Int)
        #expect(kill(pid_t(pid), 0) == 0)
        p.serve.kill9()
        var gone = false
        for _ in 0..<50 where !gone {
            gone = kill(pid_t(pid), 0) != 0
            if !gone { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(gone)
        let restarted = try ServeProcess(data: p.dir.appendingPathComponent(".marina"))
        defer { restarted.stop() }
        #expect(try CLI.run(["invoke", "probe", "echo", "--tenant", "acme", "--args", #"{"text":"back"}"#], in: p.dir).status == 0)
    }

    @Test func updatePoliciesAndOneInstallPerTenant() async throws {
        let p = try Platform()
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        for t in ["auto", "manual", "pinned"] { try p.run(["tenants", "create", "t-\(t)"]) }
        let racing = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<4 { group.addTask { try p.run(["install", "probe", "--tenant", "t-auto"]).status } }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(racing.filter { $0 == 0 }.count == 1, "\(racing)")
        try p.run(["install", "probe", "--tenant", "t-manual", "--policy", "manual"])
        try p.run(["install", "probe", "--tenant", "t-pinned", "--policy", "pinned"])
        try p.ship(try ProbeApp.make(id: "probe", version: "1.1.0", in: p.dir), version: "1.1.0", id: "probe")
        /// Calls the tenant's install and answers which version's instance served it.
        let list = { (tenant: String) throws -> String? in
            try p.run(["invoke", "probe", "echo", "--tenant", tenant, "--args", #"{"text":"v"}"#])
            let instances = try p.json(["instances"]) as? [[String: Any]] ?? []
            return instances.first { $0["tenant"] as? String == tenant && $0["state"] as? String == "ready" }?["version"] as? String
        }
        #expect(try list("t-auto") == "1.1.0")
        #expect(try list("t-manual") == "1.0.0")
        #expect(try list("t-pinned") == "1.0.0")
        #expect(try p.run(["upgrade", "probe", "--tenant", "t-manual"]).status == 0)
        #expect(try list("t-manual") == "1.1.0")
        // A version that needs a new scope: auto installs stay and need consent.
        try p.ship(try ProbeApp.make(id: "probe", version: "2.0.0", scopes: ["kv.read"], in: p.dir), version: "2.0.0", id: "probe")
        #expect(try list("t-auto") == "1.1.0")
        let refused = try p.run(["upgrade", "probe", "--tenant", "t-auto"])
        #expect(refused.status == 1 && refused.stderr.contains("consent_required"))
        #expect(try p.run(["upgrade", "probe", "--tenant", "t-auto", "--grant", "kv.read"]).status == 0)
        #expect(try list("t-auto") == "2.0.0")
        // A tenant that declined kv.read when it installed 2.0.0 follows versions that add nothing…
        try p.run(["tenants", "create", "t-declined"])
        #expect(try p.run(["install", "probe", "--tenant", "t-declined", "--version", "2.0.0"]).status == 0)
        try p.ship(try ProbeApp.make(id: "probe", version: "2.1.0", scopes: ["kv.read"], in: p.dir), version: "2.1.0", id: "probe")
        #expect(try list("t-declined") == "2.1.0")
        // …and stops at one that adds a scope, until it consents.
        try p.ship(try ProbeApp.make(id: "probe", version: "3.0.0", scopes: ["kv.read", "kv.write"], in: p.dir), version: "3.0.0", id: "probe")
        #expect(try list("t-declined") == "2.1.0")
        #expect(try p.run(["upgrade", "probe", "--tenant", "t-declined"]).stderr.contains("needs scopes not granted yet: kv.write"))
        let consented = try p.run(["upgrade", "probe", "--tenant", "t-declined", "--grant", "kv.write", "--json"])
        #expect(consented.status == 0)
        #expect(p.object(consented)["granted_scopes"] as? [String] == ["kv.write"], "\(consented.stdout)")
        #expect(try list("t-declined") == "3.0.0")
        // Uninstall stops the instance and delivers the event.
        #expect(try p.run(["uninstall", "probe", "--tenant", "t-auto"]).status == 0)
        #expect(try p.run(["invoke", "probe", "echo", "--tenant", "t-auto", "--args", #"{"text":"v"}"#]).stderr.contains("not_installed"))
    }

    /// With `--instance-disk-mb`, an app that fills its /data stops at its own file system's size
    /// (ENOSPC) while another tenant's instance still writes; what it wrote survives sleep and
    /// wake; and nothing is left mounted once serve stops.
    @Test func aDataQuotaStopsOneAppFillingTheDisk() throws {
        let p = try Platform(["--instance-disk-mb", "16", "--idle-timeout", "1"])
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        for t in ["acme", "globex"] {
            try p.run(["tenants", "create", t])
            #expect(try p.run(["install", "probe", "--tenant", t]).status == 0)
        }
        let full = p.object(try p.invoke("probe", "fill", tenant: "acme"))
        #expect(full["errno"] as? Int == Int(ENOSPC), "\(full)")
        #expect((full["written"] as? Int ?? 0) < 16 * 1024 * 1024)
        let other = p.object(try p.invoke("probe", "whoami", tenant: "globex"))
        #expect(other["data"] as? [String] == ["marker-globex"])
        let limits = (try p.json(["instances"]) as? [[String: Any]] ?? []).compactMap { $0["limits"] as? [String: Any] }
        #expect(!limits.isEmpty && limits.allSatisfy { $0["disk_mb"] as? Int == 16 })
        // Asleep (unmounted) and awake again: the data is where it was.
        var asleep = false
        for _ in 0..<100 where !asleep {
            Thread.sleep(forTimeInterval: 0.2)
            asleep = (try p.json(["instances"]) as? [[String: Any]] ?? []).allSatisfy { $0["state"] as? String == "sleeping" }
        }
        #expect(asleep)
        let again = p.object(try p.invoke("probe", "whoami", tenant: "acme"))
        #expect((again["data"] as? [String] ?? []).contains("fill"), "\(again)")
        p.serve.stop()
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(p.dir.path), "\(mounts)")
    }

    /// Uninstalls of one install at once: one does the work (one audit record, one uninstall event),
    /// the others answer with the install as it is.
    @Test func concurrentUninstallsUninstallOnce() throws {
        let p = try Platform()
        defer { p.serve.stop() }
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        try p.run(["tenants", "create", "acme"])
        #expect(try p.run(["install", "probe", "--tenant", "acme"]).status == 0)
        let statuses = Mutex<[Int32]>([])
        let dir = p.dir
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            let status = (try? CLI.run(["uninstall", "probe", "--tenant", "acme"], in: dir))?.status ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 }.filter { $0 == 0 }.count >= 1)
        let records = try p.run(["audit", "export"]).stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(!records.isEmpty)
        #expect(
            records.filter { $0["name"] as? String == "uninstall" && $0["kind"] as? String == "admin" }.count == 1,
            "\(records.map { $0["name"] ?? "" })")
    }

    @Test func unsandboxedInstancesStillWorkAndSaySoInTheirLimits() throws {
        let p = try Platform(["--unsandboxed"])
        defer { p.serve.stop() }
        #expect(p.serve.output.contains("WITHOUT A SANDBOX"))
        try p.ship(try ProbeApp.make(id: "probe", in: p.dir), id: "probe")
        // Two tenants: two instances on the host's loopback, each on a port of its own.
        for tenant in ["acme", "globex"] {
            try p.run(["tenants", "create", tenant])
            #expect(try p.run(["install", "probe", "--tenant", tenant]).status == 0)
            #expect(try p.invoke("probe", "echo", tenant: tenant, #"{"text":"plain"}"#).status == 0)
        }
        let limits = ((try p.json(["instances"]) as? [[String: Any]])?.first?["limits"] as? [String: Any]) ?? [:]
        #expect(limits["mechanism"] as? String == "none")
        #expect((limits["sandbox"] as? String)?.contains("unsandboxed") == true)
    }
}
