ALTER TABLE exceptions DROP CONSTRAINT exceptions_kind_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_kind_check CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid',
    'duplicate', 'cancelled_notice', 'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
    'settlement_short', 'late_event', 'invalid_input', 'remainder', 'wrong_account'));
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'report', 'confirmation_kafka', 'report_kafka'));
REVOKE DELETE ON payment_awaits FROM feerecon_service;
DROP INDEX payments_txn_id;
DROP INDEX payments_bank_ref;
DROP TABLE reversals;
