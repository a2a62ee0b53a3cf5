import Synchronization
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MarinaCore
import MarinaHTTP
import MarinaPlatform
import MarinaRuntime
import MarinaStore
import MarinaVault
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the platform (embedded default: data in ./.marina, listening on 127.0.0.1:7070).",
        discussion: """
        On first start an admin API key is written to DATA/admin.key (mode 0600); the CLI on the same
        machine finds it there. With --database postgres://… several serve processes may share one
        database (give them the same bundle directory: --data on shared storage).
        """
    )

    @Option(help: "Data directory.")
    var data: String = DataDirectory.defaultPath

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:7070"

    @Option(help: "Database: an SQLite file path (default DATA/marina.sqlite) or postgres://user:pass@host:port/db.")
    var database: String?

    @Option(name: .customLong("sqlite-synchronous"), help: "When SQLite waits for the disk: full (an fsync at every commit; nothing acknowledged is lost, even to a power cut) or normal (an fsync only at checkpoints, which run in the background every quarter second: survives a crash of serve, but about the last quarter second of acknowledged writes, audit records included, may be lost to a power cut or kernel crash). SQLite only.")
    var sqliteSynchronous: String = SQLiteSynchronous.full.rawValue

    @Option(name: .customLong("metrics-listen"), help: "Also serve /metrics WITHOUT a key on this loopback address, HOST:PORT (127.0.0.1, ::1 or localhost), for a local Prometheus. On the main address /metrics needs the admin's API key.")
    var metricsListen: String?

    @Option(name: .customLong("public-url"), help: "The URL apps and users reach this platform at (default http://LISTEN).")
    var publicURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("max-bundle-mb"), help: "Largest accepted bundle, in MB.")
    var maxBundleMB: Int = 100

    @Option(name: .customLong("scopes"), help: "An operator's scope catalog file that extends the default catalog.")
    var scopeCatalog: String?

    @Option(name: .customLong("operator-tools"), help: "A YAML file of operator-defined platform tools (name, scope, input_schema, endpoint); requests to them are signed with DATA/operator-tools.key or MARINA_OPERATOR_KEY.")
    var operatorToolsFile: String?

    @Option(name: .customLong("rate-install"), help: "App → platform calls per second per install (the burst is twice this).")
    var rateInstall: Double = 50

    @Option(name: .customLong("rate-tenant"), help: "App → platform calls per second per tenant (the burst is twice this).")
    var rateTenant: Double = 200

    @Flag(help: "Run app instances WITHOUT a sandbox (no isolation at all; only for machines without bubblewrap).")
    var unsandboxed = false

    @Option(name: .customLong("instance-disk-mb"), help: "Give each instance's /data a file system of its own of this many MB (an ext4 image mounted while it is awake; needs root, loop devices and mkfs.ext4). Without it /data shares serve's disk.")
    var instanceDiskMB: Int?

    @Option(name: .customLong("instance-uid-base"), help: "The first of the million host uids instances are given (default 70000). Two platforms on one host need ranges that do not overlap.")
    var instanceUIDBase: UInt32 = 70_000

    @Flag(name: .customLong("allow-shared-uid"), help: "When serve is not root: sandbox instances anyway, all as serve's own user (not separated from each other or from serve's files by user; development only). Without it a non-root serve refuses to start sandboxed.")
    var allowSharedUID = false

    @Option(name: .customLong("idle-timeout"), help: "Seconds before an idle instance sleeps, for every app (default: each manifest's idle_timeout_s).")
    var idleTimeout: Int?

    @Option(name: .customLong("reaper-grace"), help: "Seconds after which an install or uninstall a crash left half-way is finished by the reaper.")
    var reaperGrace: Int = 300

    @Option(name: .customLong("retention-days"), help: "Days an uninstalled install's data is kept.")
    var retentionDays: Double = 7

    @Option(name: .customLong("event-retries"), help: "Delivery attempts of an event before it (and an install waiting for it) fails.")
    var eventRetries: Int = 6

    @Flag(name: .customLong("egress-allow-private"), help: "Let the egress proxy reach allowed hosts on loopback and private addresses (development and tests only).")
    var egressAllowPrivate = false

    @Option(name: .customLong("smtp-relay"), help: "Deliver the mail apps send (mail_send) to this SMTP relay, HOST:PORT: plain SMTP without TLS or AUTH, such as a Postfix on loopback. Without it mail stays queued.")
    var smtpRelay: String?

    @Option(name: .customLong("smtp-from"), help: "The sender (envelope and From:) of delivered mail.")
    var smtpFrom: String = "marina@localhost"

    @Option(name: .customLong("parent-pid"), help: .hidden) var parentPid: Int32?
    @Option(name: .customLong("start-timeout"), help: "Seconds an instance has to answer GET /health after it starts.")
    var startTimeout: Int = 30

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        guard let (host, port) = Self.parseListen(listen) else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:7070") }
        guard maxBundleMB > 0 else { throw ValidationError("--max-bundle-mb must be positive") }
        let metricsAddress = try metricsListen.map { text -> (String, Int) in
            guard let (host, port) = Self.parseListen(text) else { throw ValidationError("--metrics-listen takes HOST:PORT, e.g. 127.0.0.1:9464") }
            guard Self.isLoopback(host) else {
                throw ValidationError("--metrics-listen serves metrics without a key, so it takes a loopback address (127.0.0.1, ::1, localhost), not \(host)")
            }
            return (host, port)
        }
        guard let synchronous = SQLiteSynchronous(rawValue: sqliteSynchronous) else {
            throw ValidationError("--sqlite-synchronous takes full or normal, not \(sqliteSynchronous)")
        }
        if synchronous != .full, let database, StoreConfiguration.parse(database).dialect != .sqlite {
            throw ValidationError("--sqlite-synchronous applies to an SQLite database only")
        }
        var smtp: SMTPClient?
        if let smtpRelay {
            guard let client = SMTPClient(relay: smtpRelay) else { throw ValidationError("--smtp-relay takes HOST:PORT, e.g. 127.0.0.1:25") }
            smtp = client
        }
        guard smtpFrom.wholeMatch(of: #/[^@\s<>]+@[^@\s<>]+/#) != nil else { throw ValidationError("--smtp-from takes a mail address, e.g. marina@example.com") }
        let catalog: ScopeCatalog
        do { catalog = try ManifestFile.catalog(extendedBy: scopeCatalog) } catch { Output.exit(with: error) }

        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        let logger = Logger(label: "marina")
        let registryOfMetrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registryOfMetrics))

        // Files the platform creates (database, keys, logs) are private unless made otherwise.
        umask(0o077)
        let dataDirectory = DataDirectory(url: URL(fileURLWithPath: data).standardizedFileURL)
        do { try dataDirectory.create() } catch { Output.exit(with: .failed("cannot create \(data): \(error.localizedDescription)")) }
        let storeConfiguration = database.map(StoreConfiguration.parse) ?? .sqlite(path: dataDirectory.database.path)
        if storeConfiguration.dialect == .sqlite, !dataDirectory.lock() {
            Output.exit(with: .failed("another marina serve is using \(dataDirectory.url.path); an SQLite database has one server (use PostgreSQL for several)"))
        }

        let store: Store
        do {
            store = try Store(storeConfiguration, sqliteSynchronous: synchronous, logger: logger)
            try await store.migrate()
        } catch {
            Output.exit(with: .failed("cannot open the database \(storeConfiguration.redacted): \(error)"))
        }
        if synchronous == .normal, storeConfiguration.dialect == .sqlite {
            logger.notice("SQLite commits do not wait for the disk (--sqlite-synchronous normal): about the last quarter second of acknowledged writes, audit records included, may be lost to a power cut or kernel crash")
        }
        let env = PlatformEnvironment.live
        let bundles: BundleStore
        do { bundles = try BundleStore(root: dataDirectory.bundles, maxBytes: maxBundleMB * 1024 * 1024) } catch {
            Output.exit(with: .failed("cannot create the bundle store in \(dataDirectory.bundles.path): \(error)"))
        }
        let access = AccessService(store: store, env: env)
        let tenants = TenantService(store: store, env: env)
        var registry = RegistryService(store: store, bundles: bundles, env: env, validation: ValidationContext(catalog: catalog), logger: logger)

        // The runtime: sandboxed local processes, or (loudly) plain ones.
        if unsandboxed {
            logger.critical("RUNNING APP INSTANCES WITHOUT A SANDBOX (--unsandboxed): partner code runs as this user with full access to this machine and its network")
        } else if LocalDriver.findBubblewrap() == nil {
            Output.exit(with: .failed("bubblewrap (bwrap) is not installed, so app instances cannot be sandboxed; install Debian's bubblewrap package (scripts/install-deps does), or pass --unsandboxed to run them without isolation"))
        } else if let closed = LocalDriver.untraversableAncestor(of: dataDirectory.url) {
            Output.exit(with: .failed("app instances run as unprivileged users and could not reach \(dataDirectory.url.path): \(closed.path) has mode \(String(closed.mode, radix: 8)) (others may not traverse it); run `chmod o+x \(closed.path)` or choose a --data directory under paths others may traverse"))
        }
        let listenURL = "http://\(host):\(port)"
        // Known once the server listens (the port may be 0 = any); sandboxed apps reach the API there.
        let listeningPort = LateValue<Int>()
        // The audit log exists only once the store is composed below; egress reports reach it here.
        let egressAudit = LateValue<@Sendable (InstanceSpec, EgressProxy.Connection) -> Void>()
        let egressProxy = EgressProxy(allowPrivateAddresses: egressAllowPrivate) { spec, connection in egressAudit.value?(spec, connection) }
        let driver: LocalDriver
        do {
            let quota = try instanceDiskMB.map { try DataQuota(megabytes: $0) }
            driver = try LocalDriver(sandboxed: !unsandboxed, marinaBinary: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                     runRoot: try dataDirectory.runDirectory(), platformPort: { listeningPort.value },
                                     egress: egressProxy, allowSharedUser: allowSharedUID, dataQuota: quota, logger: logger)
        } catch { Output.exit(with: .failed("\(error)")) }
        if driver.sharedUser {
            logger.warning("serve is not root: every app instance runs as serve's own user (--allow-shared-uid); instances are sandboxed but not separated by user")
        }
        if driver.helperBinary == driver.marinaBinary {
            logger.notice("no marina-sandbox beside \(driver.marinaBinary.path): instances start through marina itself, about 20 ms slower per wake (scripts/marina builds both)")
        }
        // Instances a previous, killed serve left behind die with it (bubblewrap's die-with-parent);
        // whatever still sits in their cgroups goes now.
        driver.cgroups.removeAll()
        DataQuota.unmountAll(in: dataDirectory.url.appendingPathComponent("instances").appendingPathComponent("data"))
        let supervisor = Supervisor(driver: driver, logger: logger, startTimeout: .seconds(max(1, startTimeout)))
        let masterKey: MasterKeySetup
        let vault: Vault
        do {
            masterKey = try await MasterKeySetup.resolve(dataDirectory, store: store)
            vault = Vault(store: store, master: masterKey.current, previous: masterKey.previous, now: { env.millis }, newId: { env.id($0) })
            try await vault.unlock()
            masterKey.finishUnlock()
        } catch {
            Output.exit(with: .failed("cannot open the secrets vault: \(error)"))
        }
        let signer = TokenSigner(store: store, vault: vault)
        try await signer.load(now: env.millis)
        let instancesRoot = dataDirectory.url.appendingPathComponent("instances")
        let provisioner = InstanceProvisioner(configuration: .init(root: instancesRoot, platformURL: publicURL ?? listenURL,
                                                                   idleTimeoutOverride: idleTimeout.map { .seconds($0) },
                                                                   uids: InstanceUIDs(directory: instancesRoot.appendingPathComponent("uids", isDirectory: true), base: instanceUIDBase)),
                                              bundles: bundles, signer: signer, env: env)
        let events = EventQueue(store: store, env: env, maxAttempts: eventRetries, logger: logger)
        let audit = AuditLog(store: store, env: env, logger: logger)
        egressAudit.set { spec, c in
            Task {
                try? await audit.record(AuditEntry(at: env.millis - Int64(c.durationMs), actor: "instance:" + spec.id, tenant: spec.tenant, app: spec.app, version: spec.version,
                                                   kind: .egress, name: "\(c.host):\(c.port)", decision: c.decision, status: c.decision == "allow" ? "ok" : "refused",
                                                   durationMs: Int64(c.durationMs),
                                                   input: ["host": .string(c.host), "port": .number(Double(c.port)), "bytes_out": .number(Double(c.bytesOut)), "bytes_in": .number(Double(c.bytesIn))]))
            }
        }
        let secrets = SecretsService(store: store, vault: vault, tenants: tenants, audit: audit, env: env)
        let dispatcher = Dispatcher(store: store, tenants: tenants, provisioner: provisioner, supervisor: supervisor, audit: audit, secrets: secrets, env: env, logger: logger)
        events.attach(dispatcher)
        let installs = InstallService(store: store, env: env, tenants: tenants, events: events, supervisor: supervisor, secrets: secrets,
                                      dataRoot: dataDirectory.url.appendingPathComponent("instances"), retention: retentionDays * 86_400, logger: logger)
        registry.afterCurrentMoved = { app in try await installs.currentChanged(appSlug: app) }
        let runtime = RuntimeServices(installs: installs, dispatcher: dispatcher, events: events,
                                      instances: InstanceService(store: store, supervisor: supervisor, tenants: tenants, dispatcher: dispatcher))
        var services = PlatformServices(store: store, access: access, tenants: tenants, registry: registry, runtime: runtime)
        services.secrets = secrets
        var operatorTools: OperatorTools?
        if let operatorToolsFile {
            do { operatorTools = try Self.loadOperatorTools(operatorToolsFile, catalog: catalog, data: dataDirectory) } catch { Output.exit(with: .failed("\(error)")) }
        }
        let platformTools = PlatformTools(store: store, env: env, operatorTools: operatorTools)
        let gateway = ToolGateway(store: store, signer: signer, audit: audit, secrets: secrets, tools: platformTools,
                                  limiter: RateLimiter(.init(perInstall: (rateInstall * 2, rateInstall), perTenant: (rateTenant * 2, rateTenant))),
                                  dispatcher: dispatcher, egress: egressProxy, env: env)
        services.gateway = gateway
        services.jwks = { await signer.jwks() }
        services.keys = KeyRotationService(store: store, signer: signer, vault: vault, tenants: tenants, env: env) { try await masterKey.rotate(vault) }
        if let key = try await access.bootstrapAdmin() {
            try DataDirectory.writeSecret(key + "\n", to: dataDirectory.adminKey)
            logger.notice("created the admin API key", metadata: ["file": .string(dataDirectory.adminKey.path)])
        }

        let router = APIRouter.build(services, metrics: registryOfMetrics)
        let serveInfo = dataDirectory.serveInfo
        let configuredPublicURL = publicURL
        let app = Application(
            router: router,
            server: .http1OnConnectionLoop(),
            configuration: .init(address: .hostname(host, port: port), serverName: "marina"),
            onServerRunning: { channel in
                let actualPort = channel.localAddress?.port ?? port
                listeningPort.set(actualPort)
                let url = "http://\(host):\(actualPort)"
                let info: JSONValue = ["url": .string(url), "pid": .number(Double(getpid())), "public_url": .string(configuredPublicURL ?? url)]
                try? DataDirectory.writeSecret(CanonicalJSON.string(info) + "\n", to: serveInfo)
                logger.notice("marina is serving", metadata: ["url": .string(url), "database": .string(storeConfiguration.redacted)])
            },
            logger: logger
        )
        let janitor = BundleJanitor(registry: services.registry, logger: logger)
        let reaper = InstallReaper(installs: installs, grace: TimeInterval(reaperGrace), logger: logger)
        var running: [any Service] = [supervisor, events, app, janitor, reaper, KVPurger(tools: platformTools, logger: logger), gateway.refusals]
        if let parentPid { running.append(ParentWatch(pid: parentPid, logger: logger)) }
        if let (metricsHost, metricsPort) = metricsAddress {
            running.append(Application(router: APIRouter.metricsOnly(registryOfMetrics),
                                       configuration: .init(address: .hostname(metricsHost, port: metricsPort), serverName: "marina-metrics"),
                                       onServerRunning: { channel in
                                           logger.notice("serving /metrics without a key", metadata: ["url": .string("http://\(metricsHost):\(channel.localAddress?.port ?? metricsPort)/metrics")])
                                       }, logger: logger))
        }
        if let smtp {
            running.append(MailDrainer(store: store, client: smtp, audit: audit, env: env, configuration: .init(sender: smtpFrom), logger: logger))
        } else {
            logger.notice("no --smtp-relay: mail that apps send stays queued in the outbox")
        }
        let group = ServiceGroup(configuration: .init(services: running, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(at: serveInfo)
        await store.close()
        logger.notice("marina stopped")
    }

    /// The operator's tools and the key that signs requests to them: `MARINA_OPERATOR_KEY`
    /// (base64), else `DATA/operator-tools.key` (made on first use, mode 0600).
    static func loadOperatorTools(_ path: String, catalog: ScopeCatalog, data: DataDirectory) throws -> OperatorTools {
        guard let bytes = FileManager.default.contents(atPath: path) else { throw CLIError.failed("cannot read the operator tools file \(path)") }
        let tools: [OperatorTool]
        switch OperatorToolsFile.load(Array(bytes), fileName: path, catalog: catalog, reserved: PlatformTools.builtIn) {
        case .success(let t): tools = t
        case .failure(let error): throw CLIError.failed("\(path): " + error.problems.map { "\($0.path.isEmpty ? "/" : $0.path): \($0.message) [\($0.code.rawValue)]" }.joined(separator: "; "))
        }
        if let text = ProcessInfo.processInfo.environment["MARINA_OPERATOR_KEY"], let key = Data(base64Encoded: text), key.count >= 32 {
            return OperatorTools(tools: tools, key: Array(key))
        }
        let file = data.url.appendingPathComponent("operator-tools.key")
        if !FileManager.default.fileExists(atPath: file.path) {
            try MasterKeyFile.create(file, bytes: LocalMasterKey.generate())
        }
        return OperatorTools(tools: tools, key: Array(try MasterKeyFile.load(file).rawBytes))
    }

    /// Whether `host` names this machine's loopback only.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}

/// Stops the server when the process that started it is gone however it ended (`marina dev`
/// starts its platform with `--parent-pid`; a killed dev must not leave it running).
struct ParentWatch: Service {
    let pid: Int32
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if kill(pid, 0) != 0 && errno == ESRCH || getppid() != pid {
                logger.notice("the parent process is gone: stopping", metadata: ["parent": .stringConvertible(pid)])
                kill(getpid(), SIGTERM)
                try? await gracefulShutdown()
                return
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// Removes bundles that no version refers to (left by a crash mid-publish), at start and hourly.
struct BundleJanitor: Service {
    let registry: RegistryService
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let removed = try await registry.collectGarbage()
                if removed > 0 { logger.info("removed unreferenced bundles", metadata: ["count": .stringConvertible(removed)]) }
            } catch {
                logger.warning("bundle garbage collection failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

/// Finishes installs and uninstalls a crash left half-way, and removes the data of uninstalled
/// installs past their retention.
struct InstallReaper: Service {
    let installs: InstallService
    let grace: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let reaped = try await installs.reap(grace: grace)
                if reaped > 0 { logger.notice("finished interrupted install attempts", metadata: ["count": .stringConvertible(reaped)]) }
            } catch {
                logger.warning("the install reaper failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(max(1, min(60, grace / 4)))) }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || Task<Never, Never>.isShuttingDownGracefully }
}

/// A value known only after composition starts (the server's port once it listens; the audit
/// log for the egress proxy's reports), shared with what was built before it.
final class LateValue<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)
    var value: Value? { stored.withLock { $0 } }
    func set(_ value: Value) { stored.withLock { $0 = value } }
}
