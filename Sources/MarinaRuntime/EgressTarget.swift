/// Where an app asks to go, read strictly: the one parser of hosts, authorities and `http://` URLs
/// for the egress proxy (CONNECT and absolute-form requests) and for `http_fetch`.
///
/// Why by hand: `URLComponents` decodes `%00` and friends in a host, so `evil.net%00.example.com`
/// passed a `*.example.com` rule while the resolver, reading a C string, saw `evil.net`. Here a
/// host is accepted only in the one spelling the allow-list and the resolver read alike: ASCII
/// letters, digits and hyphens in dot-separated labels (IDNs in their `xn--` form), lower-cased,
/// one trailing dot dropped. Everything else — control characters, percent-escapes, Unicode,
/// userinfo, IP literals in any spelling — is refused before any rule or lookup sees it.
public struct EgressTarget: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The origin-form target (`/path?query`) of an `http://` URL; "/" when it has none.
    public var path: String

    public init(host: String, port: Int, path: String) {
        (self.host, self.port, self.path) = (host, port, path)
    }

    public struct Invalid: Error, Sendable, Equatable {
        /// `bad_request` (not a host, URL or authority at all), `ip_literal`, `userinfo`.
        public var reason: String
        public var message: String
    }

    /// `host:port` as in a CONNECT request line.
    public static func authority(_ text: String) throws(Invalid) -> EgressTarget {
        let (host, port) = try splitAuthority(Substring(text), defaultPort: nil)
        return EgressTarget(host: host, port: port, path: "/")
    }

    /// An absolute `http://host[:port][/path][?query]` URL (the scheme in any case, no fragment).
    public static func httpURL(_ text: String) throws(Invalid) -> EgressTarget {
        let scheme = "http://"
        guard text.utf8.count > scheme.utf8.count, text.prefix(scheme.count).lowercased() == scheme else {
            throw Invalid(reason: "bad_request", message: "only http:// URLs can be proxied this way (use CONNECT for TLS)")
        }
        let rest = text.dropFirst(scheme.count)
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let (host, port) = try splitAuthority(rest[..<end], defaultPort: 80)
        var path = String(rest[end...])
        guard !path.contains("#") else { throw Invalid(reason: "bad_request", message: "a URL fragment is not sent to servers") }
        guard path.unicodeScalars.allSatisfy(isPathCharacter) else {
            throw Invalid(reason: "bad_request", message: "the URL's path has characters that must be percent-encoded")
        }
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        return EgressTarget(host: host, port: port, path: path)
    }

    /// The host of an authority, checked, and its port (`defaultPort` when none is written).
    static func splitAuthority(_ authority: Substring, defaultPort: Int?) throws(Invalid) -> (String, Int) {
        guard !authority.contains("@") else {
            throw Invalid(reason: "userinfo", message: "credentials in the URL's authority are not allowed (send an Authorization header)")
        }
        guard !authority.hasPrefix("[") else {
            throw Invalid(reason: "ip_literal", message: "\(printable(authority)) is an IP address; egress_hosts allows DNS names only")
        }
        var hostPart = authority
        var port = defaultPort
        if let colon = authority.lastIndex(of: ":") {
            let digits = authority[authority.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int(digits),
                (1...65535).contains(number)
            else {
                throw Invalid(reason: "bad_request", message: "\(printable(authority)) has no valid port")
            }
            port = number
            hostPart = authority[..<colon]
        }
        guard let port else { throw Invalid(reason: "bad_request", message: "\(printable(authority)) names no port") }
        return (try host(hostPart), port)
    }

    /// A DNS name in its one accepted spelling (see the type's comment), or why not.
    public static func host(_ raw: Substring) throws(Invalid) -> String {
        var text = raw
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.count <= 253 else { throw Invalid(reason: "bad_request", message: "\(printable(raw)) is not a host name") }
        var lowered = [UInt8]()
        lowered.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A: lowered.append(byte + 0x20)
            case 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E: lowered.append(byte)
            case 0x3A, 0x5B, 0x5D:
                throw Invalid(reason: "ip_literal", message: "\(printable(raw)) is an IP address; egress_hosts allows DNS names only")
            default:
                throw Invalid(
                    reason: "bad_request",
                    message: "\(printable(raw)) is not a host name: only ASCII letters, digits, '-' and '.' (an international name in its xn-- form)")
            }
        }
        let name = String(decoding: lowered, as: UTF8.self)
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else {
                throw Invalid(reason: "bad_request", message: "\(printable(raw)) is not a host name")
            }
        }
        // All-numeric last label: inet_aton reads such names as IPv4 (`2130706433`, `0x7f.1`, `127.1`).
        if let last = labels.last,
            last.utf8.allSatisfy({ (0x30...0x39).contains($0) }) || (last.hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit))
        {
            throw Invalid(reason: "ip_literal", message: "\(printable(raw)) is an IP address; egress_hosts allows DNS names only")
        }
        return name
    }

    /// Whether `host` (already checked by `host(_:)`) is on the allow-list: an entry equal to it,
    /// or a `*.suffix` entry that it ends with, label by label, with at least one label more.
    public static func allows(_ allowed: [String], _ host: String) -> Bool {
        let hostLabels = host.split(separator: ".")
        return allowed.contains { entry in
            var pattern = Substring(entry.lowercased())
            if pattern.hasSuffix(".") { pattern = pattern.dropLast() }
            guard pattern.hasPrefix("*.") else { return pattern == host }
            let suffix = pattern.dropFirst(2).split(separator: ".")
            return !suffix.isEmpty && hostLabels.count > suffix.count && Array(hostLabels.suffix(suffix.count)) == suffix
        }
    }

    /// RFC 3986 path and query characters (percent-escapes are passed on as written).
    static func isPathCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return true
        default: return "-._~!$&'()*+,;=:@/?%".unicodeScalars.contains(scalar)
        }
    }

    /// `text` with control characters and non-ASCII shown escaped, cut short: safe in messages and logs.
    public static func printable<S: StringProtocol>(_ text: S, limit: Int = 80) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.utf8.count >= limit { out += "…"; break }
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                out.unicodeScalars.append(scalar)
            } else {
                out += scalar.value <= 0xFF ? "\\x" + hex2(scalar.value) : "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    private static func hex2(_ v: UInt32) -> String { (v < 16 ? "0" : "") + String(v, radix: 16) }
}
