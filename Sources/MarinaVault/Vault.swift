import Crypto
import Foundation
import MarinaCore
import MarinaStore

/// Envelope encryption. Values are AES-256-GCM under a data key (one per tenant, one for
/// developer defaults); data keys and token signing keys are wrapped by the master key. The
/// additional authenticated data of a value binds it to its row (app, tenant, key name, key
/// version), so a ciphertext copied elsewhere does not decrypt.
public actor Vault {
    public static let defaultsOwner = "defaults"
    public static func tenantOwner(_ tenantId: String) -> String { "tenant:" + tenantId }

    let store: Store
    private(set) var master: any MasterKeyProvider
    /// Older master keys that may still wrap something (an interrupted or environment-driven
    /// rotation); `open` re-wraps under `master` whatever they wrap.
    let previous: [any MasterKeyProvider]
    let repository = SecretRepository()
    let now: @Sendable () -> Int64
    let newId: @Sendable (String) -> String
    private var cache: [String: SymmetricKey] = [:]

    public init(
        store: Store, master: any MasterKeyProvider, previous: [any MasterKeyProvider] = [],
        now: @escaping @Sendable () -> Int64, newId: @escaping @Sendable (String) -> String
    ) {
        self.store = store
        self.master = master
        self.previous = previous
        self.now = now
        self.newId = newId
    }

    public var masterKeyId: String { master.keyId }

    /// Whether the database holds anything a master key wraps (then a missing key is an error,
    /// never a reason to make a new one).
    public static func holdsWrappedKeys(_ store: Store) async throws -> Bool {
        let repository = SecretRepository()
        return try await store.read { db in
            if try await !repository.dataKeys(in: db).isEmpty { return true }
            return try await repository.signingKeys(in: db).contains { SigningKeyWrap.masterKeyId(of: $0.privateKey) != nil }
        }
    }

    /// Checks that the master key opens every wrapped key (`unlock`), and re-wraps under it whatever an
    /// older key wraps (and signing keys stored before the vault existed). Changes nothing unless
    /// every key opens.
    public func unlock() async throws {
        let known = [master] + previous
        let (dataKeys, signingKeys) = try await store.read { db in
            (try await self.repository.dataKeys(in: db), try await self.repository.signingKeys(in: db))
        }
        var dataRewraps: [(String, String)] = []
        for key in dataKeys {
            guard let provider = known.first(where: { $0.keyId == key.masterKeyId }) else {
                throw VaultError.wrongMasterKey(
                    "the database's secrets are encrypted with master key \(key.masterKeyId), and this server was given \(master.keyId); start it with the master key it was set up with (the file master.key of its data directory, or MARINA_MASTER_KEY)"
                )
            }
            let raw = try provider.unwrap(key.wrapped, context: Self.dataKeyContext(key))
            if provider.keyId != master.keyId { dataRewraps.append((key.id, try master.wrap(raw, context: Self.dataKeyContext(key)))) }
            cache[key.id] = SymmetricKey(data: raw)
        }
        var signingRewraps: [(String, String)] = []
        for key in signingKeys {
            if let id = SigningKeyWrap.masterKeyId(of: key.privateKey) {
                guard let provider = known.first(where: { $0.keyId == id }) else {
                    throw VaultError.wrongMasterKey(
                        "the token signing keys are encrypted with master key \(id), and this server was given \(master.keyId); start it with the master key it was set up with"
                    )
                }
                let raw = try SigningKeyWrap.unwrap(key.privateKey, kid: key.kid, with: provider)
                if id != master.keyId { signingRewraps.append((key.kid, try SigningKeyWrap.wrap(raw, kid: key.kid, with: master))) }
            } else if let raw = Data(base64Encoded: key.privateKey) {
                signingRewraps.append((key.kid, try SigningKeyWrap.wrap(Array(raw), kid: key.kid, with: master)))
            }
        }
        guard !dataRewraps.isEmpty || !signingRewraps.isEmpty else { return }
        let masterId = master.keyId
        let (dataRewrapsDone, signingRewrapsDone) = (dataRewraps, signingRewraps)
        try await store.transaction { db in
            for (id, wrapped) in dataRewrapsDone { try await self.repository.rewrap(id: id, wrapped: wrapped, masterKeyId: masterId, in: db) }
            for (kid, wrapped) in signingRewrapsDone { try await self.repository.setSigningKey(kid: kid, privateKey: wrapped, in: db) }
        }
    }

    static func dataKeyContext(_ key: DataKeyRecord) -> String { "marina.data-key.v1|\(key.id)|\(key.owner)|\(key.generation)" }

    static func valueContext(appId: String, tenantId: String?, key: String, version: Int64) -> [UInt8] {
        Array("marina.secret.v1|\(appId)|\(tenantId ?? "-")|\(key)|\(version)".utf8)
    }

    // MARK: Values

    public struct Sealed: Sendable {
        public var dataKeyId: String
        public var nonce: String
        public var ciphertext: String
    }

    /// Encrypts a value for its row, under the owner's active data key (made on first use, in
    /// the caller's transaction).
    public func seal(
        _ plaintext: [UInt8], owner: String, appId: String, tenantId: String?, key: String, version: Int64, in db: StoreHandle
    ) async throws -> Sealed {
        let (id, dataKey) = try await activeKey(owner: owner, in: db)
        return try Self.seal(
            plaintext, under: dataKey, id: id, context: Self.valueContext(appId: appId, tenantId: tenantId, key: key, version: version))
    }

    /// AES-256-GCM with a random 96-bit nonce; stored as base64 nonce and base64 ciphertext‖tag.
    static func seal(_ plaintext: [UInt8], under key: SymmetricKey, id: String, context: [UInt8]) throws -> Sealed {
        let nonce = AES.GCM.Nonce()
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: context)
        return Sealed(dataKeyId: id, nonce: Data(nonce).base64EncodedString(), ciphertext: (box.ciphertext + box.tag).base64EncodedString())
    }

    /// Decrypts a stored value; a value that does not authenticate (tampered, or copied from
    /// another row) throws — it never reads as garbage.
    public func open(_ secret: SecretRecord, in db: StoreHandle? = nil) async throws -> [UInt8] {
        let key = try await dataKey(id: secret.dataKeyId, in: db)
        guard let nonceData = Data(base64Encoded: secret.nonce), let nonce = try? AES.GCM.Nonce(data: nonceData),
            let combined = Data(base64Encoded: secret.ciphertext), combined.count >= 16
        else {
            throw VaultError.decryptionFailed("the stored value of \(secret.keyName) is malformed")
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: combined.dropLast(16), tag: combined.suffix(16))
            return Array(
                try AES.GCM.open(
                    box, using: key,
                    authenticating: Self.valueContext(appId: secret.appId, tenantId: secret.tenantId, key: secret.keyName, version: secret.keyVersion)
                ))
        } catch {
            throw VaultError.decryptionFailed("the stored value of \(secret.keyName) does not authenticate (it was altered or moved)")
        }
    }

    func activeKey(owner: String, in db: StoreHandle) async throws -> (String, SymmetricKey) {
        if let record = try await repository.activeDataKey(owner: owner, in: db) {
            return (record.id, try await dataKey(record))
        }
        return try await newDataKey(owner: owner, in: db)
    }

    func newDataKey(owner: String, in db: StoreHandle) async throws -> (String, SymmetricKey) {
        let raw = SymmetricKey(size: .bits256)
        let generation = try await repository.newestGeneration(owner: owner, in: db) + 1
        var record = DataKeyRecord(
            id: newId("dk"), owner: owner, generation: generation, wrapped: "", masterKeyId: master.keyId, state: "active", createdAt: now())
        record.wrapped = try master.wrap(raw.withUnsafeBytes { Array($0) }, context: Self.dataKeyContext(record))
        try await repository.insert(record, in: db)
        cache[record.id] = raw
        return (record.id, raw)
    }

    func dataKey(id: String, in db: StoreHandle?) async throws -> SymmetricKey {
        if let key = cache[id] { return key }
        let repository = self.repository
        let found: DataKeyRecord?
        if let db {
            found = try await repository.dataKey(id: id, in: db)
        } else {
            found = try await store.read { db in try await repository.dataKey(id: id, in: db) }
        }
        guard let record = found else { throw VaultError.decryptionFailed("the data key \(id) is gone") }
        return try await dataKey(record)
    }

    func dataKey(_ record: DataKeyRecord) async throws -> SymmetricKey {
        if let key = cache[record.id] { return key }
        guard let provider = ([master] + previous).first(where: { $0.keyId == record.masterKeyId }) else {
            throw VaultError.wrongMasterKey("data key \(record.id) is wrapped by master key \(record.masterKeyId), which this server does not have")
        }
        let key = SymmetricKey(data: try provider.unwrap(record.wrapped, context: Self.dataKeyContext(record)))
        cache[record.id] = key
        return key
    }

    // MARK: Rotation

    /// Re-wraps every data key and signing key under `newMaster` in one transaction, then uses it.
    public func rotateMaster(to newMaster: any MasterKeyProvider) async throws -> Int {
        let old = master
        let count = try await store.transaction { db in
            var count = 0
            for key in try await self.repository.dataKeys(in: db) {
                let raw = try await self.dataKey(key)
                try await self.repository.rewrap(
                    id: key.id, wrapped: try newMaster.wrap(raw.withUnsafeBytes { Array($0) }, context: Self.dataKeyContext(key)),
                    masterKeyId: newMaster.keyId, in: db)
                count += 1
            }
            for key in try await self.repository.signingKeys(in: db) {
                let raw = try SigningKeyWrap.unwrap(key.privateKey, kid: key.kid, with: old)
                try await self.repository.setSigningKey(kid: key.kid, privateKey: try SigningKeyWrap.wrap(raw, kid: key.kid, with: newMaster), in: db)
                count += 1
            }
            return count
        }
        master = newMaster
        return count
    }

    /// Gives `owner` a new data key and re-encrypts its values in batches, each its own
    /// transaction, so reads (which find each value's key by id) keep working throughout. The old
    /// key is deleted once nothing refers to it.
    public func rotateDataKey(owner: String, batch: Int = 100, progress: @Sendable (Int) -> Void = { _ in }) async throws -> Int {
        let (newId, oldIds) = try await store.transaction { db -> (String, [String]) in
            let old = try await self.repository.dataKeys(in: db).filter { $0.owner == owner }
            for key in old where key.state == "active" { try await self.repository.setState(dataKeyId: key.id, state: "retiring", in: db) }
            let (id, _) = try await self.newDataKey(owner: owner, in: db)
            return (id, old.map(\.id))
        }
        var moved = 0
        for oldId in oldIds {
            while true {
                let done = try await store.transaction { db -> Int in
                    let rows = try await self.repository.secrets(dataKeyId: oldId, limit: batch, in: db)
                    for var row in rows {
                        let plaintext = try await self.open(row, in: db)
                        let sealed = try Self.seal(
                            plaintext, under: try await self.dataKey(id: newId, in: db), id: newId,
                            context: Self.valueContext(appId: row.appId, tenantId: row.tenantId, key: row.keyName, version: row.keyVersion))
                        (row.dataKeyId, row.nonce, row.ciphertext) = (sealed.dataKeyId, sealed.nonce, sealed.ciphertext)
                        // A set that landed since the read wins; its row is under the new key
                        // already or is picked up by the next batch.
                        _ = try await self.repository.reencrypt(row, wasKey: oldId, in: db)
                    }
                    return rows.count
                }
                moved += done
                progress(moved)
                if done == 0 { break }
            }
            // A value written under the old key meanwhile keeps it alive (the foreign key refuses
            // the delete); the next rotation picks it up.
            do {
                try await store.transaction { db in try await self.repository.deleteDataKey(id: oldId, in: db) }
                cache[oldId] = nil
            } catch {}
        }
        return moved
    }

    // MARK: Signing keys

    public func wrapSigningKey(_ raw: [UInt8], kid: String) throws -> String { try SigningKeyWrap.wrap(raw, kid: kid, with: master) }

    public func unwrapSigningKey(_ stored: String, kid: String) throws -> [UInt8] {
        guard let id = SigningKeyWrap.masterKeyId(of: stored), let provider = ([master] + previous).first(where: { $0.keyId == id }) else {
            throw VaultError.wrongMasterKey("the signing key \(kid) is not wrapped by a master key this server has")
        }
        return try SigningKeyWrap.unwrap(stored, kid: kid, with: provider)
    }
}

/// Signing keys are stored as `<master key id>:<wrapped>`.
enum SigningKeyWrap {
    static func context(_ kid: String) -> String { "marina.signing-key.v1|" + kid }

    static func masterKeyId(of stored: String) -> String? {
        guard stored.hasPrefix("mk_"), let colon = stored.firstIndex(of: ":") else { return nil }
        return String(stored[..<colon])
    }

    static func wrap(_ raw: [UInt8], kid: String, with provider: any MasterKeyProvider) throws -> String {
        provider.keyId + ":" + (try provider.wrap(raw, context: context(kid)))
    }

    static func unwrap(_ stored: String, kid: String, with provider: any MasterKeyProvider) throws -> [UInt8] {
        guard let colon = stored.firstIndex(of: ":") else { throw VaultError.decryptionFailed("the signing key \(kid) is not wrapped") }
        return try provider.unwrap(String(stored[stored.index(after: colon)...]), context: context(kid))
    }
}
