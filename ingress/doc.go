// Package ingress is the HTTP edge where gateways deliver callbacks:
// POST and GET /gateways/{name}/callback.
//
// For each request it reads the raw message (the body, or for a GET such as
// VNPay's IPN the raw query string), verifies it with the gateway's
// gateways.Decoder, and stores it in Kafka before it answers:
//
//   - verified (or authentic but not a payment): published as is to
//     payments.raw.<gateway>, keyed by the first payment's gateway
//     transaction id, with the request's X-* headers; answered with the
//     decoder's success reply only after the broker acknowledged it;
//   - poison (bad signature, malformed, invalid amount, too large): answered
//     with the decoder's error reply and ALSO published to the dead-letter
//     topic with its reason, so nothing is silently dropped;
//   - Kafka unavailable: answered with Reply(err) for an error wrapping
//     ErrNotStored, which every adapter turns into an answer the gateway
//     retries on. Never a success.
//
// Ingress does not decode for anyone else: the consumer of the raw topic
// decodes the stored bytes again. It holds no secrets and logs none; account
// numbers are masked.
package ingress
