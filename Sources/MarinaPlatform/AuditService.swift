import Foundation
import MarinaCore
import MarinaStore

/// Reading the audit log: per tenant for its identities, everything for the platform admin, and
/// the chain check. Writing is `AuditLog`'s.
public struct AuditService: Sendable {
    let store: Store
    let tenants: TenantService
    let repository = AuditRepository()

    public init(store: Store, tenants: TenantService) {
        self.store = store
        self.tenants = tenants
    }

    public struct Query: Sendable {
        public var filter: AuditFilter
        public var limit: Int
        public var ascending: Bool
        public init(filter: AuditFilter = AuditFilter(), limit: Int = 100, ascending: Bool = false) {
            (self.filter, self.limit, self.ascending) = (filter, limit, ascending)
        }
    }

    public struct Page: Codable, Sendable {
        public var records: [AuditView]
        /// Pass as `cursor` for the next (older) page; null on the last page.
        public var nextCursor: String?
        enum CodingKeys: String, CodingKey { case records, nextCursor = "next_cursor" }
    }

    /// Records of one tenant (the tenant's own identities or the admin).
    public func tenantRecords(_ principal: Principal, tenant slug: String, _ query: Query) async throws -> Page {
        let tenant = try await tenants.resolve(principal, slug: slug)
        var query = query
        query.filter.tenant = tenant.slug
        return try await page(query)
    }

    /// Records of every tenant and of the platform itself: admin only.
    public func allRecords(_ principal: Principal, _ query: Query) async throws -> Page {
        guard principal.isAdmin else { throw PlatformError.forbidden("only the platform admin reads the whole audit log") }
        return try await page(query)
    }

    func page(_ query: Query) async throws -> Page {
        let limit = max(1, min(query.limit, 1000))
        let rows = try await store.read { db in try await repository.records(query.filter, limit: limit + 1, ascending: query.ascending, in: db) }
        var shown = Array(rows.prefix(limit))
        for i in shown.indices where AuditChain.hash(shown[i]) != shown[i].hash {
            if let exact = try await exact(shown[i]) { shown[i] = exact }
        }
        let more = rows.count > limit
        return Page(records: shown.map(AuditView.init), nextCursor: more ? shown.last.map { String($0.seq) } : nil)
    }

    public struct Verification: Codable, Sendable, Equatable {
        public var ok: Bool
        public var records: Int64
        public var headSeq: Int64?
        public var headHash: String?
        /// The first record that does not hold, and why.
        public var brokenAt: Int64?
        public var reason: String?
        enum CodingKeys: String, CodingKey { case ok, records, headSeq = "head_seq", headHash = "head_hash", brokenAt = "broken_at", reason }
    }

    /// Recomputes the whole chain, oldest first, and names the first record that breaks it.
    public func verify(_ principal: Principal) async throws -> Verification {
        guard principal.isAdmin else { throw PlatformError.forbidden("only the platform admin verifies the audit log") }
        var previous = AuditLog.genesis
        var expectedSeq: Int64 = 1
        var count: Int64 = 0
        var after: Int64 = 0
        while true {
            let from = after
            let rows = try await store.read { db in try await repository.records(AuditFilter(after: from), limit: 2000, ascending: true, in: db) }
            if rows.isEmpty { break }
            for r in rows {
                let reason: String?
                if r.seq != expectedSeq {
                    reason = "record \(expectedSeq) is missing (the next record is \(r.seq))"
                } else if r.prevHash != previous {
                    reason = "record \(r.seq) does not link to the record before it"
                } else if AuditChain.hash(r) != r.hash, try await exact(r) == nil {
                    reason = "record \(r.seq) was changed after it was written (its hash does not match its content)"
                } else {
                    reason = nil
                }
                if let reason {
                    return Verification(ok: false, records: count, headSeq: nil, headHash: nil, brokenAt: min(r.seq, expectedSeq), reason: reason)
                }
                previous = r.hash
                expectedSeq += 1
                count += 1
            }
            after = rows.last!.seq
        }
        return Verification(
            ok: true, records: count, headSeq: count == 0 ? nil : expectedSeq - 1, headHash: count == 0 ? nil : previous, brokenAt: nil, reason: nil)
    }
}

extension AuditService {
    /// A record whose hash does not match its content as read, read again byte for byte, when
    /// that matches (SQLite: see `AuditRepository.exactRecord`); nil when it does not.
    func exact(_ record: AuditRecord) async throws -> AuditRecord? {
        let seq = record.seq
        guard let exact = try await store.read({ db in try await repository.exactRecord(seq: seq, in: db) }), AuditChain.hash(exact) == exact.hash
        else { return nil }
        return exact
    }
}

public struct AuditView: Codable, Sendable, Equatable {
    public var seq: Int64
    public var id: String
    public var at: String
    public var actor: String
    public var tenant: String?
    public var app: String?
    public var version: String?
    public var kind: String
    public var name: String
    public var decision: String
    public var status: String
    public var durationMs: Int64
    public var requestId: String?
    public var summary: String
    public var costMicros: Int64
    public var prevHash: String
    public var hash: String
    enum CodingKeys: String, CodingKey {
        case seq, id, at, actor, tenant, app, version, kind, name, decision, status, summary, hash
        case durationMs = "duration_ms", requestId = "request_id", costMicros = "cost_micros", prevHash = "prev_hash"
    }

    init(_ r: AuditRecord) {
        (seq, id, at, actor, tenant, app, version, kind, name) = (
            r.seq, r.id, Timestamp.iso(r.at), r.actor, r.tenant, r.app, r.version, r.kind, r.name
        )
        (decision, status, durationMs, requestId, summary, costMicros, prevHash, hash) = (
            r.decision, r.status, r.durationMs, r.requestId, r.summary, r.costMicros, r.prevHash, r.hash
        )
    }
}
