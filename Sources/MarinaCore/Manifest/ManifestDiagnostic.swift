/// Stable error codes of manifest validation. The raw values are part of the public contract: the
/// CLI prints them, the API returns them and every SDK reports the same ones (the drift gate).
public enum ManifestErrorCode: String, Sendable, Codable, CaseIterable {
    // Document level: the bytes could not be read as one YAML or JSON document.
    case invalidEncoding = "invalid_encoding"
    case invalidSyntax = "invalid_syntax"
    case duplicateKey = "duplicate_key"
    case documentTooLarge = "document_too_large"
    case nestingTooDeep = "nesting_too_deep"
    case emptyDocument = "empty_document"
    // Structure and values.
    case unknownField = "unknown_field"
    case missingField = "missing_field"
    case invalidType = "invalid_type"
    case invalidValue = "invalid_value"
    case unknownScope = "unknown_scope"
    case scopeNotDeclared = "scope_not_declared"
    case duplicateName = "duplicate_name"
    case invalidCron = "invalid_cron"
    case unsupportedVersion = "unsupported_version"
}

/// One problem found in a manifest: a stable code, a JSON Pointer into the document as it was
/// written (not into the converted native form) and a message for people.
public struct ManifestDiagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: ManifestErrorCode
    public var path: String
    public var message: String

    public init(_ code: ManifestErrorCode, _ path: JSONPointer, _ message: String) {
        self.code = code
        self.path = path.description
        self.message = message
    }

    /// `path: message [code]`, the CLI's one-line form; the root is shown as `/`.
    public var description: String { "\(path.isEmpty ? "/" : path): \(message) [\(code.rawValue)]" }
}

/// A list of diagnostics collected while walking a document; validation reports all of them,
/// one per (code, path).
public struct Diagnostics: Sendable {
    public private(set) var items: [ManifestDiagnostic] = []
    public init() {}
    public var isEmpty: Bool { items.isEmpty }
    public mutating func add(_ code: ManifestErrorCode, _ path: JSONPointer, _ message: String) {
        let d = ManifestDiagnostic(code, path, message)
        if !items.contains(where: { $0.code == d.code && $0.path == d.path }) { items.append(d) }
    }
    public mutating func append(contentsOf other: [ManifestDiagnostic]) {
        for d in other where !items.contains(where: { $0.code == d.code && $0.path == d.path }) { items.append(d) }
    }
}

/// A document that could not be turned into a tree at all.
public struct DocumentError: Error, Sendable, Equatable {
    public var code: ManifestErrorCode
    public var path: JSONPointer
    public var message: String
    public init(_ code: ManifestErrorCode, _ path: JSONPointer = .root, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }
    public var diagnostic: ManifestDiagnostic { ManifestDiagnostic(code, path, message) }
}
