/// Stable codes of conversion notes. The raw values are part of the public contract, like the error
/// codes: the CLI prints them and every SDK reports the same ones (the drift gate).
public enum ManifestNoteCode: String, Sendable, Codable, CaseIterable {
    /// A `PORT` in an imported manifest's environment became the port the platform gives the app.
    case portFromEnv = "port_from_env"
    /// A field is kept in the native form but Marina does not act on it yet.
    case notActedOn = "not_acted_on"
}

/// What an importer did to a valid manifest that its author should know: not an error. The path
/// points into the document as it was written.
public struct ManifestNote: Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: ManifestNoteCode
    public var path: String
    public var message: String

    public init(_ code: ManifestNoteCode, _ path: JSONPointer, _ message: String) {
        self.code = code
        self.path = path.description
        self.message = message
    }

    /// `path: message [code]`, as the CLI prints it.
    public var description: String { "\(path.isEmpty ? "/" : path): \(message) [\(code.rawValue)]" }
}
