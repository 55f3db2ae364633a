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
    SELECT n.payment_id, n.currency, p.currency AS payment_currency INTO r
        FROM written n JOIN payments p ON p.id = n.payment_id
        WHERE n.currency <> p.currency LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'allocation currency % differs from payment % currency %', r.currency, r.payment_id, r.payment_currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT p.id, p.amount, t.total INTO r
        FROM (SELECT a.payment_id, sum(a.amount) AS total FROM allocations a
              WHERE a.payment_id IN (SELECT DISTINCT payment_id FROM written) GROUP BY a.payment_id) t
        JOIN payments p ON p.id = t.payment_id
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
