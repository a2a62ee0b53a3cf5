/// Bounds on a bundle: compressed size (what is uploaded and stored), unpacked size, member
/// count and the bytes of member paths (what a malicious archive could blow up to).
public struct BundleLimits: Sendable {
    public var maxCompressedBytes: Int
    public var maxUnpackedBytes: Int
    public var maxEntries: Int
    /// What reading the members' paths may keep (`TarParser.maxPathBytes`). Without it, 100,000
    /// members with 4 KB paths (a 3 MB upload) held 1.4 GB and 86 s of CPU at publish.
    public var maxPathBytes: Int

    public init(
        maxCompressedBytes: Int = 100 * 1024 * 1024, maxUnpackedBytes: Int = 1024 * 1024 * 1024, maxEntries: Int = 100_000,
        maxPathBytes: Int = 64 * 1024 * 1024
    ) {
        self.maxCompressedBytes = maxCompressedBytes
        self.maxUnpackedBytes = maxUnpackedBytes
        self.maxEntries = maxEntries
        self.maxPathBytes = maxPathBytes
    }
}
