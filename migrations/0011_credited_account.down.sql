ALTER TABLE exceptions DROP CONSTRAINT exceptions_kind_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_kind_check CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid',
    'duplicate', 'cancelled_notice', 'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
    'settlement_short', 'late_event', 'invalid_input', 'remainder'));
ALTER TABLE payments DROP CONSTRAINT payments_credited_account_named;
ALTER TABLE payments DROP COLUMN credited_account;
ALTER TABLE payments DROP COLUMN credited_bin;
