import Foundation
import Handlers
import MarinaKit
import Testing

/// Unit tests in mock mode: tools and secrets come from mock.json, kv from memory.
@Suite struct HandlersTests {
    let manifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("marina.app.yaml").path

    @Test func helloGreetsAndCounts() async throws {
        let mock = try MockPlatform(file: Bundle.module.path(forResource: "mock", ofType: "json")!)
        let app = try MarinaApp(manifest: manifest, environment: [:], mock: mock)
        try register(app)
        let first = try await app.callTool("hello", ["name": "Ada"])
        let second = try await app.callTool("hello", ["name": "Grace"])
        #expect(first == ["greeting": "Hello, Ada!", "count": 1])
        #expect(second["count"] == 2)
    }
}
