import Foundation
import MarinaTestSupport
import SQLKit
import Testing

@testable import MarinaStore

/// The store's behaviour, run against SQLite always and PostgreSQL when configured.
@Suite struct StoreTests {
    static var databases: [TestDatabase] { TestDatabase.available }

    func seed(_ store: Store) async throws -> (IdentityRecord, AppRecord, VersionRecord) {
        let identities = IdentityRepository(), registry = RegistryRepository()
        let dev = IdentityRecord(id: "idn_dev", role: "developer", name: "dev", tenantId: nil, createdBy: nil, createdAt: 1)
        let app = AppRecord(id: "app_1", slug: "hello-app", ownerId: dev.id, createdAt: 2)
        let version = VersionRecord(
            id: "ver_1", appId: app.id, version: "1.0.0", manifestJson: "{}", manifestHash: "sha256:a", manifestFormat: "marina/v1",
            bundleHash: "sha256:b", bundleSize: 10, publisherId: dev.id, publishedAt: 3)
        try await store.transaction { db in
            try await identities.insert(dev, in: db)
            try await registry.insert(app, in: db)
            try await registry.insert(version, in: db)
        }
        return (dev, app, version)
    }

    @Test(arguments: databases) func migratingTwiceIsHarmlessAndEditedMigrationsAreRefused(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        try await store.migrate()
        var edited = Store.migrations
        edited[0].statements.append(.both("SELECT 1"))
        await #expect(throws: StoreError.self) { try await store.migrate(edited) }
        await #expect(throws: StoreError.self) { try await store.migrate([]) }
    }

    @Test(arguments: databases) func versionsHaveNoUpdatePath(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        _ = try await seed(store)
        await #expect(throws: (any Error).self) {
            try await store.transaction { db in
                try await db.update("versions").set("manifest_json", to: "{\"x\":1}").where("id", .equal, "ver_1").run()
            }
        }
        await #expect(throws: (any Error).self) {
            try await store.transaction { db in try await db.delete(from: "versions").where("id", .equal, "ver_1").run() }
        }
        let again = try await store.read { db in try await RegistryRepository().version(id: "ver_1", in: db) }
        #expect(again?.manifestJson == "{}")
    }

    @Test(arguments: databases) func aVersionIsStoredOnceEvenUnderConcurrentInserts(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        let (dev, app, _) = try await seed(store)
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let v = VersionRecord(
                        id: "ver_race_\(i)", appId: app.id, version: "2.0.0", manifestJson: "{}", manifestHash: "h", manifestFormat: "marina/v1",
                        bundleHash: "b", bundleSize: 1, publisherId: dev.id, publishedAt: 10)
                    do {
                        try await store.transaction { db in try await RegistryRepository().insert(v, in: db) }
                        return true
                    } catch {
                        #expect(error as? StoreError == .conflict("version 2.0.0 exists"))
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
    }

    @Test(arguments: databases) func tenantSlugsAreUnique(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        let repo = TenantRepository()
        try await store.transaction { db in
            try await repo.insert(TenantRecord(id: "ten_1", slug: "acme", name: "Acme", staging: false, createdAt: 1), in: db)
        }
        await #expect(throws: StoreError.conflict("a tenant named acme exists")) {
            try await store.transaction { db in
                try await repo.insert(TenantRecord(id: "ten_2", slug: "acme", name: "Other", staging: true, createdAt: 2), in: db)
            }
        }
        let all = try await store.read { db in try await repo.all(in: db) }
        #expect(all.map(\.name) == ["Acme"])
        #expect(all.first?.staging == false)
    }

    @Test(arguments: databases) func keysAreFoundByHashRevokedAndTouched(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        let (dev, _, _) = try await seed(store)
        let repo = IdentityRepository()
        let key = APIKeyRecord(id: "key_1", identityId: dev.id, name: "laptop", hint: "mk_abc", keyHash: "hash1", createdAt: 5)
        try await store.transaction { db in try await repo.insert(key, in: db) }
        try await store.transaction { db in try await repo.touch(keyId: "key_1", at: 100_000, in: db) }
        try await store.transaction { db in try await repo.touch(keyId: "key_1", at: 120_000, in: db) }
        let found = try await store.read { db in try await repo.key(hash: "hash1", in: db) }
        #expect(found?.0.lastUsedAt == 100_000)
        #expect(found?.1.id == dev.id)
        try await store.transaction { db in try await repo.revoke(keyId: "key_1", at: 200_000, in: db) }
        try await store.transaction { db in try await repo.revoke(keyId: "key_1", at: 300_000, in: db) }
        #expect(try await store.read { db in try await repo.key(id: "key_1", in: db) }?.revokedAt == 200_000)
    }

    @Test(arguments: databases) func channelMovesUpdateThePointerAndKeepHistory(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        let (dev, app, v1) = try await seed(store)
        let repo = RegistryRepository()
        let v2 = VersionRecord(
            id: "ver_2", appId: app.id, version: "1.1.0", manifestJson: "{}", manifestHash: "h", manifestFormat: "marina/v1",
            bundleHash: "b", bundleSize: 1, publisherId: dev.id, publishedAt: 20)
        try await store.transaction { db in
            try await repo.insert(v2, in: db)
            try await repo.moveChannel(
                ChannelMoveRecord(
                    id: "mv_1", appId: app.id, channel: "current", fromVersionId: nil, toVersionId: v1.id, actorId: dev.id, movedAt: 30), in: db)
            try await repo.moveChannel(
                ChannelMoveRecord(
                    id: "mv_2", appId: app.id, channel: "current", fromVersionId: v1.id, toVersionId: v2.id, actorId: dev.id, movedAt: 40), in: db)
        }
        let channels = try await store.read { db in try await repo.channels(appId: app.id, in: db) }
        #expect(channels.map(\.versionId) == ["ver_2"])
        let moves = try await store.read { db in try await repo.channelMoves(appId: app.id, in: db) }
        #expect(moves.map(\.id) == ["mv_2", "mv_1"])
        await #expect(throws: (any Error).self) {
            try await store.transaction { db in try await db.update("channel_moves").set("actor_id", to: "idn_dev").run() }
        }
    }

    @Test func sqliteRunsInWALModeWithForeignKeys() async throws {
        let (store, drop) = try await TestDatabase.sqlite.make()
        defer { Task { await drop() } }
        struct Mode: Decodable { var journal_mode: String }
        let mode = try await store.read { db in try await db.raw("PRAGMA journal_mode").first(decoding: Mode.self) }
        #expect(mode?.journal_mode == "wal")
        await #expect(throws: (any Error).self) {
            try await store.transaction { db in
                try await RegistryRepository().insert(AppRecord(id: "app_x", slug: "orphan", ownerId: "idn_nobody", createdAt: 1), in: db)
            }
        }
    }

    /// Every connection (the pool's and the audit log's direct one) waits for the disk at every
    /// commit unless the operator chose `normal`.
    @Test func theFsyncPolicyIsFullUnlessTheOperatorChoosesNormal() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-sync-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        struct Setting: Decodable { var synchronous: Int }
        for (choice, expected) in [(nil, 2), (SQLiteSynchronous.full, 2), (.normal, 1)] as [(SQLiteSynchronous?, Int64)] {
            let path = dir.appendingPathComponent("\(choice?.rawValue ?? "default").sqlite").path
            let store = try choice.map { try Store(.sqlite(path: path), sqliteSynchronous: $0) } ?? Store(.sqlite(path: path))
            try await store.migrate()
            let pooled = try await store.read { db in try await db.raw("PRAGMA synchronous").first(decoding: Setting.self) }
            let direct = try await store.directTransaction { db in
                var value: Int64 = -1
                try db.query("PRAGMA synchronous", []) { value = $0.integer(0) }
                return value
            }
            #expect(
                pooled.map { Int64($0.synchronous) } == expected && direct == expected,
                "\(String(describing: choice)): pool \(String(describing: pooled)), direct \(direct)")
            await store.close()
        }
    }
}
