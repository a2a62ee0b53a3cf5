import Crypto
import Foundation
import MarinaCore
import MarinaOutbound
import MarinaRuntime

/// Runs operator-defined tools: a POST of `{"tenant", "app", "version", "tool", "args",
/// "request_id"}` to the tool's endpoint, signed so that the host SaaS knows the platform sent it
/// and for which tenant and app: `X-Marina-Timestamp: <unix seconds>` and
/// `X-Marina-Signature: v1=<hex HMAC-SHA256(key, timestamp "." body)>`.
public struct OperatorTools: Sendable {
    public let tools: [OperatorTool]
    let key: SymmetricKey
    let client: EndpointClient
    let env: PlatformEnvironment

    public init(tools: [OperatorTool], key: [UInt8], client: EndpointClient = EndpointClient(), env: PlatformEnvironment = .live) {
        (self.tools, self.key, self.client, self.env) = (tools, SymmetricKey(data: key), client, env)
    }

    public static func signature(key: SymmetricKey, timestamp: String, body: [UInt8]) -> String {
        "v1=" + Hex.string(HMAC<SHA256>.authenticationCode(for: Array((timestamp + ".").utf8) + body, using: key))
    }

    func run(_ tool: OperatorTool, args: JSONValue, caller: ToolGateway.Caller, requestId: String) async throws -> JSONValue {
        let body = Array(
            CanonicalJSON.string(
                .object(
                    JSONObject([
                        ("tenant", .string(caller.tenant.slug)), ("app", .string(caller.app.slug)), ("version", .string(caller.version.version)),
                        ("tool", .string(tool.name)), ("args", args), ("request_id", .string(requestId)),
                    ]))
            ).utf8)
        let timestamp = String(Int64(env.now().timeIntervalSince1970))
        let reply: EndpointClient.Reply
        do {
            reply = try await client.post(
                tool.endpoint,
                headers: [
                    ("Content-Type", "application/json"), ("X-Marina-Timestamp", timestamp),
                    ("X-Marina-Signature", Self.signature(key: key, timestamp: timestamp, body: body)),
                    ("X-Marina-Request-Id", requestId),
                ],
                body: body, timeout: .seconds(tool.timeoutSeconds))
        } catch {
            throw ToolGateway.Refusal("platform_error", "\(tool.name): the operator's endpoint did not answer")
        }
        guard (200..<300).contains(reply.status) else {
            throw ToolGateway.Refusal("platform_error", "\(tool.name): the operator's endpoint answered \(reply.status)")
        }
        guard let result = try? JSONParser.parse(reply.body.isEmpty ? Array("null".utf8) : reply.body) else {
            throw ToolGateway.Refusal("platform_error", "\(tool.name): the operator's endpoint did not answer JSON")
        }
        return result
    }
}
