// Over 400 lines on purpose: one evaluator over every keyword the compiler accepts, each a few
// lines sharing the step budget and the violation list; split by keyword it would be read in ten places.

/// Applies compiled schemas to a value, collecting violations. One evaluator serves one
/// `validate` call; it counts its steps and stops cleanly when a bound is reached.
///
/// The functions that recurse (`evaluate`, `apply`, `applyToItems`, `applyToMembers`,
/// `alternatives`, `negation`) keep their frames small: messages are built in separate,
/// non-inlined functions, so that a deep evaluation fits a small thread stack even in a debug
/// build.
struct SchemaEvaluator {
    let refs: [SchemaNode]
    let stepBudget: Int
    private var steps = 0
    /// The most pattern-matching steps (`PatternSearch.steps`) one `validate` call takes.
    let patternStepBudget: Int
    private var patternSteps = 0
    /// Subschema applications in progress (the depth of the recursion).
    private var nesting = 0
    /// Set when a work bound stopped the evaluation; reported once, after everything else.
    private(set) var stopped: JSONSchemaViolation?

    init(refs: [SchemaNode], stepBudget: Int, patternStepBudget: Int) {
        self.refs = refs
        self.stepBudget = stepBudget
        self.patternStepBudget = patternStepBudget
    }

    /// The first array or object nested more than `limit` levels deep, found without recursion.
    static func firstTooDeep(_ value: JSONValue, limit: Int) -> JSONPointer? {
        var stack: [(value: JSONValue, path: JSONPointer, depth: Int)] = [(value, .root, 1)]
        while let (current, path, depth) = stack.popLast() {
            switch current {
            case .array(let items):
                if depth > limit { return path }
                for (i, item) in items.enumerated().reversed() where item.isContainer { stack.append((item, path / i, depth + 1)) }
            case .object(let object):
                if depth > limit { return path }
                for (key, item) in object.pairs.reversed() where item.isContainer { stack.append((item, path / key, depth + 1)) }
            default:
                continue
            }
        }
        return nil
    }

    /// Applies `node` to `value` found at `path`. `refDepth` counts the `$ref`s followed since the
    /// evaluation last moved into a member or item of the value.
    mutating func evaluate(_ node: SchemaNode, _ value: JSONValue, _ path: JSONPointer, refDepth: Int, into out: inout [JSONSchemaViolation]) {
        guard stopped == nil, admit(path) else { return }
        nesting += 1
        defer { nesting -= 1 }
        switch node {
        case .constant(true):
            return
        case .constant(false):
            out.append(Self.violation(path, "false", "no value is allowed here"))
        case .keywords(let k):
            apply(k, value, path, refDepth: refDepth, into: &out)
        }
    }

    /// Counts a step and checks the bounds; false (with `stopped` set) when one is reached.
    @inline(never)
    private mutating func admit(_ path: JSONPointer) -> Bool {
        steps += 1
        if steps > stepBudget {
            stop(path, "limit", "validation stopped after \(stepBudget) steps; the schema is too costly for this value")
        } else if path.tokens.count > JSONSchemaValidator.maxInstanceDepth {
            stop(path, "depth", "the value nests deeper than \(JSONSchemaValidator.maxInstanceDepth) levels")
        } else if nesting >= JSONSchemaValidator.maxEvaluationDepth {
            stop(path, "depth", "subschemas nest deeper than \(JSONSchemaValidator.maxEvaluationDepth) levels while checking this value")
        }
        return stopped == nil
    }

    @inline(never)
    private mutating func stop(_ path: JSONPointer, _ keyword: String, _ message: String) {
        if stopped == nil { stopped = Self.violation(path, keyword, message) }
    }

    @inline(never)
    private mutating func stopReference(_ path: JSONPointer) {
        stop(path, "$ref", "more than \(JSONSchemaValidator.maxSchemaDepth) references followed without moving into the value (a recursive $ref?)")
    }

    private mutating func apply(_ k: CompiledKeywords, _ value: JSONValue, _ path: JSONPointer, refDepth: Int, into out: inout [JSONSchemaViolation])
    {
        if let ref = k.ref {
            guard refDepth < JSONSchemaValidator.maxSchemaDepth else { return stopReference(path) }
            evaluate(refs[ref], value, path, refDepth: refDepth + 1, into: &out)
            if stopped != nil { return }
        }
        Self.assert(k.assertions, value, path, into: &out)
        if let pattern = k.assertions.pattern, case .string(let s) = value { checkPattern(pattern, s, path, into: &out) }
        switch value {
        case .array(let items):
            applyToItems(k, items, path, into: &out)
        case .object(let object):
            applyToMembers(k, object, path, into: &out)
        default:
            break
        }
        if stopped != nil { return }
        if let subschemas = k.allOf {
            for sub in subschemas {
                evaluate(sub, value, path, refDepth: refDepth, into: &out)
                if stopped != nil { return }
            }
        }
        if let subschemas = k.anyOf {
            alternatives(subschemas, exactlyOne: false, value, path, refDepth: refDepth, into: &out)
            if stopped != nil { return }
        }
        if let subschemas = k.oneOf {
            alternatives(subschemas, exactlyOne: true, value, path, refDepth: refDepth, into: &out)
            if stopped != nil { return }
        }
        if let sub = k.not {
            negation(sub, value, path, refDepth: refDepth, into: &out)
        }
    }

    private mutating func applyToItems(_ k: CompiledKeywords, _ items: [JSONValue], _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        let prefixCount = k.prefixItems?.count ?? 0
        if let prefix = k.prefixItems {
            for (i, sub) in prefix.enumerated() where i < items.count {
                evaluate(sub, items[i], path / i, refDepth: 0, into: &out)
                if stopped != nil { return }
            }
        }
        guard let rest = k.items, items.count > prefixCount else { return }
        for i in prefixCount..<items.count {
            if case .constant(false) = rest {
                out.append(Self.extraItem(path, i, prefixCount))
            } else {
                evaluate(rest, items[i], path / i, refDepth: 0, into: &out)
                if stopped != nil { return }
            }
        }
    }

    private mutating func applyToMembers(_ k: CompiledKeywords, _ object: JSONObject, _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        for (key, member) in object.pairs {
            if let sub = k.properties[ExactString(key)] {
                evaluate(sub, member, path / key, refDepth: 0, into: &out)
            } else if let extra = k.additionalProperties {
                if case .constant(false) = extra {
                    out.append(Self.unknownMember(path, key, k.assertions))
                } else {
                    evaluate(extra, member, path / key, refDepth: 0, into: &out)
                }
            }
            if stopped != nil { return }
        }
    }

    /// `anyOf` (at least one alternative matches) or `oneOf` (exactly one does).
    private mutating func alternatives(
        _ subschemas: [SchemaNode], exactlyOne: Bool, _ value: JSONValue, _ path: JSONPointer,
        refDepth: Int, into out: inout [JSONSchemaViolation]
    ) {
        var closest: Closest?
        var matches: [Int] = []
        for (i, sub) in subschemas.enumerated() {
            var found: [JSONSchemaViolation] = []
            evaluate(sub, value, path, refDepth: refDepth, into: &found)
            if stopped != nil { return }
            if found.isEmpty {
                matches.append(i)
                if !exactlyOne || matches.count == 2 { break }
            } else {
                closest = Closest.better(closest, Closest(index: i, violations: found, at: path))
            }
        }
        if let problem = Self.alternativesProblem(exactlyOne ? "oneOf" : "anyOf", path, matches, closest) { out.append(problem) }
    }

    private mutating func negation(_ sub: SchemaNode, _ value: JSONValue, _ path: JSONPointer, refDepth: Int, into out: inout [JSONSchemaViolation]) {
        var found: [JSONSchemaViolation] = []
        evaluate(sub, value, path, refDepth: refDepth, into: &found)
        if stopped == nil && found.isEmpty { out.append(Self.violation(path, "not", "must not match the schema under \"not\"")) }
    }

    // MARK: - Checks that do not recurse, and messages

    static func violation(_ path: JSONPointer, _ keyword: String, _ message: String) -> JSONSchemaViolation {
        JSONSchemaViolation(path: SchemaText.pointer(path), keyword: keyword, message: message)
    }

    @inline(never)
    private static func assert(_ a: SchemaAssertions, _ value: JSONValue, _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        if let types = a.types, !types.contains(where: { $0.matches(value) }) {
            let expected = types.map(\.rawValue).joined(separator: " or ")
            out.append(violation(path, "type", "expected \(expected), got \(value.typeName)"))
        }
        if let values = a.enumValues, !values.contains(value) {
            let shown = values.prefix(10).map { SchemaText.render($0, limit: 40) }.joined(separator: ", ")
            let more = values.count > 10 ? ", …" : ""
            out.append(violation(path, "enum", values.isEmpty ? "no value is allowed (the enum is empty)" : "must be one of \(shown)\(more)"))
        }
        if let c = a.constValue, c != value {
            out.append(violation(path, "const", "must be \(SchemaText.render(c))"))
        }
        switch value {
        case .number(let n): checkNumber(a, n, path, into: &out)
        case .string(let s): checkString(a, s, path, into: &out)
        case .array(let items): checkArray(a, items, path, into: &out)
        case .object(let object): checkObject(a, object, path, into: &out)
        default: break
        }
    }

    private static func checkNumber(_ a: SchemaAssertions, _ n: Double, _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        var got: String { SchemaText.number(n) }
        if let limit = a.minimum, n < limit {
            out.append(violation(path, "minimum", "must be at least \(SchemaText.number(limit)), got \(got)"))
        }
        if let limit = a.maximum, n > limit {
            out.append(violation(path, "maximum", "must be at most \(SchemaText.number(limit)), got \(got)"))
        }
        if let limit = a.exclusiveMinimum, !(n > limit) {
            out.append(violation(path, "exclusiveMinimum", "must be greater than \(SchemaText.number(limit)), got \(got)"))
        }
        if let limit = a.exclusiveMaximum, !(n < limit) {
            out.append(violation(path, "exclusiveMaximum", "must be less than \(SchemaText.number(limit)), got \(got)"))
        }
        if let divisor = a.multipleOf, !DecimalMultiple.isMultiple(n, of: divisor) {
            out.append(violation(path, "multipleOf", "must be a multiple of \(SchemaText.number(divisor)), got \(got)"))
        }
    }

    private static func checkString(_ a: SchemaAssertions, _ s: String, _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        if a.minLength != nil || a.maxLength != nil {
            let length = s.unicodeScalars.count
            if let limit = a.minLength, length < limit {
                out.append(violation(path, "minLength", "must be at least \(plural(limit, "character")) long, got \(length)"))
            }
            if let limit = a.maxLength, length > limit {
                out.append(violation(path, "maxLength", "must be at most \(plural(limit, "character")) long, got \(length)"))
            }
        }
    }

    /// Matches a `pattern` within what is left of the call's pattern step budget.
    @inline(never)
    private mutating func checkPattern(_ pattern: CompiledPattern, _ s: String, _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        let search = pattern.search(s, stepLimit: patternStepBudget - patternSteps)
        patternSteps += search.steps
        switch search.outcome {
        case .match:
            break
        case .noMatch:
            out.append(Self.violation(path, "pattern", "does not match the pattern \(SchemaText.quoted(pattern.source))"))
        case .stopped:
            stop(path, "limit", "pattern matching stopped after \(patternStepBudget) steps; the pattern is too costly for this value")
        }
    }

    private static func checkArray(_ a: SchemaAssertions, _ items: [JSONValue], _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        if let limit = a.minItems, items.count < limit {
            out.append(violation(path, "minItems", "must have at least \(plural(limit, "item")), got \(items.count)"))
        }
        if let limit = a.maxItems, items.count > limit {
            out.append(violation(path, "maxItems", "must have at most \(plural(limit, "item")), got \(items.count)"))
        }
        if a.uniqueItems {
            var first: [JSONValue: Int] = [:]
            for (i, item) in items.enumerated() {
                if let earlier = first[item] {
                    out.append(violation(path / i, "uniqueItems", "item \(i) repeats item \(earlier); items must be unique"))
                } else {
                    first[item] = i
                }
            }
        }
    }

    private static func checkObject(_ a: SchemaAssertions, _ object: JSONObject, _ path: JSONPointer, into out: inout [JSONSchemaViolation]) {
        for name in a.required where !object.contains(name) {
            out.append(violation(path / name, "required", "\(SchemaText.quoted(name)) is required"))
        }
        if let limit = a.minProperties, object.count < limit {
            out.append(violation(path, "minProperties", "must have at least \(plural(limit, "property", "properties")), got \(object.count)"))
        }
        if let limit = a.maxProperties, object.count > limit {
            out.append(violation(path, "maxProperties", "must have at most \(plural(limit, "property", "properties")), got \(object.count)"))
        }
    }

    @inline(never)
    private static func extraItem(_ path: JSONPointer, _ i: Int, _ allowed: Int) -> JSONSchemaViolation {
        let rule = allowed == 0 ? "the array must be empty" : "the array takes at most \(plural(allowed, "item"))"
        return violation(path / i, "items", "item \(i) is not allowed; \(rule)")
    }

    @inline(never)
    private static func unknownMember(_ path: JSONPointer, _ key: String, _ a: SchemaAssertions) -> JSONSchemaViolation {
        var message = "unknown property \(SchemaText.quoted(key))"
        if !a.hasProperties {
            message += "; no properties are allowed"
        } else if key.count <= 64 {
            let best = a.knownNames.filter { $0.count <= 64 }.map { ($0, EditDistance.between($0, key)) }.min { $0.1 < $1.1 }
            if let best, best.1 <= max(2, key.count / 3) { message += "; did you mean \(SchemaText.quoted(best.0))?" }
        }
        return violation(path / key, "additionalProperties", message)
    }

    @inline(never)
    private static func alternativesProblem(_ keyword: String, _ path: JSONPointer, _ matches: [Int], _ closest: Closest?) -> JSONSchemaViolation? {
        if matches.isEmpty {
            return violation(path, keyword, "does not match any of the alternatives" + (closest?.hint ?? ""))
        }
        if keyword == "oneOf" && matches.count > 1 {
            return violation(path, keyword, "matches more than one alternative (\(matches[0]) and \(matches[1])); exactly one must match")
        }
        return nil
    }

    private static func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String {
        n == 1 ? "1 \(one)" : "\(n) \(many ?? one + "s")"
    }
}

/// The failing alternative of an `anyOf`/`oneOf` that came closest: one whose `type` matched,
/// then the one with the fewest violations, then the first.
private struct Closest {
    var index: Int
    var violations: [JSONSchemaViolation]
    var wrongType: Bool

    init(index: Int, violations: [JSONSchemaViolation], at path: JSONPointer) {
        self.index = index
        self.violations = violations
        let here = SchemaText.pointer(path)
        self.wrongType = violations.contains { ($0.keyword == "type" || $0.keyword == "false") && $0.path == here }
    }

    static func better(_ a: Closest?, _ b: Closest) -> Closest {
        guard let a else { return b }
        return (b.wrongType ? 1 : 0, b.violations.count) < (a.wrongType ? 1 : 0, a.violations.count) ? b : a
    }

    var hint: String {
        guard let first = violations.first else { return "" }
        let place = first.path.isEmpty ? "" : "at \(first.path): "
        var message = first.message
        if message.utf8.count > 160 { message = String(message.unicodeScalars.prefix(120)) + "…" }
        return "; closest is alternative \(index): \(place)\(message)"
    }
}

extension JSONValue {
    fileprivate var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }
}

/// `multipleOf` on the decimal values people write: 0.3 is a multiple of 0.1 even though the
/// binary doubles nearest to them are not. Each number is taken at its shortest round-trip decimal
/// form (at most 17 significant digits), and the remainder is computed exactly.
enum DecimalMultiple {
    static func isMultiple(_ value: Double, of divisor: Double) -> Bool {
        guard value.isFinite, divisor.isFinite, divisor > 0 else { return false }
        if value == 0 { return true }
        guard let (a, ea) = decompose(value), let (b, eb) = decompose(divisor), b != 0 else {
            let q = value / divisor
            return q.isFinite && q.rounded(.towardZero) == q
        }
        if ea >= eb {
            // a·10^(ea-eb) mod b, one decimal digit at a time; r < b < 10^17, so r·10 fits.
            var r = a % b
            var shift = ea - eb
            while shift > 0 && r != 0 {
                r = (r * 10) % b
                shift -= 1
            }
            return r == 0
        }
        var scaled = b
        for _ in 0..<(eb - ea) {
            let (next, overflow) = scaled.multipliedReportingOverflow(by: 10)
            if overflow { return false }  // the divisor's magnitude exceeds the value's
            scaled = next
        }
        return a % scaled == 0
    }

    /// |x| as digits·10^exponent, without trailing zeros in the digits.
    static func decompose(_ x: Double) -> (digits: UInt64, exponent: Int)? {
        let text = "\(abs(x))"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            guard let parsed = Int(text[text.index(after: e)...]) else { return nil }
            exponent = parsed
        }
        var digits: UInt64 = 0
        var afterPoint = false
        for ch in mantissa {
            if ch == "." { afterPoint = true; continue }
            guard let d = ch.wholeNumberValue else { return nil }
            let (times10, o1) = digits.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            digits = sum
            if afterPoint { exponent -= 1 }
        }
        while digits != 0 && digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        return (digits, exponent)
    }
}
