// Package api is the HTTP API of `feerecon serve`: procedure systems post
// fee notices and read their status, citizens' VietQR codes are served per
// notice, and operators list exceptions and the outbox. README.md documents
// every request and response with examples.
//
// The package is a thin edge: it decodes and bounds JSON, calls the store
// inside one transaction per request (each write with its audit entry in
// the same transaction), and encodes the answer. It makes no matching
// decision (that is reconcile's) and holds no SQL (that is the store's).
// Amounts travel as decimal strings, never JSON numbers. Logger and clock
// are injected; account numbers are masked in logs.
//
// Authentication is not done here: the API runs behind a gateway that
// authenticates the procedure systems (mTLS or tokens) and sets
// X-Feerecon-System. The header is trusted as the caller's identity.
package api
