import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The bridge inside a sandbox between the platform's Unix socket and the app's TCP port: the
/// app listens on `$PORT` in its own network namespace (which the platform cannot enter), the
/// relay accepts on a socket in a directory shared with the platform and copies bytes both ways.
/// It starts the app as its child and exits with it. Part of the `marina` binary (`marina relay`).
public enum Relay {
    /// Runs `command` and relays `socketPath` ↔ `127.0.0.1:port` until the command exits;
    /// returns the command's exit status (128 + signal when killed). Each of `forwards` is the
    /// other direction: connections the app makes to `127.0.0.1:port` inside the sandbox go to a
    /// Unix socket the platform serves (how the app reaches `MARINA_URL` without a network).
    public static func run(socketPath: String, port: Int, forwards: [(port: Int, path: String)] = [], command: [String]) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        unlink(socketPath)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0, bindUnix(listener, socketPath), listen(listener, 128) == 0 else {
            FileHandle.standardError.write(Data(("marina relay: cannot listen on \(socketPath): \(String(cString: strerror(errno)))\n").utf8))
            return 70
        }
        // The relay leads a process group with the app in it, so that the platform can end both
        // (and whatever the app started) at once; and the app starts with no signals blocked or
        // ignored, whatever the platform's threads had.
        setpgid(0, 0)
        var everything = sigset_t()
        sigfillset(&everything)
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &everything)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let spawned = posix_spawnp(&pid, command[0], nil, &attributes, &argv, environ)
        argv.forEach { free($0) }
        guard spawned == 0 else {
            FileHandle.standardError.write(Data(("marina relay: cannot start \(command[0]): \(String(cString: strerror(spawned)))\n").utf8))
            return 127
        }
        // Pass termination requests on to the app.
        for sig in [SIGTERM, SIGINT, SIGHUP] { signal(sig, SIG_IGN) }
        let signals = DispatchSource.makeSignalSource(signal: SIGTERM)
        signals.setEventHandler { kill(pid, SIGTERM) }
        signals.resume()

        Thread.detachNewThread { acceptLoop(listener, port: port) }
        for forward in forwards {
            let fd = listenTCP(port: forward.port)
            guard fd >= 0 else {
                FileHandle.standardError.write(Data(("marina relay: cannot listen on 127.0.0.1:\(forward.port): \(String(cString: strerror(errno)))\n").utf8))
                continue
            }
            Thread.detachNewThread { forwardLoop(fd, to: forward.path) }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        unlink(socketPath)
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    static func bindUnix(_ fd: Int32, _ path: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result == 0 { chmod(path, 0o600) }
        return result == 0
    }

    static func listenTCP(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Accepts on `listener` and joins each connection to a new connection to the Unix socket `path`.
    public static func forwardLoop(_ listener: Int32, to path: String) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread.detachNewThread {
                let upstream = connectUnix(path)
                guard upstream >= 0 else {
                    close(client)
                    return
                }
                join(client, upstream)
            }
        }
    }

    /// Joins two connected sockets until both directions end, then closes them.
    public static func join(_ a: Int32, _ b: Int32) {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            pump(from: b, to: a)
            done.signal()
        }
        pump(from: a, to: b)
        done.wait()
        close(a)
        close(b)
    }

    public static func connectUnix(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(fd); return -1 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 { close(fd); return -1 }
        return fd
    }

    static func acceptLoop(_ listener: Int32, port: Int) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread.detachNewThread { serve(client, port: port) }
        }
    }

    /// Connects to the app (retrying while it is still starting) and copies bytes both ways.
    static func serve(_ client: Int32, port: Int) {
        var upstream: Int32 = -1
        for attempt in 0..<50 {
            upstream = connectTCP(port: port)
            if upstream >= 0 { break }
            usleep(useconds_t(min(100_000, 2_000 * (attempt + 1))))
        }
        guard upstream >= 0 else {
            close(client)
            return
        }
        let connected = upstream
        var one: Int32 = 1
        setsockopt(connected, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            pump(from: connected, to: client)
            done.signal()
        }
        pump(from: client, to: connected)
        done.wait()
        close(client)
        close(connected)
    }

    static func connectTCP(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// Copies until end of stream, then half-closes the other side.
    static func pump(from source: Int32, to destination: Int32) {
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
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
