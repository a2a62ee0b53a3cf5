import Foundation
import MarinaCore
import Synchronization

/// A Marina app: the manifest, validated as the platform validates it, the handlers registered
/// for its tools and events, and the HTTP contract (docs/app-contract.md) answered for them.
///
/// ```swift
/// let app = try MarinaApp(manifest: "marina.app.yaml")
/// try app.tool("greet") { ctx, args in ["greeting": .string("Hello, \(args["name"]?.stringValue ?? "world")!")] }
/// try await app.run()
/// ```
public final class MarinaApp: Sendable {
    public typealias ToolHandler = @Sendable (Context, JSONValue) async throws -> JSONValue
    public typealias EventHandler = @Sendable (Context, Event) async throws -> JSONValue?

    /// The lifecycle events a handler may be registered for with `on(_:)`.
    public enum Lifecycle: String, Sendable, CaseIterable {
        case install, uninstall, userAdded = "user_added", inbound
    }

    public let manifest: Manifest
    /// The canonical `marina/v1` JSON served at `GET /manifest`, and its SHA-256.
    public let canonicalManifest: String
    public let manifestHash: String
    public let environment: [String: String]
    public let platform: any PlatformBackend
    public let verifier: InvocationTokenVerifier
    public let ledger: EventLedger
    private let handlers = Mutex<(tools: [String: ToolHandler], events: [String: EventHandler])>(([:], [:]))

    /// Reads and validates the manifest (a file, or a directory holding `marina.app.yaml`/`.json`);
    /// an invalid one throws `invalidManifest` with every diagnostic. `mock` (default `$MARINA_MOCK`)
    /// answers tools and secrets from a JSON document instead of the platform.
    public init(
        manifest path: String = ".", environment: [String: String] = ProcessInfo.processInfo.environment,
        mock: MockPlatform? = nil, platform: (any PlatformBackend)? = nil, verifier: InvocationTokenVerifier? = nil,
        ledger: EventLedger = EventLedger()
    ) throws(MarinaKitError) {
        let file = Self.manifestFile(path)
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw MarinaKitError(.invalidManifest, "cannot read the manifest \(file)")
        }
        let report = ManifestLoader.load(bytes: Array(bytes), fileName: file)
        guard let parsed = report.manifest, let canonical = report.canonicalJSON, let hash = report.hash, report.isValid else {
            throw MarinaKitError(.invalidManifest, "\(file) is not a valid manifest", diagnostics: report.diagnostics)
        }
        manifest = parsed
        canonicalManifest = canonical
        manifestHash = hash
        self.environment = environment
        if let mock {
            self.platform = mock
        } else if let platform {
            self.platform = platform
        } else if let mockFile = environment["MARINA_MOCK"], !mockFile.isEmpty {
            self.platform = try MockPlatform(file: mockFile)
        } else if let url = environment["MARINA_URL"], let token = environment["MARINA_APP_TOKEN"] {
            self.platform = HTTPPlatform(url: url, token: token, tokenFile: environment["MARINA_APP_TOKEN_FILE"])
        } else {
            self.platform = AbsentPlatform()
        }
        self.verifier = verifier ?? InvocationTokenVerifier(environment: environment, fetch: Self.fetchJWKS)
        self.ledger = ledger
    }

    static func manifestFile(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return path }
        let names = ManifestFormat.fileNames.map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
        return names.first { FileManager.default.fileExists(atPath: $0) } ?? names[0]
    }

    @Sendable static func fetchJWKS(_ marinaURL: String) async throws -> JSONValue {
        try await HTTPPlatform(url: marinaURL, token: "").request(.GET, "/.well-known/jwks.json", nil, tool: nil)
    }

    // MARK: Registration

    /// Registers the handler of a tool the manifest declares; its return value is the JSON result.
    public func tool(_ name: String, _ handler: @escaping ToolHandler) throws(MarinaKitError) {
        guard manifest.tools.contains(where: { $0.name == name }) else {
            let declared = manifest.tools.map(\.name).sorted().joined(separator: ", ")
            throw MarinaKitError(.unknownTool, "the manifest declares no tool \"\(name)\" (declared: \(declared.isEmpty ? "none" : declared))")
        }
        try handlers.withLock { h throws(MarinaKitError) in
            guard h.tools[name] == nil else { throw MarinaKitError(.duplicateHandler, "a handler for the tool \"\(name)\" is already registered") }
            h.tools[name] = handler
        }
    }

    /// A tool whose arguments decode as `Input` (else `400 invalid_args`) and whose result encodes from `Output`.
    public func tool<Input: Decodable & Sendable, Output: Encodable & SendableMetatype>(
        _ name: String, _ handler: @escaping @Sendable (Context, Input) async throws -> Output
    ) throws(MarinaKitError) {
        try tool(name) { ctx, args in
            let input: Input
            do { input = try JSONDecoder().decode(Input.self, from: Data(CanonicalJSON.bytes(args))) } catch {
                throw AppError("invalid_args", "the arguments do not fit \(Input.self): \(Self.decodingProblem(error))")
            }
            let output = try await handler(ctx, input)
            return try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(output))
        }
    }

    /// Registers the handler of a lifecycle event the manifest's `events` enables.
    public func on(_ event: Lifecycle, _ handler: @escaping EventHandler) throws(MarinaKitError) {
        guard manifest.events.contains(event.rawValue) else {
            throw MarinaKitError(.eventNotEnabled, "the manifest does not enable the event \"\(event.rawValue)\": add it to events")
        }
        try register(event.rawValue, handler)
    }

    /// Registers the handler of a schedule the manifest declares (`POST /event/schedule.<name>`).
    public func schedule(_ name: String, _ handler: @escaping EventHandler) throws(MarinaKitError) {
        guard manifest.schedules.contains(where: { $0.name == name }) else {
            throw MarinaKitError(.unknownSchedule, "the manifest declares no schedule \"\(name)\"")
        }
        try register("schedule." + name, handler)
    }

    /// Registers the handler of a webhook the manifest declares (`POST /event/webhook.<name>`).
    public func webhook(_ name: String, _ handler: @escaping EventHandler) throws(MarinaKitError) {
        guard manifest.webhooks.contains(where: { $0.name == name }) else {
            throw MarinaKitError(.unknownWebhook, "the manifest declares no webhook \"\(name)\"")
        }
        try register("webhook." + name, handler)
    }

    private func register(_ type: String, _ handler: @escaping EventHandler) throws(MarinaKitError) {
        try handlers.withLock { h throws(MarinaKitError) in
            guard h.events[type] == nil else { throw MarinaKitError(.duplicateHandler, "a handler for the event \"\(type)\" is already registered") }
            h.events[type] = handler
        }
    }

    func eventDeclared(_ type: String) -> Bool {
        if Lifecycle(rawValue: type) != nil { return manifest.events.contains(type) }
        if type.hasPrefix("schedule.") { return manifest.schedules.contains { "schedule." + $0.name == type } }
        if type.hasPrefix("webhook.") { return manifest.webhooks.contains { "webhook." + $0.name == type } }
        return false
    }

    // MARK: Calling handlers directly (unit tests: no HTTP, no token)

    /// A context as a request would get it, from the environment and the token's claims.
    public func context(requestId: String? = nil, event: Event? = nil, claims: JSONObject = JSONObject()) -> Context {
        Context(
            platform: platform,
            tenant: claims["tenant"]?.stringValue ?? environment["MARINA_TENANT"],
            app: claims["app"]?.stringValue ?? environment["MARINA_APP"] ?? manifest.app.id,
            version: claims["version"]?.stringValue ?? environment["MARINA_VERSION"] ?? manifest.app.version,
            requestId: requestId ?? event?.id ?? claims["jti"]?.stringValue, eventId: event?.id, claims: claims)
    }

    /// Runs a tool's handler as `POST /tool/<name>` would; its errors are thrown as they are.
    public func callTool(_ name: String, _ args: JSONValue = [:], context: Context? = nil) async throws -> JSONValue {
        guard let handler = handlers.withLock({ $0.tools[name] }) else {
            throw MarinaKitError(.unknownTool, "no handler is registered for the tool \"\(name)\"")
        }
        return try await handler(context ?? self.context(), args)
    }

    // MARK: The HTTP contract

    /// One platform → app request and its answer, without any HTTP server: `AppServer` feeds it.
    public func handle(method: String, path rawPath: String, headers: [String: String], body: [UInt8]) async -> AppResponse {
        let h = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        let path = String(rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if path == "/health" { return method == "GET" || method == "HEAD" ? .json(200, ["status": "ok"]) : .methodNotAllowed("GET") }
        if path == "/manifest" {
            return method == "GET" || method == "HEAD"
                ? AppResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array(canonicalManifest.utf8))
                : .methodNotAllowed("GET")
        }
        let claims: JSONObject
        do throws(MarinaKitError) {
            claims = try await authenticate(h["authorization"])
        } catch {
            context().logger.warning("refused \(method) \(path): \(error.message)")
            return .error(
                401, "invalid_token", "the invocation token is missing or not valid", headers: ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        }
        let isTool = path.hasPrefix("/tool/"), isEvent = path.hasPrefix("/event/")
        guard isTool || isEvent else { return .error(404, "not_found", "no route \(path)") }
        guard method == "POST" else { return .methodNotAllowed("POST") }
        let args: JSONValue
        if body.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) {
            args = .object(JSONObject())
        } else {
            do { args = try JSONParser.parse(body, limits: DocumentLimits(maxBytes: AppServer.maxBodyBytes)) } catch {
                return .error(400, "invalid_json", "the request body is not JSON")
            }
        }
        if isTool { return await tool(String(path.dropFirst("/tool/".count)), args, requestId: h["x-marina-request-id"], claims: claims) }
        return await event(
            String(path.dropFirst("/event/".count)), args, headerId: h["x-marina-event-id"], requestId: h["x-marina-request-id"], claims: claims)
    }

    private func authenticate(_ authorization: String?) async throws(MarinaKitError) -> JSONObject {
        guard let authorization else { throw MarinaKitError(.invalidToken, "no Authorization header") }
        let parts = authorization.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw MarinaKitError(.invalidToken, "not a bearer token") }
        return try await verifier.verify(parts[1].trimmingCharacters(in: .whitespaces))
    }

    private func tool(_ name: String, _ args: JSONValue, requestId: String?, claims: JSONObject) async -> AppResponse {
        guard let handler = handlers.withLock({ $0.tools[name] }) else { return .error(404, "unknown_tool", "this app has no tool \(name)") }
        let ctx = context(requestId: requestId, claims: claims)
        do {
            return .json(200, try await handler(ctx, args))
        } catch {
            return Self.failure(error, what: "tool \(name)", logger: ctx)
        }
    }

    private func event(_ type: String, _ body: JSONValue, headerId: String?, requestId: String?, claims: JSONObject) async -> AppResponse {
        guard eventDeclared(type) else { return .error(404, "unknown_event", "this app takes no event \(type)") }
        let envelope = body.objectValue ?? JSONObject()
        guard let id = envelope["id"]?.stringValue ?? headerId, !id.isEmpty else { return .error(400, "invalid_event", "the event has no id") }
        guard let handler = handlers.withLock({ $0.events[type] }) else { return .json(200, ["ok": true, "handled": false]) }
        guard await ledger.begin(id) else { return .json(200, ["ok": true, "duplicate": true]) }
        let event = Event(id: id, type: type, payload: envelope["payload"] ?? .object(JSONObject()), envelope: envelope)
        let ctx = context(requestId: requestId ?? id, event: event, claims: claims)
        do {
            let result = try await handler(ctx, event)
            await ledger.finish(id)
            return .json(200, result ?? ["ok": true])
        } catch {
            await ledger.abandon(id)
            return Self.failure(error, what: "event \(type) (\(id))", logger: ctx)
        }
    }

    /// A handler's error as the tenant may see it: the code and the first line of the message.
    static func failure(_ error: any Error, what: String, logger ctx: Context) -> AppResponse {
        switch error {
        case let error as AppError:
            let code = AppResponse.isErrorCode(error.code) ? error.code : "app_error"
            let status = (400...599).contains(error.status) ? error.status : 500
            return .error(status, code, firstLine(error.message).isEmpty ? code : firstLine(error.message))
        case let error as ToolCallError:
            ctx.logger.warning("\(what): a platform tool call was refused: \(error)")
            let code = AppResponse.isErrorCode(error.decision) ? error.decision : "platform_error"
            return .error(502, code, firstLine(error.description))
        default:
            ctx.logger.error("\(what) failed: \(String(reflecting: error))")
            let message = firstLine(String(describing: error))
            return .error(500, "app_error", message.isEmpty ? String(describing: type(of: error)) : message)
        }
    }

    static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).lazy.map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? ""
    }

    static func decodingProblem(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
            return p.isEmpty ? "" : " at /\(p)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(key.stringValue) is missing\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.debugDescription + path(context)
        @unknown default: return String(describing: error)
        }
    }
}

/// An answer of the app: status, headers and a JSON body.
public struct AppResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    static func json(_ status: Int, _ value: JSONValue, headers: [String: String] = [:]) -> AppResponse {
        AppResponse(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: CanonicalJSON.bytes(value))
    }

    static func error(_ status: Int, _ code: String, _ message: String, headers: [String: String] = [:]) -> AppResponse {
        json(status, ["error": ["code": .string(code), "message": .string(message)]], headers: headers)
    }

    static func methodNotAllowed(_ allowed: String) -> AppResponse {
        error(405, "method_not_allowed", "use \(allowed)", headers: ["Allow": allowed])
    }

    /// The platform keeps error codes that match `[A-Za-z0-9_.-]{1,64}`.
    static func isErrorCode(_ code: String) -> Bool {
        (1...64).contains(code.utf8.count)
            && code.utf8.allSatisfy {
                $0 == 0x5F || $0 == 0x2E || $0 == 0x2D || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }
}
