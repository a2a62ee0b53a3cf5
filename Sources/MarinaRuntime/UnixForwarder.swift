import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The platform's end of an instance's way out: a Unix socket in the instance's io directory
/// (bind-mounted into its sandbox, where the relay connects to it) whose connections are joined to
/// a TCP port on this host's loopback — the platform's own API, for `MARINA_URL`.
public final class UnixForwarder: Sendable {
    let listener: Int32
    public let path: String

    /// Listens at `path` (owned by `uid`, mode 0600) and forwards to `127.0.0.1:port()`.
    public init(path: String, uid: UInt32, port: @escaping @Sendable () -> Int?) throws {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0, Relay.bindUnix(fd, path), listen(fd, 128) == 0 else {
            if fd >= 0 { close(fd) }
            throw RuntimeError(.startFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        chown(path, uid, uid)
        listener = fd
        self.path = path
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                Thread.detachNewThread {
                    guard let target = port(), case let upstream = Relay.connectTCP(port: target), upstream >= 0 else {
                        close(client)
                        return
                    }
                    Relay.join(client, upstream)
                }
            }
        }
    }

    /// Stops accepting (connections in flight finish on their own).
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }
}
