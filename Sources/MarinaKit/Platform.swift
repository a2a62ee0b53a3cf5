import AsyncHTTPClient
import Foundation
import MarinaCore
import NIOCore
import NIOHTTP1

/// What a handler's context calls: the platform over HTTP, or a mock document in tests.
public protocol PlatformBackend: Sendable {
    /// `POST /api/mcp/app-tools`: the tool's result, or the platform's refusal.
    func callTool(_ name: String, _ args: JSONValue) async throws(ToolCallError) -> JSONValue
    /// `GET /api/mcp/app-tools`: what this app may call.
    func listTools() async throws(ToolCallError) -> [JSONValue]
    /// `POST /api/mcp/app-secrets`: the value, or nil when unset or unreadable.
    func secret(_ key: String) async -> String?
}

/// The platform at `MARINA_URL`, authenticated with `MARINA_APP_TOKEN`.
public struct HTTPPlatform: PlatformBackend {
    /// One client for the process. The platform is on this machine (through the sandbox's
    /// socket), so a connection that cannot be made in 3 s fails the call instead of being
    /// retried until the request's deadline.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(3)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    let baseURL: String
    let token: String
    /// `MARINA_APP_TOKEN_FILE`: where the platform rotates the token before it expires.
    let tokenFile: String?
    let timeout: TimeAmount
    /// Sent as `X-Marina-Request-Id`: the platform follows chains of `apps_invoke` calls (depth
    /// ≤ 8, no cycles) by the id of the request a call is made for.
    var requestId: String?

    public init(url: String, token: String, tokenFile: String? = nil, timeout: TimeAmount = .seconds(30)) {
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.tokenFile = tokenFile
        self.timeout = timeout
    }

    /// The app token as it is now: read from `tokenFile` at each call (an instance may live
    /// longer than a token, and the platform rotates it there), else the one it started with.
    var currentToken: String {
        guard let tokenFile, let data = FileManager.default.contents(atPath: tokenFile) else { return token }
        let read = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return read.isEmpty ? token : read
    }

    func request(_ method: HTTPMethod, _ path: String, _ body: JSONValue?, tool: String?) async throws(ToolCallError) -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(currentToken)")
        if let requestId { request.headers.add(name: "X-Marina-Request-Id", value: requestId) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.bytes(body)))
        }
        let answer: JSONValue
        let status: UInt
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            status = response.status.code
            let bytes = try await response.body.collect(upTo: 64 << 20)
            answer = try JSONParser.parse(Array(buffer: bytes), limits: DocumentLimits(maxBytes: 64 << 20))
        } catch {
            throw ToolCallError(decision: "platform_error", message: "the platform could not be reached: \(error)", tool: tool)
        }
        if status == 401 {
            throw ToolCallError(
                decision: "platform_error", message: "the platform refused the app token: " + (answer["error"]?["message"]?.stringValue ?? ""),
                tool: tool)
        }
        guard (200..<300).contains(status) else {
            throw ToolCallError(decision: "platform_error", message: answer["error"]?["message"]?.stringValue ?? "HTTP \(status)", tool: tool)
        }
        return answer
    }

    /// The same platform, its calls made for the request `id`.
    public func forRequest(_ id: String?) -> HTTPPlatform {
        var scoped = self
        scoped.requestId = id
        return scoped
    }

    public func callTool(_ name: String, _ args: JSONValue) async throws(ToolCallError) -> JSONValue {
        let answer = try await request(.POST, "/api/mcp/app-tools", ["tool": .string(name), "args": args], tool: name)
        guard answer["ok"]?.boolValue == true else { throw ToolCallError(answer: answer["error"], tool: name) }
        return answer["result"] ?? .null
    }

    public func listTools() async throws(ToolCallError) -> [JSONValue] {
        try await request(.GET, "/api/mcp/app-tools", nil, tool: nil)["tools"]?.arrayValue ?? []
    }

    public func secret(_ key: String) async -> String? {
        (try? await request(.POST, "/api/mcp/app-secrets", ["key": .string(key)], tool: nil))?["value"]?.stringValue
    }
}

/// No platform configured (no `MARINA_URL` or `MARINA_APP_TOKEN`): every call is `platform_error`.
struct AbsentPlatform: PlatformBackend {
    func callTool(_ name: String, _ args: JSONValue) async throws(ToolCallError) -> JSONValue {
        throw ToolCallError(
            decision: "platform_error", message: "no platform: MARINA_URL and MARINA_APP_TOKEN are not set (use mock mode in tests)", tool: name)
    }
    func listTools() async throws(ToolCallError) -> [JSONValue] {
        throw ToolCallError(decision: "platform_error", message: "no platform: MARINA_URL and MARINA_APP_TOKEN are not set (use mock mode in tests)")
    }
    func secret(_ key: String) async -> String? { nil }
}
