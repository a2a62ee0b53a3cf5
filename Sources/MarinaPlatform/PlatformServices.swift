import MarinaCore
import MarinaStore

/// The services the HTTP layer calls, composed by `MarinaServer.Platform.build`.
public struct PlatformServices: Sendable {
    public let store: Store
    public let access: AccessService
    public let tenants: TenantService
    public let registry: RegistryService
    public let audit: AuditService
    /// The vault's faces; absent in a composition without one.
    public let secrets: SecretsService?
    public let keys: KeyRotationService?
    /// The app-facing boundary and the keys that verify platform tokens.
    public let gateway: ToolGateway?
    public let jwks: (@Sendable () async -> JSONValue)?
    /// The runtime side; absent in a registry-only composition.
    public let runtime: RuntimeServices?

    /// Whether the database answers (readiness).
    public func databaseReachable() async -> Bool { await store.ping() }

    public init(
        store: Store, access: AccessService, tenants: TenantService, registry: RegistryService, runtime: RuntimeServices? = nil,
        secrets: SecretsService? = nil, keys: KeyRotationService? = nil, gateway: ToolGateway? = nil, jwks: (@Sendable () async -> JSONValue)? = nil
    ) {
        self.audit = AuditService(store: store, tenants: tenants)
        (self.store, self.access, self.tenants, self.registry, self.runtime) = (store, access, tenants, registry, runtime)
        (self.secrets, self.keys, self.gateway, self.jwks) = (secrets, keys, gateway, jwks)
    }
}

/// Installs, dispatch, events and instances.
public struct RuntimeServices: Sendable {
    public var installs: InstallService
    public var dispatcher: Dispatcher
    public var events: EventQueue
    public var instances: InstanceService

    public init(installs: InstallService, dispatcher: Dispatcher, events: EventQueue, instances: InstanceService) {
        self.installs = installs
        self.dispatcher = dispatcher
        self.events = events
        self.instances = instances
    }
}
