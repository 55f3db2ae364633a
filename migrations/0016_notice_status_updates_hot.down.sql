ALTER TABLE notices RESET (fillfactor);
DROP INDEX notices_amount_issued;
CREATE INDEX notices_open_amount ON notices (amount, issued_at) WHERE status IN ('issued', 'partially_paid');
