/// The answer of one search, with the work it took.
public struct PatternSearch: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case match
        case noMatch
        /// The step limit was reached before an answer.
        case stopped
    }
    public var outcome: Outcome
    /// Instructions visited: at most `2 × (code points + 1) × instructions`, whatever the pattern.
    public var steps: Int
}

/// Runs a `PatternProgram` over a string in one pass, keeping every possible position in the
/// program at once (a Pike VM without captures): each instruction is visited at most twice per
/// code point of the input, so the work is linear in the input for a given program, however the
/// pattern nests its quantifiers. There is no backtracking and no recursion.
struct PatternMatcher {
    private let program: PatternProgram
    private var stack: [Int] = []
    private(set) var steps = 0
    private let stepLimit: Int
    private var matched = false

    init(_ program: PatternProgram, stepLimit: Int) {
        self.program = program
        self.stepLimit = stepLimit
    }

    /// Whether the pattern matches anywhere in `text` (unanchored, as JSON Schema's `pattern`).
    mutating func search(_ text: String) -> PatternSearch.Outcome {
        var current = ThreadList(capacity: program.instructions.count)
        var next = ThreadList(capacity: program.instructions.count)
        var scalars = text.unicodeScalars.makeIterator()
        var scalar = scalars.next()
        add(0, to: &current, previous: nil, scalar: scalar)
        while !matched {
            if steps > stepLimit { return .stopped }
            guard let c = scalar else { return .noMatch }
            let following = scalars.next()
            next.clear()
            for k in 0..<current.count {
                let pc = current.dense[k]
                steps += 1
                if case .scalars(let index) = program.instructions[pc], program.classes[index].contains(c) {
                    add(pc + 1, to: &next, previous: c, scalar: following)
                    if matched { return .match }
                }
            }
            // A match may also start at the next position.
            if !program.anchoredAtStart { add(0, to: &next, previous: c, scalar: following) }
            swap(&current, &next)
            scalar = following
            if current.count == 0 && program.anchoredAtStart { return .noMatch }
        }
        return .match
    }

    /// Adds the thread at `pc` and every thread it reaches without consuming input: jumps, splits
    /// and the assertions that hold between `previous` and `scalar`.
    private mutating func add(_ pc: Int, to list: inout ThreadList, previous: Unicode.Scalar?, scalar: Unicode.Scalar?) {
        stack.append(pc)
        while let p = stack.popLast() {
            if list.contains(p) { continue }
            list.insert(p)
            steps += 1
            switch program.instructions[p] {
            case .scalars:
                continue
            case .jump(let target):
                stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assertStart:
                if previous == nil { stack.append(p + 1) }
            case .assertEnd:
                if scalar == nil { stack.append(p + 1) }
            case .wordBoundary(let wanted):
                if (ScalarClass.isWord(previous) != ScalarClass.isWord(scalar)) == wanted { stack.append(p + 1) }
            case .match:
                matched = true
                stack.removeAll(keepingCapacity: true)
                return
            }
        }
    }
}

/// A set of program positions with constant-time insert, lookup and clear, iterated in the order
/// of insertion (a sparse set).
struct ThreadList {
    private(set) var dense: [Int]
    private var sparse: [Int]
    private(set) var count = 0

    init(capacity: Int) {
        dense = Array(repeating: 0, count: capacity)
        sparse = Array(repeating: 0, count: capacity)
    }

    func contains(_ pc: Int) -> Bool {
        let k = sparse[pc]
        return k < count && dense[k] == pc
    }

    mutating func insert(_ pc: Int) {
        sparse[pc] = count
        dense[count] = pc
        count += 1
    }

    mutating func clear() { count = 0 }
}
