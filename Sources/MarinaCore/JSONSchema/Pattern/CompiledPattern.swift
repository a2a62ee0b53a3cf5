/// A JSON Schema `pattern`, compiled once: ECMA-262 syntax, matched by code point, unanchored (a
/// match anywhere counts), in time linear in the input. Swift's `Regex` backtracks, so `^(a+)+$`
/// on 20 characters took over a minute; this matcher answers any pattern it accepts in at most
/// `2 × (code points + 1) × instructionCount` steps. Backreferences and lookaround, which need
/// backtracking, are refused when the pattern is compiled, as are programs over
/// `PatternProgram.maxInstructions` instructions (counted repetitions written out).
public struct CompiledPattern: Sendable {
    public let source: String
    let program: PatternProgram

    public init(_ source: String) throws(PatternError) {
        self.source = source
        self.program = try PatternProgram(try PatternParser.parse(source))
    }

    /// The size of the compiled program: the factor of the input's length in the step bound.
    public var instructionCount: Int { program.instructions.count }

    /// The most instructions a compiled pattern may have.
    public static var maxInstructions: Int { PatternProgram.maxInstructions }

    /// Whether the pattern matches anywhere in `text`.
    public func matches(_ text: String) -> Bool { search(text).outcome == .match }

    /// Searches `text`, giving up (`.stopped`) once more than `stepLimit` steps were taken.
    public func search(_ text: String, stepLimit: Int = .max) -> PatternSearch {
        var matcher = PatternMatcher(program, stepLimit: stepLimit)
        let outcome = matcher.search(text)
        return PatternSearch(outcome: outcome, steps: matcher.steps)
    }
}
