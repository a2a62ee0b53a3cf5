import Foundation
import MarinaCore
import MarinaRuntime

/// `http_fetch`, run for the gateway: one plain-HTTP request under the egress rules of the
/// app's manifest, recorded (and refused when it cannot be) as the app's own connections are.
struct HTTPFetchTool: Sendable {
    let egress: EgressProxy

    /// `http_fetch`: the platform fetches for the app under the same egress rules as its proxy
    /// (allow-list, no IP literals, no non-public addresses, pinned address).
    func run(_ caller: ToolGateway.Caller, args: JSONValue) async throws -> JSONValue {
        let url = args["url"]!.stringValue!
        guard url.prefix(7).lowercased() == "http://" else {
            throw ToolGateway.Refusal(
                "invalid_args", "http_fetch takes http:// URLs; for https the app connects itself through HTTPS_PROXY (same rules)")
        }
        var headers: [(String, String)] = []
        if case .object(let given)? = args["headers"] {
            for pair in given.pairs { if let value = pair.value.stringValue { headers.append((pair.key, value)) } }
        }
        let requester = EgressProxy.Requester(
            id: "gateway-" + caller.install.id, tenant: caller.tenant.slug, app: caller.app.slug, version: caller.version.version)
        let result: EgressProxy.FetchResult
        do throws(EgressProxy.Refusal) {
            result = try await egress.fetch(
                for: requester, allowed: caller.manifest.network.egressHosts, url: url,
                method: args["method"]?.stringValue ?? "GET", headers: headers,
                body: Array((args["body"]?.stringValue ?? "").utf8), maxBytes: 1 << 20)
        } catch {
            throw ToolGateway.Refusal(
                error.status == 403 || error.status == 400 ? "invalid_args" : "platform_error", "egress refused (\(error.reason)): \(error.message)")
        }
        return .object(
            JSONObject([
                ("status", .number(Double(result.status))),
                ("headers", .object(JSONObject(result.headers.map { ($0.0.lowercased(), .string($0.1)) }))),
                ("body", .string(String(decoding: result.body, as: UTF8.self))),
            ]))
    }

}
