import Foundation
import Logging
import MarinaCore
import MarinaRuntime
import MarinaStore

/// Installs: a tenant's installation of one version of an app, with the scopes it granted, its
/// settings and its update policy. One active install per (tenant, app), enforced by the
/// database. Every install and uninstall is recorded as an attempt before any side effect; the
/// reaper finishes attempts a crash left half-way.
public struct InstallService: Sendable {
    public enum Policy: String, Sendable, Codable, CaseIterable { case auto, manual, pinned }

    let store: Store
    let env: PlatformEnvironment
    let tenantService: TenantService
    let directory: InstallDirectory
    let events: EventQueue
    let supervisor: Supervisor
    let secrets: SecretsService?
    let logger: Logger
    let installs = InstallRepository()
    let registry = RegistryRepository()
    let tenants = TenantRepository()
    /// How long an uninstalled install's data is kept before it is removed.
    public let retention: TimeInterval
    let dataRoot: URL

    public init(
        store: Store, env: PlatformEnvironment = .live, tenants: TenantService, directory: InstallDirectory, events: EventQueue,
        supervisor: Supervisor,
        secrets: SecretsService? = nil,
        dataRoot: URL, retention: TimeInterval = 7 * 86_400, logger: Logger = Logger(label: "marina.installs")
    ) {
        self.secrets = secrets
        self.store = store
        self.env = env
        self.tenantService = tenants
        self.directory = directory
        self.events = events
        self.supervisor = supervisor
        self.dataRoot = dataRoot
        self.retention = retention
        self.logger = logger
    }

    public struct Request: Sendable, Codable {
        public var version: String?
        public var grant: [String]?
        public var grantAll: Bool?
        public var policy: Policy?
        public var settings: [String: JSONValue]?
        enum CodingKeys: String, CodingKey { case version, grant, policy, settings, grantAll = "grant_all" }
        public init(
            version: String? = nil, grant: [String]? = nil, grantAll: Bool? = nil, policy: Policy? = nil, settings: [String: JSONValue]? = nil
        ) {
            (self.version, self.grant, self.grantAll, self.policy, self.settings) = (version, grant, grantAll, policy, settings)
        }
    }

    func requireTenantAdmin(_ principal: Principal, _ tenantSlug: String) async throws -> TenantRecord {
        let tenant = try await tenantService.resolve(principal, slug: tenantSlug)
        guard principal.isAdmin || principal.role == .tenantAdmin else {
            throw PlatformError.forbidden("only tenant admins install and uninstall apps")
        }
        return tenant
    }

    public func install(_ principal: Principal, tenant tenantSlug: String, app appSlug: String, _ request: Request) async throws -> InstallView {
        let tenant = try await requireTenantAdmin(principal, tenantSlug)
        let (app, version, manifest) = try await installableVersion(tenant: tenant, app: appSlug, version: request.version, principal: principal)
        let granted = try grants(request, manifest)
        let (settings, secretSettings) = try checkSettings(request.settings ?? [:], manifest)
        if !secretSettings.isEmpty && secrets == nil {
            throw PlatformError(.unavailable, .noVault, "this platform has no secrets vault for secret settings")
        }
        let now = env.millis
        let install = InstallRecord(
            id: env.id("ins"), tenantId: tenant.id, appId: app.id, versionId: version.id, state: .installing,
            policy: (request.policy ?? .auto).rawValue, grantedScopes: CanonicalJSON.string(.array(granted.map(JSONValue.string))),
            settings: CanonicalJSON.string(.object(JSONObject(settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))),
            needsConsent: false, failure: nil, createdBy: principal.identityId, createdAt: now, updatedAt: now, purgeAfter: nil)
        let attempt = InstallAttemptRecord(id: env.id("att"), installId: install.id, kind: "install", state: "started", startedAt: now)
        let wantsEvent = manifest.events.contains("install")
        do {
            try await store.transaction { db in
                try await installs.insert(install, in: db)
                try await installs.insert(attempt, in: db)
                // Secret settings become the tenant's overrides, encrypted, never install settings.
                for (key, value) in secretSettings.sorted(by: { $0.key < $1.key }) {
                    _ = try await secrets?.write(
                        value: value, description: "install setting", app: app, tenant: tenant, key: key, actor: principal.identityId, now: now,
                        in: db)
                }
                try await AuditLog.admin(
                    principal, "install", tenant: tenant.slug, app: appSlug, version: version.version,
                    input: [
                        "granted_scopes": .array(granted.map(JSONValue.string)), "policy": .string(install.policy),
                        "settings": .array(settings.keys.sorted().map(JSONValue.string)),
                    ], store: store, env: env, in: db)
                if wantsEvent {
                    // The app learns its settings here (secret ones through `app-secrets`, never in events).
                    let payload: JSONValue = [
                        "granted_scopes": .array(granted.map(JSONValue.string)),
                        "settings": .object(JSONObject(settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
                    ]
                    try await events.enqueue(
                        install: install, versionId: version.id, type: "install", payload: payload, attemptId: attempt.id, in: db)
                } else {
                    var active = install
                    active.state = try active.state.move(to: .active)
                    try await installs.update(active, in: db)
                    try await installs.finish(attemptId: attempt.id, state: "done", error: nil, at: now, in: db)
                }
            }
        } catch StoreError.conflict {
            throw PlatformError(.conflict, .alreadyInstalled, "\(appSlug) is already installed in \(tenantSlug); uninstall it or upgrade")
        }
        directory.changed()
        if wantsEvent { events.wake() }
        logger.info("install", metadata: ["tenant": .string(tenantSlug), "app": .string(appSlug), "version": .string(version.version)])
        return try await view(installId: install.id)
    }

    /// The version a tenant may install: the one asked for (if the tenant can see it), else the
    /// `current` channel's. An app the tenant cannot see (none of its channels is released to the
    /// tenant) is `not_found` before anything else about it is said, like one that does not exist.
    func installableVersion(
        tenant: TenantRecord, app slug: String, version: String?, principal: Principal
    ) async throws -> (AppRecord, VersionRecord, Manifest) {
        // One answer for an app that does not exist and one the tenant cannot see.
        let notFound =
            principal.isAdmin
            ? PlatformError(.notFound, .notFound, "app \(slug) was not found: no version of it was ever published (`marina publish`)")
            : PlatformError(
                .notFound, .notFound,
                "app \(slug) was not found: no app of that id has a version released to \(tenant.slug) (its developer releases one with `marina deploy`)"
            )
        return try await store.read { db in
            guard let app = try await registry.app(slug: slug, in: db) else { throw notFound }
            let channels = try await registry.channels(appId: app.id, in: db)
            let visible = channels.filter { $0.channel == "current" || ($0.channel == "staging" && tenant.staging) }
            if !principal.isAdmin && visible.isEmpty { throw notFound }
            let record: VersionRecord?
            if let version {
                let candidate = try await registry.version(appId: app.id, version: version, in: db)
                let allowed = principal.isAdmin || visible.contains { $0.versionId == candidate?.id }
                record = allowed ? candidate : nil
                if record == nil { throw PlatformError(.notFound, .versionNotFound, "\(slug) \(version) is not installable here") }
            } else {
                guard let current = channels.first(where: { $0.channel == "current" }) else {
                    throw try await Self.noCurrentVersion(app, slug: slug, tenant: tenant, staging: visible.first, admin: principal.isAdmin, in: db)
                }
                record = try await registry.version(id: current.versionId, in: db)
            }
            guard let record else { throw PlatformError.notFound("app \(slug)") }
            return (app, record, try Self.manifest(record))
        }
    }

    /// An app the caller may see, with nothing on `current`: what is wrong, and what to run.
    static func noCurrentVersion(
        _ app: AppRecord, slug: String, tenant: TenantRecord, staging: ChannelRecord?, admin: Bool, in db: StoreHandle
    ) async throws -> PlatformError {
        let registry = RegistryRepository()
        let install = "marina install \(slug) --tenant \(tenant.slug) --version"
        if let staging, let staged = try await registry.version(id: staging.versionId, in: db) {
            return PlatformError(
                .conflict, .noCurrentVersion,
                "\(slug) has no version on its current channel, only \(staged.version) on staging: install that one by name (`\(install) \(staged.version)`)"
            )
        }
        let newest = try await registry.versions(appId: app.id, in: db).compactMap { SemanticVersion($0.version) }.max()?.description ?? "VERSION"
        let hint =
            admin
            ? "make one current with `marina deploy --app \(slug) --version \(newest)`, or install one by name (`\(install) \(newest)`)"
            : "its developer makes one current with `marina deploy`"
        return PlatformError(
            .conflict, .noCurrentVersion,
            "\(slug) has published versions (the newest is \(newest)) but none on its current channel, so there is no version to install by default: \(hint)"
        )
    }

    static func manifest(_ version: VersionRecord) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(version.manifestJson.utf8))
    }

    public func uninstall(_ principal: Principal, tenant tenantSlug: String, app appSlug: String) async throws -> InstallView {
        let tenant = try await requireTenantAdmin(principal, tenantSlug)
        let now = env.millis
        let (install, version, started) = try await store.transaction { db -> (InstallRecord, VersionRecord, Bool) in
            guard let app = try await registry.app(slug: appSlug, in: db),
                var install = try await installs.active(tenantId: tenant.id, appId: app.id, in: db),
                let version = try await registry.version(id: install.versionId, in: db)
            else {
                throw PlatformError(.notFound, .notInstalled, "\(appSlug) is not installed in \(tenantSlug)")
            }
            // Already on its way out (a concurrent uninstall): this one changes nothing more.
            if install.state == .uninstalling { return (install, version, false) }
            try await installs.insert(
                InstallAttemptRecord(id: env.id("att"), installId: install.id, kind: "uninstall", state: "started", startedAt: now), in: db)
            install.state = try install.state.move(to: .uninstalling)
            install.updatedAt = now
            install.tokenGeneration += 1
            try await installs.update(install, in: db)
            try await AuditLog.admin(
                principal, "uninstall", tenant: tenant.slug, app: appSlug, version: version.version, store: store, env: env, in: db)
            return (install, version, true)
        }
        guard started else { return try await view(installId: install.id) }
        directory.changed()
        let manifest = try Self.manifest(version)
        if manifest.events.contains("uninstall") && install.state == .uninstalling {
            // Best effort, with a few quick retries: the tenant asked for the app to go.
            try? await events.deliverNow(install: install, versionId: version.id, type: "uninstall", payload: [:], attempts: 3)
        }
        try await finishUninstall(install, version: version)
        return try await view(installId: install.id)
    }

    func finishUninstall(_ install: InstallRecord, version: VersionRecord) async throws {
        directory.changed()
        defer { directory.changed() }
        let instance = InstanceProvisioner.instanceId(tenantId: install.tenantId, appId: install.appId, version: version.version)
        await supervisor.forget(instance)
        let now = env.millis
        try await store.transaction { db in
            // Read again: another uninstall (the reaper, a second replica) may have finished it.
            guard var done = try await installs.install(id: install.id, in: db), done.state != .uninstalled else { return }
            done.state = try done.state.move(to: .uninstalled)
            done.updatedAt = now
            done.purgeAfter = now + Int64(retention * 1000)
            try await installs.update(done, in: db)
            for attempt in try await installs.staleAttempts(startedBefore: now + 1, in: db) where attempt.installId == install.id {
                try await installs.finish(attemptId: attempt.id, state: "done", error: nil, at: now, in: db)
            }
        }
    }

    /// The scopes `target` adds to what `previous` declared that the install has not granted:
    /// moving to `target` needs the tenant's consent to these. A scope the tenant declined before
    /// (declared by both, never granted) stays declined and holds nothing up.
    static func scopesNeedingConsent(target: Manifest, previous: Manifest, granted: [String]) -> [String] {
        target.scopes.filter { !previous.scopes.contains($0) && !granted.contains($0) }
    }

    /// Moves an install to a newer version: the one given, else `current`. Scopes the new
    /// version adds must be granted (pass them in `grant`) — re-consent when scopes grow.
    public func upgrade(_ principal: Principal, tenant tenantSlug: String, app appSlug: String, _ request: Request) async throws -> InstallView {
        let tenant = try await requireTenantAdmin(principal, tenantSlug)
        let (app, target, manifest) = try await installableVersion(tenant: tenant, app: appSlug, version: request.version, principal: principal)
        let now = env.millis
        let (old, oldVersion) = try await store.transaction { db -> (InstallRecord, VersionRecord) in
            guard var install = try await installs.active(tenantId: tenant.id, appId: app.id, in: db), install.state == .active,
                let current = try await registry.version(id: install.versionId, in: db)
            else {
                throw PlatformError(.notFound, .notInstalled, "\(appSlug) is not installed (and active) in \(tenantSlug)")
            }
            let previous = install
            var granted = install.granted
            granted = Array(Set(granted + (request.grantAll == true ? manifest.scopes : (request.grant ?? []))))
            let missing = Self.scopesNeedingConsent(target: manifest, previous: try Self.manifest(current), granted: granted)
            guard missing.isEmpty else {
                throw PlatformError(
                    .conflict, .consentRequired,
                    "\(appSlug) \(target.version) needs scopes not granted yet: \(missing.joined(separator: ", ")); upgrade with --grant")
            }
            install.versionId = target.id
            install.grantedScopes = CanonicalJSON.string(.array(manifest.scopes.filter(granted.contains).map(JSONValue.string)))
            install.needsConsent = false
            install.updatedAt = now
            install.tokenGeneration += 1
            if let policy = request.policy { install.policy = policy.rawValue }
            try await installs.update(install, in: db)
            try await AuditLog.admin(
                principal, "upgrade", tenant: tenant.slug, app: appSlug, version: target.version,
                input: ["from": .string(current.version), "granted_scopes": .array(manifest.scopes.filter(granted.contains).map(JSONValue.string))],
                store: store, env: env, in: db)
            return (previous, current)
        }
        directory.changed()
        if oldVersion.id != target.id {
            await supervisor.forget(InstanceProvisioner.instanceId(tenantId: old.tenantId, appId: old.appId, version: oldVersion.version))
        }
        return try await view(installId: old.id)
    }

    public func list(_ principal: Principal, tenant tenantSlug: String) async throws -> [InstallView] {
        let tenant = try await tenantService.resolve(principal, slug: tenantSlug)
        let ids = try await store.read { db in try await installs.installs(tenantId: tenant.id, in: db).map(\.id) }
        var views: [InstallView] = []
        for id in ids { views.append(try await view(installId: id)) }
        return views
    }

    public func get(_ principal: Principal, tenant tenantSlug: String, app appSlug: String) async throws -> InstallView {
        let tenant = try await tenantService.resolve(principal, slug: tenantSlug)
        guard
            let install = try await store.read({ db -> InstallRecord? in
                guard let app = try await registry.app(slug: appSlug, in: db) else { return nil }
                return try await installs.active(tenantId: tenant.id, appId: app.id, in: db)
            })
        else { throw PlatformError(.notFound, .notInstalled, "\(appSlug) is not installed in \(tenantSlug)") }
        return try await view(installId: install.id)
    }

    func view(installId: String) async throws -> InstallView {
        try await store.read { db in
            guard let install = try await installs.install(id: installId, in: db), let app = try await registry.app(id: install.appId, in: db),
                let version = try await registry.version(id: install.versionId, in: db),
                let tenant = try await tenants.find(id: install.tenantId, in: db)
            else {
                throw PlatformError.notFound("install")
            }
            let granted = install.granted
            let settings = (try? ManifestLoader.parseDocument(Array(install.settings.utf8), fileName: "s.json")) ?? [:]
            return InstallView(
                id: install.id, tenant: tenant.slug, app: app.slug, version: version.version, state: install.state.rawValue, policy: install.policy,
                grantedScopes: granted, settings: settings, needsConsent: install.needsConsent, failure: install.failure,
                createdAt: Timestamp.iso(install.createdAt), updatedAt: Timestamp.iso(install.updatedAt))
        }
    }

}
