import Foundation
import Logging
import MarinaCore
import MarinaRuntime
import MarinaStore
import MarinaVault
import Synchronization

/// The app → platform boundary (`/api/mcp/app-tools`, `/api/mcp/app-secrets`): verifies the app
/// token, applies the scope gate (declared by the version's manifest **and** granted by the
/// install), rate limits, runs the platform tool, and audits every call and every refusal.
public struct ToolGateway: Sendable {
    /// The app behind a verified token, as the install stands now.
    public struct Caller: Sendable {
        public var install: InstallRecord
        public var tenant: TenantRecord
        public var app: AppRecord
        public var version: VersionRecord
        public var manifest: Manifest
        /// Declared ∩ granted, as of this call (a grant change applies at once).
        public var scopes: Set<String>
        public var tokenId: String
    }

    /// A refusal in SPEC §4's shape: `{"ok": false, "error": {"decision", "message", "needed_scopes"}}`.
    public struct Refusal: Error, Sendable {
        public var decision: String
        public var message: String
        public var neededScopes: [String]
        public init(_ decision: String, _ message: String, neededScopes: [String] = []) {
            (self.decision, self.message, self.neededScopes) = (decision, message, neededScopes)
        }
        public var body: JSONValue {
            [
                "ok": false,
                "error": .object(
                    JSONObject([
                        ("decision", .string(decision)), ("message", .string(message)),
                        ("needed_scopes", .array(neededScopes.map(JSONValue.string))),
                    ])),
            ]
        }
    }

    let audit: AuditLog
    let secrets: SecretsService?
    let tools: PlatformTools
    let limiter: RateLimiter
    /// Refused tokens and calls over the rate limit, recorded without letting a caller grow the
    /// log at will (`serve` runs it as a service, which writes the counts).
    public let refusals: RefusalTally
    let env: PlatformEnvironment
    let verifier: AppTokenVerifier
    /// `apps_invoke` (nil without a dispatcher: that tool is unavailable).
    let appsInvoke: AppsInvoke?
    /// `http_fetch` (nil without the egress rules: that tool is unavailable).
    let httpFetch: HTTPFetchTool?

    public init(
        signer: TokenSigner, directory: InstallDirectory, audit: AuditLog, secrets: SecretsService?, tools: PlatformTools,
        limiter: RateLimiter = RateLimiter(),
        dispatcher: Dispatcher? = nil, egress: EgressProxy? = nil, env: PlatformEnvironment = .live, refusalWindow: Int64 = RefusalTally.defaultWindow
    ) {
        (self.audit, self.secrets, self.tools, self.limiter, self.env) = (audit, secrets, tools, limiter, env)
        self.verifier = AppTokenVerifier(signer: signer, env: env, directory: directory)
        self.appsInvoke = dispatcher.map { AppsInvoke(dispatcher: $0, env: env) }
        self.httpFetch = egress.map { HTTPFetchTool(egress: $0) }
        self.refusals = RefusalTally(audit: audit, env: env, window: refusalWindow)
    }

    // MARK: Authentication

    /// The caller of a token, or `invalid_token` (401) saying why. Every refusal is audited,
    /// counted per source and reason (`RefusalTally`): no key is needed to send one.
    public func authenticate(_ authorization: String?) async throws -> Caller {
        do {
            return try await verifier.verify(authorization)
        } catch let refusal as AppTokenVerifier.TokenRefusal {
            try await refusals.record(
                AuditEntry(
                    at: env.millis, actor: refusal.actor, tenant: refusal.tenant, app: refusal.app, kind: .appCall, name: "authenticate",
                    decision: "deny:invalid_token", status: "invalid_token", input: ["reason": .string(refusal.reason)]),
                reason: refusal.reason)
            throw PlatformError(.unauthorized, .invalidToken, "the app token is refused: \(refusal.reason)")
        }
    }

    /// Takes a token from the caller's install's and tenant's buckets; when there is none, the
    /// refusal is audited (counted per install, `RefusalTally`) and false returned. Checked before
    /// anything else of a call, so that refused calls cost their budget too.
    func withinRate(_ caller: Caller, kind: AuditKind, requestId: String) async throws -> Bool {
        guard !limiter.allow(install: caller.install.id, tenant: caller.tenant.id, now: env.now()) else { return true }
        try await refusals.record(
            AuditEntry(
                at: env.millis, actor: "app:" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug,
                version: caller.version.version, kind: kind, name: "(unparsed)", decision: "deny:rate_limited",
                status: "rate_limited", requestId: requestId))
        return false
    }

    static let rateLimited = Refusal("rate_limited", "too many calls; slow down and retry")

    /// A request whose body is over the endpoint's `limit`: refused with 413 and audited (it
    /// spends the rate budget like every call, so the records stay bounded).
    public func refuseOversizedBody(_ caller: Caller, kind: AuditKind, limit: Int, requestId: String) async throws -> Never {
        if try await withinRate(caller, kind: kind, requestId: requestId) {
            try await audit.record(
                AuditEntry(
                    at: env.millis, actor: "app:" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug,
                    version: caller.version.version, kind: kind, name: "(unparsed)", decision: "deny:too_large",
                    status: "payload_too_large", requestId: requestId, input: ["limit_bytes": .number(Double(limit))]))
        }
        throw PlatformError(.tooLarge, .payloadTooLarge, "the request body is larger than the limit of \(limit) bytes")
    }

    // MARK: Tools

    /// `GET /api/mcp/app-tools`: what this app may call, rate-limited and audited (name `(list)`)
    /// like every app call.
    public func listTools(_ caller: Caller, requestId: String) async throws -> JSONValue {
        guard try await withinRate(caller, kind: .appCall, requestId: requestId) else {
            throw PlatformError(.tooManyRequests, .rateLimited, "too many calls; slow down and retry")
        }
        try await audit.record(
            AuditEntry(
                at: env.millis, actor: "app:" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug,
                version: caller.version.version, kind: .appCall, name: "(list)", requestId: requestId))
        return availableTools(caller)
    }

    /// What this app may call: the platform tools whose scope it holds.
    public func availableTools(_ caller: Caller) -> JSONValue {
        .object(
            JSONObject([
                (
                    "tools",
                    .array(
                        tools.descriptors.filter { caller.scopes.contains($0.scope) }.map { d in
                            .object(
                                JSONObject([
                                    ("name", .string(d.name)), ("description", .string(d.description)), ("scope", .string(d.scope)),
                                    ("input_schema", d.inputSchema),
                                ]))
                        })
                )
            ]))
    }

    /// One app → platform tool call, answered in SPEC §4's shape.
    public func call(_ caller: Caller, body: [UInt8], requestId: String, handling: String? = nil) async throws -> JSONValue {
        guard try await withinRate(caller, kind: .appCall, requestId: requestId) else { return Self.rateLimited.body }
        let started = env.now()
        var toolName = "(unparsed)"
        var input: JSONValue?
        func audited(_ decision: String, _ status: String) async throws {
            try await audit.record(
                AuditEntry(
                    at: Int64(started.timeIntervalSince1970 * 1000), actor: "app:" + caller.install.id, tenant: caller.tenant.slug,
                    app: caller.app.slug, version: caller.version.version, kind: .appCall, name: toolName, decision: decision, status: status,
                    durationMs: Int64(env.now().timeIntervalSince(started) * 1000), requestId: requestId, input: input))
        }
        let outcome: Result<JSONValue, any Error>
        do {
            let request: JSONValue
            do throws(DocumentError) { request = try JSONParser.parse(body) } catch {
                throw Refusal("invalid_args", "the request is not JSON: \(error.message)")
            }
            guard let name = request["tool"]?.stringValue else {
                throw Refusal("invalid_args", "the request names no tool: {\"tool\": \"…\", \"args\": {…}}")
            }
            toolName = String(name.prefix(64))
            let args = request["args"] ?? [:]
            input = args
            outcome = .success(try await run(name, args: args, caller: caller, requestId: requestId, handling: handling))
        } catch {
            outcome = .failure(error)
        }
        // Recorded after the outcome: a record that cannot be written refuses the call (throws).
        switch outcome {
        case .success(let result):
            try await audited("allow", "ok")
            return ["ok": true, "result": result]
        case .failure(let refusal as Refusal):
            let decision =
                switch refusal.decision {
                case "scope_denied": "deny:no_scope"
                case "platform_error": "allow"
                default: "deny:" + refusal.decision
                }
            try await audited(decision, refusal.decision)
            return refusal.body
        case .failure(let error as PlatformError) where error.code == .platformError:
            throw error
        case .failure:
            try await audited("allow", "platform_error")
            return Refusal("platform_error", "the platform could not run \(toolName)").body
        }
    }

    /// The gate, in order (the rate came first, in `call`) — unknown tool, scope declared and
    /// granted, arguments — then the tool.
    func run(_ name: String, args: JSONValue, caller: Caller, requestId: String, handling: String?) async throws -> JSONValue {
        guard let tool = tools.descriptor(named: name) else { throw Refusal("unknown_tool", "the platform has no tool \(String(name.prefix(64)))") }
        switch ScopeGate.check(needed: tool.scope, declared: caller.manifest.scopes, granted: caller.scopes) {
        case .allowed: break
        case .notDeclared:
            throw Refusal(
                "scope_denied", "\(caller.app.slug) \(caller.version.version) does not declare the scope \(tool.scope) that \(name) needs",
                neededScopes: [tool.scope])
        case .notGranted:
            throw Refusal(
                "scope_denied", "the tenant \(caller.tenant.slug) has not granted \(tool.scope) to \(caller.app.slug)", neededScopes: [tool.scope])
        }
        let violations = tool.validator.validate(args)
        guard violations.isEmpty else {
            throw Refusal(
                "invalid_args",
                "the arguments do not match \(name)'s input schema: "
                    + violations.prefix(3).map { "\($0.path.isEmpty ? "/" : $0.path): \($0.message)" }.joined(separator: "; "))
        }
        switch name {
        case "apps_invoke":
            guard let appsInvoke else { throw Refusal("unknown_tool", "apps_invoke is not available on this platform") }
            return try await appsInvoke.run(caller, args: args, handling: handling)
        case "http_fetch":
            guard let httpFetch else { throw Refusal("unknown_tool", "http_fetch is not available on this platform") }
            return try await httpFetch.run(caller, args: args)
        default:
            return try await tools.run(name, args: args, caller: caller, requestId: requestId)
        }
    }

    // MARK: Secrets

    /// `{"key": "API_KEY"}` → the tenant's override, else the developer's default, else null.
    public func secret(_ caller: Caller, body: [UInt8], requestId: String) async throws -> JSONValue {
        guard try await withinRate(caller, kind: .secretRead, requestId: requestId) else {
            throw PlatformError(.tooManyRequests, .rateLimited, "too many calls; slow down and retry")
        }
        // A malformed request is refused and audited like a read (name: the key as sent, or `(unparsed)`).
        func refuse(_ name: String, _ error: PlatformError) async throws -> Never {
            try await audit.record(
                AuditEntry(
                    at: env.millis, actor: "app:" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug,
                    version: caller.version.version, kind: .secretRead, name: name, decision: "deny:" + error.code.rawValue,
                    status: error.code.rawValue, requestId: requestId))
            throw error
        }
        guard let request = try? JSONParser.parse(body), let key = request["key"]?.stringValue else {
            try await refuse("(unparsed)", PlatformError.invalid("the request is {\"key\": \"API_KEY\"}", code: .invalidArgs))
        }
        guard SecretReference.isValidKey(key) else {
            try await refuse(
                key, PlatformError.invalid("\"\(key.prefix(80))\" is not a secret key: ^[A-Z][A-Z0-9_]{0,63}$", code: .invalidSecretKey))
        }
        guard let secrets else { return ["ok": true, "value": nil] }
        switch try await secrets.resolve(
            tenant: caller.tenant, app: caller.app, version: caller.version.version, key: key, actor: "app:" + caller.install.id, requestId: requestId
        ) {
        case .found(let value): return ["ok": true, "value": .string(value)]
        case .missing: return ["ok": true, "value": nil]
        }
    }
}
