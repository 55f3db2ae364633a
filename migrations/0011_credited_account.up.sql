-- Collection accounts (issue 11 §1): every payment records the account it
-- was credited to, as its gateway names it (payment.CreditedAccount): a
-- bank's BIN ('' when the gateway does not state it) and account number,
-- or a wallet's gateway name and merchant / terminal id. '' and '' is
-- unknown; a BIN never stands without an account.
ALTER TABLE payments ADD COLUMN credited_bin TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN credited_account TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD CONSTRAINT payments_credited_account_named CHECK (credited_bin = '' OR credited_account <> '');

-- A payment credited to an account that is not a collection account of
-- its notice's agency is a wrong_account exception.
ALTER TABLE exceptions DROP CONSTRAINT exceptions_kind_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_kind_check CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid',
    'duplicate', 'cancelled_notice', 'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
    'settlement_short', 'late_event', 'invalid_input', 'remainder', 'wrong_account'));
