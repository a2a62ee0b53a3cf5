import NIOPosix

/// Blocking work (file writes and fsyncs, checking and unpacking a bundle, starting a process, a
/// DNS lookup) run on NIO's thread pool. `serve` handles each HTTP connection on its event loop
/// (`EventLoopTaskExecutor`), which must not block: a blocked loop stalls every connection on it.
public enum Offload {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
