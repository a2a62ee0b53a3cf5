import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The platform's end of an instance's way to its API: a Unix socket in the instance's io
/// directory (bind-mounted into its sandbox, where the relay connects to it) whose connections are
/// joined to a TCP port on this host's loopback — the platform's own API, for `MARINA_URL`.
public enum UnixForwarder {
    /// Listens at `path` (owned by `uid`, mode 0600) and forwards to `127.0.0.1:port()`.
    public static func serve(path: String, uid: UInt32, port: @escaping @Sendable () -> Int?) throws -> UnixListener {
        try UnixListener(path: path, uid: uid) { client in
            guard let target = port(), case let upstream = Relay.connectTCP(port: target), upstream >= 0 else {
                close(client)
                return
            }
            Relay.join(client, upstream)
        }
    }
}
