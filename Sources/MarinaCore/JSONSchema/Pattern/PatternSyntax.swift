/// A parsed JSON Schema `pattern`: ECMA-262 regular expression syntax (as with the `u` flag), limited
/// to what a linear-time matcher can do. Captures are not kept: a pattern only answers whether it
/// matches, so a group is just grouping and a lazy quantifier matches what a greedy one does.
indirect enum PatternNode: Sendable {
    case empty
    /// One code point out of a set (a literal is a set of one).
    case scalars(ScalarClass)
    /// `^`: the start of the input.
    case start
    /// `$`: the end of the input.
    case end
    /// `\b` (true) or `\B` (false), with ECMA-262's ASCII word characters.
    case wordBoundary(Bool)
    case sequence([PatternNode])
    case alternation([PatternNode])
    /// `min` to `max` (nil: unbounded) repetitions.
    case repetition(PatternNode, min: Int, max: Int?)
}

/// Why a pattern was refused, and where (an offset in code points into the pattern).
public struct PatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public init(_ offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "\(message) (at character \(offset + 1))" }
}

/// Reads ECMA-262 pattern syntax into a `PatternNode`. Constructs that only a backtracking matcher
/// can evaluate (backreferences, lookahead, lookbehind) are refused, as is syntax ECMA-262 does not
/// have (inline flags, possessive quantifiers) and syntax other dialects read differently (a `{`
/// that does not start a quantifier, unknown letter escapes).
struct PatternParser {
    private let scalars: [Unicode.Scalar]
    private var i = 0

    /// Counted repetitions above this are refused while parsing (the program size bound refuses
    /// most smaller ones too, but the count itself must fit).
    static let maxCount = 100_000

    private init(_ source: String) { scalars = Array(source.unicodeScalars) }

    static func parse(_ source: String) throws(PatternError) -> PatternNode {
        var parser = PatternParser(source)
        let node = try parser.alternation(depth: 0)
        if parser.i < parser.scalars.count {
            // Only an unmatched `)` stops an alternation early.
            throw PatternError(parser.i, "unmatched )")
        }
        return node
    }

    private var atEnd: Bool { i >= scalars.count }
    private var current: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < scalars.count ? scalars[i + offset] : nil }

    /// Groups nested deeper than this are refused, so that parsing and compiling never recurse
    /// without bound.
    static let maxNesting = 100

    private mutating func alternation(depth: Int) throws(PatternError) -> PatternNode {
        guard depth <= Self.maxNesting else { throw PatternError(i, "groups are nested more than \(Self.maxNesting) deep") }
        var branches = [try sequence(depth: depth)]
        while current == "|" {
            i += 1
            branches.append(try sequence(depth: depth))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence(depth: Int) throws(PatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let c = current, c != "|", c != ")" {
            let atomStart = i
            let (atom, quantifiable) = try self.atom(depth: depth)
            if let (min, max) = try quantifier() {
                guard quantifiable else { throw PatternError(atomStart, "nothing to repeat: an assertion cannot be repeated") }
                items.append(.repetition(atom, min: min, max: max))
            } else {
                items.append(atom)
            }
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .sequence(items)
        }
    }

    /// A quantifier after an atom, if there is one: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each
    /// optionally lazy (`?` after it), which changes nothing for a yes/no answer.
    private mutating func quantifier() throws(PatternError) -> (Int, Int?)? {
        let start = i
        let bounds: (Int, Int?)
        switch current {
        case "*": i += 1; bounds = (0, nil)
        case "+": i += 1; bounds = (1, nil)
        case "?": i += 1; bounds = (0, 1)
        case "{":
            guard let counted = try countedQuantifier() else {
                throw PatternError(start, "a { that does not start a quantifier {n}, {n,} or {n,m} must be escaped as \\{")
            }
            bounds = counted
        default: return nil
        }
        if current == "?" { i += 1 }
        if let c = current, c == "*" || c == "+" || c == "?" || (c == "{" && lookingAtCountedQuantifier()) {
            throw PatternError(
                i, c == "+" ? "possessive quantifiers (a++) are not ECMA-262" : "nothing to repeat: a quantifier cannot follow a quantifier")
        }
        return bounds
    }

    private func lookingAtCountedQuantifier() -> Bool {
        var copy = self
        return (try? copy.countedQuantifier()) != nil
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position, consumed; nil (nothing consumed) when the
    /// text there is not one.
    private mutating func countedQuantifier() throws(PatternError) -> (Int, Int?)? {
        let start = i
        guard current == "{" else { return nil }
        i += 1
        guard let min = number() else { i = start; return nil }
        var max: Int? = min
        if current == "," {
            i += 1
            max = number()
        }
        guard current == "}" else { i = start; return nil }
        i += 1
        if let max, max < min { throw PatternError(start, "numbers out of order in the quantifier {\(min),\(max)}") }
        if min > Self.maxCount || (max ?? 0) > Self.maxCount {
            throw PatternError(start, "the quantifier's count is above \(Self.maxCount)")
        }
        return (min, max)
    }

    /// Decimal digits, saturating far above `maxCount`.
    private mutating func number() -> Int? {
        var value: Int?
        while let c = current, ("0"..."9").contains(c) {
            value = Swift.min((value ?? 0) * 10 + Int(c.value - 0x30), 1_000_000_000)
            i += 1
        }
        return value
    }

    /// One atom and whether a quantifier may follow it.
    private mutating func atom(depth: Int) throws(PatternError) -> (PatternNode, Bool) {
        let start = i
        let c = current!
        switch c {
        case "^": i += 1; return (.start, false)
        case "$": i += 1; return (.end, false)
        case ".": i += 1; return (.scalars(.notLineTerminator), true)
        case "(": return (try group(depth: depth), true)
        case "[": return (.scalars(try characterClass()), true)
        case "\\": return try escape()
        case "*", "+", "?":
            throw PatternError(start, "nothing to repeat: \(c) must follow something (escape it as \\\(c))")
        case "{":
            if lookingAtCountedQuantifier() { throw PatternError(start, "nothing to repeat: a quantifier must follow something") }
            throw PatternError(start, "a { that does not start a quantifier {n}, {n,} or {n,m} must be escaped as \\{")
        default:
            // `]` and `}` stand for themselves when they close nothing.
            i += 1
            return (.scalars(.scalar(c.value)), true)
        }
    }

    private mutating func group(depth: Int) throws(PatternError) -> PatternNode {
        let start = i
        i += 1  // (
        if current == "?" {
            switch peek(1) {
            case ":":
                i += 2
            case "=", "!":
                throw PatternError(
                    start, "lookahead (?\(peek(1)!)…) needs a backtracking matcher; Marina matches patterns in linear time and does not support it")
            case "<" where peek(2) == "=" || peek(2) == "!":
                throw PatternError(
                    start, "lookbehind (?<\(peek(2)!)…) needs a backtracking matcher; Marina matches patterns in linear time and does not support it")
            case "<":
                i += 2
                let nameStart = i
                while let n = current, n != ">" {
                    guard n.properties.isIDContinue || n == "$" else { throw PatternError(i, "a group name is letters, digits, _ and $") }
                    i += 1
                }
                guard current == ">", i > nameStart, scalars[nameStart].properties.isIDStart || scalars[nameStart] == "$" || scalars[nameStart] == "_"
                else {
                    throw PatternError(start, "a named group is written (?<name>…)")
                }
                i += 1
            default:
                throw PatternError(start, "(? must start (?:…) or (?<name>…); inline flags such as (?i) are not ECMA-262")
            }
        }
        let inner = try alternation(depth: depth + 1)
        guard current == ")" else { throw PatternError(start, "unterminated group: ( without )") }
        i += 1
        return inner
    }

    /// `\` outside a class.
    private mutating func escape() throws(PatternError) -> (PatternNode, Bool) {
        let start = i
        i += 1
        guard let c = current else { throw PatternError(start, "\\ at the end of the pattern") }
        switch c {
        case "b": i += 1; return (.wordBoundary(true), false)
        case "B": i += 1; return (.wordBoundary(false), false)
        case "1"..."9":
            throw PatternError(
                start, "backreferences (\\\(c)) need a backtracking matcher; Marina matches patterns in linear time and does not support them")
        case "k":
            throw PatternError(
                start, "backreferences (\\k<name>) need a backtracking matcher; Marina matches patterns in linear time and does not support them")
        default:
            i = start
            return (.scalars(try classEscape(inClass: false)), true)
        }
    }

    /// An escape that stands for a set of code points (also inside a class), at the `\`.
    private mutating func classEscape(inClass: Bool) throws(PatternError) -> ScalarClass {
        let start = i
        i += 1
        guard let c = current else { throw PatternError(start, "\\ at the end of the pattern") }
        i += 1
        switch c {
        case "d": return .digit
        case "D": return .not(.digit)
        case "w": return .word
        case "W": return .not(.word)
        case "s": return .space
        case "S": return .not(.space)
        case "p", "P":
            guard current == "{" else { throw PatternError(start, "\\\(c) must be followed by {property}") }
            i += 1
            let nameStart = i
            while let n = current, n != "}" { i += 1 }
            guard current == "}" else { throw PatternError(start, "unterminated \\\(c){…}") }
            let name = String(String.UnicodeScalarView(scalars[nameStart..<i]))
            i += 1
            guard let property = UnicodeProperty(name) else {
                throw PatternError(start, UnicodeProperty.refusal(name))
            }
            return c == "p" ? .property(property) : .not(.property(property))
        case "t": return .scalar(0x09)
        case "n": return .scalar(0x0A)
        case "v": return .scalar(0x0B)
        case "f": return .scalar(0x0C)
        case "r": return .scalar(0x0D)
        case "b" where inClass: return .scalar(0x08)
        case "-" where inClass: return .scalar(0x2D)
        case "0":
            if let next = current, ("0"..."9").contains(next) {
                throw PatternError(start, "octal escapes (\\0\(next)) are not allowed; write \\x or \\u")
            }
            return .scalar(0)
        case "c":
            guard let letter = current, ("a"..."z").contains(letter) || ("A"..."Z").contains(letter) else {
                throw PatternError(start, "\\c must be followed by a letter")
            }
            i += 1
            return .scalar(letter.value % 32)
        case "x":
            guard let value = hexDigits(2) else { throw PatternError(start, "\\x must be followed by two hexadecimal digits") }
            return .scalar(value)
        case "u":
            return .scalar(try unicodeEscape(start))
        default:
            // Any ASCII character that is not a letter or a digit stands for itself.
            if c.isASCII, !c.properties.isAlphabetic, !("0"..."9").contains(c) { return .scalar(c.value) }
            if ("1"..."9").contains(c) {
                throw PatternError(
                    start, "backreferences (\\\(c)) need a backtracking matcher; Marina matches patterns in linear time and does not support them")
            }
            throw PatternError(start, "\\\(c) is not an ECMA-262 escape")
        }
    }

    /// After `\u`: four hex digits (a surrogate pair written as two escapes is one code point), or
    /// `{hex}`.
    private mutating func unicodeEscape(_ start: Int) throws(PatternError) -> UInt32 {
        if current == "{" {
            i += 1
            var value: UInt32 = 0
            var digits = 0
            while let c = current, let d = Self.hexValue(c) {
                value = Swift.min(value * 16 + d, 0x110000)
                digits += 1
                i += 1
            }
            guard digits > 0, current == "}", value <= 0x10FFFF else { throw PatternError(start, "\\u{…} must hold a code point, at most 10FFFF") }
            i += 1
            return value
        }
        guard let high = hexDigits(4) else { throw PatternError(start, "\\u must be followed by four hexadecimal digits or {code point}") }
        if (0xD800...0xDBFF).contains(high), peek() == "\\", peek(1) == "u" {
            let save = i
            i += 2
            if let low = hexDigits(4), (0xDC00...0xDFFF).contains(low) {
                return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            i = save
        }
        // A lone surrogate: no string holds one, so it matches nothing.
        return high
    }

    private mutating func hexDigits(_ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for k in 0..<count {
            guard let c = peek(k), let d = Self.hexValue(c) else { return nil }
            value = value * 16 + d
        }
        i += count
        return value
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 0x30
        case "a"..."f": return c.value - 0x61 + 10
        case "A"..."F": return c.value - 0x41 + 10
        default: return nil
        }
    }

    /// `[…]` or `[^…]`, at the `[`.
    private mutating func characterClass() throws(PatternError) -> ScalarClass {
        let start = i
        i += 1
        var negated = false
        if current == "^" {
            negated = true
            i += 1
        }
        var members: [ScalarClass] = []
        while true {
            guard let c = current else { throw PatternError(start, "unterminated character class: [ without ]") }
            if c == "]" {
                i += 1
                break
            }
            let lowStart = i
            let low = try classAtom()
            if current == "-", let next = peek(1), next != "]" {
                i += 1
                let highStart = i
                let high = try classAtom()
                guard case .scalar(let lo) = low, case .scalar(let hi) = high else {
                    var at = lowStart
                    if case .scalar = low { at = highStart }
                    throw PatternError(at, "a range in a class needs one character at each end, not a class escape")
                }
                guard lo <= hi else { throw PatternError(lowStart, "range out of order in character class") }
                members.append(.range(lo, hi))
            } else {
                members.append(low)
            }
        }
        let set = ScalarClass.union(members)
        return negated ? .not(set) : set
    }

    private mutating func classAtom() throws(PatternError) -> ScalarClass {
        let c = current!
        if c == "\\" {
            if let next = peek(1), ("1"..."9").contains(next) || next == "k" {
                throw PatternError(i, "backreferences need a backtracking matcher; Marina matches patterns in linear time and does not support them")
            }
            return try classEscape(inClass: true)
        }
        if c == "[", peek(1) == ":" {
            throw PatternError(i, "POSIX classes ([:alpha:]) are not ECMA-262; write [a-zA-Z] or \\p{L}")
        }
        i += 1
        return .scalar(c.value)
    }
}
