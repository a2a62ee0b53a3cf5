import Foundation
import MarinaCore
import MarinaStore

/// The one read model of installs: an install with its tenant, app and version, and the
/// version's decoded manifest and compiled schemas. Calls from outside find an install by
/// (tenant, app), an active one cached for a second; an app's own token finds it by install id,
/// never cached (a revocation must hold at once). One invalidation rule: whatever changes an
/// install in this process calls `changed()`, which forgets every route (another replica's
/// change is seen within the second); versions never change, so what is derived from them stays.
public final class InstallDirectory: Sendable {
    /// An install as it stands, with what it belongs to.
    public struct Entry: Sendable {
        public var tenant: TenantRecord
        public var app: AppRecord
        public var install: InstallRecord
        public var version: VersionRecord
    }

    let store: Store
    let env: PlatformEnvironment
    let routes = TTLCache<String, Entry>(ttl: 1)
    let versions = VersionCache()
    let installs = InstallRepository()
    let registry = RegistryRepository()
    let tenants = TenantRepository()

    public init(store: Store, env: PlatformEnvironment = .live) { (self.store, self.env) = (store, env) }

    /// The route cached for (tenant, app), if any; the caller still applies its isolation rule.
    func cached(tenant: String, app: String) -> Entry? { routes.value(tenant + "/" + app, now: env.now()) }

    /// The tenant's install of `appSlug` that is not uninstalled (any other state: the caller
    /// decides what it may do); an active one is remembered for a second, any other is read
    /// again at the next call (it is about to change).
    func install(of appSlug: String, in tenant: TenantRecord) async throws -> Entry? {
        let found = try await store.read { db -> Entry? in
            guard let app = try await self.registry.app(slug: appSlug, in: db),
                let install = try await self.installs.active(tenantId: tenant.id, appId: app.id, in: db),
                let version = try await self.registry.version(id: install.versionId, in: db)
            else { return nil }
            return Entry(tenant: tenant, app: app, install: install, version: version)
        }
        if let found, found.install.state == .active { routes.store(tenant.slug + "/" + appSlug, found, now: env.now()) }
        return found
    }

    /// The install `id` as it stands now, read from the database.
    func install(id: String) async throws -> Entry? {
        try await store.read { db -> Entry? in
            guard let install = try await self.installs.install(id: id, in: db) else { return nil }
            return try await self.entry(of: install, version: install.versionId, in: db)
        }
    }

    /// What an install the caller has just read belongs to, at `versionId` (an event queued for
    /// an older version is delivered to that version).
    func entry(of install: InstallRecord, version versionId: String) async throws -> Entry? {
        try await store.read { db in try await self.entry(of: install, version: versionId, in: db) }
    }

    private func entry(of install: InstallRecord, version versionId: String, in db: StoreHandle) async throws -> Entry? {
        guard let tenant = try await tenants.find(id: install.tenantId, in: db), let app = try await registry.app(id: install.appId, in: db),
            let version = try await registry.version(id: versionId, in: db)
        else { return nil }
        return Entry(tenant: tenant, app: app, install: install, version: version)
    }

    /// The version's manifest and its tools' compiled schemas, computed once per process.
    func compiled(_ version: VersionRecord) throws -> VersionCache.Entry { try versions.entry(version) }

    /// An install changed (installed, upgraded, uninstalled, its grants or state moved): every
    /// route is read again.
    public func changed() { routes.removeAll() }
}
