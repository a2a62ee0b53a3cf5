import Foundation
import MarinaEventLoops
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An app that runs inside serve's own process: what the `MemoryDriver` starts.
public protocol InProcessApp: Sendable {
    func respond(to request: InProcessAppRequest) async -> InProcessAppResponse
}

public struct InProcessAppRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [(String, String)]
    public var body: [UInt8]
}

public struct InProcessAppResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int = 200, headers: [(String, String)] = [("Content-Type", "application/json")], body: [UInt8]) {
        (self.status, self.headers, self.body) = (status, headers, body)
    }
}

/// Runs instances as in-process apps answering HTTP on a Unix socket, as an instance's relay
/// would: the supervisor, the instance client and everything above them work as with real
/// processes, without a sandbox, a spawn or partner code. For tests of the platform's services
/// (`MarinaPlatformTests`) and compositions that run no app of their own. Like Hummingbird's
/// memory drivers beside its real ones: the same protocol, nothing outside the process.
public final class MemoryDriver: RuntimeDriver {
    let runRoot: URL
    let makeApp: @Sendable (InstanceSpec) throws -> any InProcessApp
    private let running = Mutex<[Int32: Started]>([:])
    private let nextPid = Atomic<Int32>(1)
    /// Starts per instance id, in order (tests ask how often an instance woke).
    private let starts = Mutex<[String: Int]>([:])
    private let tokens = Mutex<[String: String]>([:])

    struct Started {
        let id: String
        let channel: any Channel
        let ended: @Sendable (Int32) -> Void
    }
    /// Each instance's accepted connections, closed with it (as a process's sockets close when it dies).
    private let connections = Mutex<[Int32: [any Channel]]>([:])

    /// `makeApp` is asked for the app of each instance as it starts; a throw is a failed start.
    public init(runRoot: URL, makeApp: @escaping @Sendable (InstanceSpec) throws -> any InProcessApp) {
        (self.runRoot, self.makeApp) = (runRoot, makeApp)
    }

    public func start(_ spec: InstanceSpec, log: InstanceLog) throws -> RunningInstance {
        let app = try makeApp(spec)
        let directory = runRoot.appendingPathComponent(spec.id)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let socket = directory.appendingPathComponent("app.sock").path
        try? FileManager.default.removeItem(atPath: socket)
        let pid = nextPid.add(1, ordering: .relaxed).newValue
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { [self] child in
                connections.withLock { $0[pid, default: []].append(child) }
                return child.pipeline.configureHTTPServerPipeline().flatMap { child.pipeline.addHandler(InProcessAppHandler(app: app)) }
            }
            .bind(unixDomainSocketPath: socket).wait()
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        running.withLock {
            $0[pid] = Started(
                id: spec.id, channel: channel,
                ended: {
                    continuation.yield($0); continuation.finish()
                })
        }
        starts.withLock { $0[spec.id, default: 0] += 1 }
        log.note("started in process (pid \(pid))")
        let exit = Task<Int32, Never> {
            for await status in stream { return status }
            return 0
        }
        return RunningInstance(
            pid: pid, socketPaths: [socket],
            limits: LimitsInForce(mechanism: "none", memoryMB: spec.memoryMB, cpuCores: nil, maxProcesses: spec.maxProcesses, sandbox: "in-process"),
            exit: exit)
    }

    public func stop(_ instance: RunningInstance, grace: Duration) async {
        end(instance.pid, status: 128 + 15)
        _ = await instance.waitForExit()
    }

    /// Ends an instance as a crash would (its socket closes, its exit status is `status`).
    public func crash(instanceId: String, status: Int32 = 1) {
        let pids = running.withLock { $0.filter { $0.value.id == instanceId }.map(\.key) }
        for pid in pids { end(pid, status: status) }
    }

    private func end(_ pid: Int32, status: Int32) {
        guard let started = running.withLock({ $0.removeValue(forKey: pid) }) else { return }
        started.channel.close(promise: nil)
        for connection in connections.withLock({ $0.removeValue(forKey: pid) ?? [] }) { connection.close(promise: nil) }
        started.ended(status)
    }

    /// How many times the instance has started.
    public func startCount(instanceId: String) -> Int { starts.withLock { $0[instanceId] ?? 0 } }

    /// The last app token written for a running instance.
    public func appToken(instanceId: String) -> String? { tokens.withLock { $0[instanceId] } }

    public func writeAppToken(_ token: String, for spec: InstanceSpec) throws { tokens.withLock { $0[spec.id] = token } }

    public func memoryUsage(of instance: RunningInstance) -> Int? { nil }

    public func forget(instanceId: String) {
        try? FileManager.default.removeItem(at: runRoot.appendingPathComponent(instanceId))
    }
}

/// One HTTP/1.1 connection to an in-process app: each request collected whole, answered by the
/// app, keep-alive as the client asks.
final class InProcessAppHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let app: any InProcessApp
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(app: any InProcessApp) { self.app = app }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = InProcessAppRequest(
                method: head.method.rawValue, path: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
            let (app, keepAlive) = (self.app, head.isKeepAlive)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            // Answered on the connection's own event loop, as a process would answer on its own
            // threads: a test that blocks the cooperative pool does not stall the app.
            let loop = context.eventLoop
            let promise = loop.makePromise(of: InProcessAppResponse.self)
            Task(executorPreference: EventLoopTaskExecutor(loop)) { promise.succeed(await app.respond(to: request)) }
            promise.futureResult.whenSuccess { response in
                let context = loopBound.value
                var headers = HTTPHeaders(response.headers)
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                context.write(
                    NIOAny(
                        HTTPServerResponsePart.head(
                            HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers))),
                    promise: nil)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                    if !keepAlive { context.close(promise: nil) }
                }
            }
            self.head = nil
        }
    }
}
