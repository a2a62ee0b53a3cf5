// Over 400 lines on purpose: one actor owns every instance's state, and its parts (wake and
// readiness, the crash watch, idle sleep, token refresh, stop) all move that state; they stay together.

import Foundation
import Logging
import MarinaCore
import MarinaEventLoops
import NIOHTTP1
import ServiceLifecycle

/// Keeps instances alive on demand: wakes one on its first call (concurrent first calls share one
/// start), declares it ready when `/health` answers and `/manifest` hashes to the published
/// manifest, puts it to sleep after its idle timeout, restarts it after a crash with exponential
/// backoff, and marks it failed — with the last lines of its stderr — when it keeps crashing.
public actor Supervisor: Service {
    public typealias State = InstanceState

    final class Entry {
        var spec: InstanceSpec
        /// Moved only through `move(to:)`, along `InstanceState.moves`.
        private(set) var state: State = .sleeping
        var running: RunningInstance?
        /// Where the running instance answers, found once it is ready.
        var socket: String?
        var starting: Task<RunningInstance, any Error>?
        let usage = InstanceUsage()
        var crashes: [Date] = []
        var restarts = 0
        var lastError: String?
        var stopping = false
        /// A stop in progress (`stop`): a call arriving meanwhile waits for it, then wakes the
        /// instance again, rather than being handed the process that is going away.
        var stopTask: Task<Void, Never>?
        var launchEnvironment: @Sendable () async throws -> [String: String] = { [:] }
        /// A failed start or a crash loop is answered from here, without starting anything, until
        /// `retryAfter`; the next call after it tries again (`reset` clears it at once).
        var retryAfter: Date?
        /// Starts that failed in a row: the wait before the next try doubles with each (1 s … 60 s).
        var failedStarts = 0
        /// When the running instance's app token was last written (rotated well before it expires).
        var tokenWrittenAt: Date?
        let log: InstanceLog

        func move(to next: State) {
            // The lifecycle is the design: a move outside it is a bug (debug builds stop on it).
            assert(state.canMove(to: next), "instance \(spec.id) moved from \(state) to \(next)")
            state = next
        }

        init(spec: InstanceSpec, log: InstanceLog) {
            self.spec = spec
            self.log = log
        }
    }

    let driver: any RuntimeDriver
    let client: InstanceClient
    let logger: Logger
    public let startTimeout: Duration
    public let idleCheckInterval: Duration
    /// At most this many crashes within `crashWindow` before the instance is marked failed.
    public let maxCrashes: Int
    public let crashWindow: TimeInterval
    /// How long a failed instance (a crash loop) waits before a call may start it again.
    public let failedRetryDelay: TimeInterval
    /// A running instance gets a fresh app token when its current one is this old (tokens live a
    /// day; an instance kept busy may live longer).
    public let tokenRefreshAge: TimeInterval
    private var entries: [String: Entry] = [:]

    public init(
        driver: any RuntimeDriver, client: InstanceClient = InstanceClient(), logger: Logger = Logger(label: "marina.supervisor"),
        startTimeout: Duration = .seconds(30), idleCheckInterval: Duration = .seconds(1), maxCrashes: Int = 5, crashWindow: TimeInterval = 120,
        failedRetryDelay: TimeInterval = 60, tokenRefreshAge: TimeInterval = 12 * 3600
    ) {
        self.failedRetryDelay = failedRetryDelay
        self.tokenRefreshAge = tokenRefreshAge
        self.driver = driver
        self.client = client
        self.logger = logger
        self.startTimeout = startTimeout
        self.idleCheckInterval = idleCheckInterval
        self.maxCrashes = maxCrashes
        self.crashWindow = crashWindow
    }

    /// A ready instance for `spec`, starting it if needed, held for one call: the instance is not
    /// put to sleep until the lease ends, and its idle timer starts again then. The call is
    /// counted from here, so a start that takes longer than the idle timeout is not undone.
    /// `launchEnvironment` adds variables minted at each wake (the app token); it is called only
    /// when the instance starts.
    public func use(
        _ spec: InstanceSpec, launchEnvironment: @escaping @Sendable () async throws -> [String: String] = { [:] }
    ) async throws -> InstanceLease {
        let entry =
            entries[spec.id]
            ?? {
                let e = Entry(spec: spec, log: InstanceLog())
                entries[spec.id] = e
                return e
            }()
        entry.usage.begin()
        do {
            return InstanceLease(socket: try await socket(for: entry, spec: spec, launchEnvironment: launchEnvironment), usage: entry.usage)
        } catch {
            entry.usage.end()
            throw error
        }
    }

    /// The socket of a ready instance for `spec`, starting it if needed; a call of no duration
    /// (`use` with the lease ended at once).
    public func socket(
        for spec: InstanceSpec, launchEnvironment: @escaping @Sendable () async throws -> [String: String] = { [:] }
    ) async throws -> String {
        let lease = try await use(spec, launchEnvironment: launchEnvironment)
        lease.end()
        return lease.socket
    }

    private func socket(
        for entry: Entry, spec: InstanceSpec, launchEnvironment: @escaping @Sendable () async throws -> [String: String]
    ) async throws -> String {
        while let stopping = entry.stopTask { await stopping.value }
        if entry.spec != spec {
            // Same instance key, new spec (e.g. a refreshed token): restart with it, once a start
            // of the old spec in progress has ended (it owns the state until then).
            if let starting = entry.starting { _ = try? await starting.value }
            entry.spec = spec
            if let running = entry.running {
                entry.stopping = true
                entry.running = nil
                await driver.stop(running)
                entry.stopping = false
            }
            entry.move(to: .sleeping)
        }
        if entry.state == .failed {
            if let retryAfter = entry.retryAfter, Date() < retryAfter {
                throw RuntimeError(
                    .failed, (entry.lastError ?? "the instance failed") + "\n(the next start is tried from \(Self.timeText(retryAfter)))")
            }
            entry.move(to: .sleeping)
        }
        if let running = entry.running, entry.state == .ready {
            if running.isRunning { return entry.socket ?? activeSocket(running) }
            // Ended before its exit was seen (killed): started again now, and its watch, which
            // looks for the process it watches, finds it gone and leaves the new one be.
            entry.running = nil
            entry.restarts += 1
            entry.log.note("exited (status seen later); started again for a call")
        }
        let task: Task<RunningInstance, any Error>
        if let starting = entry.starting {
            task = starting
        } else {
            entry.launchEnvironment = launchEnvironment
            task = Task { try await self.launch(entry) }
            entry.starting = task
        }
        let running = try await task.value
        return entry.socket ?? activeSocket(running)
    }

    private func activeSocket(_ running: RunningInstance) -> String {
        if let app = running.socketPaths.first, FileManager.default.fileExists(atPath: app) { return app }
        return running.socketPaths.last ?? ""
    }

    private func launch(_ entry: Entry) async throws -> RunningInstance {
        defer { entry.starting = nil }
        entry.move(to: .starting)
        entry.log.note("starting \(entry.spec.app) \(entry.spec.version) for \(entry.spec.tenant)")
        var spec = entry.spec
        do {
            spec.environment.merge(try await entry.launchEnvironment()) { $1 }
        } catch {
            // Nothing was started (a secret that is not set, say): the caller is told why, and the
            // next call tries again — setting the secret is enough, no restart of anything.
            entry.move(to: .sleeping)
            entry.lastError = "\(error)"
            entry.log.note("not started: \(error)")
            throw error
        }
        let running: RunningInstance
        do {
            // Directories, cgroups, sockets and the spawn block: off the actor's thread, which may
            // be a connection's event loop.
            let (driver, log, ready) = (self.driver, entry.log, spec)
            running = try await Offload.run { try driver.start(ready, log: log) }
        } catch {
            markFailed(entry, "\(error)")
            throw error
        }
        do {
            try await waitUntilReady(running, entry)
        } catch {
            entry.stopping = true
            await driver.stop(running, grace: .seconds(1))
            entry.stopping = false
            let tail = entry.log.tail(10).joined(separator: "\n")
            markFailed(entry, "\(error)" + (tail.isEmpty ? "" : "\nlast stderr lines:\n" + tail))
            entry.log.note("failed to start: \(error)")
            throw RuntimeError((error as? RuntimeError)?.code ?? .startFailed, entry.lastError!)
        }
        entry.running = running
        entry.socket = activeSocket(running)
        entry.move(to: .ready)
        entry.failedStarts = 0
        entry.retryAfter = nil
        entry.tokenWrittenAt = Date()
        entry.log.note("ready (pid \(running.pid), limits: \(running.limits.mechanism))")
        let id = entry.spec.id
        Task { await self.watch(id, running) }
        return running
    }

    /// A start that failed: calls are answered with `reason` without a new start for a while
    /// (1 s after the first failure, doubling up to 60 s), then the next call tries again.
    private func markFailed(_ entry: Entry, _ reason: String) {
        entry.failedStarts += 1
        entry.move(to: .failed)
        entry.lastError = reason
        entry.retryAfter = Date().addingTimeInterval(min(60, pow(2, Double(entry.failedStarts - 1))))
    }

    static func timeText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    private func waitUntilReady(_ running: RunningInstance, _ entry: Entry) async throws {
        let deadline = ContinuousClock.now + startTimeout
        // Each socket is polled on its own: the app's own (MARINA_SOCKET) appears only if the app
        // serves it, and a probe through the relay to an app that does not listen on $PORT waits
        // until it times out; the first 200 on either ends the wait.
        let client = self.client
        let healthy = await withTaskGroup(of: Bool.self) { group in
            for socket in running.socketPaths {
                group.addTask { await Self.pollHealth(socket, client: client, running: running, until: deadline) }
            }
            for await answered in group where answered {
                group.cancelAll()
                return true
            }
            return false
        }
        guard healthy else {
            guard running.isRunning else {
                let status = await running.waitForExit()
                throw RuntimeError(.startFailed, "the app exited with status \(status) before it became healthy")
            }
            throw RuntimeError(.unhealthy, "the app did not answer GET /health with 200 within \(startTimeout)")
        }
        let socket = activeSocket(running)
        // The SDKs serve the canonical form, which may be larger than a manifest file may be.
        let limits = DocumentLimits.canonicalForm
        let reply = try await client.send(socket: socket, method: .GET, path: "/manifest", timeout: .seconds(5), maxBody: limits.maxBytes)
        let report = ManifestLoader.load(
            bytes: reply.body, fileName: reply.contentType?.contains("yaml") == true ? "manifest.yaml" : nil, limits: limits)
        guard reply.status == 200, let hash = report.hash else {
            throw RuntimeError(.manifestMismatch, "GET /manifest did not return a valid manifest (status \(reply.status))")
        }
        guard hash == entry.spec.manifestHash else {
            throw RuntimeError(.manifestMismatch, "the app serves a manifest hashing to \(hash), not the published \(entry.spec.manifestHash)")
        }
    }

    /// Polls `GET /health` on one socket until it answers 200 (true), or the deadline passes, the
    /// process ends, or the wait is cancelled (false). Most apps are up within a few milliseconds:
    /// it polls every 2 ms for the first second, then every 20 ms.
    private static func pollHealth(
        _ socket: String, client: InstanceClient, running: RunningInstance, until deadline: ContinuousClock.Instant
    ) async -> Bool {
        let started = ContinuousClock.now
        while ContinuousClock.now < deadline, running.isRunning, !Task.isCancelled {
            if FileManager.default.fileExists(atPath: socket),
                let reply = try? await client.send(socket: socket, method: .GET, path: "/health", timeout: .seconds(2)), reply.status == 200
            {
                return true
            }
            do { try await Task.sleep(for: ContinuousClock.now - started < .seconds(1) ? .milliseconds(2) : .milliseconds(20)) } catch {
                return false
            }
        }
        return false
    }

    /// Waits for the process to end; an exit nobody asked for is a crash.
    private func watch(_ id: String, _ running: RunningInstance) async {
        let status = await running.waitForExit()
        guard let entry = entries[id], entry.running === running else { return }
        entry.running = nil
        if entry.stopping { return }
        let now = Date()
        entry.crashes = entry.crashes.filter { now.timeIntervalSince($0) < crashWindow } + [now]
        let tail = entry.log.tail(10).joined(separator: "\n")
        entry.lastError = "exited with status \(status)" + (tail.isEmpty ? "" : "\nlast stderr lines:\n" + tail)
        entry.log.note("crashed: exited with status \(status)")
        logger.warning("instance crashed", metadata: ["instance": .string(id), "status": .stringConvertible(status)])
        if entry.crashes.count >= maxCrashes {
            entry.move(to: .failed)
            entry.retryAfter = now.addingTimeInterval(failedRetryDelay)
            entry.log.note("crash loop: \(entry.crashes.count) crashes; marked failed until \(Self.timeText(entry.retryAfter!))")
            return
        }
        entry.move(to: .crashed)
        let delay = Duration.seconds(1 << min(entry.crashes.count - 1, 4))
        entry.restarts += 1
        Task {
            try? await Task.sleep(for: delay)
            await self.restartAfterCrash(id)
        }
    }

    private func restartAfterCrash(_ id: String) async {
        guard let entry = entries[id], entry.state == .crashed, entry.starting == nil else { return }
        let task = Task { try await self.launch(entry) }
        entry.starting = task
        _ = try? await task.value
    }

    /// Stops an instance (idle, uninstall, upgrade, shutdown); it stays known as sleeping.
    /// Concurrent stops share one.
    public func stop(_ id: String) async {
        guard let entry = entries[id] else { return }
        if let stopping = entry.stopTask { return await stopping.value }
        // The task runs on this actor, after this method stores it (no suspension before that).
        let task = Task { await self.performStop(entry) }
        entry.stopTask = task
        await task.value
    }

    private func performStop(_ entry: Entry) async {
        entry.stopping = true
        if let starting = entry.starting { _ = try? await starting.value }
        if let running = entry.running { await driver.stop(running) }
        entry.running = nil
        entry.move(to: .sleeping)
        entry.stopping = false
        entry.stopTask = nil
    }

    public func forget(_ id: String) async {
        await stop(id)
        entries[id] = nil
        driver.forget(instanceId: id)
    }

    /// Clears a failed state so that the next call starts the instance again.
    public func reset(_ id: String) {
        guard let entry = entries[id] else { return }
        entry.crashes = []
        entry.lastError = nil
        entry.failedStarts = 0
        entry.retryAfter = nil
        if entry.state == .failed { entry.move(to: .sleeping) }
    }

    public func status() -> [InstanceStatus] {
        entries.values.map { e in
            InstanceStatus(
                id: e.spec.id, tenant: e.spec.tenant, app: e.spec.app, version: e.spec.version, state: e.state.rawValue,
                pid: e.running?.pid, uptimeSeconds: e.running.map { Date().timeIntervalSince($0.startedAt) },
                memoryBytes: e.running.flatMap { driver.memoryUsage(of: $0) },
                restarts: e.restarts, lastError: e.lastError, limits: e.running?.limits)
        }.sorted { ($0.tenant, $0.app, $0.version) < ($1.tenant, $1.app, $1.version) }
    }

    public func log(_ id: String) -> InstanceLog? { entries[id]?.log }

    /// Puts idle instances to sleep and rotates app tokens; on shutdown stops them all at once.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.idleCheckInterval)
                await self.sleepIdle()
                await self.refreshTokens()
            }
        }
        await stopAll()
    }

    /// Stops every instance, all at once: each gets SIGTERM, and SIGKILL after its grace, so that
    /// shutdown takes one grace period however many instances run.
    public func stopAll() async {
        let ids = Array(entries.keys)
        await withTaskGroup(of: Void.self) { group in
            for id in ids { group.addTask { await self.stop(id) } }
        }
    }

    private func sleepIdle() async {
        let now = Date()
        var idle: [String] = []
        for (id, entry) in entries where entry.state == .ready && entry.running != nil && entry.stopTask == nil {
            let timeout = entry.spec.idleTimeout
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            if entry.usage.isIdle(for: seconds, now: now) {
                entry.log.note("idle for \(timeout); going to sleep")
                idle.append(id)
            }
        }
        // Stopped side by side and not waited for here: one slow stop must hold neither the
        // others nor the next check (a stop in progress is skipped, and shared by later callers).
        for id in idle { Task { await self.stop(id) } }
    }

    /// Gives each instance whose app token is `tokenRefreshAge` old a fresh one, written where the
    /// app re-reads it (`MARINA_APP_TOKEN_FILE`).
    private func refreshTokens() async {
        let now = Date()
        for entry in entries.values where entry.state == .ready {
            guard let running = entry.running, let written = entry.tokenWrittenAt, now.timeIntervalSince(written) >= tokenRefreshAge else { continue }
            entry.tokenWrittenAt = now
            do {
                guard let token = try await entry.launchEnvironment()["MARINA_APP_TOKEN"] else { continue }
                let (driver, spec) = (self.driver, entry.spec)
                try await Offload.run { try driver.writeAppToken(token, for: spec) }
                entry.log.note("app token rotated")
                _ = running
            } catch {
                entry.log.note("could not rotate the app token: \(error)")
            }
        }
    }
}
