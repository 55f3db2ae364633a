-- People: treasury accountants, approvers, auditors, administrators
-- (package user), and their sessions, kept by the SHA-256 of the token.
CREATE TABLE users (
    login          TEXT PRIMARY KEY CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'accountant', 'approver', 'auditor')),
    agencies       TEXT[] NOT NULL DEFAULT '{}',
    password_hash  TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled       BOOLEAN NOT NULL DEFAULT false,
    failed_logins  INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CHECK (role IN ('admin', 'auditor') OR cardinality(agencies) > 0)
);

CREATE TABLE sessions (
    token_hash  BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    login       TEXT NOT NULL REFERENCES users (login) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);

-- The service's role (migration 0004) reads and writes accounts and
-- sessions.
GRANT SELECT, INSERT, UPDATE, DELETE ON users, sessions TO feerecon_service;
