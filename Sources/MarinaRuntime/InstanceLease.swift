import Foundation
import Synchronization

/// The calls in flight to one instance and when the last one began or ended. An instance with a
/// call in flight is never idle, however long the call takes; the idle timer starts when the last
/// call ends. Kept outside the supervisor's actor so that a call ends without a hop onto it.
final class InstanceUsage: Sendable {
    private struct State {
        var inFlight = 0
        var lastUsed = Date()
    }

    private let state = Mutex(State())

    func begin() {
        state.withLock {
            $0.inFlight += 1; $0.lastUsed = Date()
        }
    }

    func end() {
        state.withLock {
            $0.inFlight -= 1; $0.lastUsed = Date()
        }
    }

    /// No call in flight, and none begun or ended within the last `seconds`.
    func isIdle(for seconds: Double, now: Date) -> Bool {
        state.withLock { $0.inFlight == 0 && now.timeIntervalSince($0.lastUsed) >= seconds }
    }
}

/// One call's use of a ready instance (`Supervisor.use`): where it answers, and `end()` when the
/// call is over, which starts the idle timer again. Until then the instance is not put to sleep.
public final class InstanceLease: Sendable {
    public let socket: String
    private let usage: InstanceUsage
    private let ended = Atomic(false)

    init(socket: String, usage: InstanceUsage) {
        self.socket = socket
        self.usage = usage
    }

    /// A lease dropped without `end()` ends with it, so that it cannot keep an instance awake.
    deinit { end() }

    /// Ends the call; later calls do nothing.
    public func end() {
        if !ended.exchange(true, ordering: .relaxed) { usage.end() }
    }
}
