import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

extension EgressProxy {
    public struct FetchResult: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
    }

    /// `http_fetch`: one plain-HTTP request to an allowed host, over a connection to the address
    /// the rules checked, the answer read by NIO's HTTP decoder (chunked bodies included, with its
    /// bounds) up to `maxBytes`, the whole exchange within `timeout` however the upstream trickles.
    /// Recorded like a proxied connection: the decision before the request is sent (a record that
    /// cannot be written refuses it, `audit_unavailable`), then how it ended.
    public func fetch(
        for requester: Requester, allowed: [String], url: String, method: String, headers: [(String, String)], body: [UInt8],
        maxBytes: Int, timeout: TimeAmount = .seconds(25)
    ) async throws(Refusal) -> FetchResult {
        let started = Date()
        func denied(_ refusal: Refusal, host: String, port: Int) async -> Refusal {
            try? await recorder.decided(Connection(host: host, port: port, decision: "deny:" + refusal.reason), for: requester)
            return refusal
        }
        let target: EgressTarget
        do { target = try EgressTarget.httpURL(url) } catch {
            throw await denied(EgressProxy.refusal(error), host: EgressTarget.printable(url, limit: 120), port: 0)
        }
        guard !method.isEmpty, method.utf8.allSatisfy(ProxyRequestHead.isTokenByte) else {
            throw Refusal(status: 400, reason: "bad_request", message: "the method is not an HTTP method")
        }
        var head = HTTPHeaders()
        head.add(name: "Host", value: target.port == 80 ? target.host : "\(target.host):\(target.port)")
        for (name, value) in headers where !ProxyRequestHead.dropped.contains(name.lowercased()) {
            guard !name.isEmpty, name.utf8.allSatisfy(ProxyRequestHead.isTokenByte),
                !value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
            else {
                throw Refusal(
                    status: 400, reason: "bad_request", message: "the header \(EgressTarget.printable(name, limit: 40)) is not a valid HTTP header")
            }
            head.add(name: name, value: value)
        }
        head.add(name: "Content-Length", value: String(body.count))
        head.add(name: "Connection", value: "close")

        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let address: EgressAddress
        do {
            switch try await decide(host: target.host, port: target.port, allowed: allowed, on: loop).get() {
            case .success(let a): address = a
            case .failure(let refusal): throw await denied(refusal, host: target.host, port: target.port)
            }
        } catch let refusal as Refusal { throw refusal } catch {
            throw await denied(
                Refusal(status: 502, reason: "unresolvable", message: "\(target.host) could not be looked up"), host: target.host, port: target.port)
        }

        do { try await recorder.decided(Connection(host: target.host, port: target.port, decision: "allow"), for: requester) } catch {
            throw Self.auditUnavailable
        }

        let promise = loop.makePromise(of: FetchResult.self)
        let counted = Counted()
        let requestHead = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target.path, headers: head)
        let deadline = loop.scheduleTask(in: timeout) {
            promise.fail(
                Refusal(status: 504, reason: "timeout", message: "\(target.host) did not answer within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.pipeline.addHandler(counted).flatMap {
                    channel.pipeline.addHTTPClientHandlers()
                }.flatMap {
                    channel.pipeline.addHandler(FetchCollector(maxBytes: maxBytes, host: target.host, promise: promise))
                }
            }
            .connect(to: address.socketAddress(host: target.host))
        connected.whenSuccess { channel in
            channel.write(HTTPClientRequestPart.head(requestHead), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        connected.whenFailure { _ in
            promise.fail(Refusal(status: 502, reason: "connect_failed", message: "cannot connect to \(target.host):\(target.port)"))
        }
        let outcome: Result<FetchResult, any Error>
        do { outcome = .success(try await promise.futureResult.get()) } catch { outcome = .failure(error) }
        deadline.cancel()
        let status: String
        switch outcome {
        case .success: status = "ok"
        case .failure(let error as Refusal): status = error.reason
        case .failure: status = "bad_response"
        }
        await recorder.ended(
            Connection(
                host: target.host, port: target.port, decision: "allow", bytesOut: counted.written.load(ordering: .relaxed),
                bytesIn: counted.read.load(ordering: .relaxed), durationMs: Int(Date().timeIntervalSince(started) * 1000), status: status),
            for: requester)
        switch outcome {
        case .success(let result): return result
        case .failure(let error as Refusal): throw error
        case .failure: throw Refusal(status: 502, reason: "bad_response", message: "\(target.host) did not answer HTTP")
        }
    }
}

/// Counts the bytes a connection reads and writes.
final class Counted: ChannelDuplexHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let read = Atomic<Int>(0)
    let written = Atomic<Int>(0)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read.add(unwrapInboundIn(data).readableBytes, ordering: .relaxed)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        written.add(unwrapOutboundIn(data).readableBytes, ordering: .relaxed)
        context.write(data, promise: promise)
    }
}

/// Collects one HTTP response, at most `maxBytes` of body, into the fetch's promise.
final class FetchCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    let maxBytes: Int
    let host: String
    let promise: EventLoopPromise<EgressProxy.FetchResult>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(maxBytes: Int, host: String, promise: EventLoopPromise<EgressProxy.FetchResult>) {
        (self.maxBytes, self.host, self.promise) = (maxBytes, host, promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            // 1xx answers are informational; the final one follows.
            if h.status.code >= 200 || h.status.code < 100 { head = h }
        case .body(var buffer):
            guard head != nil else { return }
            guard body.count + buffer.readableBytes <= maxBytes else {
                promise.fail(EgressProxy.Refusal(status: 502, reason: "too_large", message: "the answer is larger than \(maxBytes) bytes"))
                return context.close(promise: nil)
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            promise.succeed(EgressProxy.FetchResult(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(EgressProxy.Refusal(status: 502, reason: "bad_response", message: "\(host) did not answer valid HTTP: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(EgressProxy.Refusal(status: 502, reason: "bad_response", message: "\(host) closed the connection before a complete answer"))
    }
}
