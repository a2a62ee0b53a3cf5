import Foundation
import MarinaSandbox
#if canImport(Glibc)
import Glibc
#endif

/// A Unix socket owned by an instance's user (mode 0600), in the instance's io directory that is
/// bind-mounted into its sandbox; each connection is handled on its own thread.
public final class UnixListener: Sendable {
    let listener: Int32
    public let path: String

    public init(path: String, uid: UInt32, handle: @escaping @Sendable (Int32) -> Void) throws {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0, Sockets.bindUnix(fd, path), listen(fd, 128) == 0 else {
            if fd >= 0 { close(fd) }
            throw RuntimeError(.startFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        chown(path, uid, uid)
        listener = fd
        self.path = path
        Sockets.acceptEach(fd, handle)
    }

    /// The platform's end of an instance's way to its API (`MARINA_URL`): each connection is joined
    /// to `127.0.0.1:port()` on this host.
    public static func forwarding(path: String, uid: UInt32, to port: @escaping @Sendable () -> Int?) throws -> UnixListener {
        try UnixListener(path: path, uid: uid) { client in
            guard let target = port(), case let upstream = Sockets.connectTCP(port: target), upstream >= 0 else { close(client); return }
            Sockets.join(client, upstream)
        }
    }

    /// Stops accepting (connections in flight finish on their own); the accept loop closes the socket.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }
}
