import Foundation
import Logging
import ServiceLifecycle

/// Finishes installs and uninstalls a crash left half-way, and removes the data of uninstalled
/// installs past their retention.
public struct InstallReaper: Service {
    let installs: InstallService
    let grace: TimeInterval
    let logger: Logger

    public init(installs: InstallService, grace: TimeInterval, logger: Logger) {
        (self.installs, self.grace, self.logger) = (installs, grace, logger)
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let reaped = try await installs.reap(grace: grace)
                if reaped > 0 { logger.notice("finished interrupted install attempts", metadata: ["count": .stringConvertible(reaped)]) }
            } catch {
                logger.warning("the install reaper failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(max(1, min(60, grace / 4)))) }
        }
    }
}
