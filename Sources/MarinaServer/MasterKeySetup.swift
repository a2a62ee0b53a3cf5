import Foundation
import MarinaEventLoops
import MarinaPlatform
import MarinaRuntime
import MarinaStore
import MarinaVault

#if canImport(Glibc)
import Glibc
#endif

/// Where `serve` takes the master key from, in order: `MARINA_MASTER_KEY` (base64 of 32 bytes;
/// `MARINA_MASTER_KEY_PREVIOUS` may name the key it replaces), else `DATA/master.key` (mode 0600,
/// generated on first start — but never when the database already holds wrapped keys, which a new
/// key could not open).
public struct MasterKeySetup: Sendable {
    public enum Source: Sendable { case environment, file }

    public let source: Source
    public let current: LocalMasterKey
    public let previous: [LocalMasterKey]
    public let dataDirectory: DataDirectory

    public static func resolve(
        _ dataDirectory: DataDirectory, store: Store, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> MasterKeySetup {
        if let text = environment["MARINA_MASTER_KEY"], !text.isEmpty {
            let current = try LocalMasterKey(base64: text)
            let previous =
                try environment["MARINA_MASTER_KEY_PREVIOUS"].flatMap { $0.isEmpty ? nil : $0 }.map { [try LocalMasterKey(base64: $0)] } ?? []
            return MasterKeySetup(source: .environment, current: current, previous: previous, dataDirectory: dataDirectory)
        }
        let file = dataDirectory.masterKey
        if !FileManager.default.fileExists(atPath: file.path) {
            if try await Vault.holdsWrappedKeys(store) {
                throw VaultError.masterKeyFile(
                    "the database holds secrets and signing keys encrypted with a master key, but \(file.path) does not exist and MARINA_MASTER_KEY is not set; restore the key (nothing was changed)"
                )
            }
            try MasterKeyFile.create(file, bytes: LocalMasterKey.generate())
        }
        let current = try MasterKeyFile.load(file)
        var previous: [LocalMasterKey] = []
        if FileManager.default.fileExists(atPath: dataDirectory.nextMasterKey.path) {
            previous.append(try MasterKeyFile.load(dataDirectory.nextMasterKey))
        }
        return MasterKeySetup(source: .file, current: current, previous: previous, dataDirectory: dataDirectory)
    }

    /// After the vault unlocked (everything is wrapped by `current`), a half-done rotation's key
    /// is no longer needed.
    public func finishUnlock() {
        if source == .file { try? FileManager.default.removeItem(at: dataDirectory.nextMasterKey) }
    }

    /// Rotations of this process, one at a time.
    static let rotations = SerialGate()

    /// Rotation for the file source: the new key is written beside the old one first, the vault
    /// re-wraps everything in one transaction, then the new key replaces the old file. A crash at
    /// any point leaves a pair of files the next start resolves.
    ///
    /// One rotation at a time — in this process (`rotations`) and among processes sharing the data
    /// directory (an exclusive `flock` on `master.key.lock`): two at once shared the one
    /// `master.key.next`, and a later one re-wrapped with a key an earlier one had already replaced,
    /// which left the database's keys unreadable.
    public func rotate(_ vault: Vault) async throws -> (String, Int) {
        guard source == .file else {
            throw PlatformError(
                .conflict, .masterKeyFromEnvironment,
                "the master key comes from MARINA_MASTER_KEY: to rotate it, start every server with the new key in MARINA_MASTER_KEY and the old one in MARINA_MASTER_KEY_PREVIOUS; they re-wrap at start"
            )
        }
        return try await Self.rotations.run {
            let lock = dataDirectory.url.appendingPathComponent("master.key.lock").path
            let fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw VaultError.masterKeyFile("cannot open \(lock): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            // Another process's rotation takes seconds at most: wait for it off the event loops.
            try await Offload.run {
                while flock(fd, LOCK_EX) != 0 { guard errno == EINTR else { throw VaultError.masterKeyFile("cannot lock \(lock)") } }
            }
            return try await rotateLocked(vault)
        }
    }

    private func rotateLocked(_ vault: Vault) async throws -> (String, Int) {
        let next = dataDirectory.nextMasterKey
        try? FileManager.default.removeItem(at: next)
        try MasterKeyFile.create(next, bytes: LocalMasterKey.generate())
        let key = try MasterKeyFile.load(next)
        let count = try await vault.rotateMaster(to: key)
        guard rename(next.path, dataDirectory.masterKey.path) == 0 else {
            throw VaultError.masterKeyFile(
                "the keys were re-wrapped, but \(next.path) could not replace \(dataDirectory.masterKey.path): \(String(cString: strerror(errno))); the next start resolves it"
            )
        }
        return (key.keyId, count)
    }
}
