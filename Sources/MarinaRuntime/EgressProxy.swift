import Foundation
import MarinaSandbox
#if canImport(Glibc)
import Glibc
#endif

/// The only way out of a sandbox to the internet: an HTTP proxy (plain HTTP with absolute URIs,
/// and `CONNECT` for TLS) on a Unix socket in the instance's io directory, which the relay exposes
/// inside the sandbox as `HTTP_PROXY`. It allows exactly the version's `egress_hosts` (DNS names,
/// `*.example.com` for subdomains), refuses IP literals and names that resolve to loopback,
/// private, link-local or otherwise non-public addresses, connects to the address it checked (no
/// second lookup an attacker could rebind), and reports every connection.
public final class EgressProxy: Sendable {
    public struct Connection: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// `allow`, or `deny:<reason>` (`deny:host_not_allowed`, `deny:ip_literal`, `deny:private_address`, `deny:unresolvable`, `deny:bad_request`).
        public var decision: String
        public var bytesOut: Int
        public var bytesIn: Int
        public var durationMs: Int
    }

    /// Lets private addresses through when the host is allowed (tests and development only).
    let allowPrivateAddresses: Bool
    /// Names resolved to a fixed address instead of through DNS (tests).
    let hostOverrides: [String: String]
    let report: @Sendable (InstanceSpec, Connection) -> Void

    public init(allowPrivateAddresses: Bool = false, hostOverrides: [String: String] = [:], report: @escaping @Sendable (InstanceSpec, Connection) -> Void) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.hostOverrides = hostOverrides
        self.report = report
    }

    /// Serves `path` for one instance until `stop`.
    public func serve(path: String, spec: InstanceSpec, allowed: [String]) throws -> UnixListener {
        try UnixListener(path: path, uid: spec.uid) { client in self.handle(client, spec: spec, allowed: allowed) }
    }

    func handle(_ client: Int32, spec: InstanceSpec, allowed: [String]) {
        let started = Date()
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 16 * 1024 {
            let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            head += buffer[0..<n]
            if head.count >= 4, Self.range(of: [13, 10, 13, 10], in: head) != nil { break }
        }
        guard let end = Self.range(of: [13, 10, 13, 10], in: head), let request = Request(head: Array(head[..<end]), rest: Array(head[(end + 4)...])) else {
            refuse(client, 400, "bad_request", "not an HTTP proxy request", spec: spec, host: "", port: 0, started: started)
            return
        }
        let host = request.host.lowercased()
        let address: Address
        switch decide(host: host, port: request.port, allowed: allowed) {
        case .success(let a): address = a
        case .failure(let refusal): return refuse(client, refusal.status, refusal.reason, refusal.message, spec: spec, host: host, port: request.port, started: started)
        }
        let upstream = address.connect()
        guard upstream >= 0 else {
            return refuse(client, 502, "connect_failed", "cannot connect to \(host):\(request.port)", spec: spec, host: host, port: request.port, started: started)
        }
        var sent = 0
        if request.isConnect {
            Sockets.writeAll(client, Array("HTTP/1.1 200 Connection Established\r\n\r\n".utf8))
            Sockets.writeAll(upstream, request.rest)
            sent = request.rest.count
        } else {
            let forwarded = request.originFormHead + request.rest
            Sockets.writeAll(upstream, forwarded)
            sent = forwarded.count
        }
        let (out, into) = Sockets.join(client, upstream)
        report(spec, Connection(host: host, port: request.port, decision: "allow", bytesOut: sent + out, bytesIn: into, durationMs: Int(Date().timeIntervalSince(started) * 1000)))
    }

    public struct Refusal: Error, Sendable {
        public var status: Int
        public var reason: String
        public var message: String
    }

    /// Whether `host:port` may be reached, and at which address: the one rule for the proxy and
    /// for the platform's own `http_fetch`.
    func decide(host: String, port: Int, allowed: [String]) -> Result<Address, Refusal> {
        if Self.isIPLiteral(host) {
            return .failure(Refusal(status: 403, reason: "ip_literal", message: "\(host) is an IP address; egress_hosts allows DNS names only"))
        }
        guard Self.allows(allowed, host) else {
            return .failure(Refusal(status: 403, reason: "host_not_allowed", message: "\(host) is not in this app's egress_hosts"))
        }
        let addresses = Self.resolve(hostOverrides[host] ?? host, port: port)
        guard let address = addresses.first else { return .failure(Refusal(status: 502, reason: "unresolvable", message: "\(host) does not resolve")) }
        if !allowPrivateAddresses, addresses.contains(where: { !$0.isPublic }) {
            return .failure(Refusal(status: 403, reason: "private_address", message: "\(host) resolves to a non-public address"))
        }
        return .success(address)
    }

    public struct FetchResult: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
    }

    /// A plain-HTTP request to an allowed host, over a connection to the address the rules
    /// checked; the answer is read up to `maxBytes`. Reported like a proxied connection.
    public func fetch(spec: InstanceSpec, allowed: [String], host rawHost: String, port: Int, method: String, path: String,
                      headers: [(String, String)], body: [UInt8], maxBytes: Int) async throws(Refusal) -> FetchResult {
        let host = rawHost.lowercased()
        let started = Date()
        let address: Address
        // The DNS lookup blocks: off the caller's thread (an event loop, in serve).
        let decision = (try? await Offload.run { self.decide(host: host, port: port, allowed: allowed) })
            ?? .failure(Refusal(status: 502, reason: "unresolvable", message: "\(host) could not be looked up (the platform is stopping)"))
        switch decision {
        case .success(let a): address = a
        case .failure(let refusal):
            report(spec, Connection(host: host, port: port, decision: "deny:" + refusal.reason, bytesOut: 0, bytesIn: 0, durationMs: 0))
            throw refusal
        }
        // RFC 9110 §7.2: the port is part of Host unless it is the scheme's default.
        let hostHeader = port == 80 ? host : "\(host):\(port)"
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers where !["host", "connection", "content-length", "transfer-encoding"].contains(name.lowercased()) {
            head += "\(name): \(value)\r\n"
        }
        let request = Array((head + "\r\n").utf8) + body
        let outcome: Result<[UInt8], Refusal> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let fd = address.connect()
                guard fd >= 0 else { return continuation.resume(returning: .failure(Refusal(status: 502, reason: "connect_failed", message: "cannot connect to \(host):\(port)"))) }
                var timeout = timeval(tv_sec: 25, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                Sockets.writeAll(fd, request)
                var answer = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 65536)
                while answer.count <= maxBytes + 16384 {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    answer += buffer[0..<n]
                }
                close(fd)
                continuation.resume(returning: .success(answer))
            }
        }
        let answer: [UInt8]
        switch outcome {
        case .success(let a): answer = a
        case .failure(let refusal): throw refusal
        }
        report(spec, Connection(host: host, port: port, decision: "allow", bytesOut: request.count, bytesIn: answer.count, durationMs: Int(Date().timeIntervalSince(started) * 1000)))
        guard let end = Self.range(of: [13, 10, 13, 10], in: answer) else { throw Refusal(status: 502, reason: "bad_response", message: "\(host) did not answer HTTP") }
        let lines = String(decoding: answer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Refusal(status: 502, reason: "bad_response", message: "\(host) did not answer HTTP") }
        let parsed = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var payload = Array(answer[(end + 4)...])
        if parsed.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) { payload = Self.dechunk(payload) }
        guard payload.count <= maxBytes else { throw Refusal(status: 502, reason: "too_large", message: "the answer is larger than \(maxBytes) bytes") }
        return FetchResult(status: status, headers: parsed, body: payload)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](), i = 0
        while let lineEnd = range(of: [13, 10], in: Array(bytes[i...])).map({ $0 + i }) {
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0, lineEnd + 2 + size <= bytes.count else { break }
            out += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            i = lineEnd + 2 + size + 2
            if i >= bytes.count { break }
        }
        return out
    }

    func refuse(_ client: Int32, _ status: Int, _ reason: String, _ message: String, spec: InstanceSpec, host: String, port: Int, started: Date) {
        let body = Array(("{\"error\":{\"code\":\"egress_denied\",\"decision\":\"deny:\(reason)\",\"message\":\"" + message.replacingOccurrences(of: "\"", with: "'") + "\"}}").utf8)
        let phrase = status == 403 ? "Forbidden" : status == 400 ? "Bad Request" : "Bad Gateway"
        Sockets.writeAll(client, Array("HTTP/1.1 \(status) \(phrase)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
        close(client)
        report(spec, Connection(host: host, port: port, decision: "deny:" + reason, bytesOut: 0, bytesIn: 0, durationMs: Int(Date().timeIntervalSince(started) * 1000)))
    }

    /// The parts of a proxy request the proxy needs.
    struct Request {
        var isConnect: Bool
        var host: String
        var port: Int
        var originFormHead: [UInt8]
        var rest: [UInt8]

        init?(head: [UInt8], rest: [UInt8]) {
            let text = String(decoding: head, as: UTF8.self)
            var lines = text.components(separatedBy: "\r\n")
            let parts = lines.removeFirst().split(separator: " ")
            guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return nil }
            self.rest = rest
            if parts[0] == "CONNECT" {
                guard let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...]), (1...65535).contains(port) else { return nil }
                (isConnect, host, self.port, originFormHead) = (true, String(parts[1][..<colon]), port, [])
                return
            }
            guard parts[1].lowercased().hasPrefix("http://"), let url = URLComponents(string: String(parts[1])), let host = url.host, !host.isEmpty else { return nil }
            (isConnect, self.host, self.port) = (false, host, url.port ?? 80)
            let path = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
            let kept = lines.filter { line in
                let name = line.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
                return !line.isEmpty && !name.hasPrefix("proxy-")
            }
            originFormHead = Array(([parts[0] + " " + path + " " + parts[2]] + kept).joined(separator: "\r\n").utf8) + [13, 10, 13, 10]
        }
    }

    static func allows(_ allowed: [String], _ host: String) -> Bool {
        allowed.contains { pattern in
            let p = pattern.lowercased()
            if p.hasPrefix("*.") { return host.hasSuffix(String(p.dropFirst(1))) && host.count > p.count - 1 }
            return host == p
        }
    }

    static func isIPLiteral(_ host: String) -> Bool {
        if host.contains(":") || host.hasPrefix("[") { return true }
        var v4 = in_addr()
        if inet_aton(host, &v4) != 0 { return true }  // also catches 0x7f.1, 2130706433 …
        return host.allSatisfy { $0.isNumber || $0 == "." }
    }

    static func range(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    // MARK: Addresses

    struct Address {
        var family: Int32
        var storage: sockaddr_storage
        var length: socklen_t
        var bytes: [UInt8]

        /// Public unicast only: not loopback, private (RFC 1918, ULA), link-local, CGNAT,
        /// unspecified, multicast, documentation or reserved ranges, nor IPv4 mapped into IPv6.
        var isPublic: Bool {
            if family == AF_INET {
                let (a, b) = (bytes[0], bytes[1])
                if a == 0 || a == 10 || a == 127 || a >= 224 { return false }
                if a == 169 && b == 254 { return false }
                if a == 172 && (16...31).contains(b) { return false }
                if a == 192 && b == 168 { return false }
                if a == 100 && (64...127).contains(b) { return false }
                if a == 192 && b == 0 && bytes[2] == 2 { return false }
                if a == 198 && (b == 18 || b == 19) { return false }
                return true
            }
            if bytes.allSatisfy({ $0 == 0 }) || bytes == [UInt8](repeating: 0, count: 15) + [1] { return false }
            if bytes[0] == 0xff || bytes[0] & 0xfe == 0xfc || (bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80) { return false }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return false }
            if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8 { return false }
            return true
        }

        func connect() -> Int32 {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return -1 }
            var s = storage
            let result = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) } }
            if result != 0 { close(fd); return -1 }
            return fd
        }
    }

    static func resolve(_ host: String, port: Int) -> [Address] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var out: [Address] = []
        var next = list
        while let info = next {
            var storage = sockaddr_storage()
            memcpy(&storage, info.pointee.ai_addr, Int(info.pointee.ai_addrlen))
            var bytes: [UInt8] = []
            if info.pointee.ai_family == AF_INET {
                info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { bytes = Array($0) } }
            } else if info.pointee.ai_family == AF_INET6 {
                info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { bytes = Array($0) } }
            } else {
                next = info.pointee.ai_next
                continue
            }
            out.append(Address(family: info.pointee.ai_family, storage: storage, length: info.pointee.ai_addrlen, bytes: bytes))
            next = info.pointee.ai_next
        }
        return out
    }
}
