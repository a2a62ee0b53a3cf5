import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MarinaCore
import MarinaHTTP
import MarinaPlatform
import MarinaStore
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

    @Option(name: .customLong("public-url"), help: "The URL apps and users reach this platform at (default http://LISTEN).")
    var publicURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("max-bundle-mb"), help: "Largest accepted bundle, in MB.")
    var maxBundleMB: Int = 100

    @Option(name: .customLong("scopes"), help: "An operator's scope catalog file that extends the default catalog.")
    var scopeCatalog: String?

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        guard let (host, port) = Self.parseListen(listen) else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:7070") }
        guard maxBundleMB > 0 else { throw ValidationError("--max-bundle-mb must be positive") }
        let catalog: ScopeCatalog
        do { catalog = try ManifestFile.catalog(extendedBy: scopeCatalog) } catch { Output.exit(with: error) }

        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        let logger = Logger(label: "marina")
        let registryOfMetrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registryOfMetrics))

        let dataDirectory = DataDirectory(url: URL(fileURLWithPath: data).standardizedFileURL)
        do { try dataDirectory.create() } catch { Output.exit(with: .failed("cannot create \(data): \(error.localizedDescription)")) }
        let storeConfiguration = database.map(StoreConfiguration.parse) ?? .sqlite(path: dataDirectory.database.path)
        if storeConfiguration.dialect == .sqlite, !dataDirectory.lock() {
            Output.exit(with: .failed("another marina serve is using \(dataDirectory.url.path); an SQLite database has one server (use PostgreSQL for several)"))
        }

        let store: Store
        do {
            store = try Store(storeConfiguration, logger: logger)
            try await store.migrate()
        } catch {
            Output.exit(with: .failed("cannot open the database \(storeConfiguration.redacted): \(error)"))
        }
        let env = PlatformEnvironment.live
        let bundles: BundleStore
        do { bundles = try BundleStore(root: dataDirectory.bundles, maxBytes: maxBundleMB * 1024 * 1024) } catch {
            Output.exit(with: .failed("cannot create the bundle store in \(dataDirectory.bundles.path): \(error)"))
        }
        let access = AccessService(store: store, env: env)
        let services = PlatformServices(
            store: store,
            access: access,
            tenants: TenantService(store: store, env: env),
            registry: RegistryService(store: store, bundles: bundles, env: env, validation: ValidationContext(catalog: catalog), logger: logger)
        )
        if let key = try await access.bootstrapAdmin() {
            try DataDirectory.writeSecret(key + "\n", to: dataDirectory.adminKey)
            logger.notice("created the admin API key", metadata: ["file": .string(dataDirectory.adminKey.path)])
        }

        let router = APIRouter.build(services, metrics: registryOfMetrics)
        let serveInfo = dataDirectory.serveInfo
        let configuredPublicURL = publicURL
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "marina"),
            onServerRunning: { channel in
                let actualPort = channel.localAddress?.port ?? port
                let url = "http://\(host):\(actualPort)"
                let info: JSONValue = ["url": .string(url), "pid": .number(Double(getpid())), "public_url": .string(configuredPublicURL ?? url)]
                try? DataDirectory.writeSecret(CanonicalJSON.string(info) + "\n", to: serveInfo)
                logger.notice("marina is serving", metadata: ["url": .string(url), "database": .string(storeConfiguration.redacted)])
            },
            logger: logger
        )
        let janitor = BundleJanitor(registry: services.registry, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app, janitor], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(at: serveInfo)
        await store.close()
        logger.notice("marina stopped")
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
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

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || Task<Never, Never>.isShuttingDownGracefully }
}
