import MarinaCore
import Synchronization

/// `apps_invoke`, run for the gateway: an app calls another app's agent-visible tool in its own
/// tenant, through the same dispatch as any tool call, with the chain of apps bounded and free
/// of cycles.
struct AppsInvoke: Sendable {
    let dispatcher: Dispatcher
    let env: PlatformEnvironment
    /// The chains of the `apps_invoke` calls in flight into each install, by the request id the
    /// called app receives (and passes back in `X-Marina-Request-Id` when it calls the platform).
    let inFlight = InFlightChains()
    static let maxChain = 8

    /// `apps_invoke`: another app's agent-visible tool in the caller's tenant. The chain of apps
    /// is carried by request id: a call made for the request an app is handling extends that
    /// request's chain; a cycle or a ninth app is refused. The app sends the id back itself, so
    /// only an id issued to this very install for a call still in flight counts (`chain(for:)`).
    func run(_ caller: ToolGateway.Caller, args: JSONValue, handling: String?) async throws -> JSONValue {
        let target = args["app"]!.stringValue!, tool = args["tool"]!.stringValue!
        let chain = chain(for: caller, handling: handling)
        guard !chain.contains(target) else {
            throw ToolGateway.Refusal("invalid_args", "calling \(target) would make a cycle: " + (chain + [target]).joined(separator: " → "))
        }
        guard chain.count < Self.maxChain else { throw ToolGateway.Refusal("invalid_args", "a chain of apps is at most \(Self.maxChain) long") }
        let principal = Principal(
            identityId: "app:" + caller.install.id, role: .tenantMember, name: caller.app.slug, tenantId: caller.tenant.id, keyId: nil)
        let visible: Bool
        do {
            visible =
                try await dispatcher.target(principal, tenant: caller.tenant.slug, app: target).manifest.tool(named: tool)?.agentVisible ?? false
        } catch {
            throw ToolGateway.Refusal("invalid_args", "\(target) is not installed in \(caller.tenant.slug)")
        }
        guard visible else { throw ToolGateway.Refusal("unknown_tool", "\(target) has no agent-visible tool \(tool)") }
        let nested = env.id("req")
        let targetInstall = try await dispatcher.target(principal, tenant: caller.tenant.slug, app: target).install.id
        inFlight.add(nested, chain + [target], into: targetInstall)
        defer { inFlight.remove(nested, into: targetInstall) }
        do {
            return try await dispatcher.invokeTool(
                principal, tenant: caller.tenant.slug, app: target, tool: tool,
                arguments: Array(CanonicalJSON.string(args["args"] ?? [:]).utf8), requestId: nested
            ).result
        } catch let error as PlatformError where error.code != .platformError {
            throw ToolGateway.Refusal(error.code == .invalidArgs ? "invalid_args" : "platform_error", "\(target).\(tool): \(error.message)")
        }
    }

    /// The chain a call of `caller` extends: that of the request it says it is handling, when that
    /// id was issued to this install and its call is still in flight; otherwise — no id, an id of
    /// another install's call, a finished call's, or one made up, all of which would let an app
    /// shorten its chain — the longest chain running into the install, else the app alone.
    func chain(for caller: ToolGateway.Caller, handling: String?) -> [String] {
        handling.flatMap { inFlight.chain($0, into: caller.install.id) } ?? inFlight.longest(into: caller.install.id) ?? [caller.app.slug]
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
