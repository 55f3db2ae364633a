// Package confirmfeed publishes payment confirmations to the Kafka topic
// payments.confirmed (kafkabus.TopicConfirmed), beside the webhook delivery
// of package delivery and the pull API (GET /v1/notices/{id}).
//
// # Design: one outbox message per channel
//
// When a notice becomes paid, ingest enqueues, in the transaction that
// recorded the payment, two outbox messages with the same payload (the
// ingest.Confirmation JSON):
//
//   - kind store.OutboxConfirmation, id ingest.ConfirmationID, destination
//     the notice's system: the webhook, sent by delivery.Sender;
//   - kind store.OutboxConfirmationKafka, id ingest.ConfirmationKafkaID
//     (the webhook id + "|kafka"), destination
//     ingest.ConfirmationKafkaDestination: published by this package.
//
// Being of different kinds, each channel takes only its own messages
// (store.Outbox.Due is per kind), so a webhook endpoint that is down never
// delays, fails or kills the Kafka copy, and the other way round; each has
// its own attempts, backoff and delivered state, visible in the outbox.
//
// # Wire format
//
// Key "<system>/<notice_id>" (as on notices.events), value the confirmation
// JSON exactly as stored, headers:
//
//	Idempotency-Key: the outbox message id, e.g. "confirmation|dvc-hanoi|HS-1|kafka"
//	X-Feerecon-Kind: "confirmation"
//
// # Delivery guarantee
//
// The mechanism is package outboxfeed's; this package is its configuration
// for confirmations (Feed: kind, topic, key, header). Publisher takes one
// due message at a time in a store transaction (locked, so two publishers
// never take the same one), publishes it with acks=all, and marks it
// delivered in that transaction. A crash between the publish and the commit
// publishes the message again, with the same key and Idempotency-Key: at
// least once on the topic, exactly once in effect for a consumer that
// ignores an Idempotency-Key it has applied (and there is one confirmation
// per notice, ever). A failed publish is retried with full jitter backoff;
// by default a message never dies of broker outages.
//
// This package reads and marks outbox rows only; it does not decide what is
// confirmed.
package confirmfeed
