import SQLKit

/// The outbox as the mail drainer sees it: due mails with the slugs of who queued them, claims
/// that keep each mail to one sender, and the outcome of each attempt.
public struct MailOutboxRepository: Sendable {
    public init() {}

    /// A mail ready to send. `recipients` is the JSON array `mail_send` stored.
    public struct Mail: Decodable, Sendable, Equatable {
        public var id: String
        public var tenantSlug: String
        public var appSlug: String
        public var recipients: String
        public var subject: String
        public var body: String
        public var attempts: Int
        public var createdAt: Int64
    }

    /// States a mail moves through: `queued` → `sending` (claimed) → `sent`, back to `queued`
    /// to be tried again, or `failed`.
    public enum State: String, Sendable { case queued, sending, sent, failed }

    /// Claims up to `limit` mails that are due (or whose claim is older than `staleBefore`) and
    /// returns them. A claim is a conditional update, so two drainers never take the same mail.
    public func claimDue(now: Int64, staleBefore: Int64, limit: Int, in db: StoreHandle) async throws -> [Mail] {
        struct Candidate: Decodable { var id: String; var state: String; var claimedAt: Int64? }
        let candidates = try await db.select().columns("id", "state", "claimed_at").from("mail_outbox")
            .where {
                $0.where { $0.where("state", .equal, State.queued.rawValue).where("next_attempt_at", .lessThanOrEqual, now) }
                    .orWhere { $0.where("state", .equal, State.sending.rawValue).where("claimed_at", .lessThan, staleBefore) }
            }
            .orderBy("created_at").limit(limit).rows(Candidate.self)
        var claimed: [String] = []
        for candidate in candidates {
            var update = db.update("mail_outbox").set("state", to: State.sending.rawValue).set("claimed_at", to: now)
                .where("id", .equal, candidate.id).where("state", .equal, candidate.state)
            update = candidate.claimedAt.map { update.where("claimed_at", .equal, $0) } ?? update.where("claimed_at", .is, SQLLiteral.null)
            if try await !update.returning("id").all().isEmpty { claimed.append(candidate.id) }
        }
        guard !claimed.isEmpty else { return [] }
        return try await db.select()
            .column(SQLColumn("id", table: "mail_outbox")).column(SQLColumn("slug", table: "tenants"), as: "tenant_slug")
            .column(SQLColumn("slug", table: "apps"), as: "app_slug")
            .columns("recipients", "subject", "body", "attempts").column(SQLColumn("created_at", table: "mail_outbox"))
            .from("mail_outbox")
            .join("tenants", on: SQLColumn("tenant_id", table: "mail_outbox"), .equal, SQLColumn("id", table: "tenants"))
            .join("apps", on: SQLColumn("app_id", table: "mail_outbox"), .equal, SQLColumn("id", table: "apps"))
            .where(SQLColumn("id", table: "mail_outbox"), .in, SQLBind.group(claimed))
            .orderBy(SQLColumn("created_at", table: "mail_outbox")).rows(Mail.self)
    }

    /// Records one attempt's outcome. Only the claim this drainer holds is settled: a drainer
    /// whose claim was taken over (it was too slow) leaves the mail to the one that took it.
    @discardableResult
    public func settle(
        id: String, claimedAt: Int64, state: State, attempts: Int, nextAttemptAt: Int64, error: String?, sentAt: Int64?,
        in db: StoreHandle
    ) async throws -> Bool {
        try await !db.update("mail_outbox").set("state", to: state.rawValue).set("attempts", to: attempts).set("next_attempt_at", to: nextAttemptAt)
            .set("last_error", to: error).set("sent_at", to: sentAt).set("claimed_at", to: SQLLiteral.null)
            .where("id", .equal, id).where("state", .equal, State.sending.rawValue).where("claimed_at", .equal, claimedAt)
            .returning("id").all().isEmpty
    }

    /// A mail's delivery state (for operators and the tests).
    public struct Status: Decodable, Sendable, Equatable {
        public var id: String
        public var state: String
        public var attempts: Int
        public var lastError: String?
        public var sentAt: Int64?
        public var nextAttemptAt: Int64
    }

    public func status(id: String, in db: StoreHandle) async throws -> Status? {
        try await db.select().columns("id", "state", "attempts", "last_error", "sent_at", "next_attempt_at").from("mail_outbox").where(
            "id", .equal, id
        ).row(Status.self)
    }

    /// Counts of mails by state (the drainer's start-up notice; operators' dashboards).
    public func counts(in db: StoreHandle) async throws -> [String: Int] {
        struct Row: Decodable { var state: String; var n: Int }
        let rows = try await db.select().column("state").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("mail_outbox")
            .groupBy("state").all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.state, $0.n) })
    }
}
