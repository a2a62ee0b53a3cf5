import Foundation
import Hummingbird
import Logging
import MarinaBundle
import MarinaCore
import MarinaHTTP
import MarinaPlatform
import MarinaRuntime
import MarinaStore
import MarinaVault
import Prometheus
import ServiceLifecycle

/// Everything `marina serve` is told, as a value (its flags, checked).
public struct ServerConfiguration: Sendable {
    public var data: DataDirectory
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 7070
    /// nil: SQLite in the data directory.
    public var database: StoreConfiguration?
    public var sqliteSynchronous = SQLiteSynchronous.full
    /// Also serve /metrics without a key here (a loopback address).
    public var metricsAddress: (host: String, port: Int)?
    /// The URL apps and users reach the platform at (default: the listening address).
    public var publicURL: String?
    public var maxBundleBytes = 100 * 1024 * 1024
    /// Each instance's `/data` a file system of its own of this size.
    public var instanceDiskMB: Int?
    /// Stop when this process is gone (`marina dev` starts its server so).
    public var parentPid: Int32?
    /// What the platform itself is told.
    public var options = Platform.Options()

    public init(data: DataDirectory) { self.data = data }
}

/// `marina serve`: opens the data directory and the database, builds the `Platform`, and runs
/// it with its HTTP server(s) in one service group until SIGTERM or SIGINT.
public struct Server: Sendable {
    public let configuration: ServerConfiguration
    public let platform: Platform
    let store: Store
    let storeConfiguration: StoreConfiguration
    let metrics: PrometheusCollectorRegistry
    let logger: Logger

    /// Prepares everything but the listeners; a problem is a `ServerError` saying what to do.
    public static func make(_ configuration: ServerConfiguration, metrics: PrometheusCollectorRegistry, logger: Logger) async throws -> Server {
        let data = configuration.data
        do { try data.create() } catch { throw ServerError("cannot create \(data.url.path): \(error.localizedDescription)") }
        let storeConfiguration = configuration.database ?? .sqlite(path: data.database.path)
        if storeConfiguration.dialect == .sqlite, !data.lock() {
            throw ServerError("another marina serve is using \(data.url.path); an SQLite database has one server (use PostgreSQL for several)")
        }
        let store: Store
        do {
            store = try Store(storeConfiguration, sqliteSynchronous: configuration.sqliteSynchronous, logger: logger)
            try await store.migrate()
        } catch {
            throw ServerError("cannot open the database \(storeConfiguration.redacted): \(error)")
        }
        if configuration.sqliteSynchronous == .normal, storeConfiguration.dialect == .sqlite {
            logger.notice(
                "SQLite commits do not wait for the disk (--sqlite-synchronous normal): about the last quarter second of acknowledged writes, audit records included, may be lost to a power cut or kernel crash"
            )
        }
        do {
            let platform = try await compose(configuration, store: store, logger: logger)
            return Server(
                configuration: configuration, platform: platform, store: store, storeConfiguration: storeConfiguration, metrics: metrics,
                logger: logger)
        } catch {
            // A store's pools must be shut down before they go.
            await store.close()
            throw error
        }
    }

    /// Everything after the database: the bundle store, the sandbox checks, the master key, the
    /// platform, the admin key.
    static func compose(_ configuration: ServerConfiguration, store: Store, logger: Logger) async throws -> Platform {
        let data = configuration.data
        let bundles: BundleStore
        do { bundles = try BundleStore(root: data.bundles, maxBytes: configuration.maxBundleBytes) } catch {
            throw ServerError("cannot create the bundle store in \(data.bundles.path): \(error)")
        }
        try checkSandbox(configuration, logger: logger)

        let masterKey: MasterKeySetup
        do { masterKey = try await MasterKeySetup.resolve(data, store: store) } catch { throw ServerError("cannot open the secrets vault: \(error)") }
        let instancesRoot = data.url.appendingPathComponent("instances")
        var runtime = Platform.Runtime(
            marinaBinary: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), instancesRoot: instancesRoot,
            runRoot: try data.runDirectory(),
            platformURL: configuration.publicURL ?? "http://\(configuration.host):\(configuration.port)")
        do { runtime.dataQuota = try configuration.instanceDiskMB.map { try DataQuota(megabytes: $0) } } catch { throw ServerError("\(error)") }
        var setup = Platform.Setup(
            store: store, bundles: bundles, keys: .init(current: masterKey.current, previous: masterKey.previous) { try await masterKey.rotate($0) },
            runtime: runtime)
        setup.options = configuration.options
        setup.logger = logger
        let platform: Platform
        do { platform = try await Platform.build(setup) } catch let error as VaultError {
            throw ServerError("cannot open the secrets vault: \(error)")
        } catch { throw ServerError("\(error)") }
        masterKey.finishUnlock()

        if let driver = platform.driver as? LocalDriver {
            if driver.sharedUser {
                logger.warning(
                    "serve is not root: every app instance runs as serve's own user (--allow-shared-uid); instances are sandboxed but not separated by user"
                )
            }
            if driver.helperBinary == driver.marinaBinary {
                logger.notice(
                    "no marina-sandbox beside \(driver.marinaBinary.path): instances start through marina itself, about 20 ms slower per wake (scripts/marina builds both)"
                )
            }
            // Instances a previous, killed serve left behind die with it (bubblewrap's die-with-parent);
            // whatever still sits in their cgroups goes now.
            driver.cgroups.removeAll()
        }
        DataQuota.unmountAll(in: instancesRoot.appendingPathComponent("data"))
        if configuration.options.mail == nil { logger.notice("no --smtp-relay: mail that apps send stays queued in the outbox") }
        if let key = try await platform.services.access.bootstrapAdmin() {
            try DataDirectory.writeSecret(key + "\n", to: data.adminKey)
            logger.notice("created the admin API key", metadata: ["file": .string(data.adminKey.path)])
        }
        return platform
    }

    /// Refuses to start sandboxed where instances could not be: no bubblewrap, or a data
    /// directory under a path others may not traverse.
    static func checkSandbox(_ configuration: ServerConfiguration, logger: Logger) throws {
        if !configuration.options.sandboxed {
            logger.critical(
                "RUNNING APP INSTANCES WITHOUT A SANDBOX (--unsandboxed): partner code runs as this user with full access to this machine and its network"
            )
        } else if LocalDriver.findBubblewrap() == nil {
            throw ServerError(
                "bubblewrap (bwrap) is not installed, so app instances cannot be sandboxed; install Debian's bubblewrap package (scripts/install-deps does), or pass --unsandboxed to run them without isolation"
            )
        } else if let closed = LocalDriver.untraversableAncestor(of: configuration.data.url) {
            throw ServerError(
                "app instances run as unprivileged users and could not reach \(configuration.data.url.path): \(closed.path) has mode \(String(closed.mode, radix: 8)) (others may not traverse it); run `chmod o+x \(closed.path)` or choose a --data directory under paths others may traverse"
            )
        }
    }

    /// Runs until SIGTERM or SIGINT (or the parent given by `parentPid` is gone), then closes the
    /// database.
    public func run() async throws {
        let (configuration, logger, port) = (self.configuration, self.logger, platform.port)
        let serveInfo = configuration.data.serveInfo
        let database = storeConfiguration.redacted
        let app = Application(
            router: APIRouter.build(platform.services, metrics: metrics),
            server: .http1OnConnectionLoop(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "marina"),
            onServerRunning: { channel in
                let actualPort = channel.localAddress?.port ?? configuration.port
                port.listening(on: actualPort)
                let url = "http://\(configuration.host):\(actualPort)"
                let info: JSONValue = ["url": .string(url), "pid": .number(Double(getpid())), "public_url": .string(configuration.publicURL ?? url)]
                try? DataDirectory.writeSecret(CanonicalJSON.string(info) + "\n", to: serveInfo)
                logger.notice("marina is serving", metadata: ["url": .string(url), "database": .string(database)])
            },
            logger: logger
        )
        var services: [any Service] = platform.background + [app]
        if let parentPid = configuration.parentPid { services.append(ParentWatch(pid: parentPid, logger: logger)) }
        if let (host, metricsPort) = configuration.metricsAddress {
            services.append(
                Application(
                    router: APIRouter.metricsOnly(metrics),
                    configuration: .init(address: .hostname(host, port: metricsPort), serverName: "marina-metrics"),
                    onServerRunning: { channel in
                        logger.notice(
                            "serving /metrics without a key",
                            metadata: ["url": .string("http://\(host):\(channel.localAddress?.port ?? metricsPort)/metrics")])
                    }, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(at: serveInfo)
        await store.close()
        logger.notice("marina stopped")
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
