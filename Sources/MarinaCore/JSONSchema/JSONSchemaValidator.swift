/// Checks JSON values against a JSON Schema (draft 2020-12), as the tool gateway does with a
/// tool's `input_schema` before a partner app is called and with its `output_schema` after.
///
/// Supported keywords: `type`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, `multipleOf`, `minLength`, `maxLength`, `pattern`, `prefixItems`, `items`,
/// `minItems`, `maxItems`, `uniqueItems`, `properties`, `required`, `additionalProperties`,
/// `minProperties`, `maxProperties`, `allOf`, `anyOf`, `oneOf`, `not`, boolean schemas, `$defs` /
/// `definitions` and local `$ref` (`#`, `#/$defs/...`, any JSON Pointer fragment). Every other
/// keyword (`title`, `description`, `format`, `default`, `examples`, `$schema`, `$id`, ...) is
/// ignored.
///
/// The schema is checked and compiled once, in `init`: a malformed keyword, an invalid `pattern`
/// (also one that needs backtracking, such as a backreference: see `CompiledPattern`) or a `$ref`
/// that cannot be resolved throws a `JSONSchemaError`. Patterns are compiled there and reused, and
/// match in time linear in the string. `validate` never throws; it returns every violation it
/// finds (an empty array means the value is valid). The work is bounded: values nested deeper than
/// 64 levels, `$ref` chains longer than 64 without descending into the value, subschema
/// applications nested deeper than 256 and evaluations longer than a step budget (subschema
/// applications, and separately pattern-matching steps) end in a violation instead of a crash or
/// a hang.
public struct JSONSchemaValidator: Sendable {
    /// The deepest nesting of arrays and objects accepted in a value (as `DocumentLimits`).
    public static let maxInstanceDepth = 64
    /// The deepest nesting of subschemas accepted in a schema, and the longest run of `$ref`
    /// followed at one place in a value.
    public static let maxSchemaDepth = 64
    /// The deepest recursion of subschema applications while checking a value: room for four
    /// per level of a value nested `maxInstanceDepth` deep (a member's schema, an `anyOf`
    /// branch, a `$ref`, ...), and a bound on stack use whatever the schema.
    public static let maxEvaluationDepth = 4 * maxInstanceDepth
    /// The most subschema applications one `validate` call performs, unless told otherwise.
    public static let defaultStepBudget = 1_000_000
    /// The most pattern-matching steps one `validate` call performs, unless told otherwise: a
    /// megabyte of text against a simple pattern takes a few million (see `CompiledPattern`).
    public static let defaultPatternStepBudget = 20_000_000

    private let root: SchemaNode
    private let refs: [SchemaNode]
    /// The most subschema applications one `validate` call of this validator performs.
    public let stepBudget: Int
    /// The most pattern-matching steps one `validate` call of this validator performs.
    public let patternStepBudget: Int

    /// Checks and compiles `schema`.
    public init(schema: JSONValue) throws(JSONSchemaError) {
        try self.init(schema: schema, stepBudget: Self.defaultStepBudget)
    }

    /// Checks and compiles `schema`; `validate` gives up (with a `limit` violation) after
    /// `stepBudget` subschema applications or `patternStepBudget` steps of pattern matching.
    public init(schema: JSONValue, stepBudget: Int, patternStepBudget: Int = JSONSchemaValidator.defaultPatternStepBudget) throws(JSONSchemaError) {
        let compiled = try SchemaCompiler.compile(schema)
        self.root = compiled.root
        self.refs = compiled.refs
        self.stepBudget = max(1, stepBudget)
        self.patternStepBudget = max(1, patternStepBudget)
    }

    /// Every way in which `instance` fails the schema, in a stable order; empty when it is valid.
    public func validate(_ instance: JSONValue) -> [JSONSchemaViolation] {
        if let deep = SchemaEvaluator.firstTooDeep(instance, limit: Self.maxInstanceDepth) {
            return [
                JSONSchemaViolation(
                    path: deep.description, keyword: "depth",
                    message: "the value nests deeper than \(Self.maxInstanceDepth) levels")
            ]
        }
        var evaluator = SchemaEvaluator(refs: refs, stepBudget: stepBudget, patternStepBudget: patternStepBudget)
        var violations: [JSONSchemaViolation] = []
        evaluator.evaluate(root, instance, .root, refDepth: 0, into: &violations)
        if let stop = evaluator.stopped { violations.append(stop) }
        return violations
    }

    /// Whether `instance` satisfies the schema.
    public func isValid(_ instance: JSONValue) -> Bool { validate(instance).isEmpty }
}

/// One way in which a value fails a schema.
public struct JSONSchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer into the checked value ("" is the value itself). For `required` it names the
    /// missing member, for `additionalProperties: false` the unexpected one, for `uniqueItems` the
    /// repeated item.
    public var path: String
    /// The schema keyword that failed ("type", "required", ...); "false" for a `false` schema, and
    /// "depth", "$ref" or "limit" when a work bound stopped the check.
    public var keyword: String
    /// A sentence for people, e.g. `"name" is required` or `expected integer, got string`.
    public var message: String

    public init(path: String, keyword: String, message: String) {
        self.path = path
        self.keyword = keyword
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "(root)" : path): \(message) [\(keyword)]" }
}

/// A schema that cannot be used: a keyword with a malformed value, an invalid regular expression,
/// a `$ref` that does not resolve, or a schema nested too deep.
public struct JSONSchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer into the schema where the problem is.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    init(_ path: JSONPointer, _ message: String) {
        self.init(path: path.description, message: message)
    }

    public var description: String { "invalid schema at \(path.isEmpty ? "(root)" : path): \(message)" }
}
