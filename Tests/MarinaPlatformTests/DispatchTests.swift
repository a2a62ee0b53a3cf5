import Foundation
import MarinaCore
import MarinaPlatform
import MarinaStore
import MarinaTestSupport
import Testing

/// Tool calls through the platform's services (no HTTP, no processes): the dispatcher, the
/// supervisor and the instance client over the memory driver, on SQLite and PostgreSQL.
@Suite struct DispatchTests {
    static let manifest = Bundles.manifest(
        app: "echo",
        extra: """
            tools:
              - name: greet
                input_schema: {type: object, properties: {name: {type: string}}, required: [name]}
            """
    ).replacingOccurrences(of: "tools: [{name: greet}]\n", with: "")

    /// Calls `greet` of the installed echo app as the admin.
    static func greet(_ f: PlatformFixture, _ name: String = "Ada") async throws -> Dispatcher.ToolResult {
        try await f.dispatcher.invokeTool(
            f.admin, tenant: "acme", app: "echo", tool: "greet", arguments: Array(CanonicalJSON.string(["name": .string(name)]).utf8))
    }

    @Test(arguments: TestDatabase.available)
    func aToolCallWakesTheInstanceOnceAndIsAudited(_ kind: TestDatabase) async throws {
        let f = try await PlatformFixture.make(kind)
        defer { Task { await f.drop() } }
        try await f.installed(Self.manifest)

        let first = try await f.dispatcher.invokeTool(f.admin, tenant: "acme", app: "echo", tool: "greet", arguments: Array(#"{"name":"Ada"}"#.utf8))
        #expect(first.result == ["tool": "greet", "echo": ["name": "Ada"]])
        _ = try await f.dispatcher.invokeTool(f.admin, tenant: "acme", app: "echo", tool: "greet", arguments: Array(#"{"name":"Bo"}"#.utf8))
        let instance = try #require(await f.platform.supervisor.status().first)
        #expect(instance.state == "ready" && f.driver.startCount(instanceId: instance.id) == 1)
        #expect(f.app.toolCalls == ["POST /tool/greet", "POST /tool/greet"])

        let records = try await f.services.audit.allRecords(f.admin, AuditService.Query(filter: AuditFilter(kind: "tool_call"))).records
        let outcomes = records.map { "\($0.name) \($0.decision) \($0.status)" }
        #expect(outcomes == ["greet allow ok", "greet allow ok"])
        #expect(records.allSatisfy { $0.tenant == "acme" && $0.app == "echo" && $0.version == "1.0.0" })
    }

    @Test(arguments: TestDatabase.available)
    func argumentsAreCheckedBeforeTheAppIsWoken(_ kind: TestDatabase) async throws {
        let f = try await PlatformFixture.make(kind)
        defer { Task { await f.drop() } }
        try await f.installed(Self.manifest)

        await #expect {
            try await f.dispatcher.invokeTool(f.admin, tenant: "acme", app: "echo", tool: "greet", arguments: Array(#"{"name":5}"#.utf8))
        } throws: {
            ($0 as? PlatformError)?.code == .invalidArgs
        }
        let states = await f.platform.supervisor.status().map(\.state)
        #expect(f.app.requests.isEmpty && !states.contains("ready"))
        let records = try await f.services.audit.allRecords(f.admin, AuditService.Query(filter: AuditFilter(kind: "tool_call"))).records
        #expect(records.map(\.status) == ["invalid_args"])
    }

    @Test(arguments: TestDatabase.available)
    func aCrashedInstanceWakesAgainOnTheNextCall(_ kind: TestDatabase) async throws {
        let f = try await PlatformFixture.make(kind)
        defer { Task { await f.drop() } }
        try await f.installed(Self.manifest)
        let call = { try await Self.greet(f) }

        _ = try await call()
        let id = try #require(await f.platform.supervisor.status().first?.id)
        f.driver.crash(instanceId: id)
        // The supervisor sees the exit (it watches every instance) before the next call asks.
        for _ in 0..<100 where await f.platform.supervisor.status().first?.state == "ready" { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await call().result["echo"] == ["name": "Ada"])
        #expect(f.driver.startCount(instanceId: id) == 2)
        let restarts = await f.platform.supervisor.status().first?.restarts ?? 0
        #expect(restarts >= 1)
    }

    /// The one invalidation rule of the install read model: a route cached by a call is
    /// forgotten the moment the install changes, not a second later.
    @Test(arguments: TestDatabase.available)
    func anUninstalledAppIsNotCalledThroughACachedRoute(_ kind: TestDatabase) async throws {
        let f = try await PlatformFixture.make(kind)
        defer { Task { await f.drop() } }
        try await f.installed(Self.manifest)
        let call = { try await Self.greet(f) }
        _ = try await call()
        _ = try await f.services.runtime!.installs.uninstall(f.admin, tenant: "acme", app: "echo")
        await #expect { try await call() } throws: { ($0 as? PlatformError)?.code == .notInstalled }
        #expect(f.app.toolCalls.count == 1)
    }
}
