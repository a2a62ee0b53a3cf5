import Foundation
import MarinaRuntime
import MarinaStore

/// What runs: instance states for operators and tenants, and each instance's rolling log.
public struct InstanceService: Sendable {
    let store: Store
    let supervisor: Supervisor
    let tenantService: TenantService
    let dispatcher: Dispatcher
    let registry = RegistryRepository()
    let tenants = TenantRepository()

    public init(store: Store, supervisor: Supervisor, tenants: TenantService, dispatcher: Dispatcher) {
        self.store = store
        self.supervisor = supervisor
        self.tenantService = tenants
        self.dispatcher = dispatcher
    }

    /// Every instance (admin), or the caller's tenant's.
    public func list(_ principal: Principal) async throws -> [InstanceStatus] {
        let all = await supervisor.status()
        if principal.isAdmin { return all }
        guard principal.role.isTenantRole, let tenantId = principal.tenantId,
            let tenant = try await store.read({ db in try await tenants.find(id: tenantId, in: db) })
        else { return [] }
        return all.filter { $0.tenant == tenant.slug }
    }

    /// The log of the tenant's instance of the app (its installed version): for the platform
    /// admin, the tenant's admins and the app's owner.
    public func log(_ principal: Principal, tenant tenantSlug: String, app appSlug: String) async throws -> InstanceLog? {
        let tenant: TenantRecord
        if principal.role == .developer {
            guard let found = try await store.read({ db in try await tenants.find(slug: tenantSlug, in: db) }),
                let app = try await store.read({ db in try await registry.app(slug: appSlug, in: db) }), app.ownerId == principal.identityId
            else {
                throw PlatformError.notFound("app \(appSlug) in tenant \(tenantSlug)")
            }
            tenant = found
        } else {
            tenant = try await tenantService.resolve(principal, slug: tenantSlug)
            guard principal.isAdmin || principal.role == .tenantAdmin else { throw PlatformError.forbidden("only tenant admins read app logs") }
        }
        let target = try await dispatcher.target(tenant: tenant, appSlug: appSlug)
        let id = InstanceProvisioner.instanceId(tenantId: tenant.id, appId: target.app.id, version: target.version.version)
        return await supervisor.log(id)
    }
}
