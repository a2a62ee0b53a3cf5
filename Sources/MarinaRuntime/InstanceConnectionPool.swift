import NIOCore
import NIOPosix
import Synchronization

/// Kept-alive connections to instances' Unix sockets: at most `limit` open per socket (the relay
/// in the sandbox spends a thread on each, under the instance's process limit); a request beyond
/// that waits, until its deadline, for one to come back. A connection idle longer than
/// `idleLimit` is not reused (app servers close idle connections after a few seconds: Node and
/// uvicorn after 5, and a request sent as the server closes would be lost), nor one the app closed.
final class InstanceConnectionPool: Sendable {
    let group: any EventLoopGroup
    let limit: Int
    let idleLimit: TimeAmount
    /// The group's loops: a request made on one of them keeps its exchange there.
    private let loops: Set<ObjectIdentifier>
    /// Idle connections on other loops beyond which a request borrows one of them rather than
    /// opening one on its own loop.
    static let spareIdle = 4

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
    }
    /// What a waiting request is handed: a connection, or the right to open one.
    private enum Grant: Sendable {
        case connection(InstanceConnection)
        case slot
    }
    private struct Slot {
        var idle: [InstanceConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var isUnused: Bool { open == 0 && waiters.isEmpty }
    }
    private let slots = Mutex<[String: Slot]>([:])
    private let nextWaiter = Atomic<UInt64>(0)

    private let sweeper = Mutex<RepeatedTask?>(nil)

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, limit: Int = 64, idleLimit: TimeAmount = .milliseconds(1500)) {
        (self.group, self.limit, self.idleLimit) = (group, limit, idleLimit)
        self.loops = Set(group.makeIterator().map { ObjectIdentifier($0) })
        let every = TimeAmount.nanoseconds(max(idleLimit.nanoseconds / 2, 100_000_000))
        let task = group.next().scheduleRepeatedTask(initialDelay: every, delay: every) { [weak self] task in
            guard let self else { return task.cancel() }
            self.sweep()
        }
        sweeper.withLock { $0 = task }
    }

    deinit { sweeper.withLock { $0?.cancel() } }

    /// A connection to `socket`: a kept-alive one, or one being opened (connecting happens on the
    /// event loop, so that a request on a new connection is written as soon as it connects).
    enum Lease {
        case reused(InstanceConnection)
        case opening(EventLoopFuture<InstanceConnection>)
    }

    /// Waits only when `limit` connections to `socket` are in use, until one is free or `deadline`.
    func lease(_ socket: String, deadline: NIODeadline) async throws -> Lease {
        var grant = take(socket, waiter: nil)
        if grant == nil {
            // A waiter leaves the queue at its deadline or when its task is cancelled.
            let id = nextWaiter.add(1, ordering: .relaxed).newValue
            grant = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    if let now = take(socket, waiter: Waiter(id: id, continuation: continuation)) {
                        continuation.resume(returning: now)
                        return
                    }
                    group.next().scheduleTask(deadline: deadline) { [self] in expire(socket, id: id, with: InstanceClient.Failure.timeout) }
                    // Cancelled before it was queued: the handler below found nothing to remove.
                    if Task.isCancelled { expire(socket, id: id, with: CancellationError()) }
                }
            } onCancel: {
                expire(socket, id: id, with: CancellationError())
            }
        }
        switch grant! {
        case .connection(let connection):
            return .reused(connection)
        case .slot:
            let opening = connect(socket)
            opening.whenFailure { [self] _ in giveBackSlot(socket) }
            return .opening(opening.flatMapErrorThrowing { throw InstanceClient.Failure.unreachable(String(describing: $0)) })
        }
    }

    /// Returns a leased connection: kept for the next request when `reusable`, else closed.
    func release(_ connection: InstanceConnection, reusable: Bool) {
        guard reusable, connection.isOpen else {
            connection.close()
            giveBackSlot(connection.socket)
            return
        }
        let now = NIODeadline.now()
        var counted = true
        let waiter = withSlot(connection.socket) { slot -> Waiter? in
            guard slot.open > 0 else {
                counted = false  // not counted anywhere (cannot happen while it is leased)
                return nil
            }
            if !slot.waiters.isEmpty { return slot.waiters.removeFirst() }
            connection.idleSince = now
            slot.idle.append(connection)
            return nil
        }
        if !counted { connection.close() }
        waiter?.continuation.resume(returning: .connection(connection))
    }

    /// Takes the connections idle since before `cutoff` out of `slot` (the oldest sit at the front).
    private static func expired(_ slot: inout Slot, before cutoff: NIODeadline) -> [InstanceConnection] {
        var stale: [InstanceConnection] = []
        while let first = slot.idle.first, first.idleSince < cutoff {
            stale.append(slot.idle.removeFirst())
            slot.open -= 1
        }
        return stale
    }

    /// Closes every connection idle past the limit, on every socket: an app that never closes
    /// idle connections (Go's net/http) would otherwise keep them, and the relay threads behind
    /// them. (`take` also refuses one past the limit that the sweep has not reached yet.)
    private func sweep() {
        let cutoff = NIODeadline.now() - idleLimit
        let stale = slots.withLock { slots -> [InstanceConnection] in
            var stale: [InstanceConnection] = []
            for socket in Array(slots.keys) {
                guard var slot = slots[socket], slot.idle.first.map({ $0.idleSince < cutoff }) == true else { continue }
                stale += Self.expired(&slot, before: cutoff)
                slots[socket] = slot.isUnused ? nil : slot
            }
            return stale
        }
        stale.forEach { $0.close() }
    }

    /// A reusable connection or the right to open one; nil when neither is free (and then, with a
    /// `waiter`, it is queued).
    private func take(_ socket: String, waiter: Waiter?) -> Grant? {
        let now = NIODeadline.now()
        let here = currentLoop().map { ObjectIdentifier($0) }
        var stale: [InstanceConnection] = []
        let grant = withSlot(socket) { slot -> Grant? in
            stale += Self.expired(&slot, before: now - idleLimit)
            // On one of the group's loops (serve handles each connection on its own, see
            // MarinaHTTP's `ConnectionLoopChannel`), a connection on the same loop needs no
            // hand-off between threads: an idle one there, else a new one opened there while the
            // limit allows and few are idle elsewhere (on a host with many loops, one connection
            // per loop would spend a relay thread each); only then one on another loop.
            if let here {
                if let index = slot.idle.lastIndex(where: { ObjectIdentifier($0.channel.eventLoop) == here }), slot.idle[index].isOpen {
                    return .connection(slot.idle.remove(at: index))
                }
                if slot.open < limit, slot.idle.count < Self.spareIdle {
                    slot.open += 1
                    return .slot
                }
            }
            // Expired ones are gone (above); one the app closed may not have been forgotten yet.
            while let connection = slot.idle.popLast() {
                if connection.isOpen { return .connection(connection) }
                stale.append(connection)
                slot.open -= 1
            }
            if slot.open < limit {
                slot.open += 1
                return .slot
            }
            if let waiter { slot.waiters.append(waiter) }
            return nil
        }
        stale.forEach { $0.close() }
        return grant
    }

    /// A connection slot freed (closed, or never opened): to the first waiter, else counted down.
    private func giveBackSlot(_ socket: String) {
        let waiter = withSlot(socket) { slot -> Waiter? in
            if !slot.waiters.isEmpty { return slot.waiters.removeFirst() }
            slot.open -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .slot)
    }

    /// A waiter's deadline passed or its task was cancelled (a no-op when it was served before).
    private func expire(_ socket: String, id: UInt64, with error: any Error) {
        let waiter = withSlot(socket) { slot -> Waiter? in
            slot.waiters.firstIndex { $0.id == id }.map { slot.waiters.remove(at: $0) }
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// An idle connection the app closed leaves the pool at once (one in use is given back by its
    /// request).
    private func forget(_ socket: String, channel: ObjectIdentifier) {
        withSlot(socket) { slot in
            guard let index = slot.idle.firstIndex(where: { ObjectIdentifier($0.channel) == channel }) else { return }
            slot.idle.remove(at: index)
            slot.open -= 1
        }
    }

    /// Runs `body` on the socket's slot under the lock; a slot left with no connection and no
    /// waiter is dropped, so sockets of instances gone to sleep leave nothing behind.
    private func withSlot<R>(_ socket: String, _ body: (inout Slot) -> R) -> R {
        slots.withLock { slots in
            var slot = slots[socket, default: Slot()]
            let result = body(&slot)
            slots[socket] = slot.isUnused ? nil : slot
            return result
        }
    }

    /// The event loop of the pool's group that the caller runs on, if any.
    private func currentLoop() -> (any EventLoop)? {
        MultiThreadedEventLoopGroup.currentEventLoop.flatMap { loops.contains(ObjectIdentifier($0)) ? $0 : nil }
    }

    /// Connects on the caller's loop when it is one of the group's, else on the next one.
    ///
    /// The socket sits in a directory the instance's user may write, and serve runs as root: a
    /// path there could be swapped for a symlink to any socket of the host. So the path's last
    /// component is opened without following a link (`O_PATH | O_NOFOLLOW`), must be a socket,
    /// and is connected to through the descriptor (`/proc/self/fd/N`), which names that very
    /// inode whatever the directory holds by then.
    private func connect(_ socket: String) -> EventLoopFuture<InstanceConnection> {
        let loop = currentLoop() ?? group.next()
        let pinned: PinnedSocket
        do { pinned = try PinnedSocket(socket) } catch { return loop.makeFailedFuture(error) }
        let reader = ReplyReader(onClose: { [weak self] channel in self?.forget(socket, channel: channel) })
        let connected = ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader) }
            }
            .connect(unixDomainSocketPath: pinned.path)
            .map { InstanceConnection(socket: socket, channel: $0, reader: reader) }
        connected.whenComplete { _ in pinned.close() }
        return connected
    }
}
