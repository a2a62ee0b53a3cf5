import Hummingbird
import MarinaPlatform

/// Per-request state: who is calling (set by `AuthMiddleware`).
public struct MarinaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
    }

    /// Bodies read whole (JSON requests) are small; bundle uploads are streamed, not collected.
    public var maxUploadSize: Int { 1 << 20 }

    /// The authenticated caller; the auth middleware guarantees one on `/api/v1`.
    func caller() throws -> Principal {
        guard let principal else { throw PlatformError(.unauthorized, .unauthorized, "an API key is required") }
        return principal
    }
}
