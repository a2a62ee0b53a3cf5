import MarinaPlatform
import MarinaStore

/// The services the HTTP layer calls, composed by `serve` (or a test).
public struct PlatformServices: Sendable {
    public var store: Store
    public var access: AccessService
    public var tenants: TenantService
    public var registry: RegistryService

    public init(store: Store, access: AccessService, tenants: TenantService, registry: RegistryService) {
        self.store = store
        self.access = access
        self.tenants = tenants
        self.registry = registry
    }
}
