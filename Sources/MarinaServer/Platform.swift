import Foundation
import Logging
import MarinaBundle
import MarinaCore
import MarinaOutbound
import MarinaPlatform
import MarinaRuntime
import MarinaStore
import MarinaVault
import ServiceLifecycle

/// The platform's object graph, built in one place from a `Platform.Setup`: `marina serve` and
/// the tests build it the same way, differing only in what the setup gives (a database, a bundle
/// store, the master keys, the directories, a driver to run instances with). Every dependency is
/// passed at construction, in order; the long-lived work is in `background`, each a `Service`.
public struct Platform: Sendable {
    /// What the HTTP layer calls.
    public let services: PlatformServices
    public let audit: AuditLog
    public let signer: TokenSigner
    public let vault: Vault
    public let supervisor: Supervisor
    public let driver: any RuntimeDriver
    public let egress: EgressProxy
    public let tools: PlatformTools
    /// The port serve's API listens on, reported by the server once bound (instances reach it).
    public let port: PlatformPort
    /// The reaper, the janitor, the event drain, the supervisor's idle and crash watch, the KV
    /// purge, the refusal tally, and the mail drain when there is a relay.
    public let background: [any Service]

    /// The master keys: the one in use, the ones it replaces (still read during a rotation), and
    /// how a rotation makes and stores the next one.
    public struct MasterKeys: Sendable {
        public var current: LocalMasterKey
        public var previous: [LocalMasterKey]
        public var rotate: @Sendable (Vault) async throws -> (String, Int)

        public init(current: LocalMasterKey, previous: [LocalMasterKey] = [], rotate: @escaping @Sendable (Vault) async throws -> (String, Int)) {
            (self.current, self.previous, self.rotate) = (current, previous, rotate)
        }
    }

    /// Where the platform's files go and what instances start through.
    public struct Runtime: Sendable {
        /// The `marina` binary instances start through (`marina-sandbox` beside it when present).
        public var marinaBinary: URL
        /// Unpacked bundles and each instance's data (`DATA/instances`).
        public var instancesRoot: URL
        /// One small directory per instance with its sockets.
        public var runRoot: URL
        /// What instances get as `MARINA_URL`.
        public var platformURL: String
        /// A file system of its own per instance's `/data` (nil: `/data` shares serve's disk).
        public var dataQuota: DataQuota?

        public init(marinaBinary: URL, instancesRoot: URL, runRoot: URL, platformURL: String) {
            (self.marinaBinary, self.instancesRoot, self.runRoot, self.platformURL) = (marinaBinary, instancesRoot, runRoot, platformURL)
        }
    }

    /// Mail delivery of what apps send (`mail_send`): the relay and the sender.
    public struct Mail: Sendable {
        public var relay: SMTPClient
        public var sender: String

        public init(relay: SMTPClient, sender: String) { (self.relay, self.sender) = (relay, sender) }
    }

    /// The operator's choices (serve's flags), with the defaults serve has.
    public struct Options: Sendable {
        public var catalog: ScopeCatalog = .default
        public var operatorTools: OperatorTools?
        public var rateLimits = RateLimiter.Limits()
        /// Milliseconds over which refused app tokens are tallied per source into one record.
        public var refusalWindow: Int64 = RefusalTally.defaultWindow
        /// Seconds after which an install or uninstall a crash left half-way is finished.
        public var reaperGrace: TimeInterval = 300
        /// Seconds an uninstalled install's data is kept.
        public var retention: TimeInterval = 7 * 86_400
        public var eventRetries = 6
        public var mail: Mail?
        /// Run instances in bubblewrap (false: plain processes, no isolation).
        public var sandboxed = true
        public var allowSharedUser = false
        public var uidBase: UInt32 = 70_000
        /// Overrides every manifest's idle timeout.
        public var idleTimeout: Duration?
        public var startTimeout: Duration = .seconds(30)
        public var egressAllowPrivate = false
        /// Names the egress rules resolve to a fixed address instead of through DNS (tests).
        public var egressHostOverrides: [String: String] = [:]

        public init() {}
    }

    public struct Setup: Sendable {
        /// Opened and migrated.
        public var store: Store
        public var bundles: BundleStore
        public var keys: MasterKeys
        public var runtime: Runtime
        public var options = Options()
        public var env: PlatformEnvironment = .live
        public var logger = Logger(label: "marina")
        /// Makes the driver instances run on, given the egress proxy they reach the internet
        /// through and the port of the platform's API (default: a `LocalDriver` as `options` say).
        public var driver: (@Sendable (EgressProxy, PlatformPort) throws -> any RuntimeDriver)?

        public init(store: Store, bundles: BundleStore, keys: MasterKeys, runtime: Runtime) {
            (self.store, self.bundles, self.keys, self.runtime) = (store, bundles, keys, runtime)
        }
    }

    /// Builds the graph: unlocks the vault (finishing a rotation a crash interrupted) and loads
    /// the signing keys, so the platform is ready to serve when this returns.
    public static func build(_ setup: Setup) async throws -> Platform {
        let (store, env, logger, options, paths) = (setup.store, setup.env, setup.logger, setup.options, setup.runtime)
        let audit = AuditLog(store: store, env: env, logger: logger)
        let egress = EgressProxy(
            allowPrivateAddresses: options.egressAllowPrivate, hostOverrides: options.egressHostOverrides,
            recorder: EgressAudit(audit: audit, env: env, logger: logger))
        let port = PlatformPort()
        let driver =
            try setup.driver?(egress, port)
            ?? LocalDriver(
                sandboxed: options.sandboxed, marinaBinary: paths.marinaBinary, runRoot: paths.runRoot, platformPort: port, egress: egress,
                allowSharedUser: options.allowSharedUser, dataQuota: paths.dataQuota, logger: logger)
        let supervisor = Supervisor(driver: driver, logger: logger, startTimeout: options.startTimeout)

        let vault = Vault(store: store, master: setup.keys.current, previous: setup.keys.previous, now: { env.millis }, newId: { env.id($0) })
        try await vault.unlock()
        let signer = TokenSigner(store: store, vault: vault)
        try await signer.load(now: env.millis)

        let access = AccessService(store: store, env: env)
        let tenants = TenantService(store: store, env: env)
        let secrets = SecretsService(store: store, vault: vault, tenants: tenants, audit: audit, env: env)
        let uids = InstanceUIDs(directory: paths.instancesRoot.appendingPathComponent("uids", isDirectory: true), base: options.uidBase)
        let provisioner = InstanceProvisioner(
            configuration: .init(
                root: paths.instancesRoot, platformURL: paths.platformURL,
                idleTimeoutOverride: options.idleTimeout, uids: uids),
            bundles: setup.bundles, signer: signer, env: env)
        let directory = InstallDirectory(store: store, env: env)
        let dispatcher = Dispatcher(
            store: store, tenants: tenants, directory: directory, provisioner: provisioner, supervisor: supervisor, audit: audit, secrets: secrets,
            env: env, logger: logger
        )
        let events = EventQueue(store: store, dispatcher: dispatcher, env: env, maxAttempts: options.eventRetries, logger: logger)
        let installs = InstallService(
            store: store, env: env, tenants: tenants, directory: directory, events: events, supervisor: supervisor, secrets: secrets,
            dataRoot: paths.instancesRoot, retention: options.retention, logger: logger)
        let registry = RegistryService(
            store: store, bundles: setup.bundles, env: env, validation: ValidationContext(catalog: options.catalog), logger: logger,
            afterCurrentMoved: { app in try await installs.currentChanged(appSlug: app) })
        let runtime = RuntimeServices(
            installs: installs, dispatcher: dispatcher, events: events,
            instances: InstanceService(store: store, supervisor: supervisor, tenants: tenants, dispatcher: dispatcher))
        let tools = PlatformTools(store: store, env: env, operatorTools: options.operatorTools)
        let gateway = ToolGateway(
            signer: signer, directory: directory, audit: audit, secrets: secrets, tools: tools, limiter: RateLimiter(options.rateLimits),
            dispatcher: dispatcher, egress: egress, env: env, refusalWindow: options.refusalWindow)
        let rotate = setup.keys.rotate
        let keys = KeyRotationService(store: store, signer: signer, vault: vault, tenants: tenants, env: env) { try await rotate(vault) }
        let services = PlatformServices(
            store: store, access: access, tenants: tenants, registry: registry, runtime: runtime, secrets: secrets,
            keys: keys, gateway: gateway, jwks: { await signer.jwks() })

        var background: [any Service] = [
            supervisor, events, BundleJanitor(registry: registry, logger: logger),
            InstallReaper(installs: installs, grace: options.reaperGrace, logger: logger),
            KVPurger(tools: tools, logger: logger), gateway.refusals,
        ]
        if let mail = options.mail {
            background.append(
                MailDrainer(store: store, client: mail.relay, audit: audit, env: env, configuration: .init(sender: mail.sender), logger: logger))
        }
        return Platform(
            services: services, audit: audit, signer: signer, vault: vault, supervisor: supervisor, driver: driver, egress: egress, tools: tools,
            port: port, background: background)
    }
}
