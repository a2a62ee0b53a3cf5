import Foundation
import MarinaCore
import MarinaStore

/// Installs with the `auto` policy following their app's `current` channel.
extension InstallService {
    /// After `current` moves: `auto` installs follow unless the new version adds scopes they have
    /// not granted (then they stay and are flagged as needing consent); `manual` and `pinned` stay.
    public func currentChanged(appSlug: String) async throws {
        let moved: [(InstallRecord, VersionRecord)] = try await store.transaction { db in
            guard let app = try await registry.app(slug: appSlug, in: db),
                let pointer = try await registry.channels(appId: app.id, in: db).first(where: { $0.channel == "current" }),
                let target = try await registry.version(id: pointer.versionId, in: db)
            else { return [] }
            let manifest = try Self.manifest(target)
            var moved: [(InstallRecord, VersionRecord)] = []
            for var install in try await installs.installs(appId: app.id, in: db)
            where install.policy == "auto" && install.state == .active && install.versionId != target.id {
                guard let old = try await registry.version(id: install.versionId, in: db) else { continue }
                if Self.scopesNeedingConsent(target: manifest, previous: try Self.manifest(old), granted: install.granted).isEmpty {
                    install.versionId = target.id
                    install.needsConsent = false
                    install.tokenGeneration += 1
                    moved.append((install, old))
                    try await AuditLog.admin(
                        actor: "platform", "upgrade", tenant: try await tenants.find(id: install.tenantId, in: db)?.slug, app: appSlug,
                        version: target.version, input: ["from": .string(old.version), "policy": "auto"], store: store, env: env, in: db)
                } else {
                    install.needsConsent = true
                }
                install.updatedAt = env.millis
                try await installs.update(install, in: db)
            }
            return moved
        }
        directory.changed()
        for (install, old) in moved {
            await supervisor.forget(InstanceProvisioner.instanceId(tenantId: install.tenantId, appId: install.appId, version: old.version))
        }
    }
}
