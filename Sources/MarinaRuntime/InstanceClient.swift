import NIOCore
import NIOHTTP1

/// HTTP/1.1 to an instance over its Unix socket: the platform's hottest path (every tool call,
/// event and health probe). Its own small client rather than AsyncHTTPClient, which spent about a
/// third of serve's CPU per call on this hop (its connection state machines, request validation,
/// and a fresh llhttp parser per response). It speaks only what this hop needs: one request at a
/// time per kept-alive connection, bodies the platform already holds, responses delimited by
/// length, chunks or the close.
public struct InstanceClient: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType: String?
    }

    let pool: InstanceConnectionPool

    public init() { self.pool = Self.shared }

    init(pool: InstanceConnectionPool) { self.pool = pool }

    /// One pool for the process, so that the dispatcher and the supervisor share connections.
    static let shared = InstanceConnectionPool()

    /// Why a request to an instance failed.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// No complete answer within the timeout.
        case timeout
        /// The answer's body is larger than `maxBody`.
        case tooLarge
        /// The answer is not HTTP/1.x.
        case malformed(String)
        /// No connection could be made (the instance is gone, or not listening yet).
        case unreachable(String)
        /// The connection closed before any answer.
        case closed
        /// The connection closed in the middle of the answer.
        case truncated
        /// The request itself cannot be sent (a header or path with a line break).
        case invalidRequest(String)

        init(_ parsing: HTTPResponseParser.Failure) {
            switch parsing {
            case .malformed(let why): self = .malformed(why)
            case .tooLarge: self = .tooLarge
            case .truncated: self = .truncated
            }
        }

        public var description: String {
            switch self {
            case .timeout: "no answer within the timeout"
            case .tooLarge: "the answer is larger than allowed"
            case .malformed(let why): "the answer is not HTTP: \(why)"
            case .unreachable(let why): "cannot connect: \(why)"
            case .closed: "the connection closed before an answer"
            case .truncated: "the connection closed in the middle of the answer"
            case .invalidRequest(let why): "the request cannot be sent: \(why)"
            }
        }
    }

    /// Sends one request; `maxBody` bounds what is read back (an app answering with endless
    /// garbage costs the platform at most that much). A request that finds a reused connection
    /// closed before it could be written, and a GET that finds it closed before any answer (the app
    /// closed it as it went idle), are sent once more on a new one; other requests are not, since
    /// the app may have acted on them. A cancelled task's request ends at once, with its connection.
    public func send(
        socket: String, method: HTTPMethod, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration, maxBody: Int = 1 << 20
    ) async throws -> Reply {
        let request = ByteBuffer(bytes: try Self.encode(method: method, path: path, headers: headers, body: body))
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let deadline = NIODeadline.now() + .nanoseconds(max(1, nanoseconds))
        var retried = false
        while true {
            try Task.checkCancellation()
            let lease = try await pool.lease(socket, deadline: deadline)
            let connecting: EventLoopFuture<InstanceConnection>
            switch lease {
            case .reused(let connection): connecting = connection.channel.eventLoop.makeSucceededFuture(connection)
            case .opening(let opening): connecting = opening
            }
            let parser = HTTPResponseParser(maxBody: maxBody, bodyless: method == .HEAD)
            // One hand-off back to this task: connecting, writing and reading all run on the
            // connection's event loop. A cancelled caller closes the connection, which ends the
            // exchange at once.
            let (connection, outcome) = try await withTaskCancellationHandler {
                try await connecting.flatMap { connection in
                    connection.exchange(request, parser: parser, deadline: deadline)
                        .map { (connection, Result<HTTPResponseParser.Response, any Error>.success($0)) }
                        .recover { (connection, .failure($0)) }
                }.get()
            } onCancel: {
                connecting.whenSuccess { $0.close() }
            }
            switch outcome {
            case .success(let response):
                // A cancelled task's handler may have queued a close of this connection already.
                pool.release(connection, reusable: response.keepAlive && !Task.isCancelled)
                return Reply(status: response.status, body: response.body, contentType: response.contentType)
            case .failure(let error):
                pool.release(connection, reusable: false)
                // Sent again once, on a new connection: a request that was never written (the
                // connection had closed), or a GET that met a close before any answer.
                let unsent = error is ReplyReader.NotSent
                if case .reused = lease, !retried, unsent || (method == .GET && error as? Failure == .closed), !Task.isCancelled {
                    retried = true
                    continue
                }
                throw unsent ? Failure.closed : error
            }
        }
    }

    /// The request's bytes. Every body is JSON; `Host` is required by HTTP/1.1 (Node refuses a
    /// request without one).
    static func encode(method: HTTPMethod, path: String, headers: [(String, String)], body: [UInt8]?) throws(Failure) -> [UInt8] {
        guard path.hasPrefix("/"), !path.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else {
            throw .invalidRequest("the path \(path.debugDescription) is not a request target")
        }
        var out: [UInt8] = []
        out.reserveCapacity(256 + (body?.count ?? 0))
        out.append(contentsOf: method.rawValue.utf8)
        out.append(32)
        out.append(contentsOf: path.utf8)
        out.append(contentsOf: " HTTP/1.1\r\nHost: localhost\r\n".utf8)
        for (name, value) in headers {
            guard !name.isEmpty, !name.utf8.contains(where: { $0 <= 32 || $0 == 58 || $0 >= 127 }) else {
                throw .invalidRequest("the header name \(name.debugDescription) is not a token")
            }
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw .invalidRequest("the value of \(name) holds a line break")
            }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if let body {
            out.append(contentsOf: "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
            out.append(contentsOf: body)
        } else if [.POST, .PUT, .PATCH].contains(method) {
            out.append(contentsOf: "Content-Length: 0\r\n\r\n".utf8)
        } else {
            out.append(contentsOf: "\r\n".utf8)
        }
        return out
    }
}
