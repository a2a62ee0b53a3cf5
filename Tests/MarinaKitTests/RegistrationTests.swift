import Foundation
import MarinaCore
import Testing

@testable import MarinaKit

@Suite struct RegistrationTests {
    let app = try! MarinaApp(manifest: fixtureManifest, environment: [:])

    func code(_ body: () throws -> Void) -> MarinaKitError.Code? {
        do { try body(); return nil } catch { return (error as? MarinaKitError)?.code }
    }

    @Test func aToolMustBeDeclaredAndRegisteredOnce() {
        #expect(code { try app.tool("triage") { (_: Context, a: JSONValue) in a } } == .unknownTool)
        #expect(code { try app.tool("echo") { (_: Context, a: JSONValue) in a } } == nil)
        #expect(code { try app.tool("echo") { (_: Context, a: JSONValue) in a } } == .duplicateHandler)
    }

    @Test func lifecycleHandlersNeedTheirEventEnabled() {
        #expect(code { try app.on(.install) { _, _ in nil } } == nil)
        #expect(code { try app.on(.uninstall) { _, _ in nil } } == .eventNotEnabled)
        #expect(code { try app.on(.install) { _, _ in nil } } == .duplicateHandler)
    }

    @Test func schedulesAndWebhooksMustBeDeclared() {
        #expect(code { try app.schedule("nightly") { _, _ in nil } } == nil)
        #expect(code { try app.schedule("hourly") { _, _ in nil } } == .unknownSchedule)
        #expect(code { try app.webhook("ingest") { _, _ in nil } } == nil)
        #expect(code { try app.webhook("stripe") { _, _ in nil } } == .unknownWebhook)
    }

    @Test func anInvalidManifestIsRefusedWithTheCoreDiagnostics() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "apiVersion: marina/v1\napp: {id: X, name: x, version: 1}\nruntime: {command: [a]}\nbogus: 1\n".write(
            to: dir.appendingPathComponent("marina.app.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try MarinaApp(manifest: dir.path, environment: [:])
            Issue.record("an invalid manifest was accepted")
        } catch {
            #expect(error.code == .invalidManifest)
            let codes = Set(error.diagnostics.map(\.code.rawValue))
            #expect(codes.contains("unknown_field") && codes.contains("invalid_value"))
            #expect(error.diagnostics.contains { $0.path == "/bogus" })
        }
    }
}

@Suite struct ManifestServingTests {
    @Test func theManifestIsServedCanonicalSoItHashesToTheCoreHash() async throws {
        let app = try MarinaApp(manifest: fixtureManifest, environment: [:])
        let answer = await app.handle(method: "GET", path: "/manifest", headers: [:], body: [])
        #expect(answer.status == 200)
        let report = ManifestLoader.load(bytes: answer.body, fileName: "m.json")
        #expect(report.hash == app.manifestHash)
        let original = ManifestLoader.load(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: fixtureManifest))), fileName: fixtureManifest)
        #expect(original.hash == app.manifestHash)
    }
}
