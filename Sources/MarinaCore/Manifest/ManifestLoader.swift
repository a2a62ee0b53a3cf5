import Foundation

/// The outcome of reading one manifest: its format, every problem found, and when it is valid its
/// native form, canonical JSON and hash.
public struct ManifestReport: Sendable {
    public var format: ManifestFormat?
    public var diagnostics: [ManifestDiagnostic]
    /// The `marina/v1` form with defaults filled in (only when valid).
    public var native: JSONValue?
    public var manifest: Manifest?
    /// RFC 8785 canonical JSON of `native`.
    public var canonicalJSON: String?
    /// `sha256:<hex>` of `canonicalJSON`.
    public var hash: String?
    /// What the importer did that the author should know (a valid imported manifest only).
    public var notes: [ManifestNote] = []

    public var isValid: Bool { diagnostics.isEmpty && manifest != nil }
}

/// Reads manifests of every accepted format. Pure: bytes in, report out.
public enum ManifestLoader {
    /// Parses and validates a manifest. `fileName` (if known) chooses JSON or YAML by extension;
    /// otherwise a document starting with `{` is read as JSON.
    public static func load(
        bytes: [UInt8], fileName: String? = nil, context: ValidationContext = .init(), limits: DocumentLimits = .default
    ) -> ManifestReport {
        do {
            let document = try parseDocument(bytes, fileName: fileName, limits: limits)
            return load(document: document, context: context, limits: limits)
        } catch {
            return ManifestReport(format: nil, diagnostics: [error.diagnostic])
        }
    }

    public static func load(
        text: String, fileName: String? = nil, context: ValidationContext = .init(), limits: DocumentLimits = .default
    ) -> ManifestReport {
        load(bytes: Array(text.utf8), fileName: fileName, context: context, limits: limits)
    }

    /// Reads bytes as one JSON or YAML document.
    public static func parseDocument(_ bytes: [UInt8], fileName: String? = nil, limits: DocumentLimits = .default) throws(DocumentError) -> JSONValue
    {
        guard bytes.count <= limits.maxBytes else {
            throw DocumentError(.documentTooLarge, .root, "document is \(bytes.count) bytes; the limit is \(limits.maxBytes)")
        }
        try TextChecks.requireText(bytes)
        let lower = fileName?.lowercased() ?? ""
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let isJSON: Bool
        if lower.hasSuffix(".json") {
            isJSON = true
        } else if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            isJSON = false
        } else {
            isJSON = body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
        }
        return isJSON ? try JSONParser.parse(Array(body), limits: limits) : try YAMLComposer.compose(Array(body), limits: limits)
    }

    /// Validates a document tree and, when valid, builds its native form and hash (refused when
    /// its canonical JSON would exceed `limits.maxCanonicalBytes`).
    public static func load(document: JSONValue, context: ValidationContext = .init(), limits: DocumentLimits = .default) -> ManifestReport {
        guard case .object(let root) = document else {
            return ManifestReport(
                format: nil, diagnostics: [ManifestDiagnostic(.invalidType, .root, "a manifest is an object (a mapping), not \(document.typeName)")])
        }
        let format: ManifestFormat
        switch detect(root) {
        case .success(let f): format = f
        case .failure(let d): return ManifestReport(format: nil, diagnostics: [d])
        }

        var validator = ShapeValidator(context: context)
        let nativeTree: JSONValue
        let provenance: Provenance
        switch format {
        case .native:
            validator.check(document, .object(NativeShape.root), .root)
            (nativeTree, provenance) = (document, .identity())
        case .linkworld:
            validator.check(document, .object(LinkworldFormat.shape), .root)
            LinkworldFormat.extraRules(document, &validator.diagnostics)
            (nativeTree, provenance) = LinkworldFormat.convert(document)
        case .openSail:
            validator.check(document, .object(OpenSailFormat.shape), .root)
            OpenSailFormat.extraRules(document, &validator.diagnostics)
            (nativeTree, provenance) = OpenSailFormat.convert(document)
        }
        var diagnostics = validator.diagnostics
        var rules = Diagnostics()
        NativeRules.check(nativeTree, &rules, context)
        for d in rules.items {
            diagnostics.add(d.code, provenance.source(for: JSONPointer(parsing: d.path) ?? .root), d.message)
        }
        if format != .native && diagnostics.isEmpty {
            // The conversion must yield a valid native manifest; if it does not, that is a bug in
            // the importer, reported rather than hidden.
            var check = ShapeValidator(context: context)
            check.check(nativeTree, .object(NativeShape.root), .root)
            for d in check.diagnostics.items {
                diagnostics.add(d.code, provenance.source(for: JSONPointer(parsing: d.path) ?? .root), "after conversion to marina/v1: " + d.message)
            }
        }
        guard diagnostics.isEmpty else { return ManifestReport(format: format, diagnostics: diagnostics.items) }
        var report = finish(nativeTree, format: format, limits: limits)
        if report.isValid {
            switch format {
            case .native: break
            case .linkworld: report.notes = LinkworldFormat.notes(document)
            case .openSail: report.notes = OpenSailFormat.notes(document)
            }
        }
        return report
    }

    private static func finish(_ tree: JSONValue, format: ManifestFormat, limits: DocumentLimits) -> ManifestReport {
        let native = ShapeNormalizer.normalize(tree, .object(NativeShape.root))
        // The stored and hashed form is bounded whatever the input did to get there (aliases,
        // escapes that canonical JSON writes longer, values an importer copies to two places).
        if CanonicalJSON.byteCount(native, limit: limits.maxCanonicalBytes) > limits.maxCanonicalBytes {
            return ManifestReport(
                format: format,
                diagnostics: [
                    ManifestDiagnostic(
                        .documentTooLarge, .root,
                        "the manifest's canonical form (marina/v1, defaults filled in) is over \(limits.maxCanonicalBytes) bytes")
                ])
        }
        let canonical = CanonicalJSON.string(native)
        do {
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(canonical.utf8))
            return ManifestReport(
                format: format, diagnostics: [], native: native, manifest: manifest,
                canonicalJSON: canonical, hash: CanonicalJSON.hash(native))
        } catch {
            return ManifestReport(format: format, diagnostics: [ManifestDiagnostic(.invalidValue, .root, "the manifest could not be read: \(error)")])
        }
    }

    private static func detect(_ root: JSONObject) -> Result<ManifestFormat, ManifestDiagnostic> {
        let supported = "Marina reads marina/v1, linkworld.ai/v2 and OpenSail manifest_schema_version 2025-02"
        if let api = root["apiVersion"] {
            guard case .string(let s) = api else {
                return .failure(ManifestDiagnostic(.invalidType, JSONPointer.root / "apiVersion", "expected string, got \(api.typeName)"))
            }
            switch s {
            case NativeShape.apiVersion: return .success(.native)
            case LinkworldFormat.apiVersion: return .success(.linkworld)
            default:
                return .failure(
                    ManifestDiagnostic(.unsupportedVersion, JSONPointer.root / "apiVersion", "apiVersion \"\(s)\" is not supported; \(supported)"))
            }
        }
        if let version = root["manifest_schema_version"] {
            if version == .string(OpenSailFormat.schemaVersion) { return .success(.openSail) }
            guard case .string(let s) = version else {
                return .failure(
                    ManifestDiagnostic(.invalidType, JSONPointer.root / "manifest_schema_version", "expected string, got \(version.typeName)"))
            }
            return .failure(
                ManifestDiagnostic(
                    .unsupportedVersion, JSONPointer.root / "manifest_schema_version",
                    "manifest_schema_version \"\(s)\" is not supported; \(supported)"))
        }
        return .failure(ManifestDiagnostic(.missingField, JSONPointer.root / "apiVersion", "\"apiVersion\" is required (apiVersion: marina/v1)"))
    }
}
