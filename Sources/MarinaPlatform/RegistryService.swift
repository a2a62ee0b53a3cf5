import Foundation
import Logging
import MarinaBundle
import MarinaCore
import MarinaEventLoops
import MarinaRuntime
import MarinaStore

/// Apps and their immutable versions: publish (validate, hash, store the bundle, record the
/// version in one transaction), deploy to a channel (rolling back is deploying an older version),
/// and the read side.
public struct RegistryService: Sendable {
    let store: Store
    let bundles: BundleStore
    let env: PlatformEnvironment
    let validation: ValidationContext
    let bundleLimits: BundleLimits
    let logger: Logger
    let registry = RegistryRepository()
    let identities = IdentityRepository()
    let tenants = TenantRepository()
    /// Called after `current` moves (installs with the `auto` policy follow it).
    let afterCurrentMoved: (@Sendable (String) async throws -> Void)?

    public static let channels = ["current", "staging"]

    public init(
        store: Store, bundles: BundleStore, env: PlatformEnvironment = .live, validation: ValidationContext = .init(),
        logger: Logger = Logger(label: "marina.registry"),
        afterCurrentMoved: (@Sendable (String) async throws -> Void)? = nil
    ) {
        self.store = store
        self.afterCurrentMoved = afterCurrentMoved
        self.bundles = bundles
        self.env = env
        self.validation = validation
        self.bundleLimits = BundleLimits(maxCompressedBytes: bundles.maxBytes)
        self.logger = logger
    }

    // MARK: Publish

    /// Publishes a version of `slug`. `receive` writes the uploaded bundle into the upload it is
    /// given; `expectedManifestHash` (sent by the CLI) must match the manifest inside the bundle.
    /// Nothing is stored unless every check passes: the owner is checked before the upload is
    /// read, and the bundle is moved into the store only inside the transaction that records its
    /// version, after that transaction's checks.
    public func publish(
        _ principal: Principal, app slug: String, expectedManifestHash: String?,
        receive: (BundleStore.Upload) async throws -> Void
    ) async throws -> VersionView {
        guard principal.role == .developer || principal.isAdmin else {
            throw PlatformError.forbidden("only developers and admins publish apps")
        }
        guard Slug.isValid(slug) else { throw PlatformError.invalid("\"\(slug)\" is not a valid app id", code: .invalidApp) }
        // App ids are global, so another developer's id is refused as theirs (it cannot be taken);
        // checked again in the transaction, for an app created meanwhile.
        if let existing = try await store.read({ db in try await registry.app(slug: slug, in: db) }),
            !(existing.ownerId == principal.identityId || principal.isAdmin)
        {
            throw PlatformError(.forbidden, .notAppOwner, "the app \(slug) belongs to another developer")
        }
        let upload = try bundles.beginUpload()
        // Gone once committed (moved into the store); otherwise the refused upload is removed.
        defer { upload.discard() }
        do {
            try await receive(upload)
        } catch BundleStore.Failure.tooLarge(let limit) {
            throw PlatformError(.tooLarge, .bundleTooLarge, "the bundle is larger than the limit of \(limit) bytes")
        }
        guard upload.size > 0 else { throw PlatformError(.invalid, .bundleTruncated, "the request carried no bundle") }
        let (bundleHash, (report, manifestFile)) = try await Offload.run { (try upload.finish(), try inspect(upload.url)) }
        guard let manifest = report.manifest, let native = report.native, let manifestHash = report.hash, report.isValid else {
            throw PlatformError(
                .unprocessable, .manifestInvalid, "\(manifestFile) in the bundle is invalid (\(report.diagnostics.count) problems)",
                details: .array(
                    report.diagnostics.map { ["code": .string($0.code.rawValue), "path": .string($0.path), "message": .string($0.message)] }))
        }
        // Tool schemas are used on every call: one the validator cannot compile is refused now,
        // not discovered by the first tenant who calls the tool.
        var schemaProblems: [JSONValue] = []
        for (i, tool) in manifest.tools.enumerated() {
            for (field, schema) in [("input_schema", Optional(tool.inputSchema)), ("output_schema", tool.outputSchema)] {
                guard let schema else { continue }
                do { _ = try JSONSchemaValidator(schema: schema) } catch {
                    schemaProblems.append([
                        "code": "invalid_value", "path": .string("/tools/\(i)/\(field)"), "message": .string("the schema cannot be used: \(error)"),
                    ])
                }
            }
        }
        guard schemaProblems.isEmpty else {
            throw PlatformError(
                .unprocessable, .manifestInvalid, "\(manifestFile) has tool schemas Marina cannot apply", details: .array(schemaProblems))
        }
        guard manifest.app.id == slug else {
            throw PlatformError(.unprocessable, .appMismatch, "the bundle's manifest is for app \(manifest.app.id), not \(slug)")
        }
        if let expectedManifestHash, expectedManifestHash != manifestHash {
            throw PlatformError(
                .unprocessable, .manifestMismatch,
                "the manifest inside the bundle (\(manifestHash)) differs from the one sent (\(expectedManifestHash))")
        }
        let newVersion = manifest.version
        let now = env.millis
        let record = VersionRecord(
            id: env.id("ver"), appId: "", version: newVersion.description, manifestJson: CanonicalJSON.string(native),
            manifestHash: manifestHash, manifestFormat: report.format!.rawValue, bundleHash: bundleHash,
            bundleSize: Int64(upload.size), publisherId: principal.identityId, publishedAt: now)
        let appId = env.id("app")
        let bundles = self.bundles
        let stored: VersionRecord = try await store.transaction { db in
            var app = try await registry.lockApp(slug: slug, in: db)
            if app == nil {
                let created = AppRecord(id: appId, slug: slug, ownerId: principal.identityId, createdAt: now)
                do {
                    try await registry.insert(created, in: db)
                } catch StoreError.conflict {
                    throw PlatformError(.conflict, .publishConflict, "another publish of \(slug) is in progress; try again")
                }
                app = created
            }
            guard let app else { throw PlatformError.notFound("app \(slug)") }
            guard app.ownerId == principal.identityId || principal.isAdmin else {
                throw PlatformError(.forbidden, .notAppOwner, "the app \(slug) belongs to another developer")
            }
            let existing = try await registry.versions(appId: app.id, in: db).compactMap { SemanticVersion($0.version) }
            if let newest = existing.max(), !(newest < newVersion) {
                throw PlatformError(
                    .conflict, .versionNotIncreasing, "\(slug) \(newVersion) is not above the newest version \(newest); versions strictly increase"
                )
            }
            var version = record
            version.appId = app.id
            do {
                try await registry.insert(version, in: db)
            } catch StoreError.conflict {
                throw PlatformError(.conflict, .versionNotIncreasing, "\(slug) \(newVersion) was published by someone else just now")
            }
            try await AuditLog.admin(
                principal, "publish", app: slug, version: version.version,
                input: ["bundle": .string(bundleHash), "manifest_hash": .string(manifestHash)], store: store, env: env, in: db)
            // Last, once every check passed: the bundle goes into the content store before the
            // version commits, so a process dying in between leaves an unreferenced bundle for the
            // janitor, never a version without its bundle. (A rename; the app's row is locked.)
            do { try bundles.commit(upload, hash: bundleHash) } catch { throw PlatformError(.internalError, .bundleStoreFailed, "\(error)") }
            return version
        }
        logger.info(
            "published",
            metadata: ["app": .string(slug), "version": .string(stored.version), "bundle": .string(bundleHash), "by": .string(principal.identityId)])
        return VersionView(stored, app: slug, publisher: principal.name, channels: [])
    }

    /// Checks the bundle and reads its manifest.
    func inspect(_ url: URL) throws -> (ManifestReport, String) {
        let result = Result { () throws(BundleError) in
            try BundleReader.inspect(
                url, limits: bundleLimits, files: Set(ManifestFormat.fileNames), maxFileBytes: DocumentLimits.default.maxBytes + 1)
        }
        let summary: BundleReader.Summary
        switch result {
        case .success(let s): summary = s
        case .failure(let error): throw PlatformError(error.code == .tooLarge ? .tooLarge : .invalid, ErrorCode(family: error.code), error.message)
        }
        guard let name = ManifestFormat.fileNames.first(where: { summary.files[$0] != nil }), let bytes = summary.files[name] else {
            throw PlatformError(
                .unprocessable, ErrorCode(family: BundleErrorCode.noManifest),
                "the bundle has no manifest at its top level (\(ManifestFormat.fileNames.joined(separator: ", ")))")
        }
        return (ManifestLoader.load(bytes: bytes, fileName: name, context: validation), name)
    }

    // MARK: Deploy

    /// Points a channel at a version. Deploying an older version is a rollback, refused below the
    /// `listing.minimum_rollback_version` of the version the channel points at now.
    public func deploy(_ principal: Principal, app slug: String, version: String, channel: String) async throws -> DeployView {
        let view = try await move(principal, app: slug, version: version, channel: channel)
        if view.changed && channel == "current", let afterCurrentMoved {
            do { try await afterCurrentMoved(slug) } catch {
                logger.error("moving installs to the new current version failed", metadata: ["app": .string(slug), "error": .string("\(error)")])
            }
        }
        return view
    }

    func move(_ principal: Principal, app slug: String, version: String, channel: String) async throws -> DeployView {
        guard Self.channels.contains(channel) else {
            throw PlatformError.invalid("\"\(channel)\" is not a channel (current, staging)", code: .invalidChannel)
        }
        guard let target = SemanticVersion(version) else {
            throw PlatformError.invalid("\"\(version)\" is not a semantic version", code: .invalidVersion)
        }
        let now = env.millis
        let moveId = env.id("mov")
        return try await store.transaction { db in
            guard let app = try await registry.lockApp(slug: slug, in: db), try await canSee(principal, app, in: db) else {
                throw PlatformError.notFound("app \(slug)")
            }
            guard app.ownerId == principal.identityId || principal.isAdmin else {
                throw PlatformError(.forbidden, .notAppOwner, "only the app's owner or an admin deploys it")
            }
            guard let versionRecord = try await registry.version(appId: app.id, version: target.description, in: db) else {
                throw PlatformError(.notFound, .versionNotFound, "\(slug) has no version \(version)")
            }
            let currentPointer = try await registry.channels(appId: app.id, in: db).first { $0.channel == channel }
            var previous: VersionRecord?
            if let currentPointer { previous = try await registry.version(id: currentPointer.versionId, in: db) }
            if let previous, previous.id == versionRecord.id {
                return DeployView(app: slug, channel: channel, version: versionRecord.version, previous: previous.version, changed: false)
            }
            if let previous, let from = SemanticVersion(previous.version), target < from {
                let manifest = try JSONDecoder().decode(Manifest.self, from: Data(previous.manifestJson.utf8))
                if let minimum = manifest.listing?.minimumRollbackVersion.flatMap(SemanticVersion.init), target < minimum {
                    throw PlatformError(.conflict, .rollbackBelowMinimum, "\(slug) \(previous.version) does not allow rolling back below \(minimum)")
                }
            }
            try await registry.moveChannel(
                ChannelMoveRecord(
                    id: moveId, appId: app.id, channel: channel, fromVersionId: previous?.id,
                    toVersionId: versionRecord.id, actorId: principal.identityId, movedAt: now), in: db)
            try await AuditLog.admin(
                principal, "deploy", app: slug, version: versionRecord.version,
                input: ["channel": .string(channel), "previous": previous.map { .string($0.version) } ?? .null], store: store, env: env, in: db)
            return DeployView(app: slug, channel: channel, version: versionRecord.version, previous: previous?.version, changed: true)
        }
    }

    // MARK: Reading

    /// Owners and admins see an app's every version; tenants see apps with a `current` version
    /// (and `staging` when the tenant is a staging tenant); other developers see nothing.
    func canSee(_ principal: Principal, _ app: AppRecord, in db: StoreHandle) async throws -> Bool {
        if principal.isAdmin || app.ownerId == principal.identityId { return true }
        guard principal.role.isTenantRole else { return false }
        return try await !visibleChannels(principal, app, in: db).isEmpty
    }

    func visibleChannels(_ principal: Principal, _ app: AppRecord, in db: StoreHandle) async throws -> [ChannelRecord] {
        let channels = try await registry.channels(appId: app.id, in: db)
        if principal.isAdmin || app.ownerId == principal.identityId { return channels }
        guard principal.role.isTenantRole, let tenantId = principal.tenantId else { return [] }
        let staging = try await tenants.find(id: tenantId, in: db)?.staging ?? false
        return channels.filter { $0.channel == "current" || (staging && $0.channel == "staging") }
    }

    public func apps(_ principal: Principal) async throws -> [AppView] {
        try await store.read { db in
            let candidates =
                principal.role == .developer ? try await registry.apps(ownerId: principal.identityId, in: db) : try await registry.apps(in: db)
            var views: [AppView] = []
            for app in candidates {
                let channels = try await visibleChannels(principal, app, in: db)
                let owns = principal.isAdmin || app.ownerId == principal.identityId
                guard owns || !channels.isEmpty else { continue }
                var channelVersions: [String: String] = [:]
                for c in channels { channelVersions[c.channel] = try await registry.version(id: c.versionId, in: db)?.version }
                let latest =
                    owns ? try await registry.versions(appId: app.id, in: db).compactMap { SemanticVersion($0.version) }.max()?.description : nil
                let owner = try await identities.identity(id: app.ownerId, in: db)?.name ?? app.ownerId
                views.append(
                    AppView(slug: app.slug, owner: owner, createdAt: Timestamp.iso(app.createdAt), channels: channelVersions, latestVersion: latest))
            }
            return views
        }
    }

    /// The versions of an app the caller may see, newest first.
    public func versions(_ principal: Principal, app slug: String) async throws -> [VersionView] {
        try await store.read { db in
            guard let app = try await registry.app(slug: slug, in: db), try await canSee(principal, app, in: db) else {
                throw PlatformError.notFound("app \(slug)")
            }
            let channels = try await visibleChannels(principal, app, in: db)
            let owns = principal.isAdmin || app.ownerId == principal.identityId
            var all = try await registry.versions(appId: app.id, in: db)
            if !owns { all = all.filter { v in channels.contains { $0.versionId == v.id } } }
            var names: [String: String] = [:]
            var views: [VersionView] = []
            for v in all {
                if names[v.publisherId] == nil {
                    names[v.publisherId] = try await identities.identity(id: v.publisherId, in: db)?.name ?? v.publisherId
                }
                views.append(
                    VersionView(v, app: slug, publisher: names[v.publisherId]!, channels: channels.filter { $0.versionId == v.id }.map(\.channel)))
            }
            return views.sorted { (SemanticVersion($1.version)!) < (SemanticVersion($0.version)!) }
        }
    }

    /// One version with its native manifest.
    public func version(_ principal: Principal, app slug: String, version: String) async throws -> (VersionView, JSONValue) {
        guard let view = try await versions(principal, app: slug).first(where: { $0.version == version }) else {
            throw PlatformError(.notFound, .versionNotFound, "\(slug) has no version \(version)")
        }
        let record = try await store.read { db -> VersionRecord? in
            guard let app = try await registry.app(slug: slug, in: db) else { return nil }
            return try await registry.version(appId: app.id, version: version, in: db)
        }
        guard let record else { throw PlatformError(.notFound, .versionNotFound, "\(slug) has no version \(version)") }
        let manifest = try ManifestLoader.parseDocument(Array(record.manifestJson.utf8), fileName: "manifest.json")
        return (view, manifest)
    }

    /// The verified bundle file of a version (owners and admins).
    public func bundle(_ principal: Principal, app slug: String, version: String) async throws -> URL {
        let record = try await store.read { db -> VersionRecord? in
            guard let app = try await registry.app(slug: slug, in: db), principal.isAdmin || app.ownerId == principal.identityId else { return nil }
            return try await registry.version(appId: app.id, version: version, in: db)
        }
        guard let record else { throw PlatformError(.notFound, .versionNotFound, "\(slug) has no version \(version)") }
        do {
            return try bundles.verified(record.bundleHash)
        } catch {
            logger.error("bundle failed verification", metadata: ["bundle": .string(record.bundleHash), "error": .string("\(error)")])
            throw PlatformError(.internalError, .bundleCorrupt, "the stored bundle of \(slug) \(version) failed its hash check")
        }
    }

    public func history(_ principal: Principal, app slug: String) async throws -> [ChannelMoveView] {
        try await store.read { db in
            guard let app = try await registry.app(slug: slug, in: db), principal.isAdmin || app.ownerId == principal.identityId else {
                throw PlatformError.notFound("app \(slug)")
            }
            var out: [ChannelMoveView] = []
            for move in try await registry.channelMoves(appId: app.id, in: db) {
                let from = try await move.fromVersionId.asyncMap { try await registry.version(id: $0, in: db)?.version } ?? nil
                let to = try await registry.version(id: move.toVersionId, in: db)?.version ?? move.toVersionId
                let by = try await identities.identity(id: move.actorId, in: db)?.name ?? move.actorId
                out.append(ChannelMoveView(channel: move.channel, from: from, to: to, by: by, at: Timestamp.iso(move.movedAt)))
            }
            return out
        }
    }

    /// Removes stored bundles no version refers to (left by a crash between storing a bundle and
    /// committing its version), once they are older than `grace` seconds.
    public func collectGarbage(grace: TimeInterval = 3600) async throws -> Int {
        let now = env.now()
        bundles.removeStaleUploads(olderThan: grace, now: now)
        var removed = 0
        for hash in bundles.allHashes() where (bundles.age(of: hash, now: now) ?? 0) > grace {
            let referenced = try await store.read { db in try await registry.isBundleReferenced(hash, in: db) }
            if !referenced {
                bundles.remove(hash)
                removed += 1
            }
        }
        return removed
    }
}
