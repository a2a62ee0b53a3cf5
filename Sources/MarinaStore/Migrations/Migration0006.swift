/// Finds expired kv entries for the purge without scanning the table.
enum Migration0006 {
    static let kvExpiry = Migration(
        id: 6, name: "kv_expiry",
        statements: [
            .both("CREATE INDEX kv_entries_expiry ON kv_entries (expires_at) WHERE expires_at IS NOT NULL")
        ])
}
