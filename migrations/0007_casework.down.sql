DROP TABLE action_requests;
DROP INDEX notices_id;
ALTER TABLE allocations DROP CONSTRAINT allocations_approver_not_maker;
ALTER TABLE allocations DROP CONSTRAINT allocations_engine_anonymous;
ALTER TABLE allocations DROP CONSTRAINT allocations_manual_named;
ALTER TABLE allocations DROP COLUMN reason, DROP COLUMN approved_by, DROP COLUMN decided_by;
DROP INDEX exceptions_assigned;
ALTER TABLE exceptions DROP COLUMN assigned_to;
ALTER TABLE exceptions DROP CONSTRAINT exceptions_closed_when_resolved;
ALTER TABLE exceptions DROP CONSTRAINT exceptions_status_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_status_check CHECK (status IN ('open', 'resolved'));
ALTER TABLE exceptions ADD CONSTRAINT exceptions_check CHECK ((status = 'resolved') = (resolved_at IS NOT NULL));
ALTER TABLE exceptions DROP CONSTRAINT exceptions_kind_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_kind_check CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid',
    'duplicate', 'cancelled_notice', 'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
    'settlement_short', 'late_event', 'invalid_input'));
