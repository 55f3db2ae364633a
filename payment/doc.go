// Package payment is the language of feerecon's domain: money, fee notices,
// payment events, payment codes, dossier codes and business dates.
//
// It imports nothing else of feerecon and holds no I/O: no SQL, no Kafka, no
// HTTP. Everything here is a value type with validation, so every edge
// (gateways, store, API) speaks the same, already-checked language.
//
// Money is shopspring/decimal with an ISO 4217 currency. VND has zero minor
// units: a fractional VND amount is invalid input and is rejected, never
// rounded. No float64 appears in any money path.
package payment
