import Foundation
import Logging
import MarinaCore
import ServiceLifecycle
import Synchronization

/// Refusals a caller can repeat as fast as it can send (a bogus app token needs no key at all; an
/// app over its rate limit), recorded without letting the caller grow the audit log. Per source
/// and reason — (actor, tenant, app, version, kind, decision, status, reason) — and window of
/// `window` milliseconds, the first refusal is recorded at once (and its call waits for the
/// record, like every audited call); the others of the window are counted, and when the window has
/// ended one record carries their count (`repeated`). So nothing is lost, and a source adds at most
/// two records per reason per window, however much it sends.
///
/// A window's count is written by the next refusal of its key after it ended, by `flush` (run
/// every second by `run`, so a count is in the log about a second after its window), and at shutdown; a count that cannot be written is kept and tried
/// again. The sources are bounded: an actor is `app:unknown` or the install of a token whose
/// signature verified, and the reasons are a fixed set.
public final class RefusalTally: Service, Sendable {
    public static let defaultWindow: Int64 = 10_000

    struct Key: Hashable {
        var actor: String
        var tenant: String?
        var app: String?
        var version: String?
        var kind: AuditKind
        var decision: String
        var status: String
        var reason: String
    }

    struct Window {
        var opened: Int64
        /// The counted refusals (the first, recorded at once, is not one of them).
        var count = 0
        var first: Int64 = 0
        var last: Int64 = 0
        /// The name every counted refusal had, or nil once two differed.
        var name: String?
        var namesDiffer = false
    }

    let audit: AuditLog
    let env: PlatformEnvironment
    /// Milliseconds.
    public let window: Int64
    let logger: Logger
    private let windows = Mutex<[Key: Window]>([:])

    public init(
        audit: AuditLog, env: PlatformEnvironment = .live, window: Int64 = RefusalTally.defaultWindow, logger: Logger = Logger(label: "marina.audit")
    ) {
        (self.audit, self.env, self.window, self.logger) = (audit, env, window, logger)
    }

    /// Records `entry` when it opens its key's window (throws `platform_error` when that record
    /// cannot be written); otherwise counts it and returns at once. `reason` tells refusals of one
    /// source apart (the input summary is not compared).
    public func record(_ entry: AuditEntry, reason: String = "") async throws(PlatformError) {
        let key = Key(
            actor: entry.actor, tenant: entry.tenant, app: entry.app, version: entry.version, kind: entry.kind,
            decision: entry.decision, status: entry.status, reason: reason)
        let now = env.millis
        let (opens, ended) = windows.withLock { all -> (Bool, Window?) in
            if var open = all[key], now - open.opened < window {
                if open.count == 0 { (open.first, open.name) = (entry.at, entry.name) } else if open.name != entry.name { open.namesDiffer = true }
                open.count += 1
                open.last = entry.at
                all[key] = open
                return (false, nil)
            }
            let ended = all[key]
            all[key] = Window(opened: now)
            return (true, ended)
        }
        if let ended, ended.count > 0 { await write(key, ended) }
        if opens { try await audit.record(entry) }
    }

    /// Writes the counts of the windows that have ended (every window with `all`).
    public func flush(all: Bool = false) async {
        let now = env.millis
        let ended = windows.withLock { windows -> [(Key, Window)] in
            let done = windows.filter { all || now - $0.value.opened >= window }
            for key in done.keys { windows[key] = nil }
            return done.filter { $0.value.count > 0 }.map { ($0.key, $0.value) }
        }
        for (key, counted) in ended { await write(key, counted) }
    }

    /// The record of a window's counted refusals; kept for the next flush when it cannot be written.
    private func write(_ key: Key, _ counted: Window) async {
        var input: JSONObject = JSONObject([("repeated", .number(Double(counted.count))), ("until", .string(Timestamp.iso(counted.last)))])
        if !key.reason.isEmpty { input["reason"] = .string(key.reason) }
        let entry = AuditEntry(
            at: counted.first, actor: key.actor, tenant: key.tenant, app: key.app, version: key.version, kind: key.kind,
            name: counted.namesDiffer ? "*" : counted.name ?? "*", decision: key.decision, status: key.status,
            durationMs: counted.last - counted.first, input: .object(input))
        do { try await audit.record(entry) } catch {
            logger.error(
                "the count of repeated refusals could not be recorded; kept for the next try", metadata: ["count": .stringConvertible(counted.count)])
            windows.withLock { windows in
                var merged = windows[key] ?? Window(opened: counted.opened)
                if merged.count == 0 { (merged.first, merged.name) = (counted.first, counted.name) }
                merged.namesDiffer = merged.namesDiffer || counted.namesDiffer || merged.name != counted.name
                merged.count += counted.count
                merged.first = min(merged.first, counted.first)
                merged.last = max(merged.last, counted.last)
                windows[key] = merged
            }
        }
    }

    /// Flushes ended windows every second (or every window, when that is shorter), and every count at shutdown.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(min(self.window, 1_000))) }
            await flush()
        }
        await flush(all: true)
    }
}
