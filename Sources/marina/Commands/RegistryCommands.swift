import ArgumentParser
import Foundation
import MarinaBundle
import MarinaCore

extension JSONValue {
    var text: String {
        switch self {
        case .string(let s): return s
        case .null: return "-"
        case .number(let n): return CanonicalJSON.formatNumber(n)
        case .bool(let b): return b ? "yes" : "no"
        default: return CanonicalJSON.string(self)
        }
    }
}

func printJSON(_ value: JSONValue) { Output.line(value.prettyPrinted()) }

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Validate, pack and upload the app in DIR as a new immutable version."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The app directory.")
    var directory: String = "."

    @Option(
        name: .customLong("scopes"),
        help: "The operator's scope catalog file the platform runs with (serve --scopes), for manifests that ask for its scopes.")
    var scopeCatalog: String?

    func run() async throws {
        do throws(CLIError) {
            let source = try Publisher.load(directory, catalog: try ManifestFile.catalog(extendedBy: scopeCatalog))
            let app = source.manifest.app.id
            let reply = try await Publisher.publish(source, client: try global.client(), progress: ProgressLine(enabled: !global.json))
            if global.json { return printJSON(reply) }
            Output.line("published \(reply["app"]?.text ?? app) \(reply["version"]?.text ?? "")")
            Output.line("  manifest \(reply["manifest_hash"]?.text ?? "")")
            Output.line("  bundle   \(reply["bundle_hash"]?.text ?? "") (\(ProgressLine.size(Int(reply["bundle_size"]?.numberValue ?? 0))))")
        } catch { Output.exit(with: error) }
    }
}

/// A progress line on standard error that rewrites itself.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private var last = ""
    init(enabled: Bool) { self.enabled = enabled && isatty(2) != 0 || enabled && ProcessInfo.processInfo.environment["MARINA_PROGRESS"] == "1" }

    func show(_ what: String, _ done: Int, _ total: Int) {
        guard enabled else { return }
        let percent = total > 0 ? done * 100 / total : 100
        let line = "\(what) \(Self.size(done)) / \(Self.size(total)) (\(percent)%)"
        guard line != last else { return }
        last = line
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func finish(_ message: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + message + "\n").utf8))
        last = ""
    }

    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return String(format: "%.1f KB", Double(bytes) / 1024) }
        return String(format: "%.1f MB", Double(bytes) / 1024 / 1024)
    }
}

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Point a channel at a version; deploying an older version rolls back."
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "The app.") var app: String
    @Option(help: "The version to deploy.") var version: String
    @Option(help: "current (default) or staging.") var channel: String = "current"

    func run() async throws {
        do throws(CLIError) {
            let reply = try await global.client().send(.PUT, "/api/v1/apps/\(app)/channels/\(channel)", json: ["version": .string(version)])
            if global.json { return printJSON(reply) }
            let previous = reply["previous"]?.stringValue
            if reply["changed"] == false {
                Output.line("\(app) \(channel) is already \(version)")
            } else {
                Output.line("\(app) \(channel): \(previous ?? "(none)") → \(reply["version"]?.text ?? version)")
            }
        } catch { Output.exit(with: error) }
    }
}

struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apps", abstract: "List the apps you can see.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        do throws(CLIError) {
            let reply = try await global.client().send(.GET, "/api/v1/apps")
            if global.json { return printJSON(reply) }
            let rows = (reply.arrayValue ?? []).map(Self.row)
            if rows.isEmpty { Output.line("no apps") }
            Table.print(["APP", "OWNER", "CURRENT", "STAGING", "LATEST"], rows)
        } catch { Output.exit(with: error) }
    }

    static func row(_ app: JSONValue) -> [String] {
        let channels = app["channels"]
        return [
            app["slug"]?.text ?? "", app["owner"]?.text ?? "", channels?["current"]?.text ?? "-", channels?["staging"]?.text ?? "-",
            app["latest_version"]?.text ?? "-",
        ]
    }
}

struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List versions, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this app's versions.") var app: String?

    func run() async throws {
        do throws(CLIError) {
            let query = app.map { "?app=" + Percent.encode($0) } ?? ""
            let reply = try await global.client().send(.GET, "/api/v1/versions" + query)
            if global.json { return printJSON(reply) }
            let rows = (reply.arrayValue ?? []).map(Self.row)
            if rows.isEmpty { Output.line("no versions") }
            Table.print(["APP", "VERSION", "CHANNELS", "PUBLISHED", "BY", "BUNDLE"], rows)
        } catch { Output.exit(with: error) }
    }

    static func row(_ v: JSONValue) -> [String] {
        let channels = (v["channels"]?.arrayValue ?? []).map(\.text).joined(separator: ",")
        let bundle = String((v["bundle_hash"]?.text ?? "").prefix(19))
        return [v["app"]?.text ?? "", v["version"]?.text ?? "", channels, v["published_at"]?.text ?? "", v["publisher"]?.text ?? "", bundle]
    }
}
