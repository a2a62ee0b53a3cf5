import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Unix socket the platform serves for one instance (its way to the platform's API, its egress
/// proxy), in the instance's io directory that is bind-mounted into its sandbox, owned by the
/// instance's user with mode 0600. Connections are handled on NIO's event loops — no thread per
/// connection or per listener — and at most `maxConnections` are open at once: one more is
/// closed as it arrives, so an app cannot spend serve's descriptors without bound.
///
/// Bind listeners before the io directory is handed to the instance's user: the socket's owner
/// and mode are set by path, which is safe only while nobody else can write the directory.
public final class UnixListener: Sendable {
    public let path: String
    let channel: any Channel
    /// Connections open now.
    let open: Connections

    final class Connections: Sendable {
        let count = Atomic<Int>(0)
        let limit: Int
        init(limit: Int) { self.limit = limit }
        /// Takes a place; false when all are taken.
        func enter() -> Bool {
            if count.add(1, ordering: .relaxed).newValue <= limit { return true }
            count.subtract(1, ordering: .relaxed)
            return false
        }
        func leave() { count.subtract(1, ordering: .relaxed) }
    }

    /// Serves `path`, calling `accept` for each connection on its event loop (its result: the
    /// connection's pipeline is ready). A connection starts with `autoRead` off: `accept` turns it
    /// on once its handlers are in place. Blocks until the socket is bound: call it off event loops.
    public init(
        path: String, uid: UInt32, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxConnections: Int,
        accept: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) throws {
        let open = Connections(limit: maxConnections)
        unlink(path)
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 128)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelOption(.autoRead, value: false)
                .childChannelInitializer { child in
                    guard open.enter() else { return child.close() }
                    child.closeFuture.whenComplete { _ in open.leave() }
                    return accept(child)
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
                .wait()
        } catch {
            throw RuntimeError(.startFailed, "cannot listen on \(path): \(error)")
        }
        // Not following a symlink (lchown); and the mode only if the path is still the socket.
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK, lchown(path, uid, uid) == 0, chmod(path, 0o600) == 0 else {
            channel.close(promise: nil)
            throw RuntimeError(.startFailed, "cannot hand \(path) to the instance's user: \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.open = open
    }

    /// Connections open now (tests, status).
    public var connections: Int { open.count.load(ordering: .relaxed) }

    /// Stops accepting and removes the socket file; connections in flight finish on their own.
    public func stop() {
        channel.close(promise: nil)
        unlink(path)
    }

    /// The platform's end of an instance's way to its API (`MARINA_URL`): each connection is joined
    /// to `127.0.0.1:port()` on this host.
    public static func forwarding(
        path: String, uid: UInt32, to port: @escaping @Sendable () -> Int?, maxConnections: Int = 256
    ) throws -> UnixListener {
        try UnixListener(path: path, uid: uid, maxConnections: maxConnections) { client in
            guard let target = port(), let address = try? SocketAddress(ipAddress: "127.0.0.1", port: target) else { return client.close() }
            return ChannelJoin().connect(client, to: address, timeout: .seconds(5)).flatMapError { _ in client.close() }
        }
    }
}
