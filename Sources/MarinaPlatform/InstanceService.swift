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
    public func log(_ principal: Principal, tenant tenantSlug: String, app appSlug: String) async throws -> InstanceLogTail? {
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
        return await supervisor.log(id).map(InstanceLogTail.init)
    }
}

/// An instance's log as its readers get it: the lines kept so far, and the lines as they come.
public struct InstanceLogTail: Sendable {
    /// One line of an instance's output, or a note of the platform's about it (`stream` "marina").
    public struct Line: Sendable, Codable, Equatable {
        public var time: Date
        public var stream: String
        public var text: String

        init(_ line: InstanceLog.Line) { (time, stream, text) = (line.time, line.stream, line.text) }
    }

    let log: InstanceLog

    /// The lines kept so far (the newest last).
    public func lines() -> [Line] { log.lines().map(Line.init) }

    /// The lines from now on, until the instance's log ends or the reader stops.
    public func follow() -> AsyncStream<Line> {
        let source = log.follow()
        return AsyncStream { continuation in
            let relay = Task {
                for await line in source { continuation.yield(Line(line)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in relay.cancel() }
        }
    }
}
