import Foundation

/// Time and randomness, injected so that tests can fix them.
public struct PlatformEnvironment: Sendable {
    public var now: @Sendable () -> Date
    public var randomBytes: @Sendable (Int) -> [UInt8]

    public init(
        now: @escaping @Sendable () -> Date = { Date() }, randomBytes: @escaping @Sendable (Int) -> [UInt8] = PlatformEnvironment.secureRandom
    ) {
        self.now = now
        self.randomBytes = randomBytes
    }

    public static let live = PlatformEnvironment()

    public static func secureRandom(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 8)
        while bytes.count < count { withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) } }
        return Array(bytes.prefix(count))
    }

    public var millis: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }

    /// A new id: the prefix, then 15 random bytes in lowercase base32 (`ver_k3…`).
    public func id(_ prefix: String) -> String {
        prefix + "_" + Base32.encode(randomBytes(15))
    }

    /// A new id that sorts by creation time: the prefix, the time in milliseconds as 12 hex
    /// digits, then 10 random bytes in base32. For tables written at a high rate (the audit
    /// log): its unique index grows at one edge instead of touching a random page per row.
    public func orderedId(_ prefix: String) -> String {
        let time = String(UInt64(max(0, millis)), radix: 16)
        return prefix + "_" + String(repeating: "0", count: max(0, 12 - time.count)) + time + Base32.encode(randomBytes(10))
    }
}

enum Base32 {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
    static func encode(_ bytes: [UInt8]) -> String {
        var out = "", buffer = 0, bits = 0
        for b in bytes {
            buffer = buffer << 8 | Int(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }
}
