-- Reversals of earlier credits (issue 11 §2): a bank's reversal entry
-- (camt RvslInd) or a wallet's refund notification, stored once per
-- gateway transaction (a redelivery is nothing new). payment_id is the
-- original payment once found; NULL for a reversal of an unknown payment,
-- kept with an unknown_reversal exception. A payment is reversed at most
-- once.
CREATE TABLE reversals (
    id            TEXT        PRIMARY KEY,
    gateway       TEXT        NOT NULL CHECK (gateway IN ('vietqr', 'camt054', 'vnpay', 'momo', 'zalopay')),
    txn_id        TEXT        NOT NULL CHECK (txn_id <> ''),
    original_refs TEXT[]      NOT NULL DEFAULT '{}',
    payment_id    TEXT        UNIQUE REFERENCES payments (id),
    amount        NUMERIC     NOT NULL CHECK (amount > 0),
    currency      CHAR(3)     NOT NULL,
    reversed_at   TIMESTAMPTZ NOT NULL,
    description   TEXT        NOT NULL DEFAULT '',
    raw_ref       TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (gateway, txn_id),
    CHECK (id = gateway || ':' || txn_id)
);
CREATE INDEX reversals_reversed_at ON reversals (reversed_at, id);
-- The original is found by its txn id or bank ref (ingest.Processor.Reverse).
CREATE INDEX payments_bank_ref ON payments (bank_ref) WHERE bank_ref <> '';
CREATE INDEX payments_txn_id ON payments (txn_id);
GRANT SELECT, INSERT ON reversals TO feerecon_service;
-- A reversal stored before its payment names it when the payment comes.
GRANT UPDATE (payment_id) ON reversals TO feerecon_service;
-- A reversed payment waits for no notice (store.Reversals.UnlinkPayment):
-- its awaited references go, the one deletion from payment_awaits.
GRANT DELETE ON payment_awaits TO feerecon_service;

-- payment.reversed messages to the procedure system: webhook and Kafka.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'report', 'confirmation_kafka', 'report_kafka', 'reversal', 'reversal_kafka'));

-- A reversal whose original payment is not found.
ALTER TABLE exceptions DROP CONSTRAINT exceptions_kind_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_kind_check CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid',
    'duplicate', 'cancelled_notice', 'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
    'settlement_short', 'late_event', 'invalid_input', 'remainder', 'wrong_account', 'unknown_reversal'));
