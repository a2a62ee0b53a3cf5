import Logging
import ServiceLifecycle

/// Removes bundles that no version refers to (left by a crash mid-publish), at start and hourly.
public struct BundleJanitor: Service {
    let registry: RegistryService
    let logger: Logger

    public init(registry: RegistryService, logger: Logger) { (self.registry, self.logger) = (registry, logger) }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let removed = try await registry.collectGarbage()
                if removed > 0 { logger.info("removed unreferenced bundles", metadata: ["count": .stringConvertible(removed)]) }
            } catch {
                logger.warning("bundle garbage collection failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether long-lived work should stop: cancelled, or the service group is shutting down.
    static var isCancelledOrShuttingDown: Bool { isCancelled || Task<Never, Never>.isShuttingDownGracefully }
}
