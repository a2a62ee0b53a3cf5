/// Mail delivery: when a queued mail may next be tried, and when a sender claimed it (a claim
/// that grows old belongs to a sender that died, and is taken over).
enum Migration0004 {
    static let mailDelivery = Migration(
        id: 4, name: "mail_delivery",
        statements: [
            .both("ALTER TABLE mail_outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0"),
            .both("ALTER TABLE mail_outbox ADD COLUMN claimed_at BIGINT"),
        ])
}
