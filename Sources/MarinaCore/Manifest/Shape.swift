/// A declarative description of a manifest format: which fields exist, their types, limits,
/// defaults and formats. One description drives validation, the filling of defaults, the JSON
/// Schema in `schemas/` and the field reference in `docs/manifest.md`, so they cannot disagree.
public indirect enum Shape: Sendable {
    case string(StringRule)
    case integer(min: Int? = nil, max: Int? = nil, allowed: [Int]? = nil)
    case number(min: Double? = nil, max: Double? = nil)
    case boolean
    /// One of a fixed set of strings.
    case enumeration([String])
    case array(Shape, minItems: Int = 0, maxItems: Int? = nil)
    case object(ObjectShape)
    /// An object with free keys (checked by `keyFormat`) and values of one shape.
    case map(Shape, keyFormat: StringFormat?)
    /// A JSON Schema document (tool input and output schemas): an object, checked loosely.
    case jsonSchema
    /// Any JSON value.
    case any
    case nullable(Shape)
    /// The first alternative whose JSON type matches is used.
    case either([Shape])

    public static var string: Shape { .string(StringRule()) }
    public static func string(_ format: StringFormat? = nil, minLength: Int? = nil, maxLength: Int? = nil) -> Shape {
        .string(StringRule(format: format, minLength: minLength, maxLength: maxLength))
    }
}

public struct StringRule: Sendable {
    public var format: StringFormat?
    public var minLength: Int?
    public var maxLength: Int?
    public init(format: StringFormat? = nil, minLength: Int? = nil, maxLength: Int? = nil) {
        self.format = format
        self.minLength = minLength
        self.maxLength = maxLength
    }
}

public struct ObjectShape: Sendable {
    /// Name of the definition in the JSON Schema (`$defs`) and heading in the docs.
    public var name: String
    public var fields: [FieldSpec]
    /// Whether fields beyond `fields` are allowed (only where a reference format allows them).
    public var allowsUnknownFields: Bool
    public var doc: String

    public init(_ name: String, doc: String = "", allowsUnknownFields: Bool = false, _ fields: [FieldSpec]) {
        self.name = name
        self.fields = fields
        self.allowsUnknownFields = allowsUnknownFields
        self.doc = doc
    }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

public struct FieldSpec: Sendable {
    public var name: String
    public var shape: Shape
    public var required: Bool
    /// Filled in by normalisation when the field is absent (and its object present).
    public var defaultValue: JSONValue?
    public var doc: String

    public init(_ name: String, _ shape: Shape, required: Bool = false, default defaultValue: JSONValue? = nil, doc: String = "") {
        self.name = name
        self.shape = shape
        self.required = required
        self.defaultValue = defaultValue
        self.doc = doc
    }

    public static func required(_ name: String, _ shape: Shape, doc: String = "") -> FieldSpec {
        FieldSpec(name, shape, required: true, doc: doc)
    }
}
