DROP TRIGGER allocations_within_payment_update ON allocations;
DROP TRIGGER allocations_within_payment_insert ON allocations;
DROP FUNCTION allocations_within_payments();

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
