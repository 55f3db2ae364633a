// Package ingress is the HTTP edge where gateways deliver callbacks:
// POST and GET /gateways/{name}/callback.
//
// For each request it first takes a token of the source address's bucket
// (Config.RateLimit, RateBurst; defaults 50 a second, bursts of 100, up to
// 10 000 addresses tracked): over it, 429 with Retry-After, nothing read.
// The source is the connection's address (an IPv6 client by its /64):
// behind a reverse proxy that is the proxy, whose callbacks all share one
// bucket; X-Forwarded-For is not trusted. Then it takes one of
// Config.MaxInFlight slots (default 128), held until its answer: with all
// taken, 503 with Retry-After, nothing read, so that an overload neither
// grows memory nor queues callbacks behind a slow broker (nothing is
// acknowledged that Kafka has not stored: the answer still waits for the
// broker). Then it reads the raw message
// (the body, at most gateways.MaxMessageBytes, or for a GET such as VNPay's
// IPN the raw query string) and asks the gateway's gateways.Decoder to
// Verify it (size and signature, the adapter's own code) before anything is
// stored:
//
//   - does not verify, or too large: refused with the adapter's reply (401
//     for a signature, with the body its protocol reads; 413 for size where
//     the protocol has one). Nothing of it is stored in full: only bounded
//     evidence goes to the dead-letter topic, kafkabus.Evidence (gateway,
//     size, SHA-256, reason, source address, time, the first 256 bytes with
//     account-length digit runs masked; no headers), which `feerecon dlq list` shows and `dlq replay` skips, and
//     a log line with the same facts but the prefix. Kafka is not waited
//     on to refuse: a failure to keep the evidence is logged;
//   - verified (or authentic but not a payment): published as is to
//     payments.raw.<gateway>, keyed by the first payment's gateway
//     transaction id, with the request's X-* headers; answered with the
//     decoder's success reply only after the broker acknowledged it;
//   - authentic poison (malformed, invalid amount, another account): answered
//     with the decoder's error reply and ALSO published in full to the
//     dead-letter topic with its reason, so nothing authentic is dropped;
//   - Kafka unavailable (no acknowledgement within Config.PublishTimeout,
//     default 800ms): answered 503 Service Unavailable with Retry-After
//     (Config.NotStoredRetryAfter, default 5 s) and the body of Reply(err)
//     for an error wrapping ErrNotStored, which every adapter's protocol
//     reads as "call again". Never a 2xx.
//
// Ingress does not decode for anyone else: the consumer of the raw topic
// verifies and decodes the stored bytes again (defence in depth). It holds
// no secrets and logs none; account numbers are masked.
package ingress
