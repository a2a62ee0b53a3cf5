import MarinaCore
import MarinaPlatform
import MarinaStore

/// The services the HTTP layer calls, composed by `serve` (or a test).
public struct PlatformServices: Sendable {
    public var store: Store
    public var access: AccessService
    public var tenants: TenantService
    public var registry: RegistryService
    public var audit: AuditService
    /// The vault's faces; absent in a composition without one.
    public var secrets: SecretsService?
    public var keys: KeyRotationService?
    /// The app-facing boundary and the keys that verify platform tokens.
    public var gateway: ToolGateway?
    public var jwks: (@Sendable () async -> JSONValue)?
    /// The runtime side; absent in a registry-only composition.
    public var runtime: RuntimeServices?

    public init(store: Store, access: AccessService, tenants: TenantService, registry: RegistryService, runtime: RuntimeServices? = nil) {
        self.audit = AuditService(store: store, tenants: tenants)
        self.store = store
        self.access = access
        self.tenants = tenants
        self.registry = registry
        self.runtime = runtime
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
