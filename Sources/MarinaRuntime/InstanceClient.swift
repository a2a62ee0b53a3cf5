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
    /// calls the ninth would otherwise wait for a free connection.
    public static let pooled: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
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

    /// Sends one request; `maxBody` bounds what is read back (an app answering with endless
    /// garbage costs the platform at most that much).
    public func send(socket: String, method: HTTPMethod, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     timeout: Duration, maxBody: Int = 1 << 20) async throws -> Reply {
        var request = HTTPClientRequest(url: Self.url(socket: socket, path: path))
        request.method = method
        // HTTP/1.1 requires Host, and some servers (Node's) refuse a request without one; over a
        // Unix socket AsyncHTTPClient sends none.
        request.headers.add(name: "Host", value: "localhost")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let seconds = Int64(timeout.components.seconds) * 1000 + Int64(timeout.components.attoseconds / 1_000_000_000_000_000)
        let response = try await client.execute(request, timeout: .milliseconds(max(1, seconds)))
        let buffer = try await response.body.collect(upTo: maxBody)
        return Reply(status: Int(response.status.code), body: Array(buffer.readableBytesView), contentType: response.headers.first(name: "Content-Type"))
    }
}
