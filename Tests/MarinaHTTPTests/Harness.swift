import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MarinaBundle
import MarinaCore
import MarinaHTTP
import MarinaPlatform
import MarinaRuntime
import MarinaServer
import MarinaStore
import MarinaTestSupport
import MarinaVault
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

    static func make(
        _ kind: TestDatabase, maxBundleBytes: Int = 10 * 1024 * 1024, limits: RateLimiter.Limits = RateLimiter.Limits(),
        operatorTools: OperatorTools? = nil, refusalWindow: Int64 = 3_600_000
    ) async throws -> Harness {
        let (store, drop) = try await kind.make()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("marina-bundles-\(UUID().uuidString)")
        // The runtime's routes exist; no instance is started by these tests.
        let runtime = Platform.Runtime(
            marinaBinary: URL(fileURLWithPath: "/bin/false"), instancesRoot: root.appendingPathComponent("instances"),
            runRoot: root.appendingPathComponent("run"), platformURL: "http://127.0.0.1:1")
        let keys = Platform.MasterKeys(current: try LocalMasterKey(bytes: LocalMasterKey.generate())) { vault in
            let next = try LocalMasterKey(bytes: LocalMasterKey.generate())
            return (next.keyId, try await vault.rotateMaster(to: next))
        }
        var setup = Platform.Setup(store: store, bundles: try BundleStore(root: root, maxBytes: maxBundleBytes), keys: keys, runtime: runtime)
        setup.options.rateLimits = limits
        setup.options.operatorTools = operatorTools
        setup.options.refusalWindow = refusalWindow
        setup.options.sandboxed = false
        setup.options.egressAllowPrivate = true
        setup.options.egressHostOverrides = ["api.example.test": "127.0.0.1"]
        let platform = try await Platform.build(setup)
        let key = try await platform.services.access.bootstrapAdmin()!
        return Harness(
            services: platform.services, signer: platform.signer, vault: platform.vault, audit: platform.audit, adminKey: key, bundleRoot: root,
            drop: {
                await drop(); try? FileManager.default.removeItem(at: root)
            })
    }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: APIRouter.build(services))
        try await app.test(.router) { client in try await body(client) }
    }

    /// Files stored in the bundle store (uploads and committed bundles).
    var storedFiles: [String] {
        (FileManager.default.enumerator(atPath: bundleRoot.path)?.compactMap { $0 as? String } ?? []).filter {
            $0.hasSuffix(".tar.gz") || $0.hasSuffix(".part")
        }
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

    func publish(
        _ bundle: [UInt8], app: String, key: String, manifestHash: String? = nil, contentType: String = "application/gzip"
    ) async throws -> TestResponse {
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
