import Foundation
import MarinaCore
import MarinaPlatform
import MarinaRuntime
import MarinaServer
import MarinaStore
import MarinaTestSupport
import MarinaVault
import Synchronization
import Testing

/// A whole platform, built by `Platform.build` as serve builds it, on a fresh database, with its
/// instances served in process by a `MemoryDriver` running `EchoApp`.
struct PlatformFixture {
    let platform: Platform
    let driver: MemoryDriver
    let app: EchoApp
    let admin: Principal
    let root: URL
    let drop: @Sendable () async -> Void

    var services: PlatformServices { platform.services }
    var dispatcher: Dispatcher { platform.services.runtime!.dispatcher }

    static func make(_ kind: TestDatabase) async throws -> PlatformFixture {
        let (store, drop) = try await kind.make()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("marina-platform-\(UUID().uuidString.prefix(8))")
        let app = EchoApp()
        let driver = MemoryDriver(runRoot: root.appendingPathComponent("run")) { _ in app }
        let runtime = Platform.Runtime(
            marinaBinary: URL(fileURLWithPath: "/bin/false"), instancesRoot: root.appendingPathComponent("instances"),
            runRoot: root.appendingPathComponent("run"), platformURL: "http://127.0.0.1:1")
        var setup = Platform.Setup(
            store: store, bundles: try BundleStore(root: root.appendingPathComponent("bundles"), maxBytes: 1 << 20),
            keys: .init(current: try LocalMasterKey(bytes: LocalMasterKey.generate())) { _ in ("", 0) }, runtime: runtime)
        setup.driver = { _, _ in driver }
        setup.options.egressAllowPrivate = true
        setup.options.egressHostOverrides = ["api.example.test": "127.0.0.1"]
        let platform = try await Platform.build(setup)
        let key = try await platform.services.access.bootstrapAdmin()!
        let admin = try await platform.services.access.authenticate(key)
        return PlatformFixture(
            platform: platform, driver: driver, app: app, admin: admin, root: root,
            drop: {
                await platform.supervisor.stopAll()
                await drop()
                try? FileManager.default.removeItem(at: root)
            })
    }

    /// Publishes `manifest` (with the EchoApp's manifest served back to the supervisor), makes it
    /// `current`, and installs it in a new tenant `acme` with every scope granted.
    func installed(_ manifest: String) async throws {
        let bytes = try Bundles.pack(manifest: manifest)
        app.manifest.withLock { $0 = manifest }
        let slug = try #require(ManifestLoader.load(text: manifest, fileName: "marina.app.yaml").manifest?.app.id)
        let version = try #require(ManifestLoader.load(text: manifest, fileName: "marina.app.yaml").manifest?.app.version)
        _ = try await services.registry.publish(admin, app: slug, expectedManifestHash: nil) { upload in try upload.write(bytes) }
        _ = try await services.registry.deploy(admin, app: slug, version: version, channel: "current")
        _ = try? await services.tenants.create(admin, slug: "acme", name: nil, staging: false)
        _ = try await services.runtime!.installs.install(admin, tenant: "acme", app: slug, .init(grantAll: true))
    }
}

/// An app served in process: `GET /manifest` answers the manifest it was published with, every
/// tool call answers `{"echo": <arguments>, "tool": <name>}`, and every request is remembered.
final class EchoApp: InProcessApp {
    let manifest = Mutex("")
    let seen = Mutex<[String]>([])

    var requests: [String] { seen.withLock { $0 } }
    var toolCalls: [String] { requests.filter { $0.hasPrefix("POST /tool/") } }

    func respond(to request: InProcessAppRequest) async -> InProcessAppResponse {
        seen.withLock { $0.append("\(request.method) \(request.path)") }
        switch (request.method, request.path) {
        case ("GET", "/health"):
            return InProcessAppResponse(body: Array("{\"ok\":true}".utf8))
        case ("GET", "/manifest"):
            return InProcessAppResponse(headers: [("Content-Type", "application/yaml")], body: Array(manifest.withLock { $0 }.utf8))
        case ("POST", let path) where path.hasPrefix("/tool/"):
            let arguments = (try? JSONParser.parse(request.body)) ?? .null
            return InProcessAppResponse(body: Array(CanonicalJSON.string(["tool": .string(String(path.dropFirst(6))), "echo": arguments]).utf8))
        default:
            return InProcessAppResponse(status: 404, body: Array("{}".utf8))
        }
    }
}
