import ArgumentParser
import Foundation
import MarinaCore

struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Create and list tenants.", subcommands: [Create.self, List.self], defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant (platform admin).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The tenant's slug.") var slug: String
        @Option(help: "Display name.") var name: String?
        @Flag(help: "May install versions from the staging channel.") var staging = false

        func run() async throws {
            do throws(CLIError) {
                var body: JSONObject = JSONObject([("slug", .string(slug)), ("staging", .bool(staging))])
                if let name { body["name"] = .string(name) }
                let reply = try await global.client().send(.POST, "/api/v1/tenants", json: .object(body))
                if global.json { return printJSON(reply) }
                Output.line("created tenant \(reply["slug"]?.text ?? slug) (\(reply["id"]?.text ?? ""))")
            } catch { Output.exit(with: error) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenants you can see.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do throws(CLIError) {
                let reply = try await global.client().send(.GET, "/api/v1/tenants")
                if global.json { return printJSON(reply) }
                let rows = (reply.arrayValue ?? []).map {
                    [$0["slug"]?.text ?? "", $0["name"]?.text ?? "", $0["staging"]?.text ?? "", $0["created_at"]?.text ?? ""]
                }
                if rows.isEmpty { Output.line("no tenants") }
                Table.print(["TENANT", "NAME", "STAGING", "CREATED"], rows)
            } catch { Output.exit(with: error) }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self, Rotate.self],
        defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key, shown once.",
            discussion:
                "Without --role the key is for yourself; with --role a new identity with that role is created (admin, developer, tenant_admin or tenant_member; tenant roles need --tenant)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "A name for the key (and the new identity).") var name: String?
        @Option(help: "admin, developer, tenant_admin or tenant_member.") var role: String?
        @Option(help: "The tenant of a tenant_admin or tenant_member.") var tenant: String?

        func run() async throws {
            do throws(CLIError) {
                var body = JSONObject()
                if let name { body["name"] = .string(name) }
                if let role {
                    let normalized = role.replacingOccurrences(of: "-", with: "_")
                    guard ["admin", "developer", "tenant_admin", "tenant_member"].contains(normalized) else {
                        throw .usage("--role takes admin, developer, tenant_admin or tenant_member")
                    }
                    body["role"] = .string(normalized)
                }
                if let tenant { body["tenant"] = .string(tenant) }
                let reply = try await global.client().send(.POST, "/api/v1/keys", json: .object(body))
                if global.json { return printJSON(reply) }
                let details = reply["details"]
                Output.line(reply["key"]?.text ?? "")
                Output.error(
                    "key \(details?["id"]?.text ?? "") for \(details?["identity"]?["role"]?.text ?? "") \(details?["identity"]?["name"]?.text ?? ""); it is shown only this once"
                )
            } catch { Output.exit(with: error) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys you can see (never their secrets).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do throws(CLIError) {
                let reply = try await global.client().send(.GET, "/api/v1/keys")
                if global.json { return printJSON(reply) }
                let rows = (reply.arrayValue ?? []).map(Self.row)
                Table.print(["ID", "KEY", "NAME", "ROLE", "TENANT", "LAST USED", "STATE"], rows)
            } catch { Output.exit(with: error) }
        }

        static func row(_ k: JSONValue) -> [String] {
            let identity = k["identity"]
            let revoked = k["revoked_at"].map { $0 != .null } ?? false
            let id = k["id"]?.text ?? "", hint = k["hint"]?.text ?? "", name = k["name"]?.text ?? ""
            let role = identity?["role"]?.text ?? "", tenant = identity?["tenant"]?.text ?? "-", used = k["last_used_at"]?.text ?? "-"
            return [id, hint, name, role, tenant, used, revoked ? "revoked" : "active"]
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The key's id (from `marina keys list`).") var id: String

        func run() async throws {
            do throws(CLIError) {
                let reply = try await global.client().send(.DELETE, "/api/v1/keys/\(id)")
                if global.json { return printJSON(reply) }
                Output.line("revoked \(reply["id"]?.text ?? id)")
            } catch { Output.exit(with: error) }
        }
    }
}

struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the identity behind your API key.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        do throws(CLIError) {
            let reply = try await global.client().send(.GET, "/api/v1/whoami")
            if global.json { return printJSON(reply) }
            Output.line("\(reply["name"]?.text ?? "") (\(reply["role"]?.text ?? "")\(reply["tenant"]?.stringValue.map { ", tenant " + $0 } ?? ""))")
        } catch { Output.exit(with: error) }
    }
}
