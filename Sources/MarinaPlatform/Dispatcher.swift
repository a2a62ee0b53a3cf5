import Foundation
import Logging
import MarinaCore
import MarinaRuntime
import MarinaStore
import NIOHTTP1

/// Routes tool calls and events to the right instance: resolves the install (tenant isolation
/// first), checks the arguments against the tool's input schema before the app is touched, wakes
/// the instance, calls it with a short-lived invocation token, and checks what comes back.
public struct Dispatcher: Sendable {
    let store: Store
    let tenantService: TenantService
    let provisioner: InstanceProvisioner
    let supervisor: Supervisor
    let client: InstanceClient
    let audit: AuditLog
    let secrets: SecretsService?
    let env: PlatformEnvironment
    let logger: Logger
    /// Largest result accepted from an app.
    public let maxOutputBytes: Int
    /// Installs and their versions, read and cached in one place.
    let directory: InstallDirectory

    public init(
        store: Store, tenants: TenantService, directory: InstallDirectory, provisioner: InstanceProvisioner, supervisor: Supervisor, audit: AuditLog,
        secrets: SecretsService? = nil, client: InstanceClient = InstanceClient(),
        env: PlatformEnvironment = .live, maxOutputBytes: Int = 1 << 20, logger: Logger = Logger(label: "marina.dispatch")
    ) {
        self.audit = audit
        self.secrets = secrets
        self.directory = directory
        self.store = store
        self.tenantService = tenants
        self.provisioner = provisioner
        self.supervisor = supervisor
        self.client = client
        self.env = env
        self.maxOutputBytes = maxOutputBytes
        self.logger = logger
    }

    struct Target {
        var tenant: TenantRecord
        var app: AppRecord
        var install: InstallRecord
        var version: VersionRecord
        var manifest: Manifest
    }

    /// The caller's active install of the app in the tenant (404 for anything the caller may not see).
    func target(_ principal: Principal, tenant tenantSlug: String, app appSlug: String) async throws -> Target {
        if let cached = directory.cached(tenant: tenantSlug, app: appSlug) {
            // The same isolation rule as `TenantService.resolve`, without the database.
            guard principal.canSee(tenantId: cached.tenant.id), principal.isAdmin || principal.role.isTenantRole else {
                throw PlatformError.notFound("tenant \(tenantSlug)")
            }
            return try target(cached)
        }
        let tenant = try await tenantService.resolve(principal, slug: tenantSlug)
        guard principal.isAdmin || principal.role.isTenantRole else { throw PlatformError.notFound("tenant \(tenantSlug)") }
        return try await target(tenant: tenant, appSlug: appSlug)
    }

    func target(tenant: TenantRecord, appSlug: String) async throws -> Target {
        guard let found = try await directory.install(of: appSlug, in: tenant) else {
            throw PlatformError(.notFound, .notInstalled, "\(appSlug) is not installed in \(tenant.slug)")
        }
        return try target(found)
    }

    /// An install that calls may reach: active (else why not).
    func target(_ found: InstallDirectory.Entry) throws -> Target {
        let appSlug = found.app.slug
        switch found.install.state {
        case .active: break
        case .installing: throw PlatformError(.conflict, .installPending, "\(appSlug) is still being installed")
        case .failed:
            throw PlatformError(.conflict, .installFailed, "the install of \(appSlug) failed: \(found.install.failure ?? "unknown reason")")
        default: throw PlatformError(.conflict, .notInstalled, "\(appSlug) is being uninstalled")
        }
        return Target(
            tenant: found.tenant, app: found.app, install: found.install, version: found.version,
            manifest: try directory.compiled(found.version).manifest)
    }

    /// An install at a given version (an event queued for it), whatever its state.
    func target(install: InstallRecord, versionId: String) async throws -> Target {
        guard let found = try await directory.entry(of: install, version: versionId) else { throw PlatformError.notFound("install") }
        return Target(
            tenant: found.tenant, app: found.app, install: install, version: found.version,
            manifest: try directory.compiled(found.version).manifest)
    }

    /// A ready instance, held for one call (end the lease when the call is over), and its spec.
    func instance(_ t: Target) async throws -> (InstanceLease, InstanceSpec) {
        let spec = try await provisioner.spec(tenant: t.tenant, app: t.app, version: t.version, manifest: t.manifest, install: t.install)
        let provisioner = self.provisioner
        let install = t.install, manifest = t.manifest, secrets = self.secrets, tenant = t.tenant, app = t.app, version = t.version
        do {
            let lease = try await supervisor.use(spec) {
                var extra = try await provisioner.startEnvironment(spec: spec, install: install, manifest: manifest)
                // `${secret:KEY}` references, resolved now (tenant override, then default).
                for (name, value) in manifest.runtime.env {
                    var resolved = value
                    for key in SecretReference.keys(inNative: value) {
                        let found =
                            try await secrets?.resolve(
                                tenant: tenant, app: app, version: version.version, key: key, actor: "platform", requestId: nil) ?? .missing
                        guard case .found(let secret) = found else {
                            throw PlatformError(
                                .unprocessable, .secretMissing,
                                "\(name) refers to the secret \(key), which is set neither for \(tenant.slug) nor as the app's default")
                        }
                        resolved = resolved.replacingOccurrences(of: "${secret:\(key)}", with: secret)
                    }
                    if resolved != value { extra[name] = resolved }
                }
                return extra
            }
            return (lease, spec)
        } catch let error as RuntimeError {
            throw PlatformError(.unavailable, ErrorCode(family: error.code), error.message)
        }
    }

    public struct ToolResult: Sendable {
        public var result: JSONValue
        public var requestId: String
    }

    /// Calls a tool of the caller's install and audits the call, whatever its outcome; a call whose
    /// record cannot be written is refused.
    public func invokeTool(
        _ principal: Principal, tenant: String, app: String, tool name: String, arguments: [UInt8], requestId given: String? = nil
    ) async throws -> ToolResult {
        let started = env.now()
        let requestId = given ?? env.id("req")
        var resolved: Target?
        // Parsed once, for the app and for the audit record's summary.
        let parsed = Result { () throws(DocumentError) -> JSONValue in try JSONParser.parse(arguments.isEmpty ? Array("{}".utf8) : arguments) }
        func entry(_ status: String, decision: String) -> AuditEntry {
            AuditEntry(
                at: Int64(started.timeIntervalSince1970 * 1000), actor: principal.identityId, tenant: resolved?.tenant.slug,
                app: resolved?.app.slug ?? app,
                version: resolved?.version.version, kind: .toolCall, name: name, decision: decision, status: status,
                durationMs: Int64(env.now().timeIntervalSince(started) * 1000), requestId: requestId,
                input: arguments.isEmpty ? nil : try? parsed.get())
        }
        let outcome: Result<ToolResult, any Error>
        do {
            let t = try await target(principal, tenant: tenant, app: app)
            resolved = t
            outcome = .success(try await callTool(t, name: name, arguments: parsed, requestId: requestId))
        } catch {
            outcome = .failure(error)
        }
        // The record comes after the outcome, so that a refusal to write it is never mistaken for
        // the call's own failure.
        switch outcome {
        case .success(let result):
            try await audit.record(entry("ok", decision: "allow"))
            return result
        case .failure(let error as PlatformError):
            let decision =
                [ErrorCode.invalidArgs, .unknownTool, .notFound, .notInstalled].contains(error.code) ? "deny:" + error.code.rawValue : "allow"
            try await audit.record(entry(error.code.rawValue, decision: decision))
            throw error
        case .failure(let error):
            try await audit.record(entry("platform_error", decision: "allow"))
            throw error
        }
    }

    /// `arguments`: the request body parsed (an empty body is `{}`).
    func callTool(_ t: Target, name: String, arguments: Result<JSONValue, DocumentError>, requestId: String) async throws -> ToolResult {
        let app = t.app.slug
        guard let tool = t.manifest.tool(named: name) else {
            throw PlatformError(.notFound, .unknownTool, "\(app) \(t.version.version) has no tool \(name)")
        }
        let args: JSONValue
        switch arguments {
        case .success(let value): args = value
        case .failure(let error): throw PlatformError(.invalid, .invalidArgs, "the arguments are not JSON: \(error.message)")
        }
        let compiled = try directory.compiled(t.version)
        guard let inputValidator = compiled.inputs[name] else {
            throw PlatformError(.internalError, .invalidSchema, "the input schema of \(name) cannot be used")
        }
        let violations = inputValidator.validate(args)
        guard violations.isEmpty else {
            throw PlatformError(
                .invalid, .invalidArgs,
                "the arguments do not match \(name)'s input schema: "
                    + violations.prefix(3).map { "\($0.path.isEmpty ? "/" : $0.path): \($0.message)" }.joined(separator: "; "),
                details: .array(violations.map { ["path": .string($0.path), "keyword": .string($0.keyword), "message": .string($0.message)] }))
        }
        let (lease, spec) = try await instance(t)
        defer { lease.end() }
        let token = try provisioner.invocationToken(install: t.install, spec: spec, requestId: requestId)
        let reply: InstanceClient.Reply
        do {
            reply = try await client.send(
                socket: lease.socket, method: .POST, path: "/tool/" + name,
                headers: [("Authorization", "Bearer " + token), ("X-Marina-Request-Id", requestId)],
                body: Array(CanonicalJSON.string(args).utf8), timeout: .seconds(tool.timeoutSeconds), maxBody: maxOutputBytes)
        } catch {
            throw Self.transportError(error, tool: name, timeout: tool.timeoutSeconds, limit: maxOutputBytes)
        }
        guard (200..<300).contains(reply.status) else { throw Self.appError(reply, tool: name) }
        let result: JSONValue
        do { result = try JSONParser.parse(reply.body.isEmpty ? Array("null".utf8) : reply.body) } catch {
            throw PlatformError(.badGateway, .outputInvalid, "\(name) answered with something that is not JSON")
        }
        if tool.outputSchema != nil {
            let problems = compiled.outputs[name]?.validate(result) ?? []
            guard problems.isEmpty else {
                throw PlatformError(
                    .badGateway, .outputInvalid,
                    "\(name)'s result does not match its output schema: "
                        + problems.prefix(3).map { "\($0.path.isEmpty ? "/" : $0.path): \($0.message)" }.joined(separator: "; "))
            }
        }
        return ToolResult(result: result, requestId: requestId)
    }

    static func transportError(_ error: any Error, tool: String, timeout: Int, limit: Int) -> PlatformError {
        switch error {
        case InstanceClient.Failure.timeout:
            return PlatformError(.gatewayTimeout, .toolTimeout, "\(tool) did not answer within \(timeout) s")
        case InstanceClient.Failure.tooLarge:
            return PlatformError(.badGateway, .outputInvalid, "\(tool)'s result is larger than \(limit) bytes")
        default:
            return PlatformError(.badGateway, .appUnreachable, "the app's instance did not answer (\(String(describing: error).prefix(200)))")
        }
    }

    /// The app's error, reduced to its code and the first line of its message: no stack traces
    /// reach the tenant.
    static func appError(_ reply: InstanceClient.Reply, tool: String) -> PlatformError {
        let body = try? JSONParser.parse(reply.body)
        let code = body?["error"]?["code"]?.stringValue.flatMap { $0.wholeMatch(of: /[A-Za-z0-9_.\-]{1,64}/) != nil ? $0 : nil } ?? "app_error"
        let raw = body?["error"]?["message"]?.stringValue ?? "the app answered \(reply.status)"
        let firstLine = raw.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        // Control characters made visible: the message is shown to tenants and stored (an
        // install's failure, an event's last error) in databases whose text refuses a NUL.
        let message =
            firstLine.contains("Traceback") || firstLine.hasPrefix("    at ") ? "the app failed" : AuditText.stored(String(firstLine.prefix(300)))
        return PlatformError(
            .badGateway, .appError, "\(tool) failed: \(message)",
            details: ["app_code": .string(code), "app_message": .string(message), "app_status": .number(Double(reply.status))])
    }

    /// Delivers one event to the instance of an install; throws when the app does not take it.
    /// Audited under whoever sent it: the platform, or the identity that used the events route.
    public func deliver(_ delivery: EventDeliveryRecord, install: InstallRecord) async throws {
        let started = env.now()
        var resolved: Target?
        func entry(_ status: String) -> AuditEntry {
            AuditEntry(
                at: Int64(started.timeIntervalSince1970 * 1000), actor: delivery.sentBy ?? "platform", tenant: resolved?.tenant.slug,
                app: resolved?.app.slug,
                version: resolved?.version.version, kind: .eventDelivery, name: delivery.type, status: status,
                durationMs: Int64(env.now().timeIntervalSince(started) * 1000), requestId: delivery.id,
                input: try? JSONParser.parse(Array(delivery.payload.utf8)))
        }
        do {
            let t = try await target(install: install, versionId: delivery.versionId)
            resolved = t
            try await deliver(delivery, to: t)
        } catch {
            try await audit.record(entry((error as? PlatformError)?.code.rawValue ?? "delivery_failed"))
            throw error
        }
        try await audit.record(entry("ok"))
    }

    func deliver(_ delivery: EventDeliveryRecord, to t: Target) async throws {
        let install = t.install
        let (lease, spec) = try await instance(t)
        defer { lease.end() }
        let token = try provisioner.invocationToken(install: install, spec: spec, requestId: delivery.id)
        let payload = (try? JSONParser.parse(Array(delivery.payload.utf8))) ?? [:]
        let body: JSONValue = .object(
            JSONObject([
                ("id", .string(delivery.id)), ("type", .string(delivery.type)), ("tenant", .string(t.tenant.slug)), ("app", .string(t.app.slug)),
                ("version", .string(t.version.version)), ("payload", payload),
            ]))
        let reply: InstanceClient.Reply
        do {
            reply = try await client.send(
                socket: lease.socket, method: .POST, path: "/event/" + delivery.type,
                headers: [("Authorization", "Bearer " + token), ("X-Marina-Request-Id", delivery.id), ("X-Marina-Event-Id", delivery.id)],
                body: Array(CanonicalJSON.string(body).utf8), timeout: .seconds(25), maxBody: 64 * 1024)
        } catch {
            throw Self.transportError(error, tool: "event " + delivery.type, timeout: 25, limit: 64 * 1024)
        }
        guard (200..<300).contains(reply.status) else { throw Self.appError(reply, tool: "event " + delivery.type) }
    }
}
