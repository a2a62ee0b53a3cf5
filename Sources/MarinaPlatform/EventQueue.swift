import Foundation
import Logging
import MarinaCore
import MarinaStore
import ServiceLifecycle
import Synchronization

/// At-least-once delivery of events to apps. Each event is a row (its id is the event's id, sent
/// with it so that handlers can be idempotent); a worker claims due rows, delivers them, and
/// retries failures with exponential backoff. When an `install` event exhausts its retries the
/// install is marked failed with the reason; when it is delivered the install becomes active.
public final class EventQueue: Service, Sendable {
    let store: Store
    let env: PlatformEnvironment
    let logger: Logger
    let installs = InstallRepository()
    /// Delivers the events (nil: a composition without a runtime, where nothing is delivered).
    let dispatcher: Dispatcher?
    public let maxAttempts: Int
    public let backoff: TimeInterval
    private let signal: AsyncStream<Void>.Continuation
    private let signals: Mutex<AsyncStream<Void>?>

    public init(
        store: Store, dispatcher: Dispatcher?, env: PlatformEnvironment = .live, maxAttempts: Int = 6, backoff: TimeInterval = 1,
        logger: Logger = Logger(label: "marina.events")
    ) {
        self.store = store
        self.dispatcher = dispatcher
        self.env = env
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.logger = logger
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.signal = continuation
        self.signals = Mutex(stream)
    }

    /// Records an event for delivery, inside the caller's transaction. `sentBy`: the identity
    /// that sent it through the events route (the actor of its delivery's audit record); nil for
    /// the platform's own events.
    public func enqueue(
        install: InstallRecord, versionId: String, type: String, payload: JSONValue, attemptId: String? = nil, id: String? = nil,
        sentBy: String? = nil, in db: StoreHandle
    ) async throws -> String {
        let id = id ?? env.id("evt")
        let now = env.millis
        try await installs.insert(
            EventDeliveryRecord(
                id: id, installId: install.id, versionId: versionId, type: type, payload: CanonicalJSON.string(payload),
                state: .pending, attempts: 0, nextAttemptAt: now, lastError: nil, createdAt: now, deliveredAt: nil,
                sentBy: sentBy), in: db)
        return id
    }

    /// Asks the worker to look for due events now.
    public func wake() { signal.yield() }

    /// Delivers an event at once, retrying up to `attempts` times with short waits.
    public func deliverNow(install: InstallRecord, versionId: String, type: String, payload: JSONValue, attempts: Int) async throws {
        let id = try await store.transaction { db in
            try await self.enqueue(install: install, versionId: versionId, type: type, payload: payload, in: db)
        }
        for attempt in 1...attempts {
            let claimed = try await store.transaction { db in
                try await self.installs.claimDue(now: self.env.millis + 1, leaseUntil: self.env.millis + 60_000, limit: 50, in: db)
            }
            for delivery in claimed where delivery.id != id { try await release(delivery) }
            guard let mine = claimed.first(where: { $0.id == id }) else { return }
            if try await attemptDelivery(mine, finalAttempt: attempt == attempts) { return }
            try await Task.sleep(for: .milliseconds(200 * attempt))
        }
    }

    private func release(_ delivery: EventDeliveryRecord) async throws {
        let now = env.millis
        try await store.transaction { db in
            try await self.installs.finishDelivery(
                id: delivery.id, state: .pending, nextAttemptAt: now, error: delivery.lastError, deliveredAt: nil, in: db)
        }
    }

    /// Delivers one claimed event; returns whether it was delivered.
    @discardableResult
    func attemptDelivery(_ delivery: EventDeliveryRecord, finalAttempt: Bool = false) async throws -> Bool {
        guard let dispatcher,
            let install = try await store.read({ db in try await self.installs.install(id: delivery.installId, in: db) })
        else { return false }
        let now = env.millis
        do {
            try await dispatcher.deliver(delivery, install: install)
            try await store.transaction { db in
                try await self.installs.finishDelivery(id: delivery.id, state: .delivered, nextAttemptAt: now, error: nil, deliveredAt: now, in: db)
                if delivery.type == "install", var current = try await self.installs.install(id: install.id, in: db), current.state == .installing {
                    dispatcher.directory.changed()
                    current.state = try current.state.move(to: .active)
                    current.updatedAt = now
                    try await self.installs.update(current, in: db)
                    for attempt in try await self.installs.staleAttempts(startedBefore: now + 1, in: db)
                    where attempt.installId == install.id && attempt.kind == "install" {
                        try await self.installs.finish(attemptId: attempt.id, state: "done", error: nil, at: now, in: db)
                    }
                }
            }
            return true
        } catch {
            let reason = (error as? PlatformError)?.description ?? String(describing: error)
            let exhausted = finalAttempt || delivery.attempts >= Int64(maxAttempts)
            let wait = Int64(backoff * 1000 * pow(2, Double(max(0, delivery.attempts - 1))))
            logger.warning(
                "event delivery failed",
                metadata: [
                    "event": .string(delivery.id), "type": .string(delivery.type), "attempt": .stringConvertible(delivery.attempts),
                    "error": .string(reason),
                ])
            try await store.transaction { db in
                try await self.installs.finishDelivery(
                    id: delivery.id, state: exhausted ? .failed : .pending, nextAttemptAt: now + min(wait, 300_000),
                    error: reason, deliveredAt: nil, in: db)
                if exhausted, delivery.type == "install", var current = try await self.installs.install(id: install.id, in: db),
                    current.state == .installing
                {
                    dispatcher.directory.changed()
                    current.state = try current.state.move(to: .failed)
                    current.failure = "the install event was not accepted after \(delivery.attempts) attempts: \(reason)"
                    current.updatedAt = now
                    try await self.installs.update(current, in: db)
                    for attempt in try await self.installs.staleAttempts(startedBefore: now + 1, in: db)
                    where attempt.installId == install.id && attempt.kind == "install" {
                        try await self.installs.finish(attemptId: attempt.id, state: "failed", error: reason, at: now, in: db)
                    }
                }
            }
            return false
        }
    }

    /// Claims and delivers due events until shutdown.
    public func run() async throws {
        guard
            let stream = signals.withLock({ s -> AsyncStream<Void>? in
                defer { s = nil }; return s
            })
        else { return }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in stream { await self.drain() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(250))
                        self.signal.yield()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.signal.finish()
        }
    }

    func drain() async {
        do {
            let now = env.millis
            let claimed = try await store.transaction { db in try await self.installs.claimDue(now: now, leaseUntil: now + 120_000, limit: 16, in: db)
            }
            await withTaskGroup(of: Void.self) { group in
                for delivery in claimed { group.addTask { _ = try? await self.attemptDelivery(delivery) } }
            }
        } catch {
            logger.error("event queue failed", metadata: ["error": .string("\(error)")])
        }
    }

    /// Events only the platform sends: their payload states facts of the install (the scopes
    /// granted, the settings) that a caller must not be able to invent.
    public static let platformEvents: Set<String> = ["install", "uninstall"]

    /// Who may send an event type through the events route (`nil`: nobody; the platform sends it).
    /// `user_added` and `inbound` speak for the tenant's users: any identity of the tenant.
    /// `schedule.*` and `webhook.*` stand in for the scheduler and the webhook ingress (a
    /// webhook's payload is data the app takes as its partner's): the tenant's admins.
    static func mayEmit(_ type: String, _ principal: Principal) -> Bool? {
        if platformEvents.contains(type) { return nil }
        if type.hasPrefix("schedule.") || type.hasPrefix("webhook.") { return principal.isAdmin || principal.role == .tenantAdmin }
        return principal.isAdmin || principal.role.isTenantRole
    }

    /// Sends an event to an installed app (`POST …/events/{type}`): recorded, then delivered at
    /// once and retried until it is taken. The app must declare the event (`events`, a schedule's
    /// or a webhook's name); the caller must be allowed to send it (`mayEmit`); its delivery is
    /// audited under the caller.
    public func emit(_ principal: Principal, tenant: String, app: String, type: String, payload: JSONValue) async throws -> EventView {
        guard let dispatcher else { throw PlatformError(.unavailable, .runtimeUnavailable, "no runtime is running") }
        // Refused before anything is looked up: the answer says nothing about the tenant or the app.
        guard Self.mayEmit(type, principal) != nil else {
            throw PlatformError(
                .forbidden, .platformEvent, "\(type) events are sent by the platform itself, when the app is installed or uninstalled")
        }
        let t = try await dispatcher.target(principal, tenant: tenant, app: app)
        let declared = t.manifest.events + t.manifest.schedules.map { "schedule." + $0.name } + t.manifest.webhooks.map { "webhook." + $0.name }
        guard declared.contains(type) else {
            throw PlatformError(.notFound, .unknownEvent, "\(app) \(t.version.version) does not handle the event \(type)")
        }
        guard Self.mayEmit(type, principal) == true else {
            throw PlatformError.forbidden("only the tenant's admins send \(type) events")
        }
        let sender = principal.identityId
        let id = try await store.transaction { db in
            try await self.enqueue(install: t.install, versionId: t.version.id, type: type, payload: payload, sentBy: sender, in: db)
        }
        let claimed = try await store.transaction { db in try await self.claim(id: id, in: db) }
        var delivered = false
        if let claimed { delivered = (try? await attemptDelivery(claimed)) ?? false }
        let record = try await store.read { db in try await self.installs.delivery(id: id, in: db) }
        return EventView(
            id: id, type: type, state: delivered ? "delivered" : (record?.state ?? .pending).rawValue, attempts: Int(record?.attempts ?? 0),
            lastError: record?.lastError)
    }

    private func claim(id: String, in db: StoreHandle) async throws -> EventDeliveryRecord? {
        try await installs.claimDelivery(id: id, leaseUntil: env.millis + 120_000, in: db)
    }
}

public struct EventView: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var state: String
    public var attempts: Int
    public var lastError: String?
    enum CodingKeys: String, CodingKey { case id, type, state, attempts, lastError = "last_error" }
}
