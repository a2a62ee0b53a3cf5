import Foundation

/// What runs app instances. The supervisor decides when an instance wakes, is ready, sleeps or
/// has failed; a driver only starts and stops one and says what it uses. `LocalDriver` runs each
/// in a bubblewrap sandbox on this machine; `MemoryDriver` serves in-process apps (tests, and
/// compositions that run no partner code); a Kubernetes driver is the next one.
public protocol RuntimeDriver: Sendable {
    /// Starts an instance of `spec` that answers on the `socketPaths` of what it returns. May
    /// block (directories, sockets, a spawn): the supervisor calls it off the event loops.
    func start(_ spec: InstanceSpec, log: InstanceLog) throws -> RunningInstance
    /// Asks the instance to end, and ends it after `grace`; returns once it has ended.
    func stop(_ instance: RunningInstance, grace: Duration) async
    /// Where a running instance re-reads its app token (`MARINA_APP_TOKEN_FILE`).
    func writeAppToken(_ token: String, for spec: InstanceSpec) throws
    /// Bytes of memory the instance uses now, when the driver can tell.
    func memoryUsage(of instance: RunningInstance) -> Int?
    /// Removes what the driver keeps for an instance that will not start again.
    func forget(instanceId: String)
}

extension RuntimeDriver {
    public func stop(_ instance: RunningInstance) async { await stop(instance, grace: .seconds(5)) }
}
