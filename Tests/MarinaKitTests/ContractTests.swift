import Foundation
import MarinaCore
import Synchronization
import Testing

@testable import MarinaKit

/// The HTTP contract as `MarinaApp.handle` answers it (no server: `LiveServerTests` adds one).
@Suite struct ContractTests {
    let issuer = TestIssuer()

    func app(mock: JSONValue = [:]) throws -> MarinaApp {
        try MarinaApp(manifest: fixtureManifest, environment: issuer.environment, mock: MockPlatform(document: mock))
    }

    func post(_ app: MarinaApp, _ path: String, _ body: JSONValue = [:], token: String? = nil, headers: [String: String] = [:]) async -> AppResponse {
        var h = headers
        h["Authorization"] = "Bearer " + (token ?? issuer.token())
        h["X-Marina-Request-Id"] = h["X-Marina-Request-Id"] ?? "req_1"
        return await app.handle(method: "POST", path: path, headers: h, body: CanonicalJSON.bytes(body))
    }

    @Test func healthNeedsNoTokenButEverythingElseDoesBeforeRouting() async throws {
        let app = try app()
        #expect(await app.handle(method: "GET", path: "/health", headers: [:], body: []).status == 200)
        for path in ["/tool/echo", "/nowhere", "/event/install"] {
            let refused = await app.handle(method: "POST", path: path, headers: [:], body: [])
            #expect(refused.status == 401)
            #expect(json(refused)["error"]?["code"] == "invalid_token")
        }
        #expect(await post(app, "/tool/echo", token: TestIssuer().token()).status == 401)
        #expect(await post(app, "/nowhere").status == 404)
    }

    @Test func toolsAreRoutedAndErrorsKeepTheShape() async throws {
        let app = try app(mock: [
            "tools": ["mail_send": ["error": ["decision": "scope_denied", "message": "not granted", "needed_scopes": ["mail.send"]]]]
        ])
        try app.tool("echo") { ctx, args in ["args": args, "tenant": .string(ctx.tenant ?? ""), "request": .string(ctx.requestId ?? "")] }
        try app.tool("remember") { _, args in
            guard args["value"] != nil else { throw AppError("missing_value", "give a value\nsecond line") }
            throw CocoaError(.fileNoSuchFile)
        }
        try app.tool("send") { ctx, _ in try await ctx.tools.call("mail_send", ["to": ["a@b.c"]]) }

        let echoed = await post(app, "/tool/echo", ["x": 1], headers: ["X-Marina-Request-Id": "req_9"])
        #expect(echoed.status == 200)
        #expect(json(echoed) == ["args": ["x": 1], "tenant": "acme", "request": "req_9"])

        let unknown = await post(app, "/tool/nope")
        #expect(unknown.status == 404 && json(unknown)["error"]?["code"] == "unknown_tool")

        let appError = await post(app, "/tool/remember")
        #expect(appError.status == 400 && json(appError) == ["error": ["code": "missing_value", "message": "give a value"]])

        let crashed = await post(app, "/tool/remember", ["value": 1])
        #expect(crashed.status == 500 && json(crashed)["error"]?["code"] == "app_error")

        let refused = await post(app, "/tool/send")
        #expect(refused.status == 502 && json(refused)["error"]?["code"] == "scope_denied")

        let garbage = await app.handle(
            method: "POST", path: "/tool/echo", headers: ["authorization": "Bearer " + issuer.token()], body: Array("{nope".utf8))
        #expect(garbage.status == 400 && json(garbage)["error"]?["code"] == "invalid_json")
        let wrongMethod = await app.handle(method: "GET", path: "/tool/echo", headers: ["authorization": "Bearer " + issuer.token()], body: [])
        #expect(wrongMethod.status == 405)
    }

    @Test func typedToolsDecodeTheirArguments() async throws {
        struct In: Decodable, Sendable { let name: String }
        struct Out: Encodable { let hello: String }
        let app = try app()
        try app.tool("echo") { (_: Context, input: In) in Out(hello: input.name) }
        #expect(json(await post(app, "/tool/echo", ["name": "Ada"])) == ["hello": "Ada"])
        let bad = await post(app, "/tool/echo", ["name": 3])
        #expect(bad.status == 400 && json(bad)["error"]?["code"] == "invalid_args")
    }

    @Test func eventsAreHandledOncePerIdEvenWhenDeliveredConcurrently() async throws {
        let app = try app()
        let runs = Mutex(0)
        try app.on(.install) { ctx, event in
            runs.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(50))
            #expect(ctx.eventId == event.id && event.payload == ["plan": "pro"])
            return nil
        }
        let envelope: JSONValue = ["id": "evt_1", "type": "install", "payload": ["plan": "pro"]]
        async let first = post(app, "/event/install", envelope)
        async let second = post(app, "/event/install", envelope)
        let answers = await [first, second].map(json)
        #expect(runs.withLock { $0 } == 1)
        #expect(answers.contains(["ok": true]) && answers.contains(["ok": true, "duplicate": true]))
        #expect(json(await post(app, "/event/install", envelope)) == ["ok": true, "duplicate": true])
    }

    @Test func aFailedEventRunsAgainOnRedelivery() async throws {
        let app = try app()
        let runs = Mutex(0)
        try app.schedule("nightly") { _, _ in
            let n = runs.withLock {
                $0 += 1; return $0
            }
            if n == 1 { throw AppError("busy", "try later", status: 503) }
            return ["done": true]
        }
        let envelope: JSONValue = ["id": "evt_2", "type": "schedule.nightly"]
        #expect(await post(app, "/event/schedule.nightly", envelope).status == 503)
        #expect(json(await post(app, "/event/schedule.nightly", envelope)) == ["done": true])
        #expect(runs.withLock { $0 } == 2)
    }

    @Test func undeclaredEventsAre404AndUnhandledOnesAreAcknowledged() async throws {
        let app = try app()
        #expect(json(await post(app, "/event/uninstall", ["id": "e"]))["error"]?["code"] == "unknown_event")
        #expect(json(await post(app, "/event/schedule.hourly", ["id": "e"]))["error"]?["code"] == "unknown_event")
        #expect(json(await post(app, "/event/inbound", ["id": "e"])) == ["ok": true, "handled": false])
        #expect(json(await post(app, "/event/webhook.ingest", [:]))["error"]?["code"] == "invalid_event")
        #expect(json(await post(app, "/event/webhook.ingest", [:], headers: ["X-Marina-Event-Id": "evt_h"])) == ["ok": true, "handled": false])
    }
}
