/// One instruction of a compiled pattern (Thompson's construction).
enum PatternInstruction: Sendable {
    /// Consumes one code point in `classes[index]`.
    case scalars(Int)
    /// Continues at both targets.
    case split(Int, Int)
    case jump(Int)
    case assertStart
    case assertEnd
    /// `\b` (true) or `\B` (false).
    case wordBoundary(Bool)
    case match
}

/// A pattern compiled to a program for `PatternMatcher`. Counted repetitions are written out
/// (`a{3}` is `aaa`), so the program's size is bounded when it is compiled: a pattern that would
/// need more than `maxInstructions` instructions is refused.
struct PatternProgram: Sendable {
    /// Generous for real patterns (`^[A-Za-z_][A-Za-z0-9_]{0,127}$` takes 258) and small enough
    /// that one position of the input costs at most a few thousand steps.
    static let maxInstructions = 5_000

    let instructions: [PatternInstruction]
    let classes: [ScalarClass]
    /// Whether every match must start at the beginning of the input (the pattern starts with `^`
    /// in every alternative), so the search need not restart at later positions.
    let anchoredAtStart: Bool

    init(_ node: PatternNode) throws(PatternError) {
        let size = Self.size(node)
        guard size + 1 <= Self.maxInstructions else {
            throw PatternError(
                0, "the pattern needs more than \(Self.maxInstructions) instructions once its counted repetitions are written out; use smaller counts"
            )
        }
        var builder = Builder()
        builder.emit(node)
        builder.instructions.append(.match)
        instructions = builder.instructions
        classes = builder.classes
        anchoredAtStart = Self.anchored(node)
    }

    /// The number of instructions `node` compiles to, saturating above the limit (so that
    /// `(a{1000}){1000}` is measured, not built).
    static func size(_ node: PatternNode) -> Int {
        let cap = maxInstructions + 1
        func add(_ a: Int, _ b: Int) -> Int { min(cap, a + b) }
        func mul(_ a: Int, _ b: Int) -> Int { a == 0 || b == 0 ? 0 : (a > cap / b ? cap : min(cap, a * b)) }
        switch node {
        case .empty: return 0
        case .scalars, .start, .end, .wordBoundary: return 1
        case .sequence(let items): return items.reduce(0) { add($0, size($1)) }
        case .alternation(let branches): return add(branches.reduce(0) { add($0, size($1)) }, 2 * (branches.count - 1))
        case .repetition(let inner, let lo, let hi):
            let s = size(inner)
            guard let hi else { return lo == 0 ? add(s, 2) : add(mul(lo, s), 1) }
            return add(mul(lo, s), mul(hi - lo, add(s, 1)))
        }
    }

    private static func anchored(_ node: PatternNode) -> Bool {
        switch node {
        case .start: return true
        case .sequence(let items): return items.first.map(anchored) ?? false
        case .alternation(let branches): return branches.allSatisfy(anchored)
        default: return false
        }
    }

    private struct Builder {
        var instructions: [PatternInstruction] = []
        var classes: [ScalarClass] = []

        var here: Int { instructions.count }

        mutating func emit(_ node: PatternNode) {
            switch node {
            case .empty:
                return
            case .scalars(let set):
                instructions.append(.scalars(classes.count))
                classes.append(set)
            case .start: instructions.append(.assertStart)
            case .end: instructions.append(.assertEnd)
            case .wordBoundary(let b): instructions.append(.wordBoundary(b))
            case .sequence(let items):
                for item in items { emit(item) }
            case .alternation(let branches):
                // split L1, next; L1: a; jump end; next: split L2, next'; … last: z; end:
                var jumps: [Int] = []
                for (k, branch) in branches.enumerated() {
                    if k < branches.count - 1 {
                        let split = here
                        instructions.append(.split(split + 1, -1))
                        emit(branch)
                        jumps.append(here)
                        instructions.append(.jump(-1))
                        instructions[split] = .split(split + 1, here)
                    } else {
                        emit(branch)
                    }
                }
                for j in jumps { instructions[j] = .jump(here) }
            case .repetition(let inner, let lo, let hi):
                if hi == nil && lo > 0 {
                    // x{n,}: n-1 copies, then x and a split back to it.
                    for _ in 0..<(lo - 1) { emit(inner) }
                    let loop = here
                    emit(inner)
                    instructions.append(.split(loop, here + 1))
                    return
                }
                for _ in 0..<lo { emit(inner) }
                guard let hi else {
                    // x*: loop: split body, out; body: x; jump loop; out:
                    let loop = here
                    instructions.append(.split(loop + 1, -1))
                    emit(inner)
                    instructions.append(.jump(loop))
                    instructions[loop] = .split(loop + 1, here)
                    return
                }
                // x{n,m}: m-n optional copies, each able to skip to the end.
                var splits: [Int] = []
                for _ in 0..<(hi - lo) {
                    splits.append(here)
                    instructions.append(.split(here + 1, -1))
                    emit(inner)
                }
                for s in splits { instructions[s] = .split(s + 1, here) }
            }
        }
    }
}
