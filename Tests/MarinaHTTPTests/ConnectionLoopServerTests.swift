import Hummingbird
import HummingbirdTesting
import MarinaHTTP
import NIOCore
import NIOPosix
import Testing

/// serve's HTTP server handles each connection on the connection's own event loop.
@Suite struct ConnectionLoopServerTests {
    /// A handler runs on an event loop, and stays on the same one after an await that another
    /// thread resumes (a timer), over several requests of one kept-alive connection.
    @Test func aConnectionsRequestsRunOnItsEventLoop() async throws {
        let router = Router()
        router.get("where") { _, _ -> String in
            let before = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
            try await Task.sleep(for: .milliseconds(5))
            let after = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
            guard let before else { return "not on an event loop" }
            return before == after ? "on its loop" : "moved to another loop"
        }
        let app = Application(router: router, server: .http1OnConnectionLoop(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/where", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "on its loop")
                }
            }
        }
    }
}
