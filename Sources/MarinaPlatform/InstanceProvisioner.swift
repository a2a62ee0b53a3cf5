import Crypto
import Foundation
import Logging
import MarinaBundle
import MarinaCore
import MarinaEventLoops
import MarinaRuntime
import MarinaStore
import MarinaVault

/// Turns an install into a running instance: unpacks the version's bundle once, gives each
/// (tenant, app, version) its own data directory and unprivileged user, builds the environment
/// SPEC §4 names, and mints the app token at each wake.
public struct InstanceProvisioner: Sendable {
    public struct Configuration: Sendable {
        /// `DATA/instances`: unpacked bundles and each instance's data.
        public var root: URL
        /// What apps get as `MARINA_URL`.
        public var platformURL: String
        /// Overrides every manifest's idle timeout (tests, development).
        public var idleTimeoutOverride: Duration?
        /// Where each instance's unprivileged user is claimed (`DATA/instances/uids` by default).
        public var uids: InstanceUIDs
        public init(root: URL, platformURL: String, idleTimeoutOverride: Duration? = nil, uids: InstanceUIDs? = nil) {
            self.root = root
            self.platformURL = platformURL
            self.idleTimeoutOverride = idleTimeoutOverride
            self.uids = uids ?? InstanceUIDs(directory: root.appendingPathComponent("uids", isDirectory: true))
        }
    }

    public let configuration: Configuration
    let bundles: BundleStore
    let signer: TokenSigner
    let env: PlatformEnvironment
    let specs = TTLCache<String, InstanceSpec>(ttl: 60)

    public init(configuration: Configuration, bundles: BundleStore, signer: TokenSigner, env: PlatformEnvironment = .live) {
        self.configuration = configuration
        self.bundles = bundles
        self.signer = signer
        self.env = env
    }

    /// The instance key of (tenant, app, version): short, so that socket paths stay short.
    static func instanceId(tenantId: String, appId: String, version: String) -> String {
        "i" + Hex.string(SHA256.hash(data: Data("\(tenantId)/\(appId)/\(version)".utf8)).prefix(8))
    }

    /// The instance spec of an install's version. Every tool call needs it and it only depends on
    /// immutable records, so it is built once a minute at most (the bundle check included).
    public func spec(
        tenant: TenantRecord, app: AppRecord, version: VersionRecord, manifest: Manifest, install: InstallRecord
    ) async throws -> InstanceSpec {
        let key = install.id + "/" + version.id
        if let spec = specs.value(key, now: env.now()) { return spec }
        let spec = try await makeSpec(tenant: tenant, app: app, version: version, manifest: manifest, install: install)
        specs.store(key, spec, now: env.now())
        return spec
    }

    func makeSpec(
        tenant: TenantRecord, app: AppRecord, version: VersionRecord, manifest: Manifest, install: InstallRecord
    ) async throws -> InstanceSpec {
        let id = Self.instanceId(tenantId: tenant.id, appId: app.id, version: version.version)
        // `isDirectory: true` keeps the URL the same whether or not the directory exists yet.
        let unpacked = configuration.root.appendingPathComponent("bundles", isDirectory: true).appendingPathComponent(
            String(version.bundleHash.dropFirst("sha256:".count)), isDirectory: true)
        if !FileManager.default.fileExists(atPath: unpacked.path) {
            let (bundles, root, hash, name) = (self.bundles, configuration.root, version.bundleHash, "\(app.slug) \(version.version)")
            try await Offload.run {
                let file = try bundles.verified(hash)
                for dir in [root, root.appendingPathComponent("bundles"), root.appendingPathComponent("data")] {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: dir.path)
                }
                do { try BundleExtractor.extract(file, to: unpacked) } catch {
                    throw PlatformError(.internalError, .bundleUnpackFailed, "cannot unpack \(name): \(error)")
                }
            }
        }
        let command = try startCommand(manifest, unpacked: unpacked)
        var environment: [String: String] = [
            "PORT": String(manifest.runtime.port),
            "MARINA_URL": configuration.platformURL,
            "MARINA_TENANT": tenant.slug,
            "MARINA_APP": app.slug,
            "MARINA_VERSION": version.version,
            "MARINA_INSTALL_ID": install.id,
        ]
        // Values with `${secret:KEY}` are resolved at each start (`Dispatcher.instance`).
        for (key, value) in manifest.runtime.env { environment[key] = value }
        // Earlier versions used this hash-derived uid for every instance (two could collide); it is
        // kept as the first choice so that existing data directories keep their owner.
        let uids = configuration.uids
        let legacy = uids.base + UInt32(SHA256.hash(data: Data(id.utf8)).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 20_000)
        let uid: UInt32
        if let known = uids.known(id) { uid = known } else { uid = try await Offload.run { try uids.uid(for: id, preferred: legacy) } }
        let idle = configuration.idleTimeoutOverride ?? .seconds(manifest.runtime.idleTimeoutSeconds)
        var spec = InstanceSpec(
            id: id, tenant: tenant.slug, app: app.slug, version: version.version, bundleDirectory: unpacked,
            dataDirectory: configuration.root.appendingPathComponent("data", isDirectory: true).appendingPathComponent(id, isDirectory: true),
            command: command, port: manifest.runtime.port, environment: environment,
            memoryMB: manifest.runtime.resources.memoryMB, cpuCores: manifest.runtime.resources.cpuCores,
            maxProcesses: manifest.runtime.resources.maxProcesses, idleTimeout: idle, manifestHash: version.manifestHash, uid: uid)
        spec.egressHosts = manifest.network.egressHosts
        return spec
    }

    /// The manifest's command, or for manifests without one (linkworld) the exec-form
    /// `ENTRYPOINT`/`CMD` of the bundle's Dockerfile.
    func startCommand(_ manifest: Manifest, unpacked: URL) throws -> [String] {
        if let command = manifest.runtime.command { return command }
        let dockerfile = unpacked.appendingPathComponent("Dockerfile")
        guard let text = try? String(contentsOf: dockerfile, encoding: .utf8) else {
            throw PlatformError(
                .unprocessable, .noStartCommand, "the manifest has no runtime.command and the bundle has no Dockerfile to take one from")
        }
        guard let command = DockerfileCommand.parse(text) else {
            throw PlatformError(
                .unprocessable, .noStartCommand, "the bundle's Dockerfile has no exec-form CMD or ENTRYPOINT (like CMD [\"python3\", \"app.py\"])")
        }
        return command
    }

    /// The app token of an instance: per (tenant, app, version), effective scopes = declared ∩
    /// granted, valid for a day, minted each time the instance wakes.
    public func appToken(spec: InstanceSpec, install: InstallRecord, manifest: Manifest) async throws -> String {
        let granted = install.granted
        let scopes = manifest.scopes.filter(granted.contains)
        let now = env.now().timeIntervalSince1970
        let claims: JSONValue = .object(
            JSONObject([
                ("iss", .string(configuration.platformURL)), ("sub", .string(install.id)), ("aud", .string("marina")),
                ("tenant", .string(spec.tenant)), ("app", .string(spec.app)), ("version", .string(spec.version)),
                ("scopes", .array(scopes.map(JSONValue.string))), ("iat", .number(now.rounded(.down))),
                ("exp", .number((now + 86_400).rounded(.down))),
                ("jti", .string(env.id("tok"))), ("typ", "app"), ("gen", .number(Double(install.tokenGeneration))),
            ]))
        return try signer.sign(claims)
    }

    /// What an instance gets at each start besides its spec's environment: a fresh app token and
    /// the keys that verify invocation tokens.
    public func startEnvironment(spec: InstanceSpec, install: InstallRecord, manifest: Manifest) async throws -> [String: String] {
        [
            "MARINA_APP_TOKEN": try await appToken(spec: spec, install: install, manifest: manifest),
            "MARINA_JWKS": CanonicalJSON.string(await signer.jwks()),
        ]
    }

    /// A short-lived invocation token for one platform → app request (audience: the install).
    public func invocationToken(install: InstallRecord, spec: InstanceSpec, requestId: String) throws -> String {
        let now = env.now().timeIntervalSince1970
        let claims: JSONValue = .object(
            JSONObject([
                ("iss", .string(configuration.platformURL)), ("sub", "marina"), ("aud", .string(install.id)),
                ("tenant", .string(spec.tenant)), ("app", .string(spec.app)), ("version", .string(spec.version)),
                ("iat", .number(now.rounded(.down))), ("exp", .number((now + 60).rounded(.down))), ("jti", .string(requestId)), ("typ", "invocation"),
            ]))
        return try signer.sign(claims)
    }
}
