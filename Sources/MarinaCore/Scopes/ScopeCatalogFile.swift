/// An operator's extension of the scope catalog, a YAML (or JSON) file:
///
/// ```yaml
/// scopes:
///   - name: crm.read
///     description: Read the tenant's CRM contacts
///     tools: [crm_lookup]
/// ```
///
/// Scopes and tools are added to the default catalog; redefining a scope or claiming a tool
/// another scope already gates is an error, because each platform tool maps to exactly one scope.
public enum ScopeCatalogFile {
    static let shape = ObjectShape(
        "ScopeCatalogFile",
        [
            .required(
                "scopes",
                .array(
                    .object(
                        ObjectShape(
                            "ScopeDefinition",
                            [
                                .required("name", .string(.nonEmpty, maxLength: 128)),
                                .required("description", .string(minLength: 1, maxLength: 1000)),
                                FieldSpec("tools", .array(.string(.toolName)), default: []),
                            ])), maxItems: 1000))
        ])

    /// The catalog `base` extended by the file's scopes, or every problem found in the file.
    public static func extend(_ base: ScopeCatalog, with bytes: [UInt8], fileName: String? = nil) -> Result<ScopeCatalog, ScopeCatalogFileError> {
        let document: JSONValue
        do {
            document = try ManifestLoader.parseDocument(bytes, fileName: fileName)
        } catch {
            return .failure(ScopeCatalogFileError(problems: [error.diagnostic]))
        }
        var validator = ShapeValidator(context: ValidationContext(catalog: base))
        validator.check(document, .object(shape), .root)
        var d = validator.diagnostics
        var scopes = base.scopes
        var toolOwner: [String: String] = [:]
        for s in base.scopes { for t in s.tools { toolOwner[t] = s.name } }
        for (i, item) in NativeRules.items(document["scopes"]) {
            guard let name = item["name"]?.stringValue, let description = item["description"]?.stringValue else { continue }
            let path = JSONPointer.root / "scopes" / i
            if name.wholeMatch(of: /[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+/) == nil {
                d.add(.invalidValue, path / "name", "\"\(name)\" is not a scope name: dot-separated lowercase words, like crm.read")
            }
            if scopes.contains(where: { $0.name == name }) {
                d.add(.duplicateName, path / "name", "the scope \"\(name)\" is already defined")
                continue
            }
            let tools = NativeRules.strings(item["tools"])
            for (j, tool) in tools.enumerated() {
                if let owner = toolOwner[tool] {
                    d.add(.duplicateName, path / "tools" / j, "the tool \"\(tool)\" is already gated by \"\(owner)\"")
                } else {
                    toolOwner[tool] = name
                }
            }
            scopes.append(ScopeDefinition(name: name, description: description, tools: tools))
        }
        return d.isEmpty ? .success(ScopeCatalog(scopes)) : .failure(ScopeCatalogFileError(problems: d.items))
    }
}

public struct ScopeCatalogFileError: Error, Sendable {
    public var problems: [ManifestDiagnostic]
}
