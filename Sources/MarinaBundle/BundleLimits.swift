/// Bounds on a bundle: compressed size (what is uploaded and stored), unpacked size and member
/// count (what a malicious archive could blow up to).
public struct BundleLimits: Sendable {
    public var maxCompressedBytes: Int
    public var maxUnpackedBytes: Int
    public var maxEntries: Int

    public init(maxCompressedBytes: Int = 100 * 1024 * 1024, maxUnpackedBytes: Int = 1024 * 1024 * 1024, maxEntries: Int = 100_000) {
        self.maxCompressedBytes = maxCompressedBytes
        self.maxUnpackedBytes = maxUnpackedBytes
        self.maxEntries = maxEntries
    }
}
