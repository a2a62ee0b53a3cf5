import NIOPosix

/// Blocking work (checking and unpacking a bundle, an fsync) run on NIO's thread pool. `serve`
/// handles each connection on its event loop, which must not block: a blocked loop stalls every
/// connection on it.
enum Offload {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
