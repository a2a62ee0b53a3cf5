import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One address a name resolved to, and whether it is public unicast.
struct EgressAddress: Sendable {
    var family: Int32
    /// The address's bytes in network order (4 or 16).
    var bytes: [UInt8]
    var port: Int

    /// The address for NIO, with the name it was resolved from.
    func socketAddress(host: String) -> SocketAddress {
        if family == AF_INET {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &a.sin_addr) { $0.copyBytes(from: bytes) }
            return SocketAddress(a, host: host)
        }
        var a = sockaddr_in6()
        a.sin6_family = sa_family_t(AF_INET6)
        a.sin6_port = in_port_t(UInt16(port).bigEndian)
        withUnsafeMutableBytes(of: &a.sin6_addr) { $0.copyBytes(from: bytes) }
        return SocketAddress(a, host: host)
    }

    /// Public unicast only. Refused: IPv4 this-network, private (RFC 1918), loopback, link-local,
    /// CGNAT, IETF protocol assignments (192.0.0.0/24), the three documentation nets, benchmarking,
    /// the 6to4 relay anycast, multicast and reserved; IPv6 unspecified, loopback, IPv4-compatible
    /// and -mapped, NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), discard-only, Teredo
    /// (2001::/32) and the other IETF special-purpose block 2001::/23, documentation, 6to4
    /// (2002::/16, which embeds an IPv4 address), unique-local, site-local, link-local, multicast.
    var isPublic: Bool {
        if family == AF_INET { return Self.isPublicIPv4(bytes) }
        let b = bytes
        if b[0..<12].allSatisfy({ $0 == 0 }) { return false }  // ::, ::1, ::a.b.c.d
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return false }  // ::ffff:a.b.c.d
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return false }  // 64:ff9b::/96, 64:ff9b:1::/48
        if b[0] == 0x01 && b[1] == 0x00 && b[2..<8].allSatisfy({ $0 == 0 }) { return false }  // 100::/64
        if b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02 { return false }  // 2001::/23 (Teredo 2001::/32 included)
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return false }  // 2001:db8::/32
        if b[0] == 0x3f && b[1] == 0xff && b[2] & 0xf0 == 0 { return false }  // 3fff::/20, documentation
        if b[0] == 0x20 && b[1] == 0x02 { return false }  // 2002::/16
        if b[0] & 0xfe == 0xfc { return false }  // fc00::/7
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return false }  // fe80::/10
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return false }  // fec0::/10
        if b[0] == 0xff { return false }
        return true
    }

    static func isPublicIPv4(_ b: [UInt8]) -> Bool {
        let (a, c) = (b[0], b[1])
        if a == 0 || a == 10 || a == 127 || a >= 224 { return false }
        if a == 169 && c == 254 { return false }
        if a == 172 && (16...31).contains(c) { return false }
        if a == 192 && c == 168 { return false }
        if a == 100 && (64...127).contains(c) { return false }
        if a == 192 && c == 0 && (b[2] == 0 || b[2] == 2) { return false }  // 192.0.0.0/24, 192.0.2.0/24
        if a == 192 && c == 88 && b[2] == 99 { return false }  // 6to4 relay anycast
        if a == 198 && (c == 18 || c == 19) { return false }
        if a == 198 && c == 51 && b[2] == 100 { return false }
        if a == 203 && c == 0 && b[2] == 113 { return false }
        return true
    }

    /// The addresses `host` resolves to (blocking: call it off event loops). `host` is a checked
    /// DNS name (`EgressTarget.host`) or an address text given as a test override.
    static func resolve(_ host: String, port: Int) -> [EgressAddress] {
        guard !host.utf8.contains(0) else { return [] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var out: [EgressAddress] = []
        var next = list
        while let info = next {
            next = info.pointee.ai_next
            switch info.pointee.ai_family {
            case AF_INET:
                let bytes = info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                    withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) }
                }
                out.append(EgressAddress(family: AF_INET, bytes: bytes, port: port))
            case AF_INET6:
                let bytes = info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
                }
                out.append(EgressAddress(family: AF_INET6, bytes: bytes, port: port))
            default:
                continue
            }
        }
        return out
    }
}
