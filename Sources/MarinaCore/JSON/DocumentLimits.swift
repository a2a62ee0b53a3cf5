/// Bounds applied to every manifest before and while it is parsed, so that hostile input (a 10 MB
/// file, `[[[[…`, an alias bomb) ends in a clear error in bounded time and memory.
public struct DocumentLimits: Sendable {
    /// Largest accepted document in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects.
    public var maxDepth: Int
    /// Most nodes a document may expand to (YAML aliases count once per use).
    public var maxNodes: Int
    /// Most bytes of text (the UTF-8 of every string value and mapping key) a YAML document may
    /// expand to, an alias counting its anchored value's text every time it is used. Counting
    /// nodes alone lets a short document alias a long string 100,000 times. Without aliases a
    /// document cannot come near this (an escape such as `\L` gives at most 1.5 bytes per byte
    /// written), so it is twice `maxBytes` unless told otherwise. JSON has no aliases: its text
    /// is bounded by `maxBytes`.
    public var maxTextBytes: Int
    /// Largest accepted canonical JSON of a manifest's `marina/v1` form (defaults filled in), the
    /// bytes the platform stores and hashes: four times `maxBytes` unless told otherwise.
    public var maxCanonicalBytes: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxNodes: Int = 100_000, maxTextBytes: Int? = nil, maxCanonicalBytes: Int? = nil) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxTextBytes = maxTextBytes ?? 2 * maxBytes
        self.maxCanonicalBytes = maxCanonicalBytes ?? 4 * maxBytes
    }

    public static let `default` = DocumentLimits()

    /// What the platform reads back of its own making — the canonical form an app serves at
    /// `GET /manifest` (the SDKs serve it), what `marina manifest convert` prints: as large as a
    /// canonical form may be, so that every valid manifest's own form reads back (the default
    /// 1 MiB would refuse the 1.9 MB canonical form of a valid 1 MiB OpenSail manifest).
    public static let canonicalForm = DocumentLimits(
        maxBytes: DocumentLimits.default.maxCanonicalBytes, maxDepth: DocumentLimits.default.maxDepth,
        maxNodes: 4 * DocumentLimits.default.maxNodes, maxTextBytes: DocumentLimits.default.maxCanonicalBytes,
        maxCanonicalBytes: DocumentLimits.default.maxCanonicalBytes)
}
