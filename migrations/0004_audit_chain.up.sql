-- The audit log becomes a hash chain (see store/audit.go for the canonical
-- bytes and the hash), TRUNCATE is refused like UPDATE and DELETE, and the
-- service gets a database role of its own that can add audit rows but
-- never change them.

-- Row triggers do not fire on TRUNCATE: a statement trigger refuses it.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER reports_no_truncate BEFORE TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- JSON, not JSONB: JSONB rewrites the bytes (key order, spaces), and the
-- chain hashes the detail exactly as it was given.
ALTER TABLE audit_log ALTER COLUMN detail TYPE JSON USING detail::text::json;
ALTER TABLE audit_log ALTER COLUMN detail SET DEFAULT '{}';
ALTER TABLE audit_log
    ADD COLUMN canonical BYTEA,
    ADD COLUMN prev_hash BYTEA,
    ADD COLUMN hash      BYTEA;

-- The entries written before the chain existed are chained here, in their
-- seq order: renumbered 1, 2, 3 … (a BIGSERIAL left holes where
-- transactions rolled back; the chain has none), their times raised so that
-- they never go backwards, each hashed exactly as store.AuditCanonical
-- would. This is the one change ever made to audit rows, by the owner,
-- with the append-only trigger off for this statement only.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
DO $$
DECLARE
    r      RECORD;
    n      BIGINT := 0;
    prev   BYTEA := '\x0000000000000000000000000000000000000000000000000000000000000000';
    prev_at TIMESTAMPTZ;
    t      TIMESTAMPTZ;
    canon  BYTEA;
BEGIN
    FOR r IN SELECT seq, at, actor, action, entity, detail::text AS detail FROM audit_log ORDER BY seq LOOP
        n := n + 1;
        t := greatest(date_trunc('microseconds', r.at), prev_at);
        canon := convert_to('feerecon-audit-v1' || E'\n'
            || 'seq=' || n || E'\n'
            || 'at=' || to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
            || 'actor=' || octet_length(convert_to(r.actor, 'UTF8')) || ':' || r.actor || E'\n'
            || 'action=' || octet_length(convert_to(r.action, 'UTF8')) || ':' || r.action || E'\n'
            || 'entity=' || octet_length(convert_to(r.entity, 'UTF8')) || ':' || r.entity || E'\n'
            || 'detail=' || octet_length(convert_to(r.detail, 'UTF8')) || ':' || r.detail || E'\n', 'UTF8');
        UPDATE audit_log SET seq = n, at = t, canonical = canon, prev_hash = prev, hash = sha256(prev || canon)
            WHERE seq = r.seq;
        prev := sha256(prev || canon);
        prev_at := t;
    END LOOP;
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;

-- From now on the store assigns seq = head + 1 under the chain's lock
-- (an advisory transaction lock): no sequence.
ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE audit_log_seq_seq;
ALTER TABLE audit_log
    ALTER COLUMN canonical SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_log_seq_positive CHECK (seq >= 1),
    ADD CONSTRAINT audit_log_hash_size CHECK (octet_length(prev_hash) = 32 AND octet_length(hash) = 32);
-- The head at an instant (the daily report's cut-off): times never go
-- backwards along the chain.
CREATE INDEX audit_log_at ON audit_log (at, seq);

-- The service's role. Roles are the server's, not the database's: it may
-- exist already (another database of the same server created it), and two
-- databases migrated at once may both try to create it. NOLOGIN here: the
-- operator gives it LOGIN and a password (README, "Database roles").
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'feerecon_service') THEN
        CREATE ROLE feerecon_service NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created meanwhile by a concurrent migration
END $$;

-- Its rights in this database: what the service reads and writes, and for
-- the append-only tables SELECT and INSERT only (no UPDATE, DELETE,
-- TRUNCATE; not being their owner, it cannot disable their triggers).
GRANT USAGE ON SCHEMA public TO feerecon_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON notices, notice_items, payments, allocations, payment_refs,
    exceptions, outbox, statements, statement_lines TO feerecon_service;
GRANT SELECT, INSERT ON reports, audit_log TO feerecon_service;
GRANT USAGE ON SEQUENCE payment_code_serial TO feerecon_service;
-- Open checks the schema version.
GRANT SELECT ON schema_migrations TO feerecon_service;
