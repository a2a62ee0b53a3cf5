import Foundation
import MarinaCore
import PropertyBased
import Testing

/// JSON Schema `pattern` is matched by Marina's own linear-time matcher: it answers like a
/// backtracking ECMA-262 engine on the syntax they share, refuses what needs backtracking, and
/// takes a bounded number of steps on any input.
@Suite struct PatternTests {
    func pattern(_ source: String) throws -> CompiledPattern { try CompiledPattern(source) }

    func refusal(_ source: String) -> PatternError? {
        do {
            _ = try CompiledPattern(source)
            return nil
        } catch {
            return error
        }
    }

    /// The bound `CompiledPattern` promises: at most two visits per instruction per position.
    func bound(_ p: CompiledPattern, _ text: String) -> Int { 2 * (text.unicodeScalars.count + 1) * p.instructionCount }

    // MARK: - Hostile patterns

    /// `^(a+)+$` took 68 s on 20 characters with Swift's `Regex` and stalled the server.
    @Test func nestedQuantifiersAnswerInLinearSteps() throws {
        let p = try pattern("^(a+)+$")
        for n in [20, 1_000, 100_000] {
            let fail = String(repeating: "a", count: n) + "!"
            let result = p.search(fail)
            #expect(result.outcome == .noMatch)
            #expect(result.steps <= bound(p, fail), "\(n): \(result.steps) steps")
            #expect(p.search(String(repeating: "a", count: n)).outcome == .match)
        }
        // Linear: ten times the input, about ten times the steps.
        let small = p.search(String(repeating: "a", count: 10_000) + "!").steps
        let large = p.search(String(repeating: "a", count: 100_000) + "!").steps
        #expect(large <= 11 * small)
    }

    @Test func otherExponentialShapesAnswerInLinearSteps() throws {
        let cases: [(String, String, PatternSearch.Outcome)] = [
            ("(a|aa)*b", String(repeating: "a", count: 50_000), .noMatch),
            ("(a|aa)*b", String(repeating: "a", count: 50_000) + "b", .match),
            ("(.*a){20}", String(repeating: "a", count: 19) + String(repeating: "b", count: 20_000), .noMatch),
            ("(.*a){20}", String(repeating: "ab", count: 20), .match),
            ("^(\\w+\\s?)*$", String(repeating: "word ", count: 5_000) + "!", .noMatch),
            ("(x+x+)+y", String(repeating: "x", count: 30_000), .noMatch),
            ("^(([a-z])+.)+[A-Z]([a-z])+$", String(repeating: "a", count: 30_000), .noMatch),
        ]
        for (source, text, expected) in cases {
            let p = try pattern(source)
            let result = p.search(text)
            #expect(result.outcome == expected, "\(source)")
            #expect(result.steps <= bound(p, text), "\(source): \(result.steps) steps, bound \(bound(p, text))")
        }
    }

    @Test func aStepLimitStopsTheSearch() throws {
        let p = try pattern("(a|aa)*b")
        let text = String(repeating: "a", count: 10_000)
        let stopped = p.search(text, stepLimit: 1_000)
        #expect(stopped.outcome == .stopped)
        #expect(stopped.steps <= 1_000 + 2 * p.instructionCount)
    }

    /// The schema validator bounds the pattern work of one call and says so.
    @Test func theValidatorReportsAPatternOverItsBudget() throws {
        let schema: JSONValue = ["type": "string", "pattern": "^(a+)+$"]
        let hostile = JSONValue.string(String(repeating: "a", count: 100_000) + "!")
        #expect(try JSONSchemaValidator(schema: schema).validate(hostile).map(\.keyword) == ["pattern"])
        let tight = try JSONSchemaValidator(schema: schema, stepBudget: JSONSchemaValidator.defaultStepBudget, patternStepBudget: 10_000)
        let violations = tight.validate(hostile)
        #expect(violations.map(\.keyword) == ["limit"])
        #expect(violations.first?.message.contains("pattern matching stopped after 10000 steps") == true)
        // The budget is per call and shared by every string checked in it.
        let array = try JSONSchemaValidator(schema: ["items": schema], stepBudget: 1_000, patternStepBudget: 2_000)
        #expect(array.validate(.array(Array(repeating: .string(String(repeating: "a", count: 100)), count: 50))).last?.keyword == "limit")
    }

    // MARK: - Refusals

    @Test func constructsThatNeedBacktrackingAreRefused() {
        for source in ["(a)\\1", "(?<n>a)\\k<n>", "[\\1]", "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b"] {
            let error = refusal(source)
            #expect(error != nil, "\(source)")
            #expect(error?.message.contains("backtracking") == true, "\(source): \(error?.message ?? "")")
        }
    }

    @Test func syntaxOutsideECMA262OrReadDifferentlyIsRefused() {
        let refused = [
            "(?i)abc", "a{2,1}", "a{,3}", "x{", "a**", "a++", "*a", "(", "a)", "[z-a]", "[\\d-z]", "[abc",
            "\\p{Script=Greek}", "\\p{Nonsense}", "\\q", "\\a", "[[:alpha:]]", "\\01", "\\c1", "\\x4", "\\u{110000}", "^*",
        ]
        for source in refused { #expect(refusal(source) != nil, "\(source) should be refused") }
    }

    @Test func programsAreBoundedWhenCompiled() throws {
        #expect(refusal("(a{100}){100}")?.message.contains("instructions") == true)
        #expect(refusal("((a{50}){50}){50}")?.message.contains("instructions") == true)
        #expect(refusal("a{1000000}") != nil)
        let p = try pattern("^[A-Za-z_][A-Za-z0-9_]{0,127}$")
        #expect(p.instructionCount == 258)  // ^, a class, 127 optional classes (2 each), $, match
        #expect(p.matches("PATH_1") && !p.matches("1PATH"))
        // Groups nested beyond the parser's bound are refused, not recursed into.
        #expect(refusal(String(repeating: "(", count: 5_000) + String(repeating: ")", count: 5_000)) != nil)
    }

    // MARK: - ECMA-262 semantics

    @Test func ecma262Semantics() throws {
        let yes: [(String, String)] = [
            ("a", "bab"), ("^$", ""), ("[^]", "\n"), ("^.$", "é"), ("^.$", "😀"), ("\\cJ", "\n"), ("\\u{1F600}", "😀"),
            ("\\uD83D\\uDE00", "😀"), ("\\x41", "A"), ("\\s", "\u{FEFF}"), ("\\s", "\u{3000}"), ("^\\bab\\b$", "ab"),
            ("a\\Bb", "ab"), ("^a+?$", "aaa"), ("^a{2,3}?$", "aaa"), ("\\p{Lu}", "É"), ("^\\P{L}+$", "12 !"),
            ("\\p{gc=Nd}", "٣"), ("\\p{General_Category=Letter}", "ж"), ("^(?<year>\\d{4})-(?:\\d\\d)$", "2025-03"),
            ("\\-\\/\\@", "-/@"), ("[\\b]", "\u{08}"), ("[a-]", "-"), ("^[\\w.-]+$", "a.b-c_d"), ("a]}", "a]}"),
            ("\\p{Emoji}", "😀"), ("\\p{White_Space}", "\u{85}"), ("^\\d+$", "2025"),
            // Digits are word characters in ECMA-262 (Swift's Regex disagrees: its `\b1` does not match "1").
            ("\\b1", "1"), ("a\\b-", "a-"), ("1\\B2", "12"),
        ]
        for (source, text) in yes { #expect(try pattern(source).matches(text), "\(source) should match \(text.debugDescription)") }
        let no: [(String, String)] = [
            ("[]", "a"), ("^.$", "\n"), ("^.$", "\r"), ("^.$", "\u{2028}"), ("^.$", "e\u{301}"), ("\\s", "\u{85}"),
            ("^\\d+$", "٣"), ("\\w", "é"), ("^abc$", "abc\n"), ("\\bb", "ab"), ("\\uD83D", "😀"), ("^a{2,3}$", "aaaa"),
        ]
        for (source, text) in no { #expect(try !pattern(source).matches(text), "\(source) should not match \(text.debugDescription)") }
    }

    // MARK: - Agreement with a backtracking engine

    /// Random patterns of the syntax both engines read alike, against random strings: Marina's
    /// matcher and Swift's `Regex` (set up as ECMA-262 reads patterns) give the same answer.
    /// Swift's `\b` does not count digits as word characters (`\b1` does not match "1"), where
    /// ECMA-262 does; inputs for a pattern with `\b` or `\B` hold no digits.
    ///
    /// The seeds are fixed (1,500 of them) and no quantified group holds a quantifier: Swift's
    /// `Regex` backtracks, and a random seed once drew a pattern it spent over twenty minutes on,
    /// holding one of the test run's two threads.
    @Test func agreesWithSwiftRegexOnRandomPatterns() {
        for seed in 0..<1_500 {
            var rng = RandomManifest.SplitMix(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
            let source = RandomPattern.make(&rng)
            guard let mine = try? CompiledPattern(source) else {
                Issue.record("Marina refuses \(source.debugDescription)")
                continue
            }
            let theirs: Regex<AnyRegexOutput>
            do {
                theirs = try Regex(source).matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters().wordBoundaryKind(.simple)
            } catch {
                Issue.record("Swift refuses \(source.debugDescription): \(error)")
                continue
            }
            let noDigits = source.contains("\\b") || source.contains("\\B")
            for _ in 0..<12 {
                let text = RandomPattern.input(&rng, digits: !noDigits)
                let expected = (try? theirs.firstMatch(in: text)) != nil
                let result = mine.search(text)
                #expect((result.outcome == .match) == expected, "\(source.debugDescription) on \(text.debugDescription)")
                #expect(result.steps <= bound(mine, text))
            }
        }
    }
}

/// Small random patterns over a small alphabet, in the syntax ECMA-262 and Swift's `Regex` share.
enum RandomPattern {
    static let alphabet: [Character] = ["a", "b", "c", "0", "1", " ", "\n", "."]

    static func input(_ rng: inout RandomManifest.SplitMix, digits: Bool = true) -> String {
        let letters = digits ? alphabet : alphabet.filter { !$0.isNumber }
        return String((0..<Int.random(in: 0...10, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
    }

    static func make(_ rng: inout RandomManifest.SplitMix) -> String { alternation(&rng, depth: 0) }

    static func alternation(_ rng: inout RandomManifest.SplitMix, depth: Int) -> String {
        (0..<Int.random(in: 1...(depth < 2 ? 3 : 1), using: &rng)).map { _ in sequence(&rng, depth: depth) }.joined(separator: "|")
    }

    static func sequence(_ rng: inout RandomManifest.SplitMix, depth: Int) -> String {
        var out = ""
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let roll = Int.random(in: 0..<20, using: &rng)
            if roll < 2 {
                out += ["^", "$", "\\b", "\\B"].randomElement(using: &rng)!
                continue
            }
            let piece = atom(&rng, depth: depth)
            out += piece
            // No nested quantifiers: they make a backtracking engine's time exponential.
            let quantified = piece.replacingOccurrences(of: "(?:", with: "(").contains { "*+?{".contains($0) }
            if Bool.random(using: &rng) && !quantified { out += quantifier(&rng) }
        }
        return out
    }

    static func atom(_ rng: inout RandomManifest.SplitMix, depth: Int) -> String {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0...3: return ["a", "b", "c", "0", "1", " "].randomElement(using: &rng)!
        case 4: return "."
        case 5: return ["\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "\\.", "\\n"].randomElement(using: &rng)!
        case 6, 7: return ["[ab]", "[^a]", "[a-c]", "[^0-9 ]", "[\\d.]", "[\\s\\w]", "[^\\n]", "[b-c1]"].randomElement(using: &rng)!
        default:
            guard depth < 3 else { return "a" }
            return (Bool.random(using: &rng) ? "(?:" : "(") + alternation(&rng, depth: depth + 1) + ")"
        }
    }

    static func quantifier(_ rng: inout RandomManifest.SplitMix) -> String {
        let lo = Int.random(in: 0...2, using: &rng)
        let base = ["*", "+", "?", "{\(lo)}", "{\(lo),}", "{\(lo),\(lo + Int.random(in: 0...2, using: &rng))}"].randomElement(using: &rng)!
        return base + (Int.random(in: 0..<4, using: &rng) == 0 ? "?" : "")
    }
}
