// Package outbox is the one mechanism behind "never lost, never twice" for
// what feerecon sends out: confirmations to procedure systems and reports
// to the State Treasury, each by signed webhook and on Kafka, at least
// once, with an idempotency key, so that a receiver applies each message
// exactly once in effect.
//
// It holds:
//
//   - the message table (message.go): each Type (Confirmation, Report,
//     Reversed)
//     with its outbox kind per channel, its Kafka topic, metric and key
//     function. Type.Enqueue writes, in the caller's transaction, one
//     outbox message per channel, with the id scheme Type.ID and KafkaID:
//     "confirmation|<system>|<notice>" (a notice paid again after a
//     reversal: "confirmation|<system>|<notice>|<payers>") and "…|kafka", "report|<id>" and
//     "…|kafka", "payment.reversed|<system>|<notice>|<reversal>" and
//     "…|kafka". A new message type is one constant and one table entry.
//   - the drain loop (Sender, Loop): take up to Parallel due messages of a
//     kind under lock (the store's Due, FOR UPDATE SKIP LOCKED), send them
//     (one lane — a destination and Kafka key, i.e. one notice or one
//     report scope — in stored order, the lanes at once), mark each
//     delivered, failed (next attempt after Backoff, full jitter) or dead,
//     commit once, count; Tick and Run, with an injected clock and rand.
//     Run ticks again at once while a kind has more than Batch due.
//   - the channels: the signed webhook (NewWebhook) and the Kafka topic
//     (NewKafka). Each channel's copy is an outbox message of its own kind,
//     so one channel never delays, fails or kills the other's.
//
// It must not decide what is sent or when a message is due for business
// reasons: ingest and dailyrun enqueue, this package delivers. It imports
// neither (they import it), holds no SQL (the store does), and reads and
// marks outbox rows only through the store's Outbox methods.
//
// The state of every message (attempts, next attempt, dead) lives in the
// store, written in the transaction that took the message, so retries
// survive a restart and two senders never send the same message at once.
//
// # Webhook wire format
//
// Each attempt is an HTTP POST of the message payload (JSON) with:
//
//	Content-Type:         application/json
//	Idempotency-Key:      the outbox message id, the same on every attempt
//	X-Feerecon-Kind:      "confirmation", "report" or "payment.reversed"
//	X-Feerecon-Timestamp: the attempt's time, decimal Unix seconds
//	X-Feerecon-Signature: lowercase hex HMAC-SHA256(secret, timestamp + "." + body)
//
// The signed string is the timestamp header's exact text, one ASCII dot
// (0x2E), then the raw body bytes: e.g. "1764212400.{\"id\":…}". Receivers
// check it with Verify (and may bound clock skew with CheckTimestamp).
//
// A 2xx answer delivers the message. Anything else is a failed attempt:
// network errors, timeouts, redirects, 408, 429, 5xx, and also other 4xx
// (a 400/401/403/404 is usually configuration the operator fixes: a wrong
// secret or URL), each retried after Backoff. After MaxAttempts (default
// 10) failed attempts the message is dead: it stays in the store, visible
// with store.Outbox.ListOutbox with an OutboxFilter{Kind: kind, State: store.OutboxDead}.
//
// Secrets are never logged: Secret redacts itself in logs, fmt and JSON.
//
// # Kafka wire format
//
// The value is the outbox payload exactly as stored; the key and any extra
// headers come from the type's key function (confirmation
// "<system>/<notice_id>" on payments.confirmed; payment.reversed the same
// key on the same topic, after the notice's confirmation; report
// "<date>/<agency>" with HeaderSHA256 on treasury.reports); every message
// also carries
//
//	Idempotency-Key: the outbox message id, e.g. "confirmation|dvc-hanoi|HS-1|kafka"
//	X-Feerecon-Kind: the type, "confirmation", "report" or "payment.reversed"
//
// (the webhook's names), which extra headers cannot override. A message is
// published with acks=all (*kafkabus.Producer) and marked delivered in the
// transaction that took it (with the rest of its batch): a crash between
// the publish and the commit publishes it again with the same key and
// Idempotency-Key. By default a
// Kafka copy never dies of broker outages; it dies at once when no retry
// can publish it: a payload the key function rejects, or a publish error
// the type calls permanent (a report TooLarge for the broker).
package outbox
