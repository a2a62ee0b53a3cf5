import Crypto
import Foundation
import MarinaCore

/// What wraps the data keys. The embedded default keeps a key in a file; an operator can give one
/// in `MARINA_MASTER_KEY`; a KMS implements this protocol so that the key never leaves it.
public protocol MasterKeyProvider: Sendable {
    /// Names the key (not secret): stored beside everything it wraps, so that a wrong key is
    /// recognised at start instead of producing garbage.
    var keyId: String { get }
    func wrap(_ plaintext: [UInt8], context: String) throws -> String
    func unwrap(_ wrapped: String, context: String) throws -> [UInt8]
}

public enum VaultError: Error, Sendable, Equatable, CustomStringConvertible {
    case masterKeyFile(String)
    case wrongMasterKey(String)
    case decryptionFailed(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .masterKeyFile(let m), .wrongMasterKey(let m), .decryptionFailed(let m), .invalid(let m): m
        }
    }
}

/// A 256-bit key held in this process. Wrapping is AES-256-GCM with the context as additional
/// authenticated data, written `v1.<base64 nonce‖ciphertext‖tag>`.
public struct LocalMasterKey: MasterKeyProvider {
    let key: SymmetricKey
    public let keyId: String
    /// The key's bytes (for keys that are shared secrets, like the operator tools' signing key).
    public var rawBytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw VaultError.invalid("a master key is 32 bytes (base64: 44 characters); this one is \(bytes.count)") }
        key = SymmetricKey(data: bytes)
        // A one-way tag of the key: tells keys apart without revealing them.
        keyId = "mk_" + Hex.string(HMAC<SHA256>.authenticationCode(for: Array("marina master key id".utf8), using: key).prefix(8))
    }

    /// A new random key.
    public static func generate() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// From base64 (what `MARINA_MASTER_KEY` and the key file hold).
    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw VaultError.invalid("the master key is not base64 (generate one with: head -c 32 /dev/urandom | base64)")
        }
        try self.init(bytes: Array(data))
    }

    public func wrap(_ plaintext: [UInt8], context: String) throws -> String {
        let sealed = try AES.GCM.seal(plaintext, using: key, authenticating: Array(context.utf8))
        guard let combined = sealed.combined else { throw VaultError.invalid("AES-GCM produced no output") }
        return "v1." + combined.base64EncodedString()
    }

    public func unwrap(_ wrapped: String, context: String) throws -> [UInt8] {
        guard wrapped.hasPrefix("v1."), let data = Data(base64Encoded: String(wrapped.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data)
        else { throw VaultError.decryptionFailed("the wrapped key is malformed") }
        do { return Array(try AES.GCM.open(box, using: key, authenticating: Array(context.utf8))) } catch {
            throw VaultError.decryptionFailed("the wrapped key does not open with master key \(keyId)")
        }
    }
}

/// Where the embedded default keeps its master key: a file of mode 0600 in the data directory.
/// A file others can read is refused rather than used.
public enum MasterKeyFile {
    public static func load(_ url: URL) throws -> LocalMasterKey {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw VaultError.masterKeyFile("cannot read the master key file \(url.path)") }
        guard info.st_mode & 0o077 == 0 else {
            throw VaultError.masterKeyFile(
                String(
                    format: "the master key file %@ has mode %o; it must be readable by its owner only (chmod 600 %@)", url.path,
                    Int(info.st_mode & 0o777), url.path))
        }
        guard info.st_uid == geteuid() else { throw VaultError.masterKeyFile("the master key file \(url.path) belongs to another user") }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw VaultError.masterKeyFile("cannot read the master key file \(url.path)")
        }
        do { return try LocalMasterKey(base64: text) } catch { throw VaultError.masterKeyFile("\(url.path): \(error)") }
    }

    /// Writes a new key with mode 0600, never over an existing file.
    public static func create(_ url: URL, bytes: [UInt8]) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VaultError.masterKeyFile("cannot create the master key file \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let text = Array((Data(bytes).base64EncodedString() + "\n").utf8)
        guard write(fd, text, text.count) == text.count, fsync(fd) == 0 else {
            throw VaultError.masterKeyFile("cannot write the master key file \(url.path)")
        }
    }
}
