DROP INDEX IF EXISTS audit_log_action;
DROP INDEX IF EXISTS audit_log_actor;
ALTER TABLE notices DROP COLUMN IF EXISTS payer_key;
