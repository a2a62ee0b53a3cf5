import Logging
import ServiceLifecycle

/// Deletes expired kv entries every `interval` (at most 50 batches of 1,000 rows a run): an
/// entry past its TTL is never read again, and apps that set keys with a TTL and never come back
/// would otherwise grow the database for good. `kv_set` also deletes up to 100 of its own app's.
public struct KVPurger: Service {
    let tools: PlatformTools
    let interval: Duration
    let logger: Logger

    public init(tools: PlatformTools, interval: Duration = .seconds(60), logger: Logger = Logger(label: "marina.kv")) {
        (self.tools, self.interval, self.logger) = (tools, interval, logger)
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let deleted = try await tools.purgeExpiredKV()
                if deleted > 0 { logger.info("deleted expired kv entries", metadata: ["count": .stringConvertible(deleted)]) }
            } catch {
                logger.warning("deleting expired kv entries failed", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
