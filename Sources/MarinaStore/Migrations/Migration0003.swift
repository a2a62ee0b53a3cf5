/// The trust boundary and the vault: the hash-chained audit log, envelope-encrypted secrets, app
/// token revocation, and the data behind the kv, files and mail platform tools.
enum Migration0003 {
    static let trust = Migration(
        id: 3, name: "audit_vault_platform_tools",
        statements: [
            .both(
                """
                CREATE TABLE audit_records (
                    seq BIGINT PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    tenant TEXT,
                    app TEXT,
                    version TEXT,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    decision TEXT NOT NULL,
                    status TEXT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    request_id TEXT,
                    summary TEXT NOT NULL,
                    cost_micros BIGINT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """),
            .both("CREATE INDEX audit_records_tenant ON audit_records (tenant, seq)"),
            .sqlite(
                "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END"
            ),
            .sqlite(
                "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END"
            ),
            .postgres(
                "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records FOR EACH ROW EXECUTE FUNCTION marina_refuse_change()"
            ),
            // A data key per scope ("tenant:<id>" or "defaults"), wrapped by the master key. Several
            // generations exist while a rotation re-encrypts values; the newest active one encrypts.
            .both(
                """
                CREATE TABLE data_keys (
                    id TEXT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    generation BIGINT NOT NULL,
                    wrapped TEXT NOT NULL,
                    master_key_id TEXT NOT NULL,
                    state TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    UNIQUE (owner, generation)
                )
                """),
            .both(
                """
                CREATE TABLE secrets (
                    id TEXT PRIMARY KEY,
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    tenant_id TEXT REFERENCES tenants(id),
                    key_name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    key_version BIGINT NOT NULL,
                    data_key_id TEXT NOT NULL REFERENCES data_keys(id),
                    nonce TEXT NOT NULL,
                    ciphertext TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """),
            .both("CREATE UNIQUE INDEX secrets_default_unique ON secrets (app_id, key_name) WHERE tenant_id IS NULL"),
            .both("CREATE UNIQUE INDEX secrets_override_unique ON secrets (app_id, tenant_id, key_name) WHERE tenant_id IS NOT NULL"),
            .both("CREATE INDEX secrets_data_key ON secrets (data_key_id)"),
            // Raising the generation revokes every app token minted before.
            .both("ALTER TABLE installs ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0"),
            .both(
                """
                CREATE TABLE kv_entries (
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    expires_at BIGINT,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (tenant_id, app_id, key)
                )
                """),
            .both(
                """
                CREATE TABLE tenant_files (
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    path TEXT NOT NULL,
                    content TEXT NOT NULL,
                    size BIGINT NOT NULL,
                    written_by_app TEXT NOT NULL,
                    modified_at BIGINT NOT NULL,
                    PRIMARY KEY (tenant_id, path)
                )
                """),
            .both(
                """
                CREATE TABLE mail_outbox (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    recipients TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT
                )
                """),
            .both("CREATE INDEX mail_outbox_state ON mail_outbox (state, created_at)"),
        ])
}
