import ArgumentParser
import Foundation
import MarinaCore

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Set, list and unset an app's secrets (values are write-only).",
        subcommands: [Set.self, List.self, Unset.self], defaultSubcommand: List.self)

    /// `/api/v1/apps/A/secrets` (defaults) or `/api/v1/tenants/T/apps/A/secrets` (overrides).
    static func path(app: String, tenant: String?) -> String {
        (tenant.map { "/api/v1/tenants/\(Percent.encode($0))" } ?? "/api/v1") + "/apps/\(Percent.encode(app))/secrets"
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a developer default (--app) or a tenant override (--app and --tenant).",
            discussion: "KEY=- reads the value from standard input (a trailing newline is dropped), so it stays out of shell history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "KEY=VALUE, or KEY=- to read the value from standard input.") var assignment: String
        @Option(help: "The app.") var app: String
        @Option(help: "Set the override of this tenant instead of the default.") var tenant: String?
        @Option(help: "What the secret is for (at most 200 characters).") var description: String?

        func run() async throws {
            do throws(CLIError) {
                guard let eq = assignment.firstIndex(of: "=") else { throw .usage("write KEY=VALUE or KEY=-") }
                let key = String(assignment[..<eq])
                var value = String(assignment[assignment.index(after: eq)...])
                if value == "-" {
                    let data = FileHandle.standardInput.readDataToEndOfFile()
                    guard let text = String(data: data, encoding: .utf8) else { throw .usage("the value on standard input is not UTF-8") }
                    value = text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
                }
                var body = JSONObject([("value", .string(value))])
                if let description { body["description"] = .string(description) }
                let reply = try await global.client().send(
                    .PUT, SecretsCommand.path(app: app, tenant: tenant) + "/" + Percent.encode(key), json: .object(body))
                if global.json { return printJSON(reply) }
                Output.line("set \(reply["key"]?.text ?? key) (\(reply["level"]?.text ?? ""), version \(reply["version"]?.text ?? ""))")
            } catch { Output.exit(with: error) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys, levels, descriptions and update times — never values.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The app.") var app: String
        @Option(help: "Also show this tenant's overrides.") var tenant: String?

        func run() async throws {
            do throws(CLIError) {
                let reply = try await global.client().send(.GET, SecretsCommand.path(app: app, tenant: tenant))
                if global.json { return printJSON(reply) }
                let rows = (reply.arrayValue ?? []).map {
                    [
                        $0["key"]?.text ?? "", $0["level"]?.text ?? "", $0["tenant"]?.text ?? "-", $0["description"]?.text ?? "",
                        $0["updated_at"]?.text ?? "",
                    ]
                }
                if rows.isEmpty { Output.line("no secrets") }
                Table.print(["KEY", "LEVEL", "TENANT", "DESCRIPTION", "UPDATED"], rows)
            } catch { Output.exit(with: error) }
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a default (--app) or a tenant's override (--app and --tenant).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The key.") var key: String
        @Option(help: "The app.") var app: String
        @Option(help: "Remove this tenant's override instead of the default.") var tenant: String?

        func run() async throws {
            do throws(CLIError) {
                _ = try await global.client().send(.DELETE, SecretsCommand.path(app: app, tenant: tenant) + "/" + Percent.encode(key))
                if global.json { return printJSON(["unset": .string(key)]) }
                Output.line("unset \(key)")
            } catch { Output.exit(with: error) }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read, export and verify the audit log.",
        subcommands: [Show.self, Verify.self, Export.self], defaultSubcommand: Show.self)

    struct Filters: ParsableArguments {
        @Option(help: "Only this tenant (the whole log needs the platform admin).") var tenant: String?
        @Option(help: "Only this app.") var app: String?
        @Option(help: "tool_call, event_delivery, app_call, secret_read, egress, egress_end or admin.") var kind: String?
        @Option(help: "Only this tool, event, setting or action name.") var name: String?
        @Option(help: "ok or an error code.") var status: String?
        @Option(help: "allow or deny:<reason>.") var decision: String?
        @Option(help: "From this time (ISO 8601).") var since: String?
        @Option(help: "Before this time (ISO 8601).") var until: String?

        func path(_ suffix: String = "") -> String {
            (tenant.map { "/api/v1/tenants/\(Percent.encode($0))/audit" } ?? "/api/v1/audit") + suffix
        }

        var query: [(String, String)] {
            [("app", app), ("kind", kind), ("name", name), ("status", status), ("decision", decision), ("since", since), ("until", until)]
                .compactMap { k, v in v.map { (k, $0) } }
        }
    }

    static func queryString(_ pairs: [(String, String)]) -> String {
        pairs.isEmpty ? "" : "?" + pairs.map { "\($0.0)=\(Percent.encode($0.1))" }.joined(separator: "&")
    }

    static func line(_ r: JSONValue) -> String {
        let who = [r["tenant"]?.text, r["app"]?.text, r["version"]?.text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
        return
            "\(r["seq"]?.text ?? "") \(r["at"]?.text ?? "") \(r["kind"]?.text ?? "") \(r["name"]?.text ?? "") \(r["decision"]?.text ?? "") \(r["status"]?.text ?? "") \(r["duration_ms"]?.text ?? "")ms \(who.isEmpty ? "-" : who) by \(r["actor"]?.text ?? "")"
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show the newest records, printed oldest first as tail does (--follow keeps printing new ones).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filters: Filters
        @Option(help: "How many records (1–1000).") var limit = 50
        @Flag(help: "Keep printing new records as they are written.") var follow = false

        func run() async throws {
            do throws(CLIError) {
                let client = try global.client()
                let page = try await client.send(.GET, filters.path() + AuditCommand.queryString(filters.query + [("limit", String(limit))]))
                let records = (page["records"]?.arrayValue ?? []).reversed()
                for r in records { Output.line(global.json ? CanonicalJSON.string(r) : AuditCommand.line(r)) }
                guard follow else { return }
                var after = records.last?["seq"]?.text ?? "0"
                while true {
                    let next = try await client.send(
                        .GET, filters.path() + AuditCommand.queryString(filters.query + [("after", after), ("order", "asc"), ("limit", "1000")]))
                    for r in next["records"]?.arrayValue ?? [] {
                        Output.line(global.json ? CanonicalJSON.string(r) : AuditCommand.line(r))
                        after = r["seq"]?.text ?? after
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            } catch { Output.exit(with: error) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the hash chain and name the first broken record (platform admin).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do throws(CLIError) {
                let reply = try await global.client().send(.GET, "/api/v1/audit/verify")
                if global.json {
                    printJSON(reply)
                } else if reply["ok"] == .bool(true) {
                    Output.line("the audit chain is intact: \(reply["records"]?.text ?? "0") records, head \(reply["head_hash"]?.text ?? "-")")
                } else {
                    Output.line("the audit chain is BROKEN at record \(reply["broken_at"]?.text ?? "?"): \(reply["reason"]?.text ?? "")")
                }
                if reply["ok"] != .bool(true) { throw .failed("audit verification failed") }
            } catch { Output.exit(with: error) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write matching records as NDJSON, oldest first, to standard output.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filters: Filters

        func run() async throws {
            do throws(CLIError) {
                try await global.client().stream(filters.path("/export") + AuditCommand.queryString(filters.query)) { Output.line($0) }
            } catch { Output.exit(with: error) }
        }
    }
}

extension KeysCommand {
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate a key (platform admin): the token signing key by default, the master key, or a tenant's data key.",
            discussion:
                "Signing: tokens under the old key stay valid until they expire. --master re-wraps every data key and signing key. --tenant T re-encrypts that tenant's secrets under a new data key while reads go on."
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Rotate the master key.") var master = false
        @Option(help: "Rotate this tenant's data key.") var tenant: String?

        func run() async throws {
            do throws(CLIError) {
                guard !(master && tenant != nil) else { throw .usage("give --master or --tenant, not both") }
                var body = JSONObject([("target", .string(master ? "master" : tenant != nil ? "tenant" : "signing"))])
                if let tenant { body["tenant"] = .string(tenant) }
                if !global.json { Output.error("rotating…") }
                let reply = try await global.client().send(.POST, "/api/v1/keys/rotate", json: .object(body))
                if global.json { return printJSON(reply) }
                Output.line(
                    "rotated the \(reply["target"]?.text ?? "") key: \(reply["key"]?.text ?? "") (\(reply["reencrypted"]?.text ?? "0") re-encrypted)")
            } catch { Output.exit(with: error) }
        }
    }
}
