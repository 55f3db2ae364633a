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
// outbox message per channel; package outbox delivers them). The group is
// re-decided in the engine's canonical order (paid at, id) around the
// allocations that are fixed, and because notices are locked, several
// consumer instances cannot double-allocate.
//
// # Batches (batch.go, fast.go)
//
// The raw topics' consumers record a batch of messages in one
// transaction (HandleBatch), with the partitions' next offsets, so a
// redelivered batch is skipped. Most of a batch's payments decide alone —
// new, naming notices no payment is linked to, no reversal waiting for
// them — and take the fast path: read in a few statements for the whole
// batch, decided in memory by the same functions as above, written one
// statement per table (store.Bulk). A message that does not qualify is
// recorded as above, after what the fast path holds is written; so the
// state, the outbox and the audit chain do not depend on the batch size
// (TestBatchSizesGiveTheSameState compares every row and the chain's head
// for batches of 1, 7 and 1,000 with payments recorded one by one).
//
// # Order independence and the confirmation (order.go)
//
// A confirmation (Confirmation: one per notice, ever, sent when it becomes
// paid or overpaid) names the allocations that paid the notice. The rule:
// once a notice is confirmed its allocations are fixed. Every later
// re-decision holds them, as it holds an accountant's manual allocations
// (reconcile.Engine.DecideFixed), and decides the other payments around
// them; so a payment that arrives after the confirmation is the duplicate
// even when it was made earlier, and the procedure system, the ledger (the
// allocations and the duplicate exception) and the daily report always
// name the same payer. Only an explicit act changes a confirmed
// allocation: an accountant's casework or a reversal. A correction
// message was the other choice; it was not taken because the procedure
// system would have acted on the first payer already (a dossier released,
// a receipt issued), and a partly paid notice is not confirmed, so its
// payments are still decided in canonical order.
//
// A payment that names a notice not issued yet waits for it: the codes it
// named that no notice carried, and every dossier key it named, are stored
// with its decision (store.Awaiting). Creating or amending a notice (the
// API and notices.events, through api.Server.OnNotice) calls
// NoticeChanged in the same transaction: the waiting payments are linked
// to the notice and decided again. Both sides take reference locks
// (store.Awaiting.LockReferences) first, so a payment and its notice
// committed at once do not miss each other.
//
// A payment naming a payment code no notice carries yet waits whole for
// it (order.go: waiting), so a transfer for two notices is never decided
// with the first alone.
//
// Hence: any delivery in which each notice's payments and reversals come
// in canonical order — notices anywhere, a payment before its notice
// included — ends in the state of the canonical order with notices first;
// any delivery at all ends with each notice's latest message to its
// procedure system (confirmation or payment.reversed) naming exactly the
// ledger's allocations; a replay changes nothing (order_test.go).
//
// Reversals (reversal.go): Reverse records a gateway's reversal of an
// earlier credit: it finds the payment, removes its allocations, links and
// awaited references, re-decides its notices without it (back to issued
// or partially paid, or paid by its duplicate) and enqueues a
// payment.reversed message for each notice it had paid, naming the
// notice's payers now; a reversal of an unknown payment is kept with an
// unknown_reversal exception, and a payment that arrives after its
// reversal is recorded as reversed, never decided (reversedOnArrival, the
// one call Record makes into reversal.go). A notice opened by a reversal
// and paid again is confirmed again (ConfirmationAgainID).
//
// It holds no SQL, no Kafka and no HTTP: only the store contract and the
// engine.
package ingest
