// Package kafkabus is feerecon's Kafka transport: topic names, topic
// creation, a synchronous producer, a consumer-group loop that commits an
// offset only after its handler succeeded, and the dead-letter topic with
// its operator functions (ListDLQ, ReplayDLQ).
//
// Delivery is at least once. A handler commits its database transaction
// before it returns nil, and only then is the offset committed; a crash in
// between redelivers the message, which the store's unique keys make
// harmless. A handler error is either permanent (the message can never be
// handled: it goes to the dead-letter topic with its reason and the
// partition moves on) or transient (retried with capped backoff, never
// skipped, never committed).
//
// The dead-letter topic also holds evidence records (DeadLetter.Evidence):
// a bounded trace (size, SHA-256, a prefix of at most EvidencePrefixBytes,
// reason, source address, time) of a message refused before it was stored,
// which ListDLQ shows and ReplayDLQ skips.
//
// This package knows nothing of matching or SQL; it imports gateways only to
// recognise a poison decode error.
package kafkabus
