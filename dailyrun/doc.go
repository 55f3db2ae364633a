// Package dailyrun wires the daily three-way reconciliation
// (reconcile/daily) to the store and to the service's edges:
//
//   - ImportStatement stores a camt.053 statement or an e-wallet settlement
//     file, idempotently on its statement key / file id, then applies the
//     statement's reversals of credits with the injected Reverser
//     (ingest.Processor.Reverse, the camt.054 path), each in its own
//     transaction; a duplicate import applies them again, which the
//     Reverser, idempotent by reversal id, makes a redelivery for those
//     already recorded, so a crash between the two loses nothing.
//     StatementHandler does the same for the Kafka topic statements.raw.
//   - Job runs one business day over the store: it loads what the day
//     needs, calls daily.Reconcile, and stores each report version that
//     says something new, in one transaction with its outbox messages
//     (outbox.Report: the treasury webhook, kind report, and the Kafka
//     copy for treasury.reports, kind report_kafka), the new exceptions and
//     an audit entry. Stored versions are never changed: a late event makes
//     version n+1 with a diff. Package outbox delivers both channels; they
//     never touch each other's messages.
//   - Scheduler runs the Job for each business day after its cut-off plus a
//     grace period, once, retrying with backoff, and catches up on restart;
//     it runs a closed day again the grace after each change that may
//     alter it (see below); the console's re-run runs it on a person's
//     request (Job.RunDay).
//   - WriteFiles renders report versions as `feerecon report` writes them,
//     in the Job's language and with its issuing unit (Job.Print);
//     DecodeStored reads a stored version back, its hash checked.
//
// # What a run reads
//
// For business day D (cut-off c, credit window N): the payments of business
// days D−N … D plus those later on D's calendar day, their allocations and
// exceptions; the notices issued on D and every notice an allocation or a
// matching exception names; the statement and settlement lines booked
// D−N … D+N; and the stored latest report version of each scope of D.
// daily.Reconcile chains each new version to it and judges late events by
// version 1 of ALL (the latest version lists them as late): a late payment
// stays a late event, with its adjustment, in every later version, and a
// re-run with nothing new makes no version. An exception an accountant
// resolved stays resolved: those the day's payments do not bring along are
// looked up by the ids the run finds, and the day reconciled again with
// them; the report lists them as resolved, never as open.
//
// # Days re-reported on their own
//
// A late statement, a late or re-decided payment, or an exception closed
// or reopened changes a day already reported. The scheduler learns of it
// from the audit log, not from a list of its own: every change is audited
// in the transaction that makes it, so the log already is a durable,
// ordered record of changes that no writer (ingest, casework, the API,
// the statement import) has to keep apart, and a writer added later is
// covered by naming its action in rerunDays. The scheduler keeps its
// place in the log in the store (store.CursorDailyRerun), moved only
// after every day the entries concern has run: a restart resumes there,
// each change is seen once, and an entry is read only the grace after it
// was written (as a day runs the grace after its cut-off). The days an
// entry concerns are those whose input holds what changed (credit window
// included), kept to the closed days of the catch-up window. A day
// re-run that the change did not alter stores nothing (its diff is
// empty): over-approximating the days costs a run, never a version. The
// alternative, re-running the last N days at every recheck, would run
// days nothing changed and could not wait the grace after a change.
//
// Without FirstDay, the first step takes the earliest reported day of
// the catch-up window, else the first day not yet closed: a first start
// reports no past day, and warns. A day that had nothing (no payment,
// notice, statement line, exception) is reported only with
// Config.ReportEmptyDays; run once, it waits for a change.
//
// It holds no reconciliation rules of its own (they are in reconcile and
// reconcile/daily) and no SQL (that is in the store backends).
package dailyrun
