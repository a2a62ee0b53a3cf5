import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Copies an instance's stdout and stderr into its log on NIO's event loops (a pipe channel per
/// stream, no thread of its own: serve holds nothing per instance but descriptors).
///
/// Why not `FileHandle.readabilityHandler` and `readToEnd`: a blocking `readToEnd` in a task
/// holds one of Swift concurrency's few threads for as long as any process in the sandbox keeps
/// the pipe open, which starved serve; and reading the same descriptor from a dispatch source and
/// a task at once crashed libdispatch's event loop.
final class OutputPump: Sendable {
    private struct State {
        var open: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var channels: [any Channel] = []
        var closing = false
    }

    private let state: Mutex<State>

    /// Takes the pipes' read ends over (and closes them when done).
    init(_ pipes: [(fd: Int32, stream: String)], log: InstanceLog, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        state = Mutex(State(open: pipes.count))
        for (fd, stream) in pipes {
            let started =
                fd < 0
                ? group.next().makeFailedFuture(ChannelError.ioOnClosedChannel)
                : NIOPipeBootstrap(group: group)
                    .channelInitializer { channel in channel.pipeline.addHandler(LogWriter(log: log, stream: stream)) }
                    .takingOwnershipOfDescriptor(input: fd)
            started.whenSuccess { channel in
                let closing = self.state.withLock { s in
                    s.channels.append(channel)
                    return s.closing
                }
                channel.closeFuture.whenComplete { _ in self.ended() }
                if closing { channel.close(promise: nil) }
            }
            started.whenFailure { _ in
                if fd >= 0 { Glibc.close(fd) }
                self.ended()
            }
        }
    }

    private func ended() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open -= 1
            guard s.open == 0 else { return [] }
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits until every pipe has reached its end, or `grace` has passed (a process the app
    /// left behind may hold a pipe open; its later output is not kept, and the pipe is closed).
    func drain(grace: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.allEnded() }
            group.addTask { if (try? await Task.sleep(for: grace)) != nil { self.close() } }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns once every pipe has ended.
    private func allEnded() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.open == 0 { return true }
                s.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Closes the pipes still open.
    func close() {
        state.withLock { s in
            s.closing = true
            return s.channels
        }.forEach { $0.close(promise: nil) }
    }
}

/// Appends what a pipe channel reads to the instance's log.
private final class LogWriter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let log: InstanceLog
    let stream: String
    init(log: InstanceLog, stream: String) { (self.log, self.stream) = (log, stream) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { log.append(Array($0), stream: stream) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The pipe's write end is gone: nothing more can come.
        if let event = event as? ChannelEvent, case .inputClosed = event { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
