-- palmgrid schema 1 (SQLite). Ids are UUID text, times are Unix milliseconds (INTEGER).
-- postgres/0001_init.sql is the same schema in PostgreSQL types; keep them in step.

CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id TEXT REFERENCES regions(id),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    totp_secret BLOB,
    totp_enabled BOOLEAN NOT NULL DEFAULT 0,
    totp_last_step INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_ms INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    region_id TEXT REFERENCES regions(id),
    created_ms INTEGER NOT NULL
);
CREATE INDEX memberships_user ON memberships(user_id);
CREATE INDEX memberships_region ON memberships(region_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    idle_timeout_ms INTEGER NOT NULL,
    mfa_ok BOOLEAN NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX login_failures_user_ts ON login_failures(username, ts_ms);

CREATE TABLE lockouts (
    username TEXT PRIMARY KEY,
    until_ms INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    result TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log(ts_ms);

-- The audit log is append-only for every route of the application. These triggers make
-- an accidental UPDATE or DELETE fail too; a person with raw database access can drop
-- them, which is what the hash chain and signed checkpoints are for.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    signature TEXT NOT NULL,
    public_key TEXT NOT NULL
);
