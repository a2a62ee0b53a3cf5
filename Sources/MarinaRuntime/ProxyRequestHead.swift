/// A request head an app sent to its egress proxy, read strictly: `CONNECT host:port` for a
/// tunnel, or an absolute-form `http://` request that the proxy passes on as exactly one
/// origin-form request with a `Host` of its own making and `Connection: close` — so the app
/// cannot send a second request down the same upstream connection with a `Host` of its choosing
/// (a shared address fronting other sites would route it there).
struct ProxyRequestHead: Equatable {
    var isConnect: Bool
    var target: EgressTarget
    /// For plain HTTP: the head to send upstream, and the body's length (Content-Length; 0 without).
    var upstreamHead: [UInt8] = []
    var bodyLength = 0

    static let maxHeadBytes = 16 * 1024

    /// Headers never passed on: hop-by-hop ones (RFC 9110 §7.6.1), the proxy's own, and the
    /// host and framing, which the proxy writes itself.
    static let dropped: Set<String> = [
        "host", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "content-length", "expect",
    ]

    /// Parses the head (without its final empty line). Throws `EgressTarget.Invalid`.
    init(head: [UInt8]) throws(EgressTarget.Invalid) {
        func bad(_ message: String) -> EgressTarget.Invalid { EgressTarget.Invalid(reason: "bad_request", message: message) }
        // Visible ASCII, space and tab only: no NUL, no bare CR or LF inside a line, no obs-fold.
        let lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 0x0D ? line.dropLast() : line
        }
        guard head.count < Self.maxHeadBytes, let requestLine = lines.first else { throw bad("the request head is too long") }
        for line in lines where line.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            throw bad("the request head has control characters")
        }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8),
            !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenByte)
        else {
            throw bad("not an HTTP proxy request")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let uri = String(decoding: parts[1], as: UTF8.self)
        var headers: [(name: String, line: ArraySlice<UInt8>)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex, line[..<colon].allSatisfy(Self.isTokenByte) else {
                throw bad("a header line is malformed")
            }
            headers.append((String(decoding: line[..<colon], as: UTF8.self).lowercased(), line))
        }
        if method == "CONNECT" {
            isConnect = true
            target = try EgressTarget.authority(uri)
            return
        }
        isConnect = false
        target = try EgressTarget.httpURL(uri)
        if headers.contains(where: { $0.name == "transfer-encoding" }) {
            throw bad("a request body must have a Content-Length (chunked requests are not proxied)")
        }
        let lengths = headers.filter { $0.name == "content-length" }.map { h -> String in
            let value = h.line[h.line.index(after: h.line.firstIndex(of: 0x3A)!)...]
            return String(decoding: value.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed(), as: UTF8.self)
        }
        if let length = lengths.first {
            guard Set(lengths).count == 1, !length.isEmpty, length.utf8.count <= 15, length.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw bad("the Content-Length is malformed")
            }
            bodyLength = Int(length)!
        }
        var out = Array("\(method) \(target.path) HTTP/1.1\r\nHost: \(target.port == 80 ? target.host : "\(target.host):\(target.port)")\r\n".utf8)
        for header in headers where !Self.dropped.contains(header.name) && !header.name.hasPrefix("proxy-") {
            out += header.line
            out += [0x0D, 0x0A]
        }
        if bodyLength > 0 || ["POST", "PUT", "PATCH"].contains(method) { out += Array("Content-Length: \(bodyLength)\r\n".utf8) }
        out += Array("Connection: close\r\n\r\n".utf8)
        upstreamHead = out
    }

    /// RFC 9110 token characters.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}
