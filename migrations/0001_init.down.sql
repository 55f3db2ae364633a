DROP TABLE IF EXISTS audit_log, statement_lines, statements, reports, outbox, exceptions, allocations, payment_refs, payments, notice_items, notices;
DROP FUNCTION IF EXISTS refuse_change(), allocations_within_payment();
DROP SEQUENCE IF EXISTS payment_code_serial;
