-- Casework (issue 10): how accountants close exceptions, manual
-- allocations kept with who and why, and maker–checker requests.

-- Exceptions close in four ways; remainder is the part of a payment left
-- over by a manual allocation; an exception may be assigned to someone.
ALTER TABLE exceptions DROP CONSTRAINT exceptions_kind_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_kind_check CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid',
    'duplicate', 'cancelled_notice', 'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
    'settlement_short', 'late_event', 'invalid_input', 'remainder'));
ALTER TABLE exceptions DROP CONSTRAINT exceptions_status_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_status_check
    CHECK (status IN ('open', 'resolved', 'allocated', 'refund', 'written_off'));
ALTER TABLE exceptions DROP CONSTRAINT exceptions_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_closed_when_resolved CHECK ((status <> 'open') = (resolved_at IS NOT NULL));
ALTER TABLE exceptions ADD COLUMN assigned_to TEXT NOT NULL DEFAULT '';
CREATE INDEX exceptions_assigned ON exceptions (assigned_to) WHERE assigned_to <> '';

-- A manual allocation names who made it and why, and only a manual one
-- does; its approver (maker–checker) is never its maker.
ALTER TABLE allocations ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD CONSTRAINT allocations_manual_named
    CHECK ((rule = 'manual') = (btrim(decided_by) <> '' AND btrim(reason) <> ''));
ALTER TABLE allocations ADD CONSTRAINT allocations_engine_anonymous
    CHECK (rule = 'manual' OR (decided_by = '' AND approved_by = '' AND reason = ''));
ALTER TABLE allocations ADD CONSTRAINT allocations_approver_not_maker CHECK (approved_by = '' OR approved_by <> decided_by);

-- An exception's candidates name notices by id (of any system).
CREATE INDEX notices_id ON notices (id);

-- Maker–checker: an action that waits for an approver. Nobody decides
-- their own request; one pending request per exception. The exception is
-- not a foreign key: a re-decision may replace an open exception by one
-- of the same id (or by none); the approval checks it is still there.
CREATE TABLE action_requests (
    id              TEXT        PRIMARY KEY CHECK (id <> ''),
    exception_id    TEXT        NOT NULL CHECK (exception_id <> ''),
    action          TEXT        NOT NULL CHECK (action IN ('allocate', 'refund', 'write_off', 'reopen')),
    body            JSONB       NOT NULL,
    amount          NUMERIC     NOT NULL CHECK (amount >= 0),
    currency        CHAR(3)     NOT NULL,
    reason          TEXT        NOT NULL CHECK (btrim(reason) <> ''),
    maker           TEXT        NOT NULL REFERENCES users (login),
    created_at      TIMESTAMPTZ NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    checker         TEXT        REFERENCES users (login),
    decided_at      TIMESTAMPTZ,
    decision_reason TEXT        NOT NULL DEFAULT '',
    CONSTRAINT action_requests_decided CHECK ((state = 'pending') = (checker IS NULL) AND (checker IS NULL) = (decided_at IS NULL)),
    CONSTRAINT action_requests_checker_not_maker CHECK (checker IS NULL OR checker <> maker),
    CONSTRAINT action_requests_rejection_reason CHECK (state <> 'rejected' OR btrim(decision_reason) <> '')
);
CREATE UNIQUE INDEX action_requests_one_pending ON action_requests (exception_id) WHERE state = 'pending';
CREATE INDEX action_requests_state ON action_requests (state, created_at);

GRANT SELECT, INSERT, UPDATE ON action_requests TO feerecon_service;
