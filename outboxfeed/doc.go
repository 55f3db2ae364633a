// Package outboxfeed publishes the outbox messages of one kind to one Kafka
// topic: the Kafka channel beside the webhooks of package delivery. It
// holds the mechanism only; what is published is a Feed, and its users are
// thin configurations of it: confirmfeed (kind confirmation_kafka to
// payments.confirmed) and dailyrun (kind report_kafka to treasury.reports).
//
// # Wire format
//
// The value is the outbox payload exactly as stored; the key and any extra
// headers come from Feed.Message; every message also carries
//
//	Idempotency-Key: the outbox message id, the same on every republish
//	X-Feerecon-Kind: Feed.HeaderKind, e.g. "confirmation" or "report"
//
// (the names the webhooks use), which extra headers cannot override.
//
// # Delivery guarantee
//
// Publisher takes one due message at a time in a store transaction (locked,
// so two publishers never take the same one), publishes it and waits for
// the broker's acknowledgement (acks=all with *kafkabus.Producer), and marks
// it delivered in that transaction. A crash between the publish and the
// commit publishes the message again with the same key and Idempotency-Key:
// at least once on the topic, exactly once in effect for a consumer that
// ignores an Idempotency-Key it has applied.
//
// A failed publish is retried after delivery.Backoff (full jitter); by
// default a message never dies of broker outages. A message dies at once
// when no retry can publish it: a payload Feed.Message rejects, or a
// publish error Feed.Permanent says is final (e.g. TooLarge).
//
// This package reads and marks outbox rows only; it decides nothing about
// what is published.
package outboxfeed
