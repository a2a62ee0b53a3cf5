/// Operator-defined platform tools: a YAML (or JSON) file naming, for each tool, the scope that
/// gates it, its input schema and the HTTP endpoint of the host SaaS that runs it.
///
/// ```yaml
/// tools:
///   - name: crm_lookup
///     scope: crm.read
///     description: Look a customer up in the CRM
///     input_schema: {type: object, properties: {email: {type: string}}, required: [email]}
///     endpoint: https://saas.internal/marina/tools/crm_lookup
///     timeout_s: 10
/// ```
public struct OperatorTool: Sendable, Equatable {
    public var name: String
    public var scope: String
    public var description: String
    public var inputSchema: JSONValue
    public var endpoint: String
    public var timeoutSeconds: Int
}

public enum OperatorToolsFile {
    static let shape = ObjectShape(
        "OperatorToolsFile",
        [
            .required(
                "tools",
                .array(
                    .object(
                        ObjectShape(
                            "OperatorTool",
                            [
                                .required("name", .string(.toolName)),
                                .required("scope", .string(.nonEmpty, maxLength: 128)),
                                FieldSpec("description", .string(maxLength: 1000), default: ""),
                                FieldSpec("input_schema", .any, default: ["type": "object"]),
                                .required("endpoint", .string(.nonEmpty, maxLength: 2048)),
                                FieldSpec("timeout_s", .integer(min: 1, max: 120), default: 10),
                            ])), maxItems: 500))
        ])

    /// The tools of the file, or every problem: unknown scopes, names taken by built-in tools or
    /// given twice, endpoints that are not http(s) URLs, schemas the validator cannot apply.
    public static func load(
        _ bytes: [UInt8], fileName: String?, catalog: ScopeCatalog, reserved: Set<String>
    ) -> Result<[OperatorTool], ScopeCatalogFileError> {
        let document: JSONValue
        do { document = try ManifestLoader.parseDocument(bytes, fileName: fileName) } catch {
            return .failure(ScopeCatalogFileError(problems: [error.diagnostic]))
        }
        var validator = ShapeValidator(context: ValidationContext(catalog: catalog))
        validator.check(document, .object(shape), .root)
        var d = validator.diagnostics
        var tools: [OperatorTool] = []
        var seen = reserved
        for (i, item) in NativeRules.items(document["tools"]) {
            let path = JSONPointer.root / "tools" / i
            guard let name = item["name"]?.stringValue, let scope = item["scope"]?.stringValue, let endpoint = item["endpoint"]?.stringValue else {
                continue
            }
            if seen.contains(name) { d.add(.duplicateName, path / "name", "the tool \"\(name)\" already exists") }
            seen.insert(name)
            if !catalog.contains(scope) { d.add(.invalidValue, path / "scope", "\"\(scope)\" is not in the scope catalog (add it with --scopes)") }
            let lower = endpoint.lowercased()
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || endpoint.contains(where: { $0.isWhitespace }) {
                d.add(.invalidValue, path / "endpoint", "\"\(endpoint)\" is not an http(s) URL")
            }
            let schema = item["input_schema"] ?? ["type": "object"]
            if (try? JSONSchemaValidator(schema: schema)) == nil { d.add(.invalidValue, path / "input_schema", "the input schema cannot be applied") }
            var timeout = 10
            if case .number(let t)? = item["timeout_s"] { timeout = Int(t) }
            tools.append(
                OperatorTool(
                    name: name, scope: scope, description: item["description"]?.stringValue ?? "", inputSchema: schema, endpoint: endpoint,
                    timeoutSeconds: timeout))
        }
        return d.isEmpty ? .success(tools) : .failure(ScopeCatalogFileError(problems: d.items))
    }
}
