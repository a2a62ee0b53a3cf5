import ArgumentParser
import Foundation
import MarinaCore
import NIOHTTP1

struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install an app in a tenant (tenant admin): its current version, or --version.",
        discussion: "Waits until the app has taken its install event (or the install failed), showing progress."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Option(help: "The tenant.") var tenant: String
    @Option(help: "A version (default: the app's current channel).") var version: String?
    @Option(name: .customLong("grant"), parsing: .upToNextOption, help: "Scopes to grant (each must be declared by the app).") var grant: [String] =
        []
    @Flag(name: .customLong("grant-all"), help: "Grant every scope the app declares.") var grantAll = false
    @Option(help: "auto (follow the current channel), manual (move on `marina upgrade`) or pinned.") var policy: String = "auto"
    @Option(name: .customLong("setting"), help: "KEY=VALUE, repeatable.") var settings: [String] = []

    func run() async throws {
        do throws(CLIError) {
            guard ["auto", "manual", "pinned"].contains(policy) else { throw .usage("--policy takes auto, manual or pinned") }
            var values = JSONObject()
            for setting in settings {
                guard let eq = setting.firstIndex(of: "=") else { throw .usage("--setting takes KEY=VALUE") }
                values[String(setting[..<eq])] = .string(String(setting[setting.index(after: eq)...]))
            }
            var body = JSONObject([
                ("policy", .string(policy)), ("grant", .array(grant.map(JSONValue.string))), ("grant_all", .bool(grantAll)),
                ("settings", .object(values)),
            ])
            if let version { body["version"] = .string(version) }
            let client = try global.client()
            var reply = try await client.send(.PUT, "/api/v1/tenants/\(tenant)/installs/\(app)", json: .object(body))
            let progress = ProgressLine(enabled: !global.json)
            var waited = 0
            while reply["state"] == "installing" && waited < 600 {
                progress.show("installing \(app) (waiting for its install event)", waited, 0)
                try? await Task.sleep(for: .milliseconds(250))
                waited += 1
                reply = try await client.send(.GET, "/api/v1/tenants/\(tenant)/installs/\(app)")
            }
            progress.finish("")
            if global.json {
                printJSON(reply)
            } else {
                Output.line(
                    "\(app) \(reply["version"]?.text ?? "") in \(tenant): \(reply["state"]?.text ?? "") (policy \(reply["policy"]?.text ?? ""), granted: \((reply["granted_scopes"]?.arrayValue ?? []).map(\.text).joined(separator: ", ")))"
                )
            }
            if reply["state"] == "failed" { throw .failed("the install failed: \(reply["failure"]?.text ?? "")") }
        } catch { Output.exit(with: error) }
    }
}

struct UninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Uninstall an app from a tenant: delivers its uninstall event, stops its instance; its data is removed after the retention period.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Option(help: "The tenant.") var tenant: String

    func run() async throws {
        do throws(CLIError) {
            let reply = try await global.client().send(.DELETE, "/api/v1/tenants/\(tenant)/installs/\(app)")
            if global.json { return printJSON(reply) }
            Output.line("uninstalled \(app) from \(tenant)")
        } catch { Output.exit(with: error) }
    }
}

struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade", abstract: "Move an install to the app's current version (or --version); grant new scopes with --grant.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Option(help: "The tenant.") var tenant: String
    @Option(help: "A version (default: the current channel).") var version: String?
    @Option(name: .customLong("grant"), parsing: .upToNextOption, help: "Scopes to grant in addition.") var grant: [String] = []
    @Flag(name: .customLong("grant-all"), help: "Grant every scope the new version declares.") var grantAll = false

    func run() async throws {
        do throws(CLIError) {
            var body = JSONObject([("grant", .array(grant.map(JSONValue.string))), ("grant_all", .bool(grantAll))])
            if let version { body["version"] = .string(version) }
            let reply = try await global.client().send(.POST, "/api/v1/tenants/\(tenant)/installs/\(app)/upgrade", json: .object(body))
            if global.json { return printJSON(reply) }
            Output.line("\(app) in \(tenant) is now \(reply["version"]?.text ?? "")")
        } catch { Output.exit(with: error) }
    }
}

struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invoke", abstract: "Call a tool of an installed app; prints its JSON result.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Argument(help: "The tool.") var tool: String
    @Option(help: "The tenant.") var tenant: String
    @Option(help: "The arguments, a JSON object.") var args: String = "{}"

    func run() async throws {
        do throws(CLIError) {
            guard let parsed = try? JSONParser.parse(Array(args.utf8)) else { throw .usage("--args is not JSON") }
            let reply = try await global.client().send(.POST, "/api/v1/tenants/\(tenant)/apps/\(app)/tools/\(tool)", json: parsed)
            Output.line(global.json ? CanonicalJSON.string(reply) : reply.prettyPrinted())
        } catch { Output.exit(with: error) }
    }
}

struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event",
        abstract:
            "Send an event (inbound, user_added, schedule.NAME, webhook.NAME) to an installed app; install and uninstall are sent by the platform only."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Argument(help: "The event type.") var type: String
    @Option(help: "The tenant.") var tenant: String
    @Option(help: "The payload, JSON.") var payload: String = "{}"

    func run() async throws {
        do throws(CLIError) {
            guard let parsed = try? JSONParser.parse(Array(payload.utf8)) else { throw .usage("--payload is not JSON") }
            let reply = try await global.client().send(.POST, "/api/v1/tenants/\(tenant)/apps/\(app)/events/\(type)", json: parsed)
            if global.json { return printJSON(reply) }
            Output.line("event \(reply["id"]?.text ?? "") \(reply["state"]?.text ?? "")\(reply["last_error"]?.stringValue.map { ": " + $0 } ?? "")")
        } catch { Output.exit(with: error) }
    }
}

struct InstancesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances", abstract: "List instances with state, pid, uptime, memory and the limits in force.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        do throws(CLIError) {
            let reply = try await global.client().send(.GET, "/api/v1/instances")
            if global.json { return printJSON(reply) }
            let rows = (reply.arrayValue ?? []).map(Self.row)
            if rows.isEmpty { Output.line("no instances") }
            Table.print(["TENANT", "APP", "VERSION", "STATE", "PID", "UPTIME", "MEMORY", "LIMITS"], rows)
        } catch { Output.exit(with: error) }
    }

    static func row(_ i: JSONValue) -> [String] {
        let limits = i["limits"]
        let limitText =
            limits.map { l in
                "\(l["memory_mb"]?.text ?? "?") MB, \(l["cpu_cores"]?.text ?? "-") cpu, \(l["max_processes"]?.text ?? "?") procs (\(l["mechanism"]?.text ?? ""))"
            } ?? "-"
        let uptime = i["uptime_s"]?.numberValue.map { String(format: "%.0fs", $0) } ?? "-"
        let memory = i["memory_bytes"]?.numberValue.map { ProgressLine.size(Int($0)) } ?? "-"
        return [
            i["tenant"]?.text ?? "", i["app"]?.text ?? "", i["version"]?.text ?? "", i["state"]?.text ?? "", i["pid"]?.text ?? "-", uptime, memory,
            limitText,
        ]
    }
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show the rolling log of a tenant's instance of an app.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Option(help: "The tenant.") var tenant: String
    @Flag(help: "Keep printing new lines.") var follow = false

    func run() async throws {
        do throws(CLIError) {
            let client = try global.client()
            try await client.stream("/api/v1/tenants/\(tenant)/apps/\(app)/logs" + (follow ? "?follow=1" : "")) { line in
                if global.json { Output.line(line); return }
                guard let value = try? JSONParser.parse(Array(line.utf8)) else { return }
                Output.line("\(value["time"]?.text ?? "") \(value["stream"]?.text ?? "") \(value["text"]?.text ?? "")")
            }
        } catch { Output.exit(with: error) }
    }
}
