/// The manifest formats Marina reads. Imported formats are converted to `marina/v1`.
public enum ManifestFormat: String, Sendable, Codable, CaseIterable {
    case native = "marina/v1"
    case linkworld = "linkworld.ai/v2"
    case openSail = "opensail/2025-02"

    /// File names searched for, in order, when a directory is given.
    public static let fileNames = [
        "marina.app.yaml", "marina.app.yml", "marina.app.json", "linkworld.app.yaml", "linkworld.app.yml", "app.manifest.json",
    ]
}

/// Where each field of a converted manifest came from, so that a rule broken in the native form
/// is reported at the field the author wrote.
struct Provenance {
    private var pairs: [(native: JSONPointer, source: JSONPointer)] = []

    mutating func map(_ native: JSONPointer, _ source: JSONPointer) { pairs.append((native, source)) }

    /// The source pointer of the longest mapped prefix, extended by the rest of the path.
    func source(for native: JSONPointer) -> JSONPointer {
        var best: (native: JSONPointer, source: JSONPointer)?
        for pair in pairs where native.hasPrefix(pair.native) {
            if best == nil || pair.native.tokens.count > best!.native.tokens.count { best = pair }
        }
        guard let best else { return native }
        return JSONPointer(best.source.tokens + native.tokens.dropFirst(best.native.tokens.count))
    }

    static func identity() -> Provenance { Provenance() }
}

/// An imported format: its shape, its own extra rules and its conversion to `marina/v1`.
protocol ImportedFormat {
    static var shape: ObjectShape { get }
    static func extraRules(_ root: JSONValue, _ d: inout Diagnostics)
    /// Converts a (possibly invalid) document best-effort; defaults of the source format are
    /// filled in first so that its semantics survive.
    static func convert(_ source: JSONValue) -> (JSONValue, Provenance)
    /// What the conversion of a valid document did that its author should know.
    static func notes(_ source: JSONValue) -> [ManifestNote]
}
