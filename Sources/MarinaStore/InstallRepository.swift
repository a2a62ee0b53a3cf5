import MarinaCore
import SQLKit

/// Installs, their attempts, the event delivery queue, and signing keys.
public struct InstallRepository: Sendable {
    public init() {}

    public func insert(_ install: InstallRecord, in db: StoreHandle) async throws {
        do {
            try await db.insert(install, into: "installs")
        } catch  where StoreError.isUniqueViolation(error) {
            throw StoreError.conflict("the app is already installed in this tenant")
        }
    }

    public func active(tenantId: String, appId: String, in db: StoreHandle) async throws -> InstallRecord? {
        try await db.select().column("*").from("installs").where("tenant_id", .equal, tenantId).where("app_id", .equal, appId)
            .where("state", .notEqual, InstallState.uninstalled.rawValue).row(InstallRecord.self)
    }

    public func install(id: String, in db: StoreHandle) async throws -> InstallRecord? {
        try await db.select().column("*").from("installs").where("id", .equal, id).row(InstallRecord.self)
    }

    public func installs(tenantId: String? = nil, appId: String? = nil, in db: StoreHandle) async throws -> [InstallRecord] {
        var query = db.select().column("*").from("installs").where("state", .notEqual, InstallState.uninstalled.rawValue)
        if let tenantId { query = query.where("tenant_id", .equal, tenantId) }
        if let appId { query = query.where("app_id", .equal, appId) }
        return try await query.orderBy("created_at").rows(InstallRecord.self)
    }

    public func uninstalledDue(before time: Int64, in db: StoreHandle) async throws -> [InstallRecord] {
        try await db.select().column("*").from("installs").where("state", .equal, InstallState.uninstalled.rawValue).where(
            "purge_after", .lessThanOrEqual, time
        ).rows(InstallRecord.self)
    }

    public func update(_ install: InstallRecord, in db: StoreHandle) async throws {
        try await db.update("installs")
            .set("version_id", to: install.versionId).set("state", to: install.state).set("policy", to: install.policy)
            .set("granted_scopes", to: install.grantedScopes).set("settings", to: install.settings).set("needs_consent", to: install.needsConsent)
            .set("failure", to: install.failure).set("updated_at", to: install.updatedAt).set("purge_after", to: install.purgeAfter)
            .set("token_generation", to: install.tokenGeneration)
            .where("id", .equal, install.id).run()
    }

    public func insert(_ attempt: InstallAttemptRecord, in db: StoreHandle) async throws {
        try await db.insert(attempt, into: "install_attempts")
    }

    public func finish(attemptId: String, state: String, error: String?, at time: Int64, in db: StoreHandle) async throws {
        try await db.update("install_attempts").set("state", to: state).set("error", to: error).set("finished_at", to: time)
            .where("id", .equal, attemptId).where("state", .equal, "started").run()
    }

    /// Attempts still `started` that began before `time` — left half-way by a crash.
    public func staleAttempts(startedBefore time: Int64, in db: StoreHandle) async throws -> [InstallAttemptRecord] {
        try await db.select().column("*").from("install_attempts").where("state", .equal, "started").where("started_at", .lessThan, time).rows(
            InstallAttemptRecord.self)
    }

    public func insert(_ delivery: EventDeliveryRecord, in db: StoreHandle) async throws {
        try await db.insert(delivery, into: "event_deliveries")
    }

    public func delivery(id: String, in db: StoreHandle) async throws -> EventDeliveryRecord? {
        try await db.select().column("*").from("event_deliveries").where("id", .equal, id).row(EventDeliveryRecord.self)
    }

    public func deliveries(installId: String, in db: StoreHandle) async throws -> [EventDeliveryRecord] {
        try await db.select().column("*").from("event_deliveries").where("install_id", .equal, installId).orderBy("created_at").rows(
            EventDeliveryRecord.self)
    }

    /// Claims up to `limit` due deliveries: each is leased until `leaseUntil` (another worker or
    /// replica skips it meanwhile) and its attempt counted. An `UPDATE … WHERE` per row makes the
    /// claim safe on both databases without `SKIP LOCKED`.
    public func claimDue(now: Int64, leaseUntil: Int64, limit: Int, in db: StoreHandle) async throws -> [EventDeliveryRecord] {
        let due = try await db.select().column("*").from("event_deliveries").where("state", .equal, EventDeliveryState.pending.rawValue).where(
            "next_attempt_at", .lessThanOrEqual, now
        )
        .orderBy("next_attempt_at").limit(limit).rows(EventDeliveryRecord.self)
        var claimed: [EventDeliveryRecord] = []
        for d in due {
            let rows = try await db.update("event_deliveries").set("next_attempt_at", to: leaseUntil).set("attempts", to: d.attempts + 1)
                .where("id", .equal, d.id).where("state", .equal, EventDeliveryState.pending.rawValue).where(
                    "next_attempt_at", .equal, d.nextAttemptAt
                )
                .returning("id").all()
            if !rows.isEmpty {
                var c = d
                c.attempts += 1
                c.nextAttemptAt = leaseUntil
                claimed.append(c)
            }
        }
        return claimed
    }

    /// Claims one pending delivery (its attempt counted, its next attempt moved to `leaseUntil`),
    /// unless another worker claimed it first; the claimed row, or nil.
    public func claimDelivery(id: String, leaseUntil: Int64, in db: StoreHandle) async throws -> EventDeliveryRecord? {
        guard var delivery = try await delivery(id: id, in: db), delivery.state == .pending else { return nil }
        let rows = try await db.update("event_deliveries").set("attempts", to: delivery.attempts + 1).set("next_attempt_at", to: leaseUntil)
            .where("id", .equal, id).where("next_attempt_at", .equal, delivery.nextAttemptAt).returning("id").all()
        guard !rows.isEmpty else { return nil }
        delivery.attempts += 1
        return delivery
    }

    public func finishDelivery(
        id: String, state: EventDeliveryState, nextAttemptAt: Int64, error: String?, deliveredAt: Int64?, in db: StoreHandle
    ) async throws {
        try await db.update("event_deliveries").set("state", to: state.rawValue).set("next_attempt_at", to: nextAttemptAt).set(
            "last_error", to: error
        )
        .set("delivered_at", to: deliveredAt).where("id", .equal, id).run()
    }

    /// Deletes the event deliveries of an install (their payloads hold its settings); returns how many.
    public func deleteDeliveries(installId: String, in db: StoreHandle) async throws -> Int {
        try await db.delete(from: "event_deliveries").where("install_id", .equal, installId).returning("id").all().count
    }

    public func insert(_ key: SigningKeyRecord, in db: StoreHandle) async throws {
        try await db.insert(key, into: "signing_keys")
    }

    public func signingKeys(in db: StoreHandle) async throws -> [SigningKeyRecord] {
        try await db.select().column("*").from("signing_keys").orderBy("created_at").rows(SigningKeyRecord.self)
    }
}
