#if canImport(Glibc)
import Glibc
#endif

/// The blocking-socket plumbing the relay, the Unix forwarders and the egress proxy share: they
/// run on plain threads (inside a sandbox there is no event loop to lend them).
public enum Sockets {
    /// Binds `fd` to the Unix socket `path`, readable and writable by its owner only.
    public static func bindUnix(_ fd: Int32, _ path: String) -> Bool {
        guard var address = unixAddress(path) else { return false }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result == 0 { chmod(path, 0o600) }
        return result == 0
    }

    public static func connectUnix(_ path: String) -> Int32 {
        guard var address = unixAddress(path) else { return -1 }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 { close(fd); return -1 }
        return fd
    }

    public static func unixAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return address
    }

    public static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    public static func connectTCP(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { close(fd); return -1 }
        return fd
    }

    /// A TCP port on 127.0.0.1 that nothing is bound to now (the kernel's choice), or nil.
    public static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    /// A listening socket on `127.0.0.1:port`, or -1.
    public static func listenTCP(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); return -1 }
        return fd
    }

    /// Accepts on a thread of its own until the listener is shut down (`shutdown(fd, SHUT_RDWR)`),
    /// handling each connection on its own thread, then closes the listener. Only this loop may
    /// close it: a listener closed elsewhere before the loop reached `accept` would leave the loop
    /// accepting on whatever socket reused the descriptor number — another instance's.
    /// A connection that finds no thread to run on (the instance's process limit) is closed.
    public static func acceptEach(_ listener: Int32, _ handle: @escaping @Sendable (Int32) -> Void) {
        let started = Threads.detach {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if !Threads.detach({ handle(client) }) { close(client) }
            }
            close(listener)
        }
        if !started { close(listener) }
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let w = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if w < 0 && errno == EINTR { continue }
            if w <= 0 { return }
            offset += w
        }
    }

    /// Copies until end of stream, then half-closes the other side; the bytes copied.
    @discardableResult
    public static func pump(from source: Int32, to destination: Int32) -> Int {
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        loop: while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + offset, n - offset) }
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { break loop }
                offset += w
            }
            total += n
        }
        shutdown(destination, Int32(SHUT_WR))
        return total
    }

    final class Count: @unchecked Sendable { var value = 0 }

    /// Joins two connected sockets until both directions end, then closes them; the bytes that
    /// went from `a` to `b` and from `b` to `a` (nothing when no second thread could be started).
    @discardableResult
    public static func join(_ a: Int32, _ b: Int32) -> (aToB: Int, bToA: Int) {
        let back = Count()
        guard let backwards = Threads.spawn({ back.value = pump(from: b, to: a) }) else {
            close(a)
            close(b)
            return (0, 0)
        }
        let forth = pump(from: a, to: b)
        Threads.join(backwards)
        close(a)
        close(b)
        return (forth, back.value)
    }
}
