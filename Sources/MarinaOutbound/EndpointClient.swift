import AsyncHTTPClient
import Foundation
import NIOCore

/// HTTP POSTs to endpoints of the host SaaS (operator-defined tools), bounded in time and size.
public struct EndpointClient: Sendable {
    let client: HTTPClient

    public init(client: HTTPClient = .shared) { self.client = client }

    /// An endpoint's answer.
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType: String?
    }

    public func post(
        _ url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, maxBody: Int = 1 << 20
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
        let buffer = try await response.body.collect(upTo: maxBody)
        return Reply(
            status: Int(response.status.code), body: Array(buffer.readableBytesView), contentType: response.headers.first(name: "Content-Type"))
    }
}
