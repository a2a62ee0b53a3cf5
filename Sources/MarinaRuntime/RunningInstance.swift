import Foundation
import Logging
import MarinaSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A started instance process.
public final class RunningInstance: Sendable {
    public let pid: Int32
    public let startedAt: Date
    /// Where the app answers: its own `MARINA_SOCKET` when it listens there, else the relay's.
    public let socketPaths: [String]
    public let limits: LimitsInForce
    let group: Cgroups.Group?
    let exit: Task<Int32, Never>
    private let ended: ExitFlag

    /// Set once the process has been reaped.
    final class ExitFlag: Sendable {
        let value = Atomic(false)
    }

    /// An instance whose end is `exit`'s value (a driver without processes of its own).
    public convenience init(pid: Int32, socketPaths: [String], limits: LimitsInForce, exit: Task<Int32, Never>) {
        let ended = ExitFlag()
        self.init(
            pid: pid, socketPaths: socketPaths, limits: limits, group: nil, ended: ended,
            exit: Task {
                let status = await exit.value
                ended.value.store(true, ordering: .releasing)
                return status
            })
    }

    init(pid: Int32, socketPaths: [String], limits: LimitsInForce, group: Cgroups.Group?, ended: ExitFlag, exit: Task<Int32, Never>) {
        self.pid = pid
        self.startedAt = Date()
        self.socketPaths = socketPaths
        self.limits = limits
        self.group = group
        self.ended = ended
        self.exit = exit
    }

    /// False once the process has ended (and been reaped).
    public var isRunning: Bool { !ended.value.load(ordering: .acquiring) }

    /// Waits for the process to end; its exit status (128 + signal when killed).
    public func waitForExit() async -> Int32 { await exit.value }
}
