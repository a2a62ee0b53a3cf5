import ArgumentParser
import Foundation
import Logging
import MarinaCore
import MarinaOutbound
import MarinaPlatform
import MarinaRuntime
import MarinaServer
import MarinaStore
import MarinaVault
import Metrics
import Prometheus

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

    @Option(
        name: .customLong("sqlite-synchronous"),
        help:
            "When SQLite waits for the disk: full (an fsync at every commit; nothing acknowledged is lost, even to a power cut) or normal (an fsync only at checkpoints, which run in the background every quarter second: survives a crash of serve, but about the last quarter second of acknowledged writes, audit records included, may be lost to a power cut or kernel crash). SQLite only."
    )
    var sqliteSynchronous: String = SQLiteSynchronous.full.rawValue

    @Option(
        name: .customLong("metrics-listen"),
        help:
            "Also serve /metrics WITHOUT a key on this loopback address, HOST:PORT (127.0.0.1, ::1 or localhost), for a local Prometheus. On the main address /metrics needs the admin's API key."
    )
    var metricsListen: String?

    @Option(name: .customLong("public-url"), help: "The URL apps and users reach this platform at (default http://LISTEN).")
    var publicURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("max-bundle-mb"), help: "Largest accepted bundle, in MB.")
    var maxBundleMB: Int = 100

    @Option(name: .customLong("scopes"), help: "An operator's scope catalog file that extends the default catalog.")
    var scopeCatalog: String?

    @Option(
        name: .customLong("operator-tools"),
        help:
            "A YAML file of operator-defined platform tools (name, scope, input_schema, endpoint); requests to them are signed with DATA/operator-tools.key or MARINA_OPERATOR_KEY."
    )
    var operatorToolsFile: String?

    @Option(name: .customLong("rate-install"), help: "App → platform calls per second per install (the burst is twice this).")
    var rateInstall: Double = 50

    @Option(name: .customLong("rate-tenant"), help: "App → platform calls per second per tenant (the burst is twice this).")
    var rateTenant: Double = 200

    @Flag(help: "Run app instances WITHOUT a sandbox (no isolation at all; only for machines without bubblewrap).")
    var unsandboxed = false

    @Option(
        name: .customLong("instance-disk-mb"),
        help:
            "Give each instance's /data a file system of its own of this many MB (an ext4 image mounted while it is awake; needs root, loop devices and mkfs.ext4). Without it /data shares serve's disk."
    )
    var instanceDiskMB: Int?

    @Option(
        name: .customLong("instance-uid-base"),
        help: "The first of the million host uids instances are given (default 70000). Two platforms on one host need ranges that do not overlap.")
    var instanceUIDBase: UInt32 = 70_000

    @Flag(
        name: .customLong("allow-shared-uid"),
        help:
            "When serve is not root: sandbox instances anyway, all as serve's own user (not separated from each other or from serve's files by user; development only). Without it a non-root serve refuses to start sandboxed."
    )
    var allowSharedUID = false

    @Option(
        name: .customLong("idle-timeout"), help: "Seconds before an idle instance sleeps, for every app (default: each manifest's idle_timeout_s).")
    var idleTimeout: Int?

    @Option(name: .customLong("reaper-grace"), help: "Seconds after which an install or uninstall a crash left half-way is finished by the reaper.")
    var reaperGrace: Int = 300

    @Option(name: .customLong("retention-days"), help: "Days an uninstalled install's data is kept.")
    var retentionDays: Double = 7

    @Option(name: .customLong("event-retries"), help: "Delivery attempts of an event before it (and an install waiting for it) fails.")
    var eventRetries: Int = 6

    @Flag(
        name: .customLong("egress-allow-private"),
        help: "Let the egress proxy reach allowed hosts on loopback and private addresses (development and tests only).")
    var egressAllowPrivate = false

    @Option(
        name: .customLong("smtp-relay"),
        help:
            "Deliver the mail apps send (mail_send) to this SMTP relay, HOST:PORT: plain SMTP without TLS or AUTH, such as a Postfix on loopback. Without it mail stays queued."
    )
    var smtpRelay: String?

    @Option(name: .customLong("smtp-from"), help: "The sender (envelope and From:) of delivered mail.")
    var smtpFrom: String = "marina@localhost"

    @Option(name: .customLong("parent-pid"), help: .hidden) var parentPid: Int32?
    @Option(name: .customLong("start-timeout"), help: "Seconds an instance has to answer GET /health after it starts.")
    var startTimeout: Int = 30

    func run() async throws {
        // Files the platform creates (database, keys, logs) are private unless made otherwise.
        umask(0o077)
        let configuration = try configuration()
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: Logger.Level(rawValue: logLevel)!) }
        let logger = Logger(label: "marina")
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let server: Server
        do { server = try await Server.make(configuration, metrics: metrics, logger: logger) } catch let error as ServerError {
            Output.exit(with: .failed(error.description))
        }
        try await server.run()
    }

    /// The flags, checked, as the server's configuration.
    func configuration() throws -> ServerConfiguration {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
        guard let (host, port) = Self.parseListen(listen) else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:7070") }
        guard maxBundleMB > 0 else { throw ValidationError("--max-bundle-mb must be positive") }
        var configuration = ServerConfiguration(data: DataDirectory(url: URL(fileURLWithPath: data).standardizedFileURL))
        (configuration.host, configuration.port) = (host, port)
        configuration.metricsAddress = try metricsListen.map { text -> (String, Int) in
            guard let (host, port) = Self.parseListen(text) else { throw ValidationError("--metrics-listen takes HOST:PORT, e.g. 127.0.0.1:9464") }
            guard Self.isLoopback(host) else {
                throw ValidationError(
                    "--metrics-listen serves metrics without a key, so it takes a loopback address (127.0.0.1, ::1, localhost), not \(host)")
            }
            return (host, port)
        }
        guard let synchronous = SQLiteSynchronous(rawValue: sqliteSynchronous) else {
            throw ValidationError("--sqlite-synchronous takes full or normal, not \(sqliteSynchronous)")
        }
        configuration.database = database.map(StoreConfiguration.parse)
        if synchronous != .full, let database = configuration.database, database.dialect != .sqlite {
            throw ValidationError("--sqlite-synchronous applies to an SQLite database only")
        }
        configuration.sqliteSynchronous = synchronous
        guard smtpFrom.wholeMatch(of: #/[^@\s<>]+@[^@\s<>]+/#) != nil else {
            throw ValidationError("--smtp-from takes a mail address, e.g. marina@example.com")
        }
        if let smtpRelay {
            guard let client = SMTPClient(relay: smtpRelay) else { throw ValidationError("--smtp-relay takes HOST:PORT, e.g. 127.0.0.1:25") }
            configuration.options.mail = Platform.Mail(relay: client, sender: smtpFrom)
        }
        do { configuration.options.catalog = try ManifestFile.catalog(extendedBy: scopeCatalog) } catch { Output.exit(with: error) }
        if let operatorToolsFile {
            // Their signing key may be made in the data directory.
            do { try configuration.data.create() } catch { Output.exit(with: .failed("cannot create \(data): \(error.localizedDescription)")) }
            do {
                configuration.options.operatorTools = try Self.loadOperatorTools(
                    operatorToolsFile, catalog: configuration.options.catalog, data: configuration.data)
            } catch {
                Output.exit(with: .failed("\(error)"))
            }
        }
        configuration.publicURL = publicURL
        configuration.maxBundleBytes = maxBundleMB * 1024 * 1024
        configuration.options.rateLimits = RateLimiter.Limits(perInstall: (rateInstall * 2, rateInstall), perTenant: (rateTenant * 2, rateTenant))
        configuration.options.sandboxed = !unsandboxed
        configuration.options.allowSharedUser = allowSharedUID
        configuration.instanceDiskMB = instanceDiskMB
        configuration.options.uidBase = instanceUIDBase
        configuration.options.idleTimeout = idleTimeout.map { .seconds($0) }
        configuration.options.startTimeout = .seconds(max(1, startTimeout))
        configuration.options.egressAllowPrivate = egressAllowPrivate
        configuration.options.reaperGrace = TimeInterval(reaperGrace)
        configuration.options.retention = retentionDays * 86_400
        configuration.options.eventRetries = eventRetries
        configuration.parentPid = parentPid
        return configuration
    }

    /// The operator's tools and the key that signs requests to them: `MARINA_OPERATOR_KEY`
    /// (base64), else `DATA/operator-tools.key` (made on first use, mode 0600).
    static func loadOperatorTools(_ path: String, catalog: ScopeCatalog, data: DataDirectory) throws -> OperatorTools {
        guard let bytes = FileManager.default.contents(atPath: path) else { throw CLIError.failed("cannot read the operator tools file \(path)") }
        let tools: [OperatorTool]
        switch OperatorToolsFile.load(Array(bytes), fileName: path, catalog: catalog, reserved: PlatformTools.builtIn) {
        case .success(let t): tools = t
        case .failure(let error):
            throw CLIError.failed(
                "\(path): " + error.problems.map { "\($0.path.isEmpty ? "/" : $0.path): \($0.message) [\($0.code.rawValue)]" }.joined(separator: "; ")
            )
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
