-- Back to the unchained audit log. The role stays (it is the server's and
-- other databases may use it); its rights in this database go. The hashes
-- go too: the entries themselves are kept.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM feerecon_service;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM feerecon_service;
REVOKE ALL ON SCHEMA public FROM feerecon_service;

DROP INDEX IF EXISTS audit_log_at;
ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_hash_size,
    DROP CONSTRAINT audit_log_seq_positive,
    DROP COLUMN hash,
    DROP COLUMN prev_hash,
    DROP COLUMN canonical;
ALTER TABLE audit_log ALTER COLUMN detail DROP DEFAULT;
ALTER TABLE audit_log ALTER COLUMN detail TYPE JSONB USING detail::jsonb;
ALTER TABLE audit_log ALTER COLUMN detail SET DEFAULT '{}';
CREATE SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq_seq', coalesce(max(seq), 0) + 1, false) FROM audit_log;
ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq_seq');

DROP TRIGGER reports_no_truncate ON reports;
DROP TRIGGER audit_log_no_truncate ON audit_log;
