-- References a payment made that may name a notice issued later (issue 11
-- §3, store.Awaiting): a payment code no notice carried when the payment
-- came, and every dossier key it named. A notice's creation or amendment
-- looks its code and dossier key up here and has the waiting payments
-- decided again. Rows are only added: a reference answered stays (codes
-- are unique, so it is answered once; a dossier may gain notices).
CREATE TABLE payment_awaits (
    payment_id TEXT NOT NULL REFERENCES payments (id),
    kind       TEXT NOT NULL CHECK (kind IN ('code', 'dossier')),
    key        TEXT NOT NULL CHECK (key <> ''),
    PRIMARY KEY (payment_id, kind, key)
);
CREATE INDEX payment_awaits_key ON payment_awaits (kind, key);

GRANT SELECT, INSERT ON payment_awaits TO feerecon_service;
