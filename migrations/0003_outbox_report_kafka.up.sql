-- Daily reports published to Kafka (treasury.reports) are outbox messages
-- of their own kind, tracked apart from the treasury webhook deliveries.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'report', 'confirmation_kafka', 'report_kafka'));
