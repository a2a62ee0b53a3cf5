import NIOCore
import NIOPosix
import Synchronization

/// Joins two channels on one event loop so that bytes flow both ways, with backpressure (a side
/// reads only while the other can take what it reads), half-closes passed on, and both closed
/// once both directions have ended or either fails. Serve's ends of an instance's sockets (its
/// way to the platform's API, its egress) are joined this way: no thread per connection, so an
/// app holding thousands of connections costs descriptors and a little memory, not threads.
final class ChannelJoin: Sendable {
    /// Bytes that went from the first channel to the second, and back.
    let forth = Atomic<Int>(0)
    let back = Atomic<Int>(0)
    private let ended = Atomic<Int>(0)
    private let onEnd: @Sendable (ChannelJoin) -> Void

    init(onEnd: @escaping @Sendable (ChannelJoin) -> Void = { _ in }) { self.onEnd = onEnd }

    /// The two handlers; add `first` to the first channel's pipeline and `second` to the other's.
    /// `limitForth` stops passing on what the first channel sends once that many bytes went
    /// (what follows is read and dropped): a plain-HTTP proxy passes exactly one request on.
    func handlers(limitForth: Int?) -> (first: JoinHandler, second: JoinHandler) {
        let first = JoinHandler(forth: true, limit: limitForth, join: self)
        let second = JoinHandler(forth: false, limit: nil, join: self)
        first.partner = second
        second.partner = first
        return (first, second)
    }

    /// Connects to `address` on `client`'s event loop and joins the two: `toUpstream` is written
    /// to the new connection first and `toClient` to the client (a proxy's own answer), then both
    /// start reading. `client` must have been accepted with `autoRead` off, so that nothing it
    /// sends is read before its handler is in place. Fails when the connection cannot be made
    /// (the client is left open, for the caller to answer).
    func connect(
        _ client: any Channel, to address: SocketAddress, timeout: TimeAmount = .seconds(10), toUpstream: ByteBuffer? = nil,
        toClient: ByteBuffer? = nil, limitForth: Int? = nil, idleTimeout: TimeAmount? = nil
    ) -> EventLoopFuture<Void> {
        let (first, second) = handlers(limitForth: limitForth)
        let loop = client.eventLoop
        return ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: false)
            .connectTimeout(timeout)
            .channelInitializer { upstream in
                if address.protocol != .unix { try? upstream.syncOptions?.setOption(.tcpOption(.tcp_nodelay), value: 1) }
                return upstream.pipeline.addHandler(second)
            }
            .connect(to: address)
            .flatMap { upstream in
                var handlers: [any ChannelHandler] = []
                if let idleTimeout { handlers.append(IdleStateHandler(allTimeout: idleTimeout)) }
                handlers.append(first)
                return client.pipeline.addHandlers(handlers).flatMap {
                    if let toUpstream, toUpstream.readableBytes > 0 {
                        upstream.writeAndFlush(toUpstream, promise: nil)
                        self.forth.add(toUpstream.readableBytes, ordering: .relaxed)
                    }
                    if let toClient { client.writeAndFlush(toClient, promise: nil) }
                    return client.setOption(.autoRead, value: true).and(upstream.setOption(.autoRead, value: true)).map { _ in }
                }.flatMapErrorThrowing { error in
                    upstream.close(promise: nil)
                    throw error
                }
            }
    }

    /// Called by each handler once, when its channel has closed.
    fileprivate func channelEnded() {
        if ended.add(1, ordering: .relaxed).newValue == 2 { onEnd(self) }
    }
}

/// One side of a `ChannelJoin`. Both sides must be on the same event loop.
final class JoinHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    fileprivate var partner: JoinHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    private var inputEnded = false
    private var outputEnded = false
    /// The output is shut down, everything queued before written.
    private var outputDone = false
    /// Which of the join's counters this side's reads add to.
    private let forth: Bool
    private var remaining: Int?
    private let join: ChannelJoin

    fileprivate init(forth: Bool, limit: Int?, join: ChannelJoin) {
        (self.forth, self.remaining, self.join) = (forth, limit, join)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if let left = remaining {
            if left <= 0 { return }
            if buffer.readableBytes > left { buffer = buffer.getSlice(at: buffer.readerIndex, length: left)! }
            remaining = left - buffer.readableBytes
        }
        if forth { join.forth.add(buffer.readableBytes, ordering: .relaxed) } else { join.back.add(buffer.readableBytes, ordering: .relaxed) }
        partner?.write(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.flush() }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClosed()
        join.channelEnded()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            inputEnded = true
            if let partner { partner.endOutput() } else { context.close(promise: nil) }
            if outputDone { context.close(promise: nil) }
        } else if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.resumeReading() }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.isWritable { context.read() } else { pendingRead = true }
    }

    // MARK: Called by the partner (same event loop)

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    private func write(_ buffer: ByteBuffer) { context?.write(wrapOutboundOut(buffer), promise: nil) }

    private func flush() { context?.flush() }

    private func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    /// The partner's input ended: end this side's output once what is queued is written (an
    /// empty write completes after everything before it; NIO's half-close of a channel whose
    /// input already ended would close it at once and drop what is queued).
    private func endOutput() {
        guard let context, !outputEnded else { return }
        outputEnded = true
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: written)
        written.futureResult.whenComplete { [self] _ in
            guard let context = self.context else { return }
            outputDone = true
            if inputEnded { context.close(promise: nil) } else { context.close(mode: .output, promise: nil) }
        }
    }

    /// The partner's channel closed: close this one too, once what is queued is written.
    private func partnerClosed() {
        guard let context else { return }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: written)
        written.futureResult.whenComplete { _ in context.close(promise: nil) }
    }
}
