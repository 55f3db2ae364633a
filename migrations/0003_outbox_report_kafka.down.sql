-- Going back drops the Kafka copies of reports (the stored report versions
-- and the treasury webhook messages keep every version).
DELETE FROM outbox WHERE kind = 'report_kafka';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'report', 'confirmation_kafka'));
