import MarinaCore
import Testing

/// The state machines of installs, event deliveries and instances, as pure values: every move
/// the services make is allowed, and nothing leaves a final state.
@Suite struct LifecycleTests {
    @Test func anInstallEndsUninstalledAndNeverComesBack() throws {
        #expect(try InstallState.installing.move(to: .active).move(to: .uninstalling).move(to: .uninstalled) == .uninstalled)
        #expect(try InstallState.installing.move(to: .failed).move(to: .uninstalling) == .uninstalling)
        #expect(InstallState.uninstalled.isFinal)
        for state in InstallState.allCases { #expect(!InstallState.uninstalled.canMove(to: state)) }
        // A failed install is not revived in place (installing again makes a new install), and
        // nothing skips the uninstall step that tells the app.
        #expect(!InstallState.failed.canMove(to: .active))
        #expect(!InstallState.active.canMove(to: .uninstalled) && !InstallState.installing.canMove(to: .uninstalled))
        #expect(throws: LifecycleError(from: "failed", to: "active", of: "InstallState")) { try InstallState.failed.move(to: .active) }
        #expect(InstallState.allCases.filter(\.acceptsAppCalls) == [.installing, .active])
    }

    @Test func anEventIsDeliveredOrFailsOnce() {
        #expect(
            EventDeliveryState.pending.canMove(to: .pending) && EventDeliveryState.pending.canMove(to: .delivered)
                && EventDeliveryState.pending.canMove(to: .failed))
        #expect(EventDeliveryState.delivered.isFinal && EventDeliveryState.failed.isFinal)
    }

    @Test func everyStateIsReachableAndEveryMoveStaysInTheMachine() {
        func reachable<S: Lifecycle>(from start: S) -> Set<S> {
            var seen: Set<S> = [start], todo = [start]
            while let next = todo.popLast() {
                for to in S.moves[next] ?? [] where seen.insert(to).inserted { todo.append(to) }
            }
            return seen
        }
        #expect(reachable(from: InstallState.installing) == Set(InstallState.allCases))
        #expect(reachable(from: EventDeliveryState.pending) == Set(EventDeliveryState.allCases))
        #expect(reachable(from: InstanceState.sleeping) == Set(InstanceState.allCases))
        // Every state of an instance can get back to sleeping: none is a trap.
        for state in InstanceState.allCases { #expect(reachable(from: state).contains(.sleeping), "\(state)") }
        #expect(!InstanceState.sleeping.canMove(to: .ready), "an instance is ready only after it started")
    }
}
