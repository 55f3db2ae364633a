// Package chaos is the crash harness of issue 12 §1 (`make chaos`, and its
// short version in `make test`): it runs `feerecon serve` as two real
// processes in one consumer group on a real PostgreSQL and Kafka (managed
// by scripts/services.sh, which it restarts), feeds them a known, seeded
// stream (Generate) through the callback endpoints and straight onto the
// raw topics, SIGKILLs an instance at seeded moments, restarts PostgreSQL
// and the broker once each, waits for quiescence and checks the
// invariants (Check): every acknowledged valid event stored exactly once,
// every poison message dead-lettered or refused with its reason, every
// paid notice confirmed to the procedure system's sink under one
// idempotency key and no unpaid one, and the outcome (notices,
// allocations, exceptions) and the daily report the same as a clean run
// over the same stream and as `feerecon reconcile` over the stream as
// files.
//
// What is compared, and what is not (each a wall-clock time or a Kafka
// position, which no two runs share), is written down in Outcome and in
// RELIABILITY.md "## Chaos".
//
// The harness itself runs from chaos_test.go (TestChaos), gated by
// FEERECON_CHAOS=short|full; nothing in a production path imports this
// package.
package chaos
