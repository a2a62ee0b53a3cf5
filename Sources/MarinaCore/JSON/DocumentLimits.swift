/// Bounds applied to every manifest before and while it is parsed, so that hostile input (a 10 MB
/// file, `[[[[…`, an alias bomb) ends in a clear error in bounded time and memory.
public struct DocumentLimits: Sendable {
    /// Largest accepted document in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects.
    public var maxDepth: Int
    /// Most nodes a document may expand to (YAML aliases count once per use).
    public var maxNodes: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxNodes: Int = 100_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    public static let `default` = DocumentLimits()
}
