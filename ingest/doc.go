// Package ingest records payment events and applies the matching engine's
// decisions to the store: the streaming half of feerecon, shared by
// `feerecon serve` (behind the Kafka consumers) and `make demo` (behind the
// in-process transport).
//
// One payment is one store transaction: insert the payment (a redelivery
// of the same gateway transaction is recognised by the store's unique key
// and changes nothing), link it to the notices its description references,
// lock those notices (SELECT … FOR UPDATE, in code order), re-decide the
// whole group — the notices and every payment linked to them — with
// reconcile.Engine.Decide, replace the group's allocations and open
// exceptions with the decision, update notice statuses, and enqueue a
// confirmation for each notice that became paid (outbox.Confirmation, one
// outbox message per channel; package outbox delivers them). Because the group is
// re-decided in the engine's canonical order, the same payments delivered
// in any order end in the same state, and because notices are locked,
// several consumer instances cannot double-allocate.
//
// It holds no SQL, no Kafka and no HTTP: only the store contract and the
// engine.
package ingest
