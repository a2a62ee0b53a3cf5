import Foundation
import Logging
import MarinaCore
import MarinaStore
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

/// The reaper's work on installs: attempts a crash left half-way, and data past its retention.
extension InstallService {
    /// Finishes attempts a crash left half-way (older than `grace`): an install that never got
    /// past `installing` is marked failed; an uninstall is completed. Also removes the data of
    /// uninstalled installs whose retention has passed.
    public func reap(grace: TimeInterval) async throws -> Int {
        let now = env.millis
        let stale = try await store.read { db in try await installs.staleAttempts(startedBefore: now - Int64(grace * 1000), in: db) }
        for attempt in stale {
            guard let install = try await store.read({ db in try await installs.install(id: attempt.installId, in: db) }) else { continue }
            if attempt.kind == "uninstall", let version = try await store.read({ db in try await registry.version(id: install.versionId, in: db) }) {
                try await finishUninstall(install, version: version)
                continue
            }
            try await store.transaction { db in
                var failed = install
                if failed.state == .installing {
                    failed.state = try failed.state.move(to: .failed)
                    failed.failure = "the install was interrupted (the platform stopped before it finished)"
                    failed.updatedAt = now
                    try await installs.update(failed, in: db)
                }
                try await installs.finish(attemptId: attempt.id, state: "failed", error: "interrupted", at: now, in: db)
            }
        }
        let due = try await store.read { db in try await installs.uninstalledDue(before: now, in: db) }
        for install in due { try await purge(install) }
        return stale.count
    }

    /// Removes everything an uninstalled install left once its retention has passed: its
    /// settings and event deliveries (their payloads hold the settings), the app's kv entries and
    /// the tenant's secret overrides for it, and its instances' data directories. What belongs to
    /// (tenant, app) rather than to the install — kv, overrides, data — stays when the tenant has
    /// installed the app again since: it is the new install's now. Audited as `install.purge`.
    func purge(_ install: InstallRecord) async throws {
        let kv = PlatformToolRepository(), secrets = SecretRepository()
        let reinstalled = try await store.transaction { db -> Bool in
            var purged = install
            purged.purgeAfter = nil
            purged.settings = "{}"
            try await installs.update(purged, in: db)
            var removed = JSONObject([("event_deliveries", .number(Double(try await installs.deleteDeliveries(installId: install.id, in: db))))])
            let reinstalled = try await installs.active(tenantId: install.tenantId, appId: install.appId, in: db) != nil
            if !reinstalled {
                removed["kv_entries"] = .number(Double(try await kv.kvDeleteAll(tenantId: install.tenantId, appId: install.appId, in: db)))
                removed["secret_overrides"] = .number(
                    Double(try await secrets.deleteOverrides(appId: install.appId, tenantId: install.tenantId, in: db)))
            }
            try await AuditLog.admin(
                actor: "platform", "install.purge", tenant: try await tenants.find(id: install.tenantId, in: db)?.slug,
                app: try await registry.app(id: install.appId, in: db)?.slug,
                input: ["install": .string(install.id), "removed": .object(removed), "reinstalled": .bool(reinstalled)], store: store, env: env,
                in: db)
            return reinstalled
        }
        guard !reinstalled else { return }
        let versions = try await store.read { db in try await registry.versions(appId: install.appId, in: db) }
        for v in versions {
            let id = InstanceProvisioner.instanceId(tenantId: install.tenantId, appId: install.appId, version: v.version)
            try? FileManager.default.removeItem(at: dataRoot.appendingPathComponent("data").appendingPathComponent(id))
        }
    }
}
