// libyaml's event API (the `CYaml` module that Yams builds) is used directly instead of Yams'
// composer because the composer recurses without a depth bound, expands aliases eagerly and
// hashes whole nodes to find duplicate keys: all three turn hostile input into a crash or a hang.
import CYaml

/// Reads one YAML document into a `JSONValue` under the YAML 1.2 core schema (`no` is a string,
/// `1.0` a number), refusing duplicate keys, unknown tags, several documents, and anything beyond
/// the `DocumentLimits`.
public enum YAMLComposer {
    public static func compose(_ bytes: [UInt8], limits: DocumentLimits = .default) throws(DocumentError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw DocumentError(.documentTooLarge, .root, "document is \(bytes.count) bytes; the limit is \(limits.maxBytes)")
        }
        try TextChecks.requireText(bytes)
        try TextChecks.requireYAMLPrintable(bytes)
        var state = ComposerState(limits: limits)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw DocumentError(.invalidSyntax, .root, "the YAML parser could not start")
        }
        defer { yaml_parser_delete(&parser) }
        let result: Result<JSONValue, DocumentError> = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            do throws(DocumentError) {
                return .success(try state.document(&parser))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Validation of raw bytes shared by the YAML and JSON readers.
enum TextChecks {
    static func requireText(_ bytes: [UInt8]) throws(DocumentError) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw DocumentError(.invalidEncoding, .root, "the document is not valid UTF-8 text")
        }
        if let bad = body.first(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D || $0 == 0x7F }) {
            throw DocumentError(.invalidEncoding, .root, "the document holds a control character (0x\(String(bad, radix: 16))); is it binary?")
        }
    }
}

extension TextChecks {
    /// YAML forbids the C1 control characters (except NEL); libyaml reports them without a
    /// useful position, so they are found here first.
    static func requireYAMLPrintable(_ bytes: [UInt8]) throws(DocumentError) {
        let text = String(decoding: bytes, as: UTF8.self)
        var line = 1, column = 1
        for scalar in text.unicodeScalars {
            if (0x80...0x9F).contains(scalar.value) && scalar.value != 0x85 {
                throw DocumentError(
                    .invalidEncoding, .root,
                    "line \(line), column \(column): the control character U+00\(String(scalar.value, radix: 16, uppercase: true)) is not allowed in YAML"
                )
            }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
    }
}

private final class Event {
    var raw = yaml_event_t()
    deinit { yaml_event_delete(&raw) }
    var type: yaml_event_type_t { raw.type }
    var line: Int { Int(raw.start_mark.line) + 1 }
    var column: Int { Int(raw.start_mark.column) + 1 }
}

private struct Anchored {
    var value: JSONValue
    var nodes: Int
    /// Bytes of text (string values and keys) in the value, as `DocumentLimits.maxTextBytes` counts.
    var bytes: Int
    var depth: Int
}

private struct ComposerState {
    let limits: DocumentLimits
    var nodes = 0
    var textBytes = 0
    var anchors: [String: Anchored] = [:]

    init(limits: DocumentLimits) { self.limits = limits }

    mutating func next(_ parser: inout yaml_parser_t, _ path: JSONPointer) throws(DocumentError) -> Event {
        let event = Event()
        guard yaml_parser_parse(&parser, &event.raw) == 1 else {
            let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
            let context = parser.context.map { String(cString: $0) + ": " } ?? ""
            if problem.contains("Maximum nesting level") {
                throw DocumentError(.nestingTooDeep, path, "nesting deeper than \(limits.maxDepth) levels")
            }
            let line = Int(parser.problem_mark.line) + 1
            let column = Int(parser.problem_mark.column) + 1
            throw DocumentError(.invalidSyntax, path, "invalid YAML at line \(line), column \(column): \(context)\(problem)")
        }
        return event
    }

    mutating func document(_ parser: inout yaml_parser_t) throws(DocumentError) -> JSONValue {
        _ = try next(&parser, .root)  // stream start
        let start = try next(&parser, .root)
        guard start.type == YAML_DOCUMENT_START_EVENT else {
            throw DocumentError(.emptyDocument, .root, "the document is empty")
        }
        let rootEvent = try next(&parser, .root)
        let (root, _, _, _) = try node(rootEvent, &parser, .root, depth: 0)
        _ = try next(&parser, .root)  // document end
        let after = try next(&parser, .root)
        guard after.type == YAML_STREAM_END_EVENT else {
            throw DocumentError(.invalidSyntax, .root, "a manifest is one YAML document; found another at line \(after.line)")
        }
        return root
    }

    /// Counts `n` nodes and `bytes` of text into the document's expansion, stopping at the first
    /// value (or alias) that takes either over its limit: an alias bomb ends there, before the
    /// expansion is ever built.
    mutating func count(_ n: Int, bytes: Int = 0, _ path: JSONPointer) throws(DocumentError) {
        nodes += n
        if nodes > limits.maxNodes {
            throw DocumentError(
                .documentTooLarge, path, "the document expands to more than \(limits.maxNodes) values (aliases count each time they are used)")
        }
        textBytes += bytes
        if textBytes > limits.maxTextBytes {
            throw DocumentError(
                .documentTooLarge, path,
                "the document expands to more than \(limits.maxTextBytes) bytes of text (aliases count each time they are used)")
        }
    }

    /// Returns the value, its node count, its text bytes and its depth.
    mutating func node(
        _ event: Event, _ parser: inout yaml_parser_t, _ path: JSONPointer, depth: Int
    ) throws(DocumentError) -> (JSONValue, Int, Int, Int) {
        switch event.type {
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.raw.data.alias.anchor)
            guard let anchored = anchors[name] else {
                throw DocumentError(.invalidSyntax, path, "line \(event.line): the alias *\(name) names no anchor")
            }
            try count(anchored.nodes, bytes: anchored.bytes, path)
            if depth + anchored.depth > limits.maxDepth {
                throw DocumentError(.nestingTooDeep, path, "nesting deeper than \(limits.maxDepth) levels")
            }
            return (anchored.value, anchored.nodes, anchored.bytes, anchored.depth)
        case YAML_SCALAR_EVENT:
            try count(1, path)
            let value = try scalar(event, path)
            let bytes = value.stringValue?.utf8.count ?? 0
            try count(0, bytes: bytes, path)
            remember(event.raw.data.scalar.anchor, Anchored(value: value, nodes: 1, bytes: bytes, depth: 0))
            return (value, 1, bytes, 0)
        case YAML_SEQUENCE_START_EVENT:
            guard depth < limits.maxDepth else {
                throw DocumentError(.nestingTooDeep, path, "nesting deeper than \(limits.maxDepth) levels")
            }
            try count(1, path)
            try checkCollectionTag(event.raw.data.sequence_start.tag, expected: "tag:yaml.org,2002:seq", event, path)
            var items: [JSONValue] = []
            var total = 1, text = 0, deepest = 1
            while true {
                let child = try next(&parser, path / items.count)
                if child.type == YAML_SEQUENCE_END_EVENT { break }
                let (v, n, b, d) = try node(child, &parser, path / items.count, depth: depth + 1)
                items.append(v)
                total += n
                text += b
                deepest = max(deepest, d + 1)
            }
            let value = JSONValue.array(items)
            remember(event.raw.data.sequence_start.anchor, Anchored(value: value, nodes: total, bytes: text, depth: deepest))
            return (value, total, text, deepest)
        case YAML_MAPPING_START_EVENT:
            guard depth < limits.maxDepth else {
                throw DocumentError(.nestingTooDeep, path, "nesting deeper than \(limits.maxDepth) levels")
            }
            try count(1, path)
            try checkCollectionTag(event.raw.data.mapping_start.tag, expected: "tag:yaml.org,2002:map", event, path)
            var object = JSONObject()
            var total = 1, text = 0, deepest = 1
            while true {
                let keyEvent = try next(&parser, path)
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                let key = try mappingKey(keyEvent, path)
                if object.contains(key) {
                    throw DocumentError(.duplicateKey, path / key, "line \(keyEvent.line): the key \"\(key)\" appears more than once")
                }
                let valueEvent = try next(&parser, path / key)
                let (v, n, b, d) = try node(valueEvent, &parser, path / key, depth: depth + 1)
                object[key] = v
                total += n
                text += key.utf8.count + b
                deepest = max(deepest, d + 1)
            }
            let value = JSONValue.object(object)
            remember(event.raw.data.mapping_start.anchor, Anchored(value: value, nodes: total, bytes: text, depth: deepest))
            return (value, total, text, deepest)
        default:
            throw DocumentError(.invalidSyntax, path, "line \(event.line): unexpected YAML event")
        }
    }

    mutating func remember(_ anchor: UnsafeMutablePointer<yaml_char_t>?, _ value: Anchored) {
        guard let anchor else { return }
        anchors[String(cString: anchor)] = value
    }

    func checkCollectionTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, expected: String, _ event: Event, _ path: JSONPointer) throws(DocumentError) {
        guard let tag else { return }
        let name = String(cString: tag)
        guard name == expected || name == "!" else {
            throw DocumentError(.invalidSyntax, path, "line \(event.line): the YAML tag \(name) is not supported")
        }
    }

    /// Reads a key and counts its text (also when it is an alias: a long key aliased in many
    /// mappings expands like any other value).
    mutating func mappingKey(_ event: Event, _ path: JSONPointer) throws(DocumentError) -> String {
        switch event.type {
        case YAML_SCALAR_EVENT:
            try count(1, path)
            let s = event.raw.data.scalar
            let key = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            try count(0, bytes: key.utf8.count, path)
            return key
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.raw.data.alias.anchor)
            if case .string(let key)? = anchors[name]?.value {
                try count(0, bytes: key.utf8.count, path)
                return key
            }
            throw DocumentError(.invalidSyntax, path, "line \(event.line): a mapping key must be a string")
        default:
            throw DocumentError(.invalidSyntax, path, "line \(event.line): a mapping key must be a string, not a collection")
        }
    }

    func scalar(_ event: Event, _ path: JSONPointer) throws(DocumentError) -> JSONValue {
        let s = event.raw.data.scalar
        let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
        let tag = s.tag.map { String(cString: $0) }
        let plain = s.style == YAML_PLAIN_SCALAR_STYLE
        switch tag {
        case nil:
            return plain ? try CoreSchema.resolve(text, path) : .string(text)
        case "!", "tag:yaml.org,2002:str":
            return .string(text)
        case "tag:yaml.org,2002:null":
            guard case .null = try CoreSchema.resolve(text, path) else { throw mistagged(text, "null", path) }
            return .null
        case "tag:yaml.org,2002:bool":
            guard case .bool(let b) = try CoreSchema.resolve(text, path) else { throw mistagged(text, "bool", path) }
            return .bool(b)
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float":
            guard case .number(let n) = try CoreSchema.resolve(text, path) else { throw mistagged(text, "number", path) }
            return .number(n)
        case let other?:
            throw DocumentError(.invalidSyntax, path, "line \(event.line): the YAML tag \(other) is not supported")
        }
    }

    func mistagged(_ text: String, _ type: String, _ path: JSONPointer) -> DocumentError {
        DocumentError(.invalidValue, path, "\"\(text)\" is not a valid \(type)")
    }
}

/// Resolution of plain scalars under the YAML 1.2 core schema.
enum CoreSchema {
    static func resolve(_ text: String, _ path: JSONPointer) throws(DocumentError) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            throw DocumentError(.invalidValue, path, "\(text) is not a finite number; JSON cannot hold it (quote it for a string)")
        default: break
        }
        let u = Array(text.utf8)
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        if u.count > 2, u[0] == 0x30, u[1] == UInt8(ascii: "o"), u[2...].allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
            return try number(Double(text.dropFirst(2).reduce(0.0) { $0 * 8 + Double($1.wholeNumberValue!) }), text, path)
        }
        if u.count > 2, u[0] == 0x30, u[1] == UInt8(ascii: "x"), u[2...].allSatisfy({ $0.isHexDigit }) {
            return try number(Double(text.dropFirst(2).reduce(0.0) { $0 * 16 + Double($1.hexDigitValue!) }), text, path)
        }
        // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var i = 0
        if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        var intDigits = 0, fracDigits = 0
        while i < u.count, isDigit(u[i]) { i += 1; intDigits += 1 }
        var sawPoint = false
        if i < u.count, u[i] == UInt8(ascii: ".") {
            sawPoint = true
            i += 1
            while i < u.count, isDigit(u[i]) { i += 1; fracDigits += 1 }
        }
        guard intDigits > 0 || (sawPoint && fracDigits > 0) else { return .string(text) }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
            var expDigits = 0
            while i < u.count, isDigit(u[i]) { i += 1; expDigits += 1 }
            guard expDigits > 0 else { return .string(text) }
        }
        guard i == u.count else { return .string(text) }
        let cleaned = text.hasPrefix("+") ? String(text.dropFirst()) : text
        let normalized = cleaned.hasPrefix(".") ? "0" + cleaned : cleaned.hasPrefix("-.") ? "-0" + cleaned.dropFirst() : cleaned
        guard let value = Double(normalized) else { return .string(text) }
        return try number(value, text, path)
    }

    private static func number(_ value: Double, _ text: String, _ path: JSONPointer) throws(DocumentError) -> JSONValue {
        guard value.isFinite else { throw DocumentError(.invalidValue, path, "the number \(text) is out of range") }
        return .number(value)
    }
}

private extension UInt8 {
    var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
}
