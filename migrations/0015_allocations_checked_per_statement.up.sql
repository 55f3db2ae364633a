-- The guard that no payment is allocated beyond its amount, nor in another
-- currency (0001), checked once per statement over the rows it wrote
-- instead of once per row: a batch's allocations (issue 13 §1) come in one
-- INSERT, and the row trigger summed each payment's allocations again for
-- every row. The check is the same and fires at the same moment — the end
-- of the statement — with the same errors.
DROP TRIGGER allocations_within_payment ON allocations;
DROP FUNCTION allocations_within_payment();

CREATE FUNCTION allocations_within_payments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
BEGIN
    -- Payment by payment (LATERAL … OFFSET 0: probed by key, never a
    -- scan of the whole table, statistics or none).
    SELECT n.payment_id, n.currency, p.currency AS payment_currency INTO r
        FROM written n CROSS JOIN LATERAL (SELECT currency FROM payments WHERE id = n.payment_id OFFSET 0) p
        WHERE n.currency <> p.currency LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'allocation currency % differs from payment % currency %', r.currency, r.payment_id, r.payment_currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT w.payment_id AS id, p.amount, t.total INTO r
        FROM (SELECT DISTINCT payment_id FROM written) w
        CROSS JOIN LATERAL (SELECT amount FROM payments WHERE id = w.payment_id OFFSET 0) p
        CROSS JOIN LATERAL (SELECT sum(amount) AS total FROM allocations WHERE payment_id = w.payment_id OFFSET 0) t
        WHERE t.total > p.amount LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'allocations of payment % sum to %, more than its amount %', r.id, r.total, r.amount
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

-- A trigger with transition tables fires for one kind of event.
CREATE TRIGGER allocations_within_payment_insert AFTER INSERT ON allocations
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION allocations_within_payments();
CREATE TRIGGER allocations_within_payment_update AFTER UPDATE ON allocations
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION allocations_within_payments();
