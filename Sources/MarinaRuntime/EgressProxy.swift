import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Where the egress proxy's and `http_fetch`'s records go (serve composes the audit log here).
public protocol EgressRecorder: Sendable {
    /// The decision on one connection, recorded before the app has its answer and before a byte
    /// is forwarded. A throw refuses the connection: no traffic leaves without its record.
    func decided(_ connection: EgressProxy.Connection, for requester: EgressProxy.Requester) async throws
    /// What an allowed connection carried and how it ended (`status`), once it has ended.
    func ended(_ connection: EgressProxy.Connection, for requester: EgressProxy.Requester) async
}

/// The only way out of a sandbox to the internet: an HTTP proxy (plain HTTP with absolute URIs,
/// and `CONNECT` for TLS) on a Unix socket in the instance's io directory, which the relay exposes
/// inside the sandbox as `HTTP_PROXY`. It allows exactly the version's `egress_hosts` (DNS names,
/// `*.example.com` for subdomains) in the one spelling `EgressTarget` accepts, refuses IP
/// literals and names that resolve to loopback, private, link-local or otherwise non-public
/// addresses, connects to the address it checked (no second lookup an attacker could rebind),
/// and records every decision before acting on it (`EgressRecorder`).
///
/// It runs on NIO's event loops: a connection costs descriptors, not a thread; at most
/// `maxConnections` are open per instance; a request head must arrive within `headTimeout`, and
/// a tunnel with no traffic either way for `idleTimeout` is closed.
public final class EgressProxy: Sendable {
    /// Who a connection is made for: an instance through its proxy socket, or the platform itself
    /// fetching for an app (`http_fetch`).
    public struct Requester: Sendable, Equatable {
        /// The instance's id (`gateway-<install>` for the platform's own fetches).
        public var id: String
        public var tenant: String
        public var app: String
        public var version: String

        public init(id: String, tenant: String, app: String, version: String) {
            (self.id, self.tenant, self.app, self.version) = (id, tenant, app, version)
        }
    }

    public struct Connection: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// `allow`, or `deny:<reason>` (`deny:host_not_allowed`, `deny:ip_literal`, `deny:userinfo`, `deny:private_address`,
        /// `deny:unresolvable`, `deny:bad_request`, `deny:audit_unavailable`).
        public var decision: String
        public var bytesOut: Int
        public var bytesIn: Int
        public var durationMs: Int
        /// How an allowed connection ended: `ok`, or what went wrong (`connect_failed`, `timeout`,
        /// `too_large`, `bad_response`). `refused` for a denied one.
        public var status: String

        public init(host: String, port: Int, decision: String, bytesOut: Int = 0, bytesIn: Int = 0, durationMs: Int = 0, status: String? = nil) {
            (self.host, self.port, self.decision, self.bytesOut, self.bytesIn, self.durationMs) = (
                host, port, decision, bytesOut, bytesIn, durationMs
            )
            self.status = status ?? (decision == "allow" ? "ok" : "refused")
        }
    }

    /// Lets private addresses through when the host is allowed (tests and development only).
    let allowPrivateAddresses: Bool
    /// Names resolved to a fixed address instead of through DNS (tests).
    let hostOverrides: [String: String]
    let recorder: any EgressRecorder
    public let maxConnections: Int
    public let headTimeout: TimeAmount
    public let idleTimeout: TimeAmount

    public init(
        allowPrivateAddresses: Bool = false, hostOverrides: [String: String] = [:], maxConnections: Int = 128,
        headTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .minutes(5),
        recorder: any EgressRecorder
    ) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.hostOverrides = hostOverrides
        self.maxConnections = maxConnections
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.recorder = recorder
    }

    /// Serves `path` for one instance until the listener is stopped.
    public func serve(path: String, spec: InstanceSpec, allowed: [String]) throws -> UnixListener {
        try UnixListener(path: path, uid: spec.uid, maxConnections: maxConnections) { client in
            client.pipeline.addHandler(ProxyHeadReader(proxy: self, requester: spec.egressRequester, allowed: allowed)).flatMap {
                client.setOption(.autoRead, value: true)
            }
        }
    }

    public struct Refusal: Error, Sendable {
        public var status: Int
        public var reason: String
        public var message: String
    }

    /// Whether the checked name `host` may be reached on `port`, and at which address: the one
    /// rule for the proxy and for the platform's own `http_fetch`. Blocks on DNS.
    func decide(host: String, port: Int, allowed: [String]) -> Result<EgressAddress, Refusal> {
        guard EgressTarget.allows(allowed, host) else {
            return .failure(Refusal(status: 403, reason: "host_not_allowed", message: "\(host) is not in this app's egress_hosts"))
        }
        let addresses = EgressAddress.resolve(hostOverrides[host] ?? host, port: port)
        guard let address = addresses.first else {
            return .failure(Refusal(status: 502, reason: "unresolvable", message: "\(host) does not resolve"))
        }
        if !allowPrivateAddresses, addresses.contains(where: { !$0.isPublic }) {
            return .failure(Refusal(status: 403, reason: "private_address", message: "\(host) resolves to a non-public address"))
        }
        return .success(address)
    }

    /// `decide` on NIO's thread pool (the lookup blocks), completed on `loop`.
    func decide(host: String, port: Int, allowed: [String], on loop: any EventLoop) -> EventLoopFuture<Result<EgressAddress, Refusal>> {
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { self.decide(host: host, port: port, allowed: allowed) }
            .flatMapErrorThrowing { _ in
                .failure(Refusal(status: 502, reason: "unresolvable", message: "\(host) could not be looked up (the platform is stopping)"))
            }
    }

    /// The refusal of a connection whose record could not be written.
    static let auditUnavailable = Refusal(
        status: 503, reason: "audit_unavailable", message: "the platform cannot record this connection now; try again later")

    static func refusal(_ invalid: EgressTarget.Invalid) -> Refusal {
        Refusal(status: invalid.reason == "bad_request" ? 400 : 403, reason: invalid.reason, message: invalid.message)
    }

    /// The answer to a refused proxy request.
    static func refusalResponse(_ refusal: Refusal) -> [UInt8] {
        let message = refusal.message.unicodeScalars.map { $0 == "\"" || $0 == "\\" ? "'" : $0.value < 0x20 ? "?" : String($0) }.joined()
        let body = Array("{\"error\":{\"code\":\"egress_denied\",\"decision\":\"deny:\(refusal.reason)\",\"message\":\"\(message)\"}}".utf8)
        let phrase = [400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 503: "Service Unavailable"][refusal.status] ?? "Bad Gateway"
        return Array(
            "HTTP/1.1 \(refusal.status) \(phrase)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                .utf8) + body
    }
}

/// Reads one proxy request head from an app's connection (within the proxy's head timeout),
/// decides, and either answers a refusal or joins the connection to the upstream address.
/// Confined to the connection's event loop.
final class ProxyHeadReader: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let proxy: EgressProxy
    let requester: EgressProxy.Requester
    let allowed: [String]
    private var head: [UInt8] = []
    /// Bytes after the head (the start of a body or of a tunnel), passed on once joined.
    private var rest: [UInt8] = []
    private var headEnd: Int?
    private var timer: Scheduled<Void>?
    private let started = Date()
    private var finished = false

    init(proxy: EgressProxy, requester: EgressProxy.Requester, allowed: [String]) {
        (self.proxy, self.requester, self.allowed) = (proxy, requester, allowed)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: proxy.headTimeout) {
            let (reader, context) = loopBound.value
            guard reader.headEnd == nil, !reader.finished else { return }
            // A connection that sent nothing is not a request: closed without a record.
            if reader.head.isEmpty { return context.close(promise: nil) }
            reader.refuse(
                context, EgressProxy.Refusal(status: 408, reason: "bad_request", message: "no complete request head within the time allowed"),
                host: "", port: 0)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard headEnd == nil else {
            rest += buffer.readBytes(length: buffer.readableBytes) ?? []
            return
        }
        let searchFrom = max(0, head.count - 3)
        head += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let end = Self.find([13, 10, 13, 10], in: head, from: searchFrom) else {
            if head.count >= ProxyRequestHead.maxHeadBytes {
                refuse(context, EgressProxy.Refusal(status: 400, reason: "bad_request", message: "the request head is too long"), host: "", port: 0)
            }
            return
        }
        headEnd = end
        rest = Array(head[(end + 4)...])
        head = Array(head[..<end])
        timer?.cancel()
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        let request: ProxyRequestHead
        do { request = try ProxyRequestHead(head: head) } catch {
            return refuse(context, EgressProxy.refusal(error), host: Self.hostForRecord(head), port: 0)
        }
        let target = request.target
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        proxy.decide(host: target.host, port: target.port, allowed: allowed, on: context.eventLoop).whenSuccess { decision in
            let (reader, context) = loopBound.value
            switch decision {
            case .failure(let refusal): reader.refuse(context, refusal, host: target.host, port: target.port)
            case .success(let address): reader.admit(context, request, address)
            }
        }
    }

    /// Records the decision to let the connection through, then joins it to `address`; a record
    /// that cannot be written refuses it instead.
    private func admit(_ context: ChannelHandlerContext, _ request: ProxyRequestHead, _ address: EgressAddress) {
        let (recorder, requester, target) = (proxy.recorder, requester, request.target)
        let decision = EgressProxy.Connection(host: target.host, port: target.port, decision: "allow", durationMs: milliseconds)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask { try await recorder.decided(decision, for: requester) }.whenComplete { recorded in
            let (reader, context) = loopBound.value
            switch recorded {
            case .success where !context.channel.isActive:
                // The app went away while its connection was being decided: nothing to join.
                reader.finished = true
                let gone = EgressProxy.Connection(
                    host: target.host, port: target.port, decision: "allow", durationMs: reader.milliseconds, status: "client_closed")
                Task { await recorder.ended(gone, for: requester) }
            case .success: reader.join(context, request, address)
            case .failure: reader.refuse(context.channel, EgressProxy.auditUnavailable, host: target.host, port: target.port, record: false)
            }
        }
    }

    private var milliseconds: Int { Int(Date().timeIntervalSince(started) * 1000) }

    private func join(_ context: ChannelHandlerContext, _ request: ProxyRequestHead, _ address: EgressAddress) {
        let (recorder, requester, started, target) = (proxy.recorder, self.requester, self.started, request.target)
        let channel = context.channel
        // One end record per connection, whichever of the join's end and a failed connect comes first.
        let end = EndRecord()
        let join = ChannelJoin { join in
            guard end.claim() else { return }
            let ended = EgressProxy.Connection(
                host: target.host, port: target.port, decision: "allow", bytesOut: join.forth.load(ordering: .relaxed),
                bytesIn: join.back.load(ordering: .relaxed), durationMs: Int(Date().timeIntervalSince(started) * 1000))
            Task { await recorder.ended(ended, for: requester) }
        }
        var toUpstream = channel.allocator.buffer(capacity: 0)
        var toClient: ByteBuffer?
        var limit: Int?
        if request.isConnect {
            toUpstream.writeBytes(rest)
            toClient = channel.allocator.buffer(bytes: Array("HTTP/1.1 200 Connection Established\r\n\r\n".utf8))
        } else {
            let body = rest.prefix(request.bodyLength)
            toUpstream.writeBytes(request.upstreamHead)
            toUpstream.writeBytes(body)
            limit = request.bodyLength - body.count
        }
        finished = true
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
        join.connect(
            channel, to: address.socketAddress(host: target.host), toUpstream: toUpstream, toClient: toClient, limitForth: limit,
            idleTimeout: proxy.idleTimeout
        ).whenFailure { _ in
            // The decision to allow is on record; how the connection ended goes with its end.
            if end.claim() {
                let failed = EgressProxy.Connection(
                    host: target.host, port: target.port, decision: "allow", durationMs: Int(Date().timeIntervalSince(started) * 1000),
                    status: "connect_failed")
                Task { await recorder.ended(failed, for: requester) }
            }
            let refusal = EgressProxy.Refusal(status: 502, reason: "connect_failed", message: "cannot connect to \(target.host):\(target.port)")
            channel.writeAndFlush(channel.allocator.buffer(bytes: EgressProxy.refusalResponse(refusal))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    private func refuse(_ context: ChannelHandlerContext, _ refusal: EgressProxy.Refusal, host: String, port: Int) {
        refuse(context.channel, refusal, host: host, port: port)
    }

    /// Answers a refusal once its record is written (or could not be: the connection is refused
    /// either way), then closes.
    private func refuse(_ channel: any Channel, _ refusal: EgressProxy.Refusal, host: String, port: Int, record: Bool = true) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        let answer: @Sendable () -> Void = {
            channel.writeAndFlush(channel.allocator.buffer(bytes: EgressProxy.refusalResponse(refusal))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
        guard record else { return answer() }
        let (recorder, requester) = (proxy.recorder, requester)
        let denied = EgressProxy.Connection(host: host, port: port, decision: "deny:" + refusal.reason, durationMs: milliseconds)
        channel.eventLoop.makeFutureWithTask { try await recorder.decided(denied, for: requester) }.whenComplete { _ in answer() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    /// What a refused head asked for, as far as it can be told, for the record: the request
    /// line's target with control characters escaped (the audit stores it as text).
    static func hostForRecord(_ head: [UInt8]) -> String {
        let line = head.prefix { $0 != 13 && $0 != 10 }
        let parts = line.split(separator: 0x20)
        guard parts.count >= 2 else { return "" }
        return EgressTarget.printable(String(decoding: parts[1], as: UTF8.self), limit: 120)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// Whether a connection's end has been recorded: the first to claim it writes the record.
final class EndRecord: Sendable {
    private let done = Atomic(false)
    func claim() -> Bool { !done.exchange(true, ordering: .relaxed) }
}
