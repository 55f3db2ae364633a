-- API keys of procedure systems and operators (package apikey): the public
-- id and the SHA-256 of the secret, never the secret. Keys are revoked,
-- never deleted, so an id in the audit log keeps naming its key.
CREATE TABLE api_keys (
    id          TEXT        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
    system      TEXT        NOT NULL CHECK (system ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
    role        TEXT        NOT NULL CHECK (role IN ('system', 'operator')),
    secret_hash BYTEA       NOT NULL CHECK (length(secret_hash) = 32),
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);
CREATE INDEX api_keys_active_system ON api_keys (system) WHERE revoked_at IS NULL AND role = 'system';

CREATE FUNCTION api_keys_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'api_keys: a key is revoked, never deleted';
    END IF;
    IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
       OR (NEW.id, NEW.system, NEW.role, NEW.secret_hash, NEW.created_at)
          IS DISTINCT FROM (OLD.id, OLD.system, OLD.role, OLD.secret_hash, OLD.created_at) THEN
        RAISE EXCEPTION 'api_keys: the one update is a revocation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER api_keys_guard BEFORE UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_guard();

-- The service's role (0004) reads keys for every request; `feerecon apikey`,
-- run as the same role like every command but migrate, inserts them and
-- sets revoked_at. Nothing else: no DELETE, no UPDATE of another column,
-- and, not owning the table, the role cannot disable the guard above.
GRANT SELECT, INSERT ON api_keys TO feerecon_service;
GRANT UPDATE (revoked_at) ON api_keys TO feerecon_service;
