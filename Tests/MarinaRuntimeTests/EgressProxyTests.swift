import Foundation
import MarinaRuntime
import MarinaTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The egress proxy over a real Unix socket, against a real TCP server on loopback.
@Suite struct EgressProxyTests {
    final class Reports: Sendable {
        let all = Mutex<[EgressProxy.Connection]>([])
        func add(_ c: EgressProxy.Connection) { all.withLock { $0.append(c) } }
        var list: [EgressProxy.Connection] { all.withLock { $0 } }
    }

    /// Sends `request` through the proxy socket and returns everything it answers.
    static func ask(_ path: String, _ request: String) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        close(fd)
        return String(decoding: out, as: UTF8.self)
    }

    static func spec() -> InstanceSpec {
        InstanceSpec(id: "egress-test", tenant: "acme", app: "fetcher", version: "1.0.0", bundleDirectory: URL(fileURLWithPath: "/tmp"), dataDirectory: URL(fileURLWithPath: "/tmp"),
                     command: ["true"], port: 8080, environment: [:], memoryMB: 64, cpuCores: 1, maxProcesses: 8, idleTimeout: .seconds(60), manifestHash: "", uid: getuid())
    }

    @Test func onlyAllowedNamesOnPublicAddressesGetThrough() throws {
        let origin = LoopbackHTTPServer { _ in ("200 OK", "text/plain", "ok") }
        defer { origin.stop() }
        let port = origin.port
        let reports = Reports()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("egress-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let strict = EgressProxy(hostOverrides: ["api.example.test": "127.0.0.1"]) { _, c in reports.add(c) }
        let lenient = EgressProxy(allowPrivateAddresses: true, hostOverrides: ["api.example.test": "127.0.0.1"]) { _, c in reports.add(c) }
        let allowed = ["api.example.test", "*.cdn.example.test"]
        let a = try strict.serve(path: dir.appendingPathComponent("a.sock").path, spec: Self.spec(), allowed: allowed)
        let b = try lenient.serve(path: dir.appendingPathComponent("b.sock").path, spec: Self.spec(), allowed: allowed)
        defer { a.stop(); b.stop() }

        // Off the list, an IP literal (in every spelling), a name resolving to loopback: refused.
        #expect(Self.ask(a.path, "GET http://other.example.test:\(port)/ HTTP/1.1\r\nHost: x\r\n\r\n").contains("deny:host_not_allowed"))
        for literal in ["127.0.0.1", "2130706433", "0x7f.1", "[::1]"] {
            #expect(Self.ask(a.path, "CONNECT \(literal):\(port) HTTP/1.1\r\n\r\n").contains("deny:ip_literal"), "\(literal)")
        }
        #expect(Self.ask(a.path, "CONNECT api.example.test:\(port) HTTP/1.1\r\n\r\n").contains("deny:private_address"))
        #expect(Self.ask(a.path, "HELLO\r\n\r\n").hasPrefix("HTTP/1.1 400"))
        // Allowed (private addresses let through for this test): plain HTTP is forwarded in origin form.
        let fetched = Self.ask(b.path, "GET http://api.example.test:\(port)/x?y=1 HTTP/1.1\r\nHost: api.example.test\r\nProxy-Authorization: secret\r\n\r\n")
        #expect(fetched.hasPrefix("HTTP/1.1 200 OK") && fetched.hasSuffix("ok"))
        #expect(Self.ask(b.path, "GET http://evil.cdn.example.test.attacker.test:\(port)/ HTTP/1.1\r\n\r\n").contains("deny:host_not_allowed"))

        Thread.sleep(forTimeInterval: 0.2)
        let decisions = reports.list.map(\.decision)
        #expect(decisions.filter { $0 == "deny:ip_literal" }.count == 4)
        #expect(decisions.contains("deny:private_address") && decisions.contains("deny:host_not_allowed") && decisions.contains("deny:bad_request"))
        let allowedReport = reports.list.first { $0.decision == "allow" }
        #expect(allowedReport?.host == "api.example.test" && (allowedReport?.bytesIn ?? 0) > 0 && (allowedReport?.bytesOut ?? 0) > 0)
    }
}
