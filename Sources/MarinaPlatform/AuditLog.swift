import Crypto
import Foundation
import Logging
import MarinaCore
import MarinaStore
import Synchronization

/// What happened, as a caller describes it; the log adds the sequence number, id and chain.
public struct AuditEntry: Sendable, Equatable {
    public var at: Int64
    public var actor: String
    public var tenant: String?
    public var app: String?
    public var version: String?
    public var kind: AuditKind
    public var name: String
    /// `allow`, or `deny:<reason>` (`deny:no_scope`, `deny:rate_limited`, …).
    public var decision: String
    /// `ok`, or the error code the call ended with.
    public var status: String
    public var durationMs: Int64
    public var requestId: String?
    /// The input; only its redacted summary is kept.
    public var input: JSONValue?
    public var costMicros: Int64

    public init(
        at: Int64, actor: String, tenant: String? = nil, app: String? = nil, version: String? = nil, kind: AuditKind, name: String,
        decision: String = "allow", status: String = "ok", durationMs: Int64 = 0, requestId: String? = nil, input: JSONValue? = nil,
        costMicros: Int64 = 0
    ) {
        (self.at, self.actor, self.tenant, self.app, self.version, self.kind, self.name) = (at, actor, tenant, app, version, kind, name)
        (self.decision, self.status, self.durationMs, self.requestId, self.input, self.costMicros) = (
            decision, status, durationMs, requestId, input, costMicros
        )
    }
}

public enum AuditKind: String, Sendable, CaseIterable {
    case toolCall = "tool_call"
    case eventDelivery = "event_delivery"
    case appCall = "app_call"
    case secretRead = "secret_read"
    /// A decision of the egress proxy or `http_fetch` on one connection, written before it acts.
    case egress
    /// What an allowed egress connection carried (bytes each way, duration) and how it ended.
    case egressEnd = "egress_end"
    case admin
}

/// The append-only, hash-chained audit log. Appends are batched (group commit): concurrent
/// callers' records share one transaction, and `record` returns only once that transaction has
/// committed, so nothing acknowledged is lost to a crash. On SQLite the records go to the store's
/// writer thread (`Store.submitDirect`, see `AuditFlush`), which resumes each caller itself once
/// its record has committed; on PostgreSQL a drain task of this actor writes them. Callers that
/// cannot get their record written must refuse what they were doing: `record` throws `platform_error`.
public actor AuditLog {
    public static let genesis = String(repeating: "0", count: 64)

    let store: Store
    let env: PlatformEnvironment
    let logger: Logger
    let repository = AuditRepository()
    /// Records per transaction.
    public let maxBatch: Int
    private var pending: [(AuditRecord, CheckedContinuation<Void, any Error>)] = []
    private var flushing = false
    /// SQLite: the records waiting for the writer thread, and whether an `AuditFlush` is queued there.
    nonisolated let waiting = Mutex(Waiting())

    struct Waiting {
        var records: [(AuditRecord, CheckedContinuation<Void, any Error>)] = []
        var flushQueued = false
    }

    public init(store: Store, env: PlatformEnvironment = .live, maxBatch: Int = 2000, logger: Logger = Logger(label: "marina.audit")) {
        self.store = store
        self.env = env
        self.maxBatch = maxBatch
        self.logger = logger
    }

    /// Appends one record and waits until it is durable. The record's own content is prepared
    /// (redacted, hashed) in the caller's task; only the chaining is serial.
    public nonisolated func record(_ entry: AuditEntry) async throws(PlatformError) {
        let prepared = AuditChain.prepare(entry, id: env.orderedId("aud"))
        do {
            if store.hasDirectTransactions {
                try await enqueueForWriter(prepared)
            } else {
                try await enqueue(prepared)
            }
        } catch { throw Self.refusal(error) }
    }

    private nonisolated func enqueueForWriter(_ record: AuditRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let queueFlush = waiting.withLock { w in
                w.records.append((record, continuation))
                defer { w.flushQueued = true }
                return !w.flushQueued
            }
            if queueFlush { store.submitDirect(AuditFlush(log: self)) }
        }
    }

    /// The next batch for the writer thread. When records remain beyond it, another flush is
    /// queued behind this one.
    nonisolated func takeWaiting() -> [(AuditRecord, CheckedContinuation<Void, any Error>)] {
        let (batch, more) = waiting.withLock { w in
            let batch = Array(w.records.prefix(maxBatch))
            w.records.removeFirst(batch.count)
            w.flushQueued = !w.records.isEmpty
            return (batch, w.flushQueued)
        }
        if more { store.submitDirect(AuditFlush(log: self)) }
        return batch
    }

    /// PostgreSQL: queues the record for this actor's drain task.
    private func enqueue(_ record: AuditRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append((record, continuation))
            if !flushing {
                flushing = true
                Task { await self.drain() }
            }
        }
    }

    static func refusal(_ error: any Error) -> PlatformError {
        PlatformError(.internalError, .platformError, "the audit log could not be written, so the call was refused")
    }

    /// PostgreSQL: writes what is pending, a batch per transaction.
    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            do {
                let records = batch.map(\.0)
                let repository = self.repository
                try await store.transaction { db in try await repository.appendChained(records, chain: Self.chain, in: db) }
                complete(batch, error: nil)
            } catch {
                complete(batch, error: error)
            }
        }
        flushing = false
    }

    /// Resumes the callers of a batch once it has committed, or refuses them all.
    nonisolated func complete(_ batch: [(AuditRecord, CheckedContinuation<Void, any Error>)], error: (any Error)?) {
        guard let error else {
            for (_, continuation) in batch { continuation.resume() }
            return
        }
        logger.error("audit write failed", metadata: ["error": "\(error)", "records": "\(batch.count)"])
        for (_, continuation) in batch { continuation.resume(throwing: error) }
    }

    /// Numbers prepared records after `last` (the newest stored record) and links each to the one before.
    static func chain(_ prepared: [AuditRecord], after last: (seq: Int64, hash: String)?) -> [AuditRecord] {
        var seq = last?.seq ?? 0
        var previous = last?.hash ?? genesis
        var records = prepared
        for i in records.indices {
            seq += 1
            records[i].seq = seq
            records[i].prevHash = previous
            records[i].hash = AuditChain.link(previous: previous, seq: seq, content: records[i].hash)
            previous = records[i].hash
        }
        return records
    }
}

/// The audit records waiting on SQLite, written by the store's writer thread: `run` takes the
/// waiting batch, chains it after the newest stored record and inserts it; `finish` resumes each
/// caller once the transaction has committed, or refuses them all.
final class AuditFlush: DirectWork, @unchecked Sendable {
    let log: AuditLog
    /// Set by `run` on the writer thread and read by `finish` after it, on the same thread.
    private var taken: [(AuditRecord, CheckedContinuation<Void, any Error>)]?

    init(log: AuditLog) { self.log = log }

    func run(_ db: SQLiteDirectConnection) throws {
        let batch = log.takeWaiting()
        taken = batch
        guard !batch.isEmpty else { return }
        try log.repository.appendChained(batch.map(\.0), chain: AuditLog.chain, in: db)
    }

    func finish(_ error: (any Error)?) {
        // Not run (the store is closed, or the transaction could not begin or was rolled back
        // before this item's turn): the batch it would have taken is refused.
        log.complete(taken ?? log.takeWaiting(), error: error)
    }
}

/// How records are hashed. A record's content hash is SHA-256 over its fields (see
/// `contentHash`); its chain hash is SHA-256 of `prev_hash ":" seq ":" content hash`. Content is hashed by each caller in parallel; only the
/// cheap link is computed in order.
public enum AuditChain {
    /// A record ready to be chained: `hash` holds its content hash until `append` links it.
    static func prepare(_ entry: AuditEntry, id: String) -> AuditRecord {
        // Every text as stored (`AuditText`): what is hashed is exactly what the database keeps.
        var record = AuditRecord(
            seq: 0, id: id, at: entry.at, actor: AuditText.stored(entry.actor), tenant: AuditText.stored(entry.tenant),
            app: AuditText.stored(entry.app), version: AuditText.stored(entry.version), kind: entry.kind.rawValue,
            name: AuditText.stored(entry.name), decision: AuditText.stored(entry.decision), status: AuditText.stored(entry.status),
            durationMs: entry.durationMs, requestId: AuditText.stored(entry.requestId),
            summary: AuditText.storedSummary(AuditRedaction.summary(entry.input)), costMicros: entry.costMicros, prevHash: "", hash: "")
        record.hash = contentHash(record)
        return record
    }

    /// Every field but `seq`, `prev_hash` and `hash`, in a fixed order, each written as its
    /// UTF-8 length, `:`, and its bytes (`~` for null), then hashed.
    public static func contentHash(_ r: AuditRecord) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + r.summary.utf8.count)
        func add(_ text: String?) {
            guard let text else { bytes.append(UInt8(ascii: "~")); return }
            bytes.append(contentsOf: String(text.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: text.utf8)
        }
        for field in [
            r.id, String(r.at), r.actor, r.tenant, r.app, r.version, r.kind, r.name, r.decision, r.status, String(r.durationMs),
            r.requestId, r.summary, String(r.costMicros),
        ] as [String?] { add(field) }
        return Hex.string(SHA256.hash(data: bytes))
    }

    public static func link(previous: String, seq: Int64, content: String) -> String {
        Hex.string(SHA256.hash(data: Array("\(previous):\(seq):\(content)".utf8)))
    }

    /// The hash a stored record must have.
    public static func hash(_ r: AuditRecord) -> String { link(previous: r.prevHash, seq: r.seq, content: contentHash(r)) }
}

extension AuditLog {
    /// Records an administrative action inside the transaction that makes it: both commit or
    /// neither does.
    static func admin(
        _ principal: Principal, _ name: String, tenant: String? = nil, app: String? = nil, version: String? = nil, input: JSONValue? = nil,
        store: Store, env: PlatformEnvironment, in db: StoreHandle
    ) async throws {
        try await admin(actor: principal.identityId, name, tenant: tenant, app: app, version: version, input: input, store: store, env: env, in: db)
    }

    static func admin(
        actor: String, _ name: String, tenant: String? = nil, app: String? = nil, version: String? = nil, input: JSONValue? = nil,
        store: Store, env: PlatformEnvironment, in db: StoreHandle
    ) async throws {
        let entry = AuditEntry(at: env.millis, actor: actor, tenant: tenant, app: app, version: version, kind: .admin, name: name, input: input)
        try await AuditRepository().appendChained([AuditChain.prepare(entry, id: env.orderedId("aud"))], chain: AuditLog.chain, in: db)
    }
}
