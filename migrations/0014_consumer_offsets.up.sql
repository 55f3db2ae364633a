-- Consumed Kafka positions kept with their effects (issue 13 §1): a batch
-- of raw messages is recorded in one transaction that also stores, per
-- partition, the next offset to handle. A message below it is handled
-- already (a redelivery after a rebalance, a stale fetch, a zombie
-- instance) and is skipped; the row is locked at the start of the batch,
-- so two instances never record the same partition's messages at once.
CREATE TABLE consumer_offsets (
    group_id    TEXT        NOT NULL CHECK (group_id <> ''),
    topic       TEXT        NOT NULL CHECK (topic <> ''),
    partition   INTEGER     NOT NULL CHECK (partition >= 0),
    next_offset BIGINT      NOT NULL CHECK (next_offset >= 0),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);
GRANT SELECT, INSERT, UPDATE ON consumer_offsets TO feerecon_service;
