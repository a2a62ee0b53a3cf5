import Foundation
import MarinaRuntime
import MarinaSandbox
import MarinaTestSupport
import NIOCore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The egress proxy over a real Unix socket, against a real TCP server on loopback.
@Suite struct EgressProxyTests {
    /// What the proxy recorded: each decision, and each allowed connection's end. With
    /// `failing`, no decision can be written (as when the audit's database is gone).
    final class Reports: EgressRecorder {
        let all = Mutex<[EgressProxy.Connection]>([])
        let ends = Mutex<[EgressProxy.Connection]>([])
        let failing: Bool
        struct Unwritable: Error {}

        init(failing: Bool = false) { self.failing = failing }
        func decided(_ c: EgressProxy.Connection, for requester: EgressProxy.Requester) async throws {
            if failing { throw Unwritable() }
            all.withLock { $0.append(c) }
        }
        func ended(_ c: EgressProxy.Connection, for requester: EgressProxy.Requester) async { ends.withLock { $0.append(c) } }
        var list: [EgressProxy.Connection] { all.withLock { $0 } }
        var ended: [EgressProxy.Connection] { ends.withLock { $0 } }
    }

    /// Sends `request` through the proxy socket and returns everything it answers.
    static func ask(_ path: String, _ request: String) async -> String { await UnixSocketExchange.send(request, to: path) }

    static func spec() -> InstanceSpec {
        InstanceSpec(
            id: "egress-test", tenant: "acme", app: "fetcher", version: "1.0.0", bundleDirectory: URL(fileURLWithPath: "/tmp"),
            dataDirectory: URL(fileURLWithPath: "/tmp"),
            command: ["true"], port: 8080, environment: [:], memoryMB: 64, cpuCores: 1, maxProcesses: 8, idleTimeout: .seconds(60), manifestHash: "",
            uid: getuid())
    }

    @Test func onlyAllowedNamesOnPublicAddressesGetThrough() async throws {
        let origin = LoopbackHTTPServer { _ in ("200 OK", "text/plain", "ok") }
        defer { origin.stop() }
        let port = origin.port
        let reports = Reports()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("egress-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let strict = EgressProxy(hostOverrides: ["api.example.test": "127.0.0.1"], recorder: reports)
        let lenient = EgressProxy(allowPrivateAddresses: true, hostOverrides: ["api.example.test": "127.0.0.1"], recorder: reports)
        let allowed = ["api.example.test", "*.cdn.example.test"]
        let a = try strict.serve(path: dir.appendingPathComponent("a.sock").path, spec: Self.spec(), allowed: allowed)
        let b = try lenient.serve(path: dir.appendingPathComponent("b.sock").path, spec: Self.spec(), allowed: allowed)
        defer { a.stop(); b.stop() }

        // Off the list, an IP literal (in every spelling), a name resolving to loopback: refused.
        #expect(await Self.ask(a.path, "GET http://other.example.test:\(port)/ HTTP/1.1\r\nHost: x\r\n\r\n").contains("deny:host_not_allowed"))
        for literal in ["127.0.0.1", "2130706433", "0x7f.1", "[::1]"] {
            #expect(await Self.ask(a.path, "CONNECT \(literal):\(port) HTTP/1.1\r\n\r\n").contains("deny:ip_literal"), "\(literal)")
        }
        #expect(await Self.ask(a.path, "CONNECT api.example.test:\(port) HTTP/1.1\r\n\r\n").contains("deny:private_address"))
        #expect(await Self.ask(a.path, "HELLO\r\n\r\n").hasPrefix("HTTP/1.1 400"))
        // Allowed (private addresses let through for this test): plain HTTP is forwarded in origin form.
        let fetched = await Self.ask(
            b.path, "GET http://api.example.test:\(port)/x?y=1 HTTP/1.1\r\nHost: api.example.test\r\nProxy-Authorization: secret\r\n\r\n")
        #expect(fetched.hasPrefix("HTTP/1.1 200 OK") && fetched.hasSuffix("ok"))
        #expect(await Self.ask(b.path, "GET http://evil.cdn.example.test.attacker.test:\(port)/ HTTP/1.1\r\n\r\n").contains("deny:host_not_allowed"))

        try await Task.sleep(for: .milliseconds(200))
        let decisions = reports.list.map(\.decision)
        #expect(decisions.filter { $0 == "deny:ip_literal" }.count == 4)
        #expect(decisions.contains("deny:private_address") && decisions.contains("deny:host_not_allowed") && decisions.contains("deny:bad_request"))
        #expect(reports.list.filter { $0.decision == "allow" }.map(\.host) == ["api.example.test"])
        // The allowed connection's end: what it carried each way.
        let end = reports.ended.first
        #expect(
            reports.ended.count == 1 && end?.host == "api.example.test" && end?.status == "ok" && (end?.bytesIn ?? 0) > 0 && (end?.bytesOut ?? 0) > 0)
    }

    /// The audit fails closed here too: a connection whose decision cannot be recorded is refused
    /// (503, `deny:audit_unavailable`) before a byte reaches the upstream, through the proxy and
    /// through `http_fetch` alike.
    @Test func aConnectionWhoseRecordCannotBeWrittenIsRefused() async throws {
        let origin = LoopbackHTTPServer { _ in ("200 OK", "text/plain", "ok") }
        defer { origin.stop() }
        let (listener, reports, dir) = try Self.proxy(
            ["api.example.test"], overrides: ["api.example.test": "127.0.0.1"], recorder: Reports(failing: true))
        defer { listener.stop(); try? FileManager.default.removeItem(at: dir) }
        let answer = await Self.ask(listener.path, "GET http://api.example.test:\(origin.port)/ HTTP/1.1\r\nHost: api.example.test\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 503") && answer.contains("deny:audit_unavailable"), "\(answer)")
        let tunnel = await Self.ask(listener.path, "CONNECT api.example.test:\(origin.port) HTTP/1.1\r\n\r\n")
        #expect(tunnel.hasPrefix("HTTP/1.1 503"), "\(tunnel)")
        let proxy = EgressProxy(allowPrivateAddresses: true, hostOverrides: ["api.example.test": "127.0.0.1"], recorder: Reports(failing: true))
        do {
            _ = try await proxy.fetch(
                for: Self.spec().egressRequester, allowed: ["api.example.test"], url: "http://api.example.test:\(origin.port)/", method: "GET",
                headers: [], body: [], maxBytes: 1 << 20)
            Issue.record("http_fetch went out without its record")
        } catch { #expect(error.reason == "audit_unavailable" && error.status == 503) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(origin.requests.isEmpty, "the upstream was reached: \(origin.requests)")
        #expect(reports.ended.isEmpty)
    }

    /// A proxy over a socket in a fresh directory, its reports, and a way to stop it all.
    static func proxy(
        _ allowed: [String], overrides: [String: String], allowPrivate: Bool = true, maxConnections: Int = 128,
        headTimeout: TimeAmount = .seconds(10), recorder: Reports = Reports()
    ) throws -> (UnixListener, Reports, URL) {
        let reports = recorder
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("egress-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let proxy = EgressProxy(
            allowPrivateAddresses: allowPrivate, hostOverrides: overrides, maxConnections: maxConnections, headTimeout: headTimeout, recorder: reports
        )
        return (try proxy.serve(path: dir.appendingPathComponent("e.sock").path, spec: Self.spec(), allowed: allowed), reports, dir)
    }

    @Test func noSpellingOfAForbiddenHostReachesIt() async throws {
        // The allowed name and the forbidden one both lead to loopback servers; only the first may be reached.
        let allowedOrigin = LoopbackHTTPServer { _ in ("200 OK", "text/plain", "allowed") }
        let victim = LoopbackHTTPServer { _ in ("200 OK", "text/plain", "victim") }
        defer { allowedOrigin.stop(); victim.stop() }
        let (listener, reports, dir) = try Self.proxy(
            ["api.example.test", "*.example.test"], overrides: ["api.example.test": "127.0.0.1", "evil.test": "127.0.0.1"])
        defer { listener.stop(); try? FileManager.default.removeItem(at: dir) }
        let v = victim.port
        let attempts = [
            "CONNECT evil.test\u{0}.example.test:\(v) HTTP/1.1\r\n\r\n",
            "GET http://evil.test%00.example.test:\(v)/ HTTP/1.1\r\n\r\n",
            "GET http://evil.test%2Eexample.test:\(v)/ HTTP/1.1\r\n\r\n",
            "GET http://api.example.test@evil.test:\(v)/ HTTP/1.1\r\n\r\n",
            "GET http://api.example.test:\(v)@evil.test:\(v)/ HTTP/1.1\r\n\r\n",
            "CONNECT [::ffff:127.0.0.1]:\(v) HTTP/1.1\r\n\r\n",
            "CONNECT [0:0:0:0:0:ffff:7f00:1]:\(v) HTTP/1.1\r\n\r\n",
            "CONNECT 0177.0.0.1:\(v) HTTP/1.1\r\n\r\n",
            "CONNECT evil.test.:\(v) HTTP/1.1\r\n\r\n",
            "CONNECT EVIL.TEST:\(v) HTTP/1.1\r\n\r\n",
            "CONNECT xn--evil-.example.test:\(v) HTTP/1.1\r\n\r\n",
            "CONNECT ex\u{0430}mple.example.test:\(v) HTTP/1.1\r\n\r\n",
            "GET http://evil.test\t.example.test:\(v)/ HTTP/1.1\r\n\r\n",
            "GET /relative HTTP/1.1\r\nHost: evil.test:\(v)\r\n\r\n",
        ]
        for attempt in attempts {
            let answer = await Self.ask(listener.path, attempt)
            #expect(answer.hasPrefix("HTTP/1.1 400") || answer.hasPrefix("HTTP/1.1 403"), "\(attempt.debugDescription) → \(answer.prefix(80))")
            #expect(answer.contains("egress_denied"))
        }
        #expect(victim.requests.isEmpty, "the forbidden host was reached: \(victim.requests)")
        // Plain HTTP: the client's Host is replaced by the URL's, and only one request goes upstream
        // (a second one pipelined behind it, with a Host of the app's choosing, is dropped).
        let a = allowedOrigin.port
        let answer = await Self.ask(
            listener.path,
            "GET http://api.example.test:\(a)/one HTTP/1.1\r\nHost: evil.test\r\nConnection: keep-alive\r\n\r\n"
                + "GET /two HTTP/1.1\r\nHost: evil.test\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.hasSuffix("allowed"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(allowedOrigin.requests.count == 1)
        let forwarded = allowedOrigin.requests.first ?? ""
        #expect(forwarded.hasPrefix("GET /one HTTP/1.1\r\nHost: api.example.test:\(a)\r\n"), "\(forwarded)")
        #expect(!forwarded.contains("evil.test") && !forwarded.contains("/two") && forwarded.contains("Connection: close"))
        #expect(reports.list.filter { $0.decision.hasPrefix("deny:") }.count == attempts.count)
        // Every report's host is printable (what the audit stores).
        #expect(reports.list.allSatisfy { $0.host.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } })
    }

    @Test func aRequestHeadThatNeverCompletesIsCutOffAndConnectionsAreCapped() async throws {
        let (slow, slowReports, slowDir) = try Self.proxy(["api.example.test"], overrides: [:], headTimeout: .milliseconds(300))
        defer { slow.stop(); try? FileManager.default.removeItem(at: slowDir) }
        // Half a head: answered 408 and closed once the deadline passes, not held forever.
        let partial = await Self.ask(slow.path, "GET http://api.example.test/ HTTP/1.1\r\nX-Slow: ")
        #expect(partial.hasPrefix("HTTP/1.1 408"))
        #expect(slowReports.list.map(\.decision) == ["deny:bad_request"])
        // Idle connections beyond the cap are closed as they arrive; those within it stay open.
        let (capped, _, cappedDir) = try Self.proxy(["api.example.test"], overrides: [:], maxConnections: 4)
        defer { capped.stop(); try? FileManager.default.removeItem(at: cappedDir) }
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for _ in 0..<6 { held.append(Self.dial(capped.path)) }
        let closedByTheProxy = held.filter { fd in
            var byte: UInt8 = 0
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, 500) == 1 && read(fd, &byte, 1) == 0
        }
        #expect(closedByTheProxy.count == 2)
        #expect(capped.connections == 4)
    }

    static func dial(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return fd
    }

    /// A loopback server that answers each connection with `answer` (raw bytes, any pacing).
    final class RawServer: Sendable {
        let port: Int
        let listener: Int32
        init(_ answer: @escaping @Sendable (Int32) -> Void) {
            (listener, port) = LoopbackHTTPServer.listenOnLoopback()
            Sockets.acceptEach(listener) { c in
                _ = LoopbackHTTPServer.readRequest(c)
                answer(c)
                close(c)
            }
        }
        func stop() { shutdown(listener, Int32(SHUT_RDWR)) }
        static func send(_ fd: Int32, _ text: String) { Sockets.writeAll(fd, Array(text.utf8)) }
    }

    func fetch(
        _ server: RawServer, timeout: TimeAmount = .seconds(5), maxBytes: Int = 1 << 20
    ) async -> Result<EgressProxy.FetchResult, EgressProxy.Refusal> {
        let proxy = EgressProxy(allowPrivateAddresses: true, hostOverrides: ["up.example.test": "127.0.0.1"], recorder: Reports())
        do throws(EgressProxy.Refusal) {
            return .success(
                try await proxy.fetch(
                    for: Self.spec().egressRequester, allowed: ["up.example.test"], url: "http://up.example.test:\(server.port)/", method: "GET",
                    headers: [], body: [], maxBytes: maxBytes, timeout: timeout))
        } catch { return .failure(error) }
    }

    @Test func hostileAnswersToHttpFetchFailCleanly() async throws {
        // A chunk size that overflows 64 bits (it trapped serve before), garbage sizes, an endless body.
        let overflow = RawServer { RawServer.send($0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc\r\n0\r\n\r\n") }
        let hugeHex = RawServer {
            RawServer.send($0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n")
        }
        let garbage = RawServer { RawServer.send($0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n") }
        let endless = RawServer { fd in
            RawServer.send(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in 0..<64 { RawServer.send(fd, "10000\r\n" + String(repeating: "x", count: 65536) + "\r\n") }
        }
        let fine = RawServer { RawServer.send($0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") }
        // One byte every 100 ms: each read is quick, the whole answer is not.
        let trickle = RawServer { fd in
            RawServer.send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in 0..<100 { RawServer.send(fd, "x"); usleep(100_000) }
        }
        defer { [overflow, hugeHex, garbage, endless, fine, trickle].forEach { $0.stop() } }
        for server in [overflow, hugeHex, garbage] {
            guard case .failure(let refusal) = await fetch(server) else { Issue.record("a malformed chunked answer was accepted"); continue }
            #expect(refusal.reason == "bad_response")
        }
        guard case .failure(let tooLarge) = await fetch(endless, maxBytes: 1 << 20) else { Issue.record("an endless answer was accepted"); return }
        #expect(tooLarge.reason == "too_large")
        guard case .success(let ok) = await fetch(fine) else { Issue.record("a well-formed chunked answer was refused"); return }
        #expect(ok.status == 200 && String(decoding: ok.body, as: UTF8.self) == "hello world")
        guard case .failure(let slow) = await fetch(trickle, timeout: .seconds(1)) else {
            Issue.record("a trickling answer outlived the timeout"); return
        }
        #expect(slow.reason == "timeout")
    }
}
