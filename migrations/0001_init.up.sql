-- feerecon schema, version 1.

-- Payment-code serials: a sequence never hands out a value twice, even when
-- the transaction that took it rolls back.
CREATE SEQUENCE payment_code_serial START 1 MINVALUE 1 MAXVALUE 9999999999 NO CYCLE;

CREATE TABLE notices (
    system           TEXT        NOT NULL CHECK (system <> ''),
    id               TEXT        NOT NULL CHECK (id <> ''),
    version          INTEGER     NOT NULL CHECK (version >= 1),
    dossier_code     TEXT        NOT NULL,
    -- The comparison key of reconcile.DossierKey: no separators, upper case,
    -- O read as 0 and I/L as 1 (OCR and typing confusions).
    dossier_key      TEXT        GENERATED ALWAYS AS (translate(upper(regexp_replace(dossier_code, '[^A-Za-z0-9]', '', 'g')), 'OIL', '011')) STORED,
    payment_code     TEXT        NOT NULL UNIQUE CHECK (payment_code ~ '^[A-Z]{2,4}[0-9]{12}$'),
    agency_code      TEXT        NOT NULL CHECK (agency_code <> ''),
    payer_name       TEXT        NOT NULL DEFAULT '',
    amount           NUMERIC     NOT NULL CHECK (amount > 0),
    currency         CHAR(3)     NOT NULL,
    issued_at        TIMESTAMPTZ NOT NULL,
    due_at           TIMESTAMPTZ,
    treasury_account TEXT        NOT NULL DEFAULT '',
    status           TEXT        NOT NULL CHECK (status IN ('issued', 'partially_paid', 'paid', 'overpaid', 'cancelled', 'expired')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (system, id),
    CHECK (currency = 'VND' AND amount = trunc(amount)),
    CHECK (due_at IS NULL OR due_at >= issued_at)
);
CREATE INDEX notices_dossier_key ON notices (dossier_key);
CREATE INDEX notices_open_amount ON notices (amount, issued_at) WHERE status IN ('issued', 'partially_paid');
CREATE INDEX notices_issued_at ON notices (issued_at);

CREATE TABLE notice_items (
    system         TEXT    NOT NULL,
    notice_id      TEXT    NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 0),
    fee_type       TEXT    NOT NULL DEFAULT '',
    kind           TEXT    NOT NULL DEFAULT '' CHECK (kind IN ('', 'phi', 'le_phi')),
    amount         NUMERIC NOT NULL CHECK (amount >= 0),
    currency       CHAR(3) NOT NULL,
    budget_chapter TEXT    NOT NULL DEFAULT '',
    budget_subitem TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (system, notice_id, seq),
    FOREIGN KEY (system, notice_id) REFERENCES notices (system, id)
);

CREATE TABLE payments (
    id            TEXT        PRIMARY KEY,
    gateway       TEXT        NOT NULL CHECK (gateway IN ('vietqr', 'camt054', 'vnpay', 'momo', 'zalopay')),
    txn_id        TEXT        NOT NULL CHECK (txn_id <> ''),
    amount        NUMERIC     NOT NULL CHECK (amount > 0),
    currency      CHAR(3)     NOT NULL,
    paid_at       TIMESTAMPTZ NOT NULL,
    payer_name    TEXT        NOT NULL DEFAULT '',
    payer_account TEXT        NOT NULL DEFAULT '',
    description   TEXT        NOT NULL DEFAULT '',
    bank_ref      TEXT        NOT NULL DEFAULT '',
    raw_ref       TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The idempotency key: a redelivered gateway transaction is not a second payment.
    UNIQUE (gateway, txn_id),
    CHECK (id = gateway || ':' || txn_id)
);
CREATE INDEX payments_paid_at ON payments (paid_at, id);

CREATE TABLE allocations (
    payment_id    TEXT        NOT NULL REFERENCES payments (id),
    notice_system TEXT        NOT NULL,
    notice_id     TEXT        NOT NULL,
    payment_code  TEXT        NOT NULL DEFAULT '',
    amount        NUMERIC     NOT NULL CHECK (amount > 0),
    currency      CHAR(3)     NOT NULL,
    rule          TEXT        NOT NULL CHECK (rule <> ''),
    evidence      TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, notice_system, notice_id),
    FOREIGN KEY (notice_system, notice_id) REFERENCES notices (system, id)
);
CREATE INDEX allocations_notice ON allocations (notice_system, notice_id);

-- No payment is ever allocated beyond its amount, nor in another currency.
-- Checked at the end of each statement, so the insert that would overdraw
-- the payment is the one that fails.
CREATE FUNCTION allocations_within_payment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total NUMERIC;
    p payments%ROWTYPE;
BEGIN
    SELECT * INTO p FROM payments WHERE id = NEW.payment_id;
    IF NEW.currency <> p.currency THEN
        RAISE EXCEPTION 'allocation currency % differs from payment % currency %', NEW.currency, p.id, p.currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT coalesce(sum(amount), 0) INTO total FROM allocations WHERE payment_id = NEW.payment_id;
    IF total > p.amount THEN
        RAISE EXCEPTION 'allocations of payment % sum to %, more than its amount %', p.id, total, p.amount
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER allocations_within_payment
    AFTER INSERT OR UPDATE ON allocations NOT DEFERRABLE
    FOR EACH ROW EXECUTE FUNCTION allocations_within_payment();

-- Which notices a payment's description referenced, so that a notice's
-- payments can be re-decided together in canonical order.
CREATE TABLE payment_refs (
    payment_id    TEXT NOT NULL REFERENCES payments (id),
    notice_system TEXT NOT NULL,
    notice_id     TEXT NOT NULL,
    PRIMARY KEY (payment_id, notice_system, notice_id),
    FOREIGN KEY (notice_system, notice_id) REFERENCES notices (system, id)
);
CREATE INDEX payment_refs_notice ON payment_refs (notice_system, notice_id);

CREATE TABLE exceptions (
    id            TEXT        PRIMARY KEY,
    kind          TEXT        NOT NULL CHECK (kind IN ('unmatched', 'ambiguous', 'overpaid', 'duplicate', 'cancelled_notice',
                                                        'currency_mismatch', 'missing_event', 'missing_credit', 'amount_mismatch',
                                                        'settlement_short', 'late_event', 'invalid_input')),
    payment_id    TEXT        REFERENCES payments (id),
    statement_ref TEXT        NOT NULL DEFAULT '',
    notice_id     TEXT        NOT NULL DEFAULT '',
    amount        NUMERIC     NOT NULL CHECK (amount >= 0),
    currency      CHAR(3)     NOT NULL,
    candidates    TEXT[]      NOT NULL DEFAULT '{}',
    evidence      TEXT        NOT NULL DEFAULT '',
    status        TEXT        NOT NULL CHECK (status IN ('open', 'resolved')),
    created_at    TIMESTAMPTZ NOT NULL,
    resolution    TEXT        NOT NULL DEFAULT '',
    resolved_by   TEXT        NOT NULL DEFAULT '',
    resolved_at   TIMESTAMPTZ,
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX exceptions_payment ON exceptions (payment_id);
CREATE INDEX exceptions_status_kind ON exceptions (status, kind);

CREATE TABLE outbox (
    id              TEXT        PRIMARY KEY,
    kind            TEXT        NOT NULL CHECK (kind IN ('confirmation', 'report')),
    destination     TEXT        NOT NULL,
    payload         BYTEA       NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (kind, next_attempt_at) WHERE state = 'pending';

CREATE TABLE reports (
    id            TEXT        PRIMARY KEY,
    business_date DATE        NOT NULL,
    agency        TEXT        NOT NULL,
    version       INTEGER     NOT NULL CHECK (version >= 1),
    sha256        CHAR(64)    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    body          BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (business_date, agency, version)
);

CREATE TABLE statements (
    id          TEXT        PRIMARY KEY,
    source      TEXT        NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE statement_lines (
    statement_id  TEXT    NOT NULL REFERENCES statements (id),
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    source        TEXT    NOT NULL,
    account       TEXT    NOT NULL DEFAULT '',
    ref           TEXT    NOT NULL DEFAULT '',
    end_to_end_id TEXT    NOT NULL DEFAULT '',
    credit        BOOLEAN NOT NULL,
    amount        NUMERIC NOT NULL CHECK (amount >= 0),
    currency      CHAR(3) NOT NULL,
    fee           NUMERIC NOT NULL DEFAULT 0 CHECK (fee >= 0),
    fee_currency  CHAR(3) NOT NULL DEFAULT '',
    booking_date  DATE    NOT NULL,
    value_date    DATE,
    text          TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (statement_id, seq)
);
CREATE INDEX statement_lines_booking ON statement_lines (booking_date, statement_id, seq);

CREATE TABLE audit_log (
    seq    BIGSERIAL   PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL,
    actor  TEXT        NOT NULL,
    action TEXT        NOT NULL,
    entity TEXT        NOT NULL,
    detail JSONB       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, seq);

-- Reports and the audit log are append-only.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER reports_append_only BEFORE UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
