/// Tenants, identities and API keys, apps, immutable versions, channels and their history,
/// platform facts.
enum Migration0001 {
    static let registry = Migration(
        id: 1, name: "registry",
        statements: [
            .both(
                """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    staging BOOLEAN NOT NULL DEFAULT FALSE,
                    created_at BIGINT NOT NULL
                )
                """),
            .both(
                """
                CREATE TABLE identities (
                    id TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    name TEXT NOT NULL,
                    tenant_id TEXT REFERENCES tenants(id),
                    created_by TEXT,
                    created_at BIGINT NOT NULL
                )
                """),
            .both(
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    identity_id TEXT NOT NULL REFERENCES identities(id),
                    name TEXT NOT NULL,
                    hint TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT,
                    revoked_at BIGINT
                )
                """),
            .both("CREATE INDEX api_keys_identity ON api_keys (identity_id)"),
            .both(
                """
                CREATE TABLE apps (
                    id TEXT PRIMARY KEY,
                    slug TEXT NOT NULL UNIQUE,
                    owner_id TEXT NOT NULL REFERENCES identities(id),
                    created_at BIGINT NOT NULL
                )
                """),
            .both(
                """
                CREATE TABLE versions (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    version TEXT NOT NULL,
                    manifest_json TEXT NOT NULL,
                    manifest_hash TEXT NOT NULL,
                    manifest_format TEXT NOT NULL,
                    bundle_hash TEXT NOT NULL,
                    bundle_size BIGINT NOT NULL,
                    publisher_id TEXT NOT NULL REFERENCES identities(id),
                    published_at BIGINT NOT NULL,
                    UNIQUE (app_id, version)
                )
                """),
            .both(
                """
                CREATE TABLE channels (
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    channel TEXT NOT NULL,
                    version_id TEXT NOT NULL REFERENCES versions(id),
                    moved_by TEXT NOT NULL REFERENCES identities(id),
                    moved_at BIGINT NOT NULL,
                    PRIMARY KEY (app_id, channel)
                )
                """),
            .both(
                """
                CREATE TABLE channel_moves (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    channel TEXT NOT NULL,
                    from_version_id TEXT REFERENCES versions(id),
                    to_version_id TEXT NOT NULL REFERENCES versions(id),
                    actor_id TEXT NOT NULL REFERENCES identities(id),
                    moved_at BIGINT NOT NULL
                )
                """),
            .both("CREATE INDEX channel_moves_app ON channel_moves (app_id, moved_at)"),
            // One-time facts about the platform (e.g. that the first admin was created), written once.
            .both("CREATE TABLE platform_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL, recorded_at BIGINT NOT NULL)"),
            // Versions and the history of channel moves have no update path at all.
            .sqlite("CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END"),
            .sqlite("CREATE TRIGGER versions_undeletable BEFORE DELETE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END"),
            .sqlite(
                "CREATE TRIGGER channel_moves_append_only BEFORE UPDATE ON channel_moves BEGIN SELECT RAISE(ABORT, 'channel history is append-only'); END"
            ),
            .postgres(
                """
                CREATE FUNCTION marina_refuse_change() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
                END;
                $$ LANGUAGE plpgsql
                """),
            .postgres("CREATE TRIGGER versions_immutable BEFORE UPDATE OR DELETE ON versions FOR EACH ROW EXECUTE FUNCTION marina_refuse_change()"),
            .postgres("CREATE TRIGGER channel_moves_append_only BEFORE UPDATE ON channel_moves FOR EACH ROW EXECUTE FUNCTION marina_refuse_change()"),
        ])
}
