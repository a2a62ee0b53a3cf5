/// Installs, install attempts, event deliveries and token signing keys.
enum Migration0002 {
    static let runtime = Migration(
        id: 2, name: "installs",
        statements: [
            .both(
                """
                CREATE TABLE installs (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    version_id TEXT NOT NULL REFERENCES versions(id),
                    state TEXT NOT NULL,
                    policy TEXT NOT NULL,
                    granted_scopes TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    needs_consent BOOLEAN NOT NULL DEFAULT FALSE,
                    failure TEXT,
                    created_by TEXT NOT NULL REFERENCES identities(id),
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    purge_after BIGINT
                )
                """),
            // One active install per (tenant, app), enforced by the database even under races.
            .both("CREATE UNIQUE INDEX installs_one_active ON installs (tenant_id, app_id) WHERE state <> 'uninstalled'"),
            .both(
                """
                CREATE TABLE install_attempts (
                    id TEXT PRIMARY KEY,
                    install_id TEXT NOT NULL REFERENCES installs(id),
                    kind TEXT NOT NULL,
                    state TEXT NOT NULL,
                    started_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    error TEXT
                )
                """),
            .both("CREATE INDEX install_attempts_open ON install_attempts (state, started_at)"),
            .both(
                """
                CREATE TABLE event_deliveries (
                    id TEXT PRIMARY KEY,
                    install_id TEXT NOT NULL REFERENCES installs(id),
                    version_id TEXT NOT NULL REFERENCES versions(id),
                    type TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    delivered_at BIGINT
                )
                """),
            .both("CREATE INDEX event_deliveries_due ON event_deliveries (state, next_attempt_at)"),
            .both(
                """
                CREATE TABLE signing_keys (
                    kid TEXT PRIMARY KEY,
                    algorithm TEXT NOT NULL,
                    public_key TEXT NOT NULL,
                    private_key TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    retired_at BIGINT
                )
                """),
        ])
}
