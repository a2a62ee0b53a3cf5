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

    let store: Store
    let signer: TokenSigner
    let audit: AuditLog
    let secrets: SecretsService?
    let tools: PlatformTools
    let limiter: RateLimiter
    /// Refused tokens and calls over the rate limit, recorded without letting a caller grow the
    /// log at will (`serve` runs it as a service, which writes the counts).
    public let refusals: RefusalTally
    let env: PlatformEnvironment
    /// Runs other apps' tools for `apps_invoke` (nil: that tool is unavailable).
    let dispatcher: Dispatcher?
    /// The egress rules `http_fetch` goes through (nil: that tool is unavailable).
    let egress: EgressProxy?
    /// The chains of the `apps_invoke` calls in flight into each install, by the request id the
    /// called app receives (and passes back in `X-Marina-Request-Id` when it calls the platform).
    let inFlight = InFlightChains()
    public static let maxChain = 8
    let installs = InstallRepository()
    let registry = RegistryRepository()
    let tenants = TenantRepository()
    let versions = VersionCache()

    public init(
        store: Store, signer: TokenSigner, audit: AuditLog, secrets: SecretsService?, tools: PlatformTools, limiter: RateLimiter = RateLimiter(),
        dispatcher: Dispatcher? = nil, egress: EgressProxy? = nil, env: PlatformEnvironment = .live, refusalWindow: Int64 = RefusalTally.defaultWindow
    ) {
        self.egress = egress
        (self.store, self.signer, self.audit, self.secrets, self.tools, self.limiter, self.env) = (store, signer, audit, secrets, tools, limiter, env)
        self.dispatcher = dispatcher
        self.refusals = RefusalTally(audit: audit, env: env, window: refusalWindow)
    }

    // MARK: Authentication

    /// The caller of a token, or `invalid_token` (401) saying why. Every refusal is audited,
    /// counted per source and reason (`RefusalTally`): no key is needed to send one.
    public func authenticate(_ authorization: String?) async throws -> Caller {
        do {
            return try await verify(authorization)
        } catch let refusal as TokenRefusal {
            try await refusals.record(
                AuditEntry(
                    at: env.millis, actor: refusal.actor, tenant: refusal.tenant, app: refusal.app, kind: .appCall, name: "authenticate",
                    decision: "deny:invalid_token", status: "invalid_token", input: ["reason": .string(refusal.reason)]),
                reason: refusal.reason)
            throw PlatformError(.unauthorized, "invalid_token", "the app token is refused: \(refusal.reason)")
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

    struct TokenRefusal: Error {
        var reason: String
        var actor = "app:unknown"
        var tenant: String?
        var app: String?
    }

    func verify(_ authorization: String?) async throws -> Caller {
        guard let authorization, authorization.hasPrefix("Bearer ") else { throw TokenRefusal(reason: "no bearer token") }
        let token = String(authorization.dropFirst("Bearer ".count))
        let claims: JSONValue
        do { claims = try await signer.verifyReloading(token, now: env.millis) } catch let error as TokenError {
            switch error {
            case .unknownKey: throw TokenRefusal(reason: "signed by a key this platform does not know")
            case .badSignature: throw TokenRefusal(reason: "the signature does not verify")
            default: throw TokenRefusal(reason: "not a well-formed token")
            }
        }
        let now = env.now().timeIntervalSince1970
        guard claims["typ"]?.stringValue == "app" else { throw TokenRefusal(reason: "not an app token") }
        guard case .number(let iat)? = claims["iat"], case .number(let exp)? = claims["exp"] else {
            throw TokenRefusal(reason: "no issue or expiry time")
        }
        guard iat <= now + 30 else { throw TokenRefusal(reason: "issued in the future") }
        guard exp > now else { throw TokenRefusal(reason: "expired") }
        guard exp - iat <= 86_400 else { throw TokenRefusal(reason: "valid for longer than a day") }
        guard claims["aud"]?.stringValue == "marina", let installId = claims["sub"]?.stringValue, let tenantSlug = claims["tenant"]?.stringValue,
            let appSlug = claims["app"]?.stringValue, let versionText = claims["version"]?.stringValue, case .number(let generation)? = claims["gen"]
        else {
            throw TokenRefusal(reason: "the claims are incomplete")
        }
        let actor = "app:" + installId
        let found = try await store.read { db -> (InstallRecord, TenantRecord, AppRecord, VersionRecord)? in
            guard let install = try await self.installs.install(id: installId, in: db),
                let tenant = try await self.tenants.find(id: install.tenantId, in: db),
                let app = try await self.registry.app(id: install.appId, in: db),
                let version = try await self.registry.version(id: install.versionId, in: db)
            else { return nil }
            return (install, tenant, app, version)
        }
        guard let (install, tenant, app, version) = found else { throw TokenRefusal(reason: "the install does not exist", actor: actor) }
        guard tenant.slug == tenantSlug, app.slug == appSlug else {
            throw TokenRefusal(reason: "the token's tenant or app is not its install's", actor: actor, tenant: tenant.slug, app: app.slug)
        }
        guard install.state.acceptsAppCalls else {
            throw TokenRefusal(reason: "revoked: the app is uninstalled", actor: actor, tenant: tenant.slug, app: app.slug)
        }
        guard Int64(generation) == install.tokenGeneration, version.version == versionText else {
            throw TokenRefusal(reason: "revoked: the install changed since the token was issued", actor: actor, tenant: tenant.slug, app: app.slug)
        }
        let manifest = try versions.entry(version).manifest
        let granted = Set(install.granted)
        return Caller(
            install: install, tenant: tenant, app: app, version: version, manifest: manifest,
            scopes: Set(manifest.scopes).intersection(granted), tokenId: claims["jti"]?.stringValue ?? "")
    }

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
        throw PlatformError(.tooLarge, "payload_too_large", "the request body is larger than the limit of \(limit) bytes")
    }

    // MARK: Tools

    /// `GET /api/mcp/app-tools`: what this app may call, rate-limited and audited (name `(list)`)
    /// like every app call.
    public func listTools(_ caller: Caller, requestId: String) async throws -> JSONValue {
        guard try await withinRate(caller, kind: .appCall, requestId: requestId) else {
            throw PlatformError(.tooManyRequests, "rate_limited", "too many calls; slow down and retry")
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
        case .failure(let error as PlatformError) where error.code == "platform_error":
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
        guard caller.manifest.scopes.contains(tool.scope) else {
            throw Refusal(
                "scope_denied", "\(caller.app.slug) \(caller.version.version) does not declare the scope \(tool.scope) that \(name) needs",
                neededScopes: [tool.scope])
        }
        guard caller.scopes.contains(tool.scope) else {
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
        return switch name {
        case "apps_invoke": try await invokeApp(caller, args: args, handling: handling)
        case "http_fetch": try await fetch(caller, args: args)
        default: try await tools.run(name, args: args, caller: caller, requestId: requestId)
        }
    }

    /// `apps_invoke`: another app's agent-visible tool in the caller's tenant. The chain of apps
    /// is carried by request id: a call made for the request an app is handling extends that
    /// request's chain; a cycle or a ninth app is refused. The app sends the id back itself, so
    /// only an id issued to this very install for a call still in flight counts (`chain(for:)`).
    func invokeApp(_ caller: Caller, args: JSONValue, handling: String?) async throws -> JSONValue {
        guard let dispatcher else { throw Refusal("unknown_tool", "apps_invoke is not available on this platform") }
        let target = args["app"]!.stringValue!, tool = args["tool"]!.stringValue!
        let chain = chain(for: caller, handling: handling)
        guard !chain.contains(target) else {
            throw Refusal("invalid_args", "calling \(target) would make a cycle: " + (chain + [target]).joined(separator: " → "))
        }
        guard chain.count < Self.maxChain else { throw Refusal("invalid_args", "a chain of apps is at most \(Self.maxChain) long") }
        let principal = Principal(
            identityId: "app:" + caller.install.id, role: .tenantMember, name: caller.app.slug, tenantId: caller.tenant.id, keyId: nil)
        let visible: Bool
        do {
            visible =
                try await dispatcher.target(principal, tenant: caller.tenant.slug, app: target).manifest.tool(named: tool)?.agentVisible ?? false
        } catch {
            throw Refusal("invalid_args", "\(target) is not installed in \(caller.tenant.slug)")
        }
        guard visible else { throw Refusal("unknown_tool", "\(target) has no agent-visible tool \(tool)") }
        let nested = env.id("req")
        let targetInstall = try await dispatcher.target(principal, tenant: caller.tenant.slug, app: target).install.id
        inFlight.add(nested, chain + [target], into: targetInstall)
        defer { inFlight.remove(nested, into: targetInstall) }
        do {
            return try await dispatcher.invokeTool(
                principal, tenant: caller.tenant.slug, app: target, tool: tool,
                arguments: Array(CanonicalJSON.string(args["args"] ?? [:]).utf8), requestId: nested
            ).result
        } catch let error as PlatformError where error.code != "platform_error" {
            throw Refusal(error.code == "invalid_args" ? "invalid_args" : "platform_error", "\(target).\(tool): \(error.message)")
        }
    }

    /// The chain a call of `caller` extends: that of the request it says it is handling, when that
    /// id was issued to this install and its call is still in flight; otherwise — no id, an id of
    /// another install's call, a finished call's, or one made up, all of which would let an app
    /// shorten its chain — the longest chain running into the install, else the app alone.
    func chain(for caller: Caller, handling: String?) -> [String] {
        handling.flatMap { inFlight.chain($0, into: caller.install.id) } ?? inFlight.longest(into: caller.install.id) ?? [caller.app.slug]
    }

    /// `http_fetch`: the platform fetches for the app under the same egress rules as its proxy
    /// (allow-list, no IP literals, no non-public addresses, pinned address).
    func fetch(_ caller: Caller, args: JSONValue) async throws -> JSONValue {
        guard let egress else { throw Refusal("unknown_tool", "http_fetch is not available on this platform") }
        let url = args["url"]!.stringValue!
        guard url.prefix(7).lowercased() == "http://" else {
            throw Refusal("invalid_args", "http_fetch takes http:// URLs; for https the app connects itself through HTTPS_PROXY (same rules)")
        }
        var headers: [(String, String)] = []
        if case .object(let given)? = args["headers"] {
            for pair in given.pairs { if let value = pair.value.stringValue { headers.append((pair.key, value)) } }
        }
        let spec = InstanceSpec(
            id: "gateway-" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug, version: caller.version.version,
            bundleDirectory: URL(fileURLWithPath: "/"), dataDirectory: URL(fileURLWithPath: "/"), command: [], port: 0, environment: [:],
            memoryMB: 0, cpuCores: 0, maxProcesses: 0, idleTimeout: .seconds(0), manifestHash: "", uid: 0)
        let result: EgressProxy.FetchResult
        do throws(EgressProxy.Refusal) {
            result = try await egress.fetch(
                spec: spec, allowed: caller.manifest.network.egressHosts, url: url,
                method: args["method"]?.stringValue ?? "GET", headers: headers,
                body: Array((args["body"]?.stringValue ?? "").utf8), maxBytes: 1 << 20)
        } catch {
            throw Refusal(
                error.status == 403 || error.status == 400 ? "invalid_args" : "platform_error", "egress refused (\(error.reason)): \(error.message)")
        }
        return .object(
            JSONObject([
                ("status", .number(Double(result.status))),
                ("headers", .object(JSONObject(result.headers.map { ($0.0.lowercased(), .string($0.1)) }))),
                ("body", .string(String(decoding: result.body, as: UTF8.self))),
            ]))
    }

    // MARK: Secrets

    /// `{"key": "API_KEY"}` → the tenant's override, else the developer's default, else null.
    public func secret(_ caller: Caller, body: [UInt8], requestId: String) async throws -> JSONValue {
        guard try await withinRate(caller, kind: .secretRead, requestId: requestId) else {
            throw PlatformError(.tooManyRequests, "rate_limited", "too many calls; slow down and retry")
        }
        // A malformed request is refused and audited like a read (name: the key as sent, or `(unparsed)`).
        func refuse(_ name: String, _ error: PlatformError) async throws -> Never {
            try await audit.record(
                AuditEntry(
                    at: env.millis, actor: "app:" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug,
                    version: caller.version.version, kind: .secretRead, name: name, decision: "deny:" + error.code,
                    status: error.code, requestId: requestId))
            throw error
        }
        guard let request = try? JSONParser.parse(body), let key = request["key"]?.stringValue else {
            try await refuse("(unparsed)", PlatformError.invalid("the request is {\"key\": \"API_KEY\"}", code: "invalid_args"))
        }
        guard SecretReference.isValidKey(key) else {
            try await refuse(
                key, PlatformError.invalid("\"\(key.prefix(80))\" is not a secret key: ^[A-Z][A-Z0-9_]{0,63}$", code: "invalid_secret_key"))
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

/// The `apps_invoke` chains currently running into each install.
final class InFlightChains: Sendable {
    private let chains = Mutex<[String: [String: [String]]]>([:])
    func add(_ id: String, _ chain: [String], into install: String) { chains.withLock { $0[install, default: [:]][id] = chain } }
    func remove(_ id: String, into install: String) {
        chains.withLock { all in
            all[install]?[id] = nil
            if all[install]?.isEmpty == true { all[install] = nil }
        }
    }
    func longest(into install: String) -> [String]? { chains.withLock { $0[install]?.values.max { $0.count < $1.count } } }
    func chain(_ id: String, into install: String) -> [String]? { chains.withLock { $0[install]?[id] } }
}
