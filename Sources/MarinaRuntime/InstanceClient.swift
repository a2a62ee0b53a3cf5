import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// HTTP to an instance over its Unix socket.
public struct InstanceClient: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType: String?
    }

    let client: HTTPClient

    public init(client: HTTPClient = InstanceClient.pooled) { self.client = client }

    /// One client for every instance of the process, kept for its lifetime like `HTTPClient.shared`,
    /// but with room for 64 kept-alive connections per instance instead of 8: under concurrent
    /// calls the ninth would otherwise wait for a free connection. A refused connection fails the
    /// request at once (the instance is gone, or not listening yet) instead of being retried with
    /// a backoff of 100 ms and more until the connect timeout (10 s): the supervisor polls again
    /// on its own cadence, and a call to a dead instance is `app_unreachable`, not a timeout.
    public static let pooled: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// `http+unix://` and the percent-encoded socket path, per socket (every call needs it).
    private static let prefixes = Mutex<[String: String]>([:])

    static func url(socket: String, path: String) -> String {
        let prefix = prefixes.withLock { known in
            if let prefix = known[socket] { return prefix }
            let prefix = "http+unix://" + (socket.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socket)
            if known.count >= 10_000 { known.removeAll() }
            known[socket] = prefix
            return prefix
        }
        return prefix + path
    }

    /// Why a request to an instance failed, where the caller answers differently.
    public enum Failure: Error, Sendable, Equatable {
        /// No complete answer within the timeout.
        case timeout
        /// The answer's body is larger than `maxBody`.
        case tooLarge
    }

    /// Sends one request; `maxBody` bounds what is read back (an app answering with endless
    /// garbage costs the platform at most that much). Through AsyncHTTPClient's future-based API
    /// with a delegate that gathers the body: its async API costs a task hand-off per body part and
    /// a request-body stream even for a body it already holds (a tenth of serve's CPU per call).
    public func send(socket: String, method: HTTPMethod, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     timeout: Duration, maxBody: Int = 1 << 20) async throws -> Reply {
        var request = try HTTPClient.Request(url: Self.url(socket: socket, path: path), method: method)
        // HTTP/1.1 requires Host, and some servers (Node's) refuse a request without one; over a
        // Unix socket AsyncHTTPClient sends none.
        request.headers.add(name: "Host", value: "localhost")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let milliseconds = Int64(timeout.components.seconds) * 1000 + Int64(timeout.components.attoseconds / 1_000_000_000_000_000)
        let gather = ResponseAccumulator(request: request, maxBodySize: maxBody)
        let response: HTTPClient.Response
        do {
            response = try await client.execute(request: request, delegate: gather, deadline: .now() + .milliseconds(max(1, milliseconds))).get()
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw Failure.timeout
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw Failure.tooLarge
        }
        return Reply(status: Int(response.status.code), body: response.body.map { Array($0.readableBytesView) } ?? [], contentType: response.headers.first(name: "Content-Type"))
    }
}
