import Hummingbird
import HummingbirdCore
import Logging
import MarinaEventLoops
import NIOCore

/// An HTTP/1.1 server child channel whose connections are each handled on their own event loop
/// rather than on the shared cooperative pool.
///
/// Hummingbird reads a request on the connection's loop, hands it to a task on the pool, and that
/// task hands the response back to the loop; a tool call adds the instance's reply (read on a loop,
/// resumed on the pool). Each hand-off wakes a sleeping thread, which on a VM costs tens of
/// microseconds. Here a connection's task prefers its loop (`EventLoopTaskExecutor`), and the
/// instance connection pool hands it a connection on the same loop, so a tool call wakes serve's
/// threads only for the request, the app's reply and the audit commit (docs/performance.md: 8.0
/// context switches per call at one connection before, 3.0 after, data on tmpfs). Handlers must
/// therefore not block: blocking work goes through `Offload.run` or the store's threads. The
/// event loop group must outlive the connections (serve uses NIO's singleton group).
struct ConnectionLoopChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection's requests handled on the connection's own event loop.
    public static func http1OnConnectionLoop(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in ConnectionLoopChannel(inner: HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}
