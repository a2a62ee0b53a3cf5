import Synchronization

/// The loopback port serve's API listens on. It is known only once the listener is bound (serve
/// may be asked for port 0, "any"), after the runtime was composed: the server reports it here,
/// and sandboxed instances reach the API through it (`platform.sock` forwards to it). A connection
/// that arrives before the server listens is closed.
public final class PlatformPort: Sendable {
    private let port: Mutex<Int?>

    public init(_ port: Int? = nil) { self.port = Mutex(port) }

    public var value: Int? { port.withLock { $0 } }

    /// Called by the server once its listener is bound.
    public func listening(on port: Int) { self.port.withLock { $0 = port } }
}
