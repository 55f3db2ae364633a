// Package api is the HTTP API of `feerecon serve`: procedure systems post
// fee notices and read their status, citizens' VietQR codes are served per
// notice, and operators list exceptions and the outbox. README.md documents
// every request and response with examples; openapi.yaml (OpenAPI 3.0.3,
// embedded and served at GET /openapi.yaml) is the contract, which every
// handler test's exchanges are validated against (openapi_test.go).
//
// The package is a thin edge: it decodes and bounds JSON, calls the store
// inside one transaction per request (each write with its audit entry in
// the same transaction), and encodes the answer. It makes no matching
// decision (that is reconcile's) and holds no SQL (that is the store's).
// Amounts travel as decimal strings, never JSON numbers. Logger and clock
// are injected; account numbers are masked in logs.
//
// Every caller is known: a request carries an API key (Authorization:
// Bearer frk_<id>_<secret>, package apikey) and the key says who calls,
// its system or operator and its role. One table (rules in auth.go)
// says, per route, who may call it, and one middleware (Server.ServeHTTP)
// enforces it before any handler runs: no key, or a malformed, unknown or
// revoked one, is 401 with WWW-Authenticate: Bearer; a key of the wrong
// role, or an X-Feerecon-System header that names someone else, is 403.
// Handlers scope every notice to the key's system, so another system's
// notice answers 404 and its existence does not leak. The caller's
// identity ("<name>/<key id>") is the audit actor and an exception's
// resolved_by. In-process callers that authenticate a system their own
// way (package noticefeed) use Server.AsSystem, which requires the system
// to hold an active key. The package keeps no key material but what the
// store holds: the SHA-256 of each secret.
package api
