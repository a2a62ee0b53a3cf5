/// A state machine: the states a thing can be in and the moves allowed between them. The
/// services ask it before they write a new state, so a move the design does not allow is an
/// error with a code, never a row in the database.
public protocol Lifecycle: RawRepresentable<String>, Hashable, Sendable, CaseIterable {
    /// The states each state may move to (a state absent from its own set cannot stay as it is).
    static var moves: [Self: Set<Self>] { get }
}

extension Lifecycle {
    public func canMove(to next: Self) -> Bool { Self.moves[self]?.contains(next) ?? false }

    /// `next`, or `invalid_transition` naming both states.
    public func move(to next: Self) throws(LifecycleError) -> Self {
        guard canMove(to: next) else { throw LifecycleError(from: rawValue, to: next.rawValue, of: String(describing: Self.self)) }
        return next
    }

    /// States nothing leaves.
    public var isFinal: Bool { Self.moves[self]?.isEmpty ?? true }
}

/// A move a lifecycle does not allow.
public struct LifecycleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var from: String
    public var to: String
    public var of: String

    public init(from: String, to: String, of: String) { (self.from, self.to, self.of) = (from, to, of) }

    public var code: ErrorCode { .invalidTransition }
    public var description: String { "\(of) cannot move from \(from) to \(to)" }
}
