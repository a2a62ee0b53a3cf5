import ArgumentParser
import Foundation
import MarinaCore
import MarinaRuntime

/// `marina dev`: runs the app in a directory against a platform of its own (`marina serve` with
/// data in DIR/.marina, on a free loopback port): builds it (`./build` when there is one),
/// publishes it under a development version, installs it in the tenant `dev` with every declared
/// scope granted, streams its log, prints the command to call each tool, and does it all again
/// when a file changes. The CLI run in DIR finds that platform by itself (DIR/.marina/serve.json).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run the app in this directory against a local platform; rebuild and redeploy on every change.")

    @Argument(help: "The app directory.") var directory: String = "."
    @Option(help: "The tenant the app is installed in.") var tenant: String = "dev"
    @Option(help: "Where the platform listens, HOST:PORT (port 0 picks a free port).") var listen: String = "127.0.0.1:0"
    @Option(name: .customLong("poll"), help: "Seconds between looks for changed files.") var pollSeconds: Double = 1
    @Flag(name: .customLong("no-build"), help: "Do not run ./build before publishing.") var noBuild = false
    @Flag(help: "Deploy once, print the commands and exit, leaving nothing running.") var once = false
    @Option(name: .customLong("scopes"), help: "An operator's scope catalog file that extends the default catalog (given to the platform too).")
    var scopeCatalog: String?

    func run() async throws {
        do throws(CLIError) {
            let app = URL(fileURLWithPath: directory).standardizedFileURL
            _ = try ManifestFile.locate(app.path)
            let catalog = try ManifestFile.catalog(extendedBy: scopeCatalog)
            let scopesFile = scopeCatalog.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let session = try await DevSession.start(app: app, tenant: tenant, listen: listen, build: !noBuild, catalog: (catalog, scopesFile))
            let stop = StopSignal()
            var fingerprint = DevSession.fingerprint(app)
            var ok = await session.deploy()
            fingerprint = DevSession.fingerprint(app)
            if once {
                await session.close()
                if !ok { throw .failed("the app was not deployed") }
                return
            }
            Output.line(
                ok ? "watching \(app.path) for changes (Ctrl-C stops)" : "fix the problem above; watching \(app.path) for changes (Ctrl-C stops)")
            while !stop.requested {
                try? await Task.sleep(for: .milliseconds(Int(pollSeconds * 1000)))
                if let code = session.platform.poll() {
                    await session.close()
                    throw .failed("the platform stopped (exit \(code)); its log: \(session.platformLog.path)")
                }
                let now = DevSession.fingerprint(app)
                guard now != fingerprint else { continue }
                // Let a burst of saves settle before rebuilding.
                try? await Task.sleep(for: .milliseconds(300))
                Output.line("change detected: redeploying")
                ok = await session.deploy()
                fingerprint = DevSession.fingerprint(app)
            }
            Output.line("stopping")
            await session.close()
            _ = ok
        } catch { Output.exit(with: error) }
    }
}

/// SIGINT, SIGTERM or SIGHUP (the terminal closed) requested a stop.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig)
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            sources.append(source)
        }
    }

    private func set() { lock.withLock { flag = true } }
    var requested: Bool { lock.withLock { flag } }
}
