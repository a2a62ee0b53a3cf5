import Foundation
import MarinaCore
import MarinaRuntime
import Testing

/// The supervisor with real processes (unsandboxed here, so that it runs anywhere; the sandboxed
/// path is exercised end to end by the CLI suites).
@Suite(.serialized) struct SupervisorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var marina: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["MARINA_BIN"] ?? root.appendingPathComponent(".build/debug/marina").path)
    }

    /// An app that serves its manifest and health, then exits with a message after `lifetime` seconds.
    func app(lifetime: Double) throws -> (InstanceSpec, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-sup-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let manifest =
            #"{"apiVersion":"marina/v1","app":{"id":"crashy","name":"Crashy","version":"1.0.0"},"runtime":{"command":["python3","app.py"]}}"#
        try manifest.write(to: dir.appendingPathComponent("m.json"), atomically: true, encoding: .utf8)
        try """
        import os, sys, threading, time
        from http.server import BaseHTTPRequestHandler, HTTPServer
        M = open("m.json").read().encode()
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_GET(self):
                body = M if self.path == "/manifest" else b'{"ok":true}'
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        def die():
            time.sleep(\(lifetime)); sys.stderr.write("crashy: giving up\\n"); sys.stderr.flush(); os._exit(3)
        threading.Thread(target=die, daemon=True).start()
        HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
        """.write(to: dir.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        let hash = ManifestLoader.load(text: manifest, fileName: "m.json").hash!
        let port = 20_000 + Int.random(in: 0..<20_000)
        let spec = InstanceSpec(
            id: "s" + UUID().uuidString.prefix(8).lowercased(), tenant: "t", app: "crashy", version: "1.0.0", bundleDirectory: dir,
            dataDirectory: dir.appendingPathComponent("data"), command: ["python3", "app.py"], port: port, environment: ["PORT": String(port)],
            memoryMB: 128, cpuCores: 1, maxProcesses: 32, idleTimeout: .seconds(600), manifestHash: hash, uid: 70_123)
        return (spec, dir)
    }

    @Test func aCrashLoopMarksTheInstanceFailedWithTheLastStderrLines() async throws {
        // Long enough to become healthy on a loaded machine, short enough to crash twice in the wait below.
        let (spec, dir) = try app(lifetime: 4)
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver, maxCrashes: 2, crashWindow: 60)
        // On a loaded machine the app may die before its first health check passes; that start
        // failing is a crash too.
        let becameHealthy = (try? await supervisor.socket(for: spec)) != nil
        var status = await supervisor.status().first
        for _ in 0..<400 where status?.state != "failed" {
            try await Task.sleep(for: .milliseconds(100))
            status = await supervisor.status().first
        }
        #expect(status?.state == "failed")
        if becameHealthy { #expect(status?.restarts == 1) }
        #expect(status?.lastError?.contains("crashy: giving up") == true)
        await #expect(throws: RuntimeError.self) { _ = try await supervisor.socket(for: spec) }
        await supervisor.reset(spec.id)
        #expect(await supervisor.status().first?.state == "sleeping")
        await supervisor.forget(spec.id)
    }

    /// A start that fails before any process runs (a secret that is not set) is answered with its
    /// own error and does not stick: once the cause is gone, the next call starts the instance.
    /// A start that fails after the process ran is retried on a call once a short wait is over.
    @Test func aFailureToStartDoesNotStick() async throws {
        var (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver)
        struct SecretMissing: Error {}
        let secretSet = Flag()
        for attempt in 0..<2 {
            do {
                _ = try await supervisor.socket(for: spec) {
                    guard secretSet.value else { throw SecretMissing() }
                    return ["SECRET": "set"]
                }
                #expect(attempt == 1)
            } catch {
                #expect(attempt == 0 && error is SecretMissing, "\(error)")
                #expect(await supervisor.status().first?.state == "sleeping")
                secretSet.value = true
            }
        }
        #expect(await supervisor.status().first?.state == "ready")
        await supervisor.forget(spec.id)

        // An app that exits at once fails its start; after the wait (1 s for a first failure) a call
        // starts it again, and a fixed app then runs.
        spec.id = "s" + UUID().uuidString.prefix(8).lowercased()
        spec.command = ["/bin/sh", "-c", "if [ -e started-once ]; then exec python3 app.py; fi; touch started-once; exit 3"]
        await #expect(throws: RuntimeError.self) { _ = try await supervisor.socket(for: spec) }
        #expect(await supervisor.status().first { $0.id == spec.id }?.state == "failed")
        // Within the wait the failure is answered without a start.
        await #expect(throws: RuntimeError.self) { _ = try await supervisor.socket(for: spec) }
        try await Task.sleep(for: .milliseconds(1200))
        _ = try await supervisor.socket(for: spec)
        #expect(await supervisor.status().first { $0.id == spec.id }?.state == "ready")
        await supervisor.forget(spec.id)
    }

    /// A running instance's app token is replaced before it expires: written to the file the app
    /// reads it from (`MARINA_APP_TOKEN_FILE`), the instance left running.
    @Test func aLongRunningInstanceGetsAFreshAppToken() async throws {
        let (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver, idleCheckInterval: .milliseconds(100), tokenRefreshAge: 0.5)
        let minted = Counter()
        _ = try await supervisor.socket(for: spec) { ["MARINA_APP_TOKEN": "token-\(minted.next())"] }
        let file = dir.appendingPathComponent("run").appendingPathComponent(spec.id).appendingPathComponent("app-token")
        #expect(try String(contentsOf: file, encoding: .utf8) == "token-1")
        let pid = await supervisor.status().first?.pid
        let loop = Task { try await supervisor.run() }
        var seen = ""
        for _ in 0..<100 {
            seen = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if seen != "token-1" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        loop.cancel()
        #expect(seen.hasPrefix("token-") && seen != "token-1")
        #expect(await supervisor.status().first?.pid == pid)
        await supervisor.forget(spec.id)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func next() -> Int {
            lock.withLock {
                count += 1; return count
            }
        }
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = false
        var value: Bool {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    /// A process the app leaves behind keeps the output pipes open: the exit is still handled
    /// (limits released, the supervisor told) within the pipes' grace, and the output written
    /// before it is in the log. The leftover closes every other descriptor it inherited, as a
    /// daemonising helper does; one that keeps Foundation's process-watch socket delays the
    /// exit itself (see docs/runtime.md).
    @Test func anExitIsSeenWhileALeftoverProcessHoldsTheOutputOpen() async throws {
        var (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        spec.command = [
            "/bin/sh", "-c", "echo out-line; echo err-line >&2; python3 -c 'import os, time; os.closerange(3, 65536); time.sleep(30)' & exit 7",
        ]
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let log = InstanceLog()
        let running = try driver.start(spec, log: log)
        // The leftover `sleep` is in the relay's process group.
        defer { kill(-running.pid, SIGKILL) }
        let started = ContinuousClock.now
        #expect(await running.waitForExit() == 7)
        // Within the 2 s grace for the pipes, not the leftover's 30 s.
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(log.lines().map(\.text).contains("out-line"))
        #expect(log.tail(5) == ["err-line"])
    }

    /// Instances start through `marina-sandbox` when it sits beside the marina binary (the
    /// build makes both), and through marina itself when it does not; either way they answer.
    @Test func instancesStartThroughTheHelperBesideMarinaOrMarinaItself() async throws {
        let (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alone = dir.appendingPathComponent("bin-alone")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: alone.appendingPathComponent("marina"), withDestinationURL: Self.marina)
        for (binary, expected) in [(Self.marina, "marina-sandbox"), (alone.appendingPathComponent("marina"), "marina")] {
            let driver = try LocalDriver(sandboxed: false, marinaBinary: binary, runRoot: dir.appendingPathComponent("run"))
            #expect(driver.helperBinary.lastPathComponent == expected)
            let supervisor = Supervisor(driver: driver)
            var instance = spec
            instance.id += expected == "marina" ? "m" : "h"
            _ = try await supervisor.socket(for: instance)
            let pid = try #require(await supervisor.status().first { $0.id == instance.id }?.pid)
            let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
            #expect(URL(fileURLWithPath: exe).lastPathComponent == expected, "\(exe)")
            await supervisor.forget(instance.id)
        }
    }

    /// An app that serves only `MARINA_SOCKET` (as the SDKs do): the relay in front of its
    /// `$PORT` never gets an answer, and a health probe through it waits for its own timeout
    /// (2 s). The probes of the two sockets run side by side, so the app's own answer makes it
    /// ready well within a start timeout shorter than that probe's.
    @Test func anAppServingItsOwnSocketIsReadyWithoutWaitingForTheRelay() async throws {
        var (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        import os, socketserver
        from http.server import BaseHTTPRequestHandler
        M = open("m.json").read().encode()
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def address_string(self): return "unix"
            def do_GET(self):
                body = M if self.path == "/manifest" else b'{"ok":true}'
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        path = os.environ["MARINA_SOCKET"]
        if os.path.exists(path): os.unlink(path)
        socketserver.UnixStreamServer(path, H).serve_forever()
        """.write(to: dir.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        spec.id += "u"
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver, startTimeout: .milliseconds(1500))
        let socket = try await supervisor.socket(for: spec)
        #expect(socket.hasSuffix("app.sock"), "\(socket)")
        await supervisor.forget(spec.id)
    }

    /// A call that lasts longer than the idle timeout keeps its instance awake; the idle timer
    /// starts when the call ends.
    @Test func anInstanceWithACallInFlightIsNotPutToSleep() async throws {
        var (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        spec.idleTimeout = .milliseconds(300)
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver, idleCheckInterval: .milliseconds(50))
        let sweeper = Task { try await supervisor.run() }
        defer { sweeper.cancel() }
        func state() async -> String? { await supervisor.status().first { $0.id == spec.id }?.state }

        let lease = try await supervisor.use(spec)
        // Many idle timeouts and sweeps pass while the call is in flight.
        try await Task.sleep(for: .seconds(2))
        #expect(await state() == "ready")
        lease.end()
        lease.end()  // a second end changes nothing
        var asleep = false
        for _ in 0..<200 where !asleep {
            try await Task.sleep(for: .milliseconds(50))
            asleep = await state() == "sleeping"
        }
        #expect(asleep)
        await supervisor.forget(spec.id)
    }

    /// A call that arrives while its instance is being stopped waits for the stop and gets a
    /// new instance, not the one that is going away. The app takes its time over SIGTERM (it
    /// ignores it), so the stop lasts the driver's grace.
    @Test func aCallArrivingDuringAStopWakesAFreshInstance() async throws {
        var (spec, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        let termSeen = dir.appendingPathComponent("term-seen").path
        let script = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        try script.replacingOccurrences(
            of: "import os, sys, threading, time\n",
            with: """
                import os, signal, sys, threading, time
                signal.signal(signal.SIGTERM, lambda *a: open("\(termSeen)", "w").close())

                """
        ).write(to: dir.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        spec.id += "t"
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver)
        _ = try await supervisor.socket(for: spec)
        let first = try #require(await supervisor.status().first?.pid)

        let stopping = Task { await supervisor.stop(spec.id) }
        for _ in 0..<1500 where !FileManager.default.fileExists(atPath: termSeen) { try await Task.sleep(for: .milliseconds(20)) }
        try #require(FileManager.default.fileExists(atPath: termSeen), "the stop never signalled the app")
        let lease = try await supervisor.use(spec)
        await stopping.value
        let status = try #require(await supervisor.status().first)
        #expect(status.state == "ready")
        #expect(status.pid != nil && status.pid != first)
        lease.end()
        await supervisor.forget(spec.id)
    }

    @Test func concurrentCallersShareOneStartAndAWrongManifestIsRefused() async throws {
        let (first, dir) = try app(lifetime: 600)
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try LocalDriver(sandboxed: false, marinaBinary: Self.marina, runRoot: dir.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver)
        let sockets = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await supervisor.socket(for: first) } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(sockets.count == 1)
        let log = await supervisor.log(first.id)
        #expect(log?.lines().filter { $0.text.hasPrefix("starting") }.count == 1)
        await supervisor.forget(first.id)

        var spec = first
        spec.id += "x"
        spec.manifestHash = "sha256:" + String(repeating: "0", count: 64)
        await #expect(throws: RuntimeError.self) { _ = try await supervisor.socket(for: spec) }
        #expect(await supervisor.status().first { $0.id == spec.id }?.lastError?.contains("manifest") == true)
        await supervisor.forget(spec.id)
    }
}
