// Package delivery sends the outbox: confirmations to procedure systems and
// reports to the State Treasury, at least once, signed, with an idempotency
// key, so that the receiver applies each message exactly once in effect.
//
// The state of every message (attempts, next attempt, dead) lives in the
// store, written in the same transaction that took the message, so retries
// survive a restart and two senders never send the same message at once
// (the store's Due locks rows with SKIP LOCKED).
//
// # Wire format
//
// Each attempt is an HTTP POST of the message payload (JSON) with:
//
//	Content-Type:         application/json
//	Idempotency-Key:      the outbox message id, the same on every attempt
//	X-Feerecon-Kind:      "confirmation" or "report"
//	X-Feerecon-Timestamp: the attempt's time, decimal Unix seconds
//	X-Feerecon-Signature: lowercase hex HMAC-SHA256(secret, timestamp + "." + body)
//
// The signed string is the timestamp header's exact text, one ASCII dot
// (0x2E), then the raw body bytes: e.g. "1764212400.{\"id\":…}". Receivers
// check it with Verify (and may bound clock skew with CheckTimestamp).
//
// # Outcomes
//
// A 2xx answer delivers the message. Anything else is a failed attempt:
// network errors, timeouts, redirects, 408, 429, 5xx, and also other 4xx
// (a 400/401/403/404 is usually configuration the operator fixes: a wrong
// secret or URL), each retried after an exponential backoff with full
// jitter. After MaxAttempts failed attempts the message is dead: it stays
// in the store, visible with store.Outbox.ListOutbox(kind, OutboxDead).
//
// Secrets are never logged: Secret redacts itself in logs, fmt and JSON.
package delivery
