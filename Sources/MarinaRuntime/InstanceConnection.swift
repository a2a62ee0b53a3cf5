import NIOCore
import Synchronization

/// One kept-alive connection to an instance's Unix socket, carrying one request at a time. The
/// reader's state lives on the channel's event loop.
final class InstanceConnection: Sendable {
    let socket: String
    let channel: any Channel
    private let reader: ReplyReader
    /// When it was last put back in the pool (read and written under the pool's lock).
    nonisolated(unsafe) var idleSince = NIODeadline.now()

    init(socket: String, channel: any Channel, reader: ReplyReader) {
        (self.socket, self.channel, self.reader) = (socket, channel, reader)
    }

    var isOpen: Bool { reader.open.load(ordering: .relaxed) }

    /// Writes `request` and reads the response, failing with `InstanceClient.Failure`. Called on
    /// the channel's event loop (`InstanceClient.send` chains it there).
    func exchange(_ request: ByteBuffer, parser: HTTPResponseParser, deadline: NIODeadline) -> EventLoopFuture<HTTPResponseParser.Response> {
        channel.eventLoop.preconditionInEventLoop()
        let promise = channel.eventLoop.makePromise(of: HTTPResponseParser.Response.self)
        reader.begin(request, parser: parser, deadline: deadline, promise: promise)
        return promise.futureResult
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Feeds what the connection reads to the response parser of the request in flight and
/// completes its promise; closes the connection on a timeout, garbage, or bytes nobody asked for.
/// Confined to the channel's event loop, except `open`.
final class ReplyReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let open = Atomic<Bool>(true)
    /// Called once, on the event loop, when the connection has closed (with the channel's identity).
    private let onClose: @Sendable (ObjectIdentifier) -> Void
    private var context: ChannelHandlerContext?
    private var parser: HTTPResponseParser?
    private var promise: EventLoopPromise<HTTPResponseParser.Response>?
    private var timer: Scheduled<Void>?

    init(onClose: @escaping @Sendable (ObjectIdentifier) -> Void) { self.onClose = onClose }

    /// The connection had closed before the request could be written: nothing reached the app.
    struct NotSent: Error {}

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func begin(_ request: ByteBuffer, parser: HTTPResponseParser, deadline: NIODeadline, promise: EventLoopPromise<HTTPResponseParser.Response>) {
        guard let context, open.load(ordering: .relaxed), self.promise == nil else {
            promise.fail(NotSent())
            return
        }
        self.parser = parser
        self.promise = promise
        timer = context.eventLoop.scheduleTask(deadline: deadline) { [self] in
            finish(.failure(InstanceClient.Failure.timeout))
            self.context?.close(promise: nil)
        }
        context.writeAndFlush(NIOAny(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard promise != nil, var parser else {
            context.close(promise: nil)  // an answer to nothing: the connection is out of step
            return
        }
        do {
            let response = try buffer.withUnsafeReadableBytes { bytes throws(HTTPResponseParser.Failure) in try parser.feed(bytes) }
            self.parser = parser
            if let response { finish(.success(response)) }
        } catch {
            finish(.failure(InstanceClient.Failure(error)))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        open.store(false, ordering: .relaxed)
        if promise != nil, var parser {
            do throws(HTTPResponseParser.Failure) { finish(.success(try parser.end())) } catch {
                finish(.failure(parser.started ? InstanceClient.Failure(error) : InstanceClient.Failure.closed))
            }
        }
        self.context = nil
        onClose(ObjectIdentifier(context.channel))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The connection is broken; channelInactive reports it to the request in flight.
        context.close(promise: nil)
    }

    private func finish(_ result: Result<HTTPResponseParser.Response, any Error>) {
        guard let promise else { return }
        self.promise = nil
        parser = nil
        timer?.cancel()
        timer = nil
        promise.completeWith(result)
    }
}
