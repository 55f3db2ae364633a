DROP TABLE IF EXISTS audit_cursors;
