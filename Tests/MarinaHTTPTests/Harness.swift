import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MarinaBundle
import MarinaCore
import MarinaHTTP
import MarinaPlatform
import MarinaRuntime
import MarinaStore
import MarinaVault
import MarinaTestSupport
import NIOCore

/// A platform with a fresh database and bundle store, an admin key, and the router.
struct Harness {
    let services: PlatformServices
    let signer: TokenSigner
    let vault: Vault
    /// The audit log the services write to (the mail drainer tests share it).
    let audit: AuditLog
    let adminKey: String
    let bundleRoot: URL
    let drop: @Sendable () async -> Void

    static func make(_ kind: TestDatabase, maxBundleBytes: Int = 10 * 1024 * 1024, limits: RateLimiter.Limits = RateLimiter.Limits(),
                     operatorTools: OperatorTools? = nil, refusalWindow: Int64 = 3_600_000) async throws -> Harness {
        let (store, drop) = try await kind.make()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("marina-bundles-\(UUID().uuidString)")
        let bundles = try BundleStore(root: root, maxBytes: maxBundleBytes)
        let access = AccessService(store: store)
        let tenants = TenantService(store: store)
        // The runtime's routes exist; no instance is started by these tests.
        let driver = try LocalDriver(sandboxed: false, marinaBinary: URL(fileURLWithPath: "/bin/false"), runRoot: root.appendingPathComponent("run"))
        let supervisor = Supervisor(driver: driver)
        let env = PlatformEnvironment.live
        let vault = Vault(store: store, master: try LocalMasterKey(bytes: LocalMasterKey.generate()), now: { env.millis }, newId: { env.id($0) })
        try await vault.unlock()
        let signer = TokenSigner(store: store, vault: vault)
        try await signer.load(now: env.millis)
        let provisioner = InstanceProvisioner(configuration: .init(root: root.appendingPathComponent("instances"), platformURL: "http://127.0.0.1:1"), bundles: bundles, signer: signer)
        let events = EventQueue(store: store)
        let audit = AuditLog(store: store)
        let secrets = SecretsService(store: store, vault: vault, tenants: tenants, audit: audit)
        let dispatcher = Dispatcher(store: store, tenants: tenants, provisioner: provisioner, supervisor: supervisor, audit: audit, secrets: secrets)
        events.attach(dispatcher)
        let installs = InstallService(store: store, tenants: tenants, events: events, supervisor: supervisor, secrets: secrets, dataRoot: root.appendingPathComponent("instances"))
        let runtime = RuntimeServices(installs: installs, dispatcher: dispatcher, events: events,
                                      instances: InstanceService(store: store, supervisor: supervisor, tenants: tenants, dispatcher: dispatcher))
        var services = PlatformServices(store: store, access: access, tenants: tenants, registry: RegistryService(store: store, bundles: bundles), runtime: runtime)
        services.secrets = secrets
        services.gateway = ToolGateway(store: store, signer: signer, audit: audit, secrets: secrets, tools: PlatformTools(store: store, operatorTools: operatorTools), limiter: RateLimiter(limits), dispatcher: dispatcher,
                                       egress: EgressProxy(allowPrivateAddresses: true, hostOverrides: ["api.example.test": "127.0.0.1"]) { _, _ in },
                                       refusalWindow: refusalWindow)
        services.jwks = { await signer.jwks() }
        services.keys = KeyRotationService(store: store, signer: signer, vault: vault, tenants: tenants) {
            let next = try LocalMasterKey(bytes: LocalMasterKey.generate())
            return (next.keyId, try await vault.rotateMaster(to: next))
        }
        let key = try await access.bootstrapAdmin()!
        return Harness(services: services, signer: signer, vault: vault, audit: audit, adminKey: key, bundleRoot: root, drop: { await drop(); try? FileManager.default.removeItem(at: root) })
    }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: APIRouter.build(services))
        try await app.test(.router) { client in try await body(client) }
    }

    /// Files stored in the bundle store (uploads and committed bundles).
    var storedFiles: [String] {
        (FileManager.default.enumerator(atPath: bundleRoot.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".tar.gz") || $0.hasSuffix(".part") }
    }
}

func auth(_ key: String, _ extra: HTTPFields = [:]) -> HTTPFields {
    var fields = extra
    fields[.authorization] = "Bearer " + key
    return fields
}

func jsonBody(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: CanonicalJSON.string(value)) }

extension TestResponse {
    var json: JSONValue { (try? ManifestLoader.parseDocument(Array(body.readableBytesView), fileName: "r.json")) ?? .null }
    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

extension TestClientProtocol {
    /// Sends JSON with a key and returns the response.
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, json: JSONValue? = nil) async throws -> TestResponse {
        var headers: HTTPFields = key.map { auth($0) } ?? [:]
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map(jsonBody))
    }

    func createKey(admin: String, role: String, tenant: String? = nil, name: String = "someone") async throws -> String {
        var body: JSONObject = JSONObject([("role", .string(role)), ("name", .string(name))])
        if let tenant { body["tenant"] = .string(tenant) }
        let r = try await call(.post, "/api/v1/keys", key: admin, json: .object(body))
        guard r.status == .created, let key = r.json["key"]?.stringValue else { throw HarnessError("could not create key: \(r.json)") }
        return key
    }

    func publish(_ bundle: [UInt8], app: String, key: String, manifestHash: String? = nil, contentType: String = "application/gzip") async throws -> TestResponse {
        var headers = auth(key)
        headers[.contentType] = contentType
        if let manifestHash { headers[HTTPField.Name("X-Marina-Manifest-Hash")!] = manifestHash }
        return try await execute(uri: "/api/v1/apps/\(app)/versions", method: .post, headers: headers, body: ByteBuffer(bytes: bundle))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Bundles built in the tests: an app directory packed by the real packer, or hostile archives
/// assembled header by header.
enum Bundles {
    static func manifest(app: String = "hello-app", version: String = "1.0.0", extra: String = "") -> String {
        """
        apiVersion: marina/v1
        app: {id: \(app), name: Hello, version: \(version)}
        runtime: {command: [python3, server.py]}
        tools: [{name: greet}]
        \(extra)
        """
    }

    static func pack(manifest: String, fileName: String = "marina.app.yaml", files: [String: String] = ["server.py": "print('hi')\n"]) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try manifest.write(to: dir.appendingPathComponent(fileName), atomically: true, encoding: .utf8)
        for (name, content) in files { try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let out = dir.appendingPathExtension("tar.gz")
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try BundlePacker.pack(dir, to: out)
        return Array(try Data(contentsOf: out))
    }

    static func hash(of manifest: String) -> String { ManifestLoader.load(text: manifest, fileName: "marina.app.yaml").hash! }

    /// A tar.gz of raw members (path, type, content), for archives the packer would never make.
    static func raw(_ members: [(path: String, kind: TarEntry.Kind, content: String)], end: Bool = true) throws -> [UInt8] {
        var tar: [UInt8] = []
        for m in members {
            tar += TarWriter.header(path: m.path, kind: m.kind, size: m.content.utf8.count, executable: false)
            tar += Array(m.content.utf8) + TarWriter.padding(forSize: m.content.utf8.count)
        }
        if end { tar += TarWriter.end }
        let gzip = try GzipCompressor()
        return gzip.feed(tar, finish: true)
    }
}
