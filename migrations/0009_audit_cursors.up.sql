-- A reader's place in the audit log, by the reader's name (issue 11): the
-- daily scheduler's is the seq of the last entry whose changes to reported
-- days it has re-run (store.AuditCursors). A cursor never moves back.
CREATE TABLE audit_cursors (
    name TEXT   PRIMARY KEY CHECK (name <> ''),
    seq  BIGINT NOT NULL CHECK (seq >= 0)
);

GRANT SELECT, INSERT, UPDATE ON audit_cursors TO feerecon_service;
