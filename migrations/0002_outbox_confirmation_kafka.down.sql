-- Going back drops the Kafka copies of confirmations (the webhook
-- confirmations and GET /v1/notices/{id} still carry every confirmation).
DELETE FROM outbox WHERE kind = 'confirmation_kafka';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'report'));
