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
// D−N … D+N; the reversals booked on D and those booked later that name a
// payment read (one query from D's start on: a reversal of D's payment
// marks its line reversed whenever it was booked, as it undid its
// allocations then; the report lists only D's under reversals); and the
// stored latest report version of each scope of D.
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
// included), kept to the closed days of the catch-up window and the
// earlier days that have a report (see below). A day
// re-run that the change did not alter stores nothing (its diff is
// empty): over-approximating the days costs a run, never a version. The
// alternative, re-running the last N days at every recheck, would run
// days nothing changed and could not wait the grace after a change.
//
// # Days before the reporting window
//
// The window is the span a step runs: the catch-up window, from the first
// day on. A change to an earlier day that has an ALL report (reported
// before it left the window, or by hand with feerecon report) re-runs
// that day too, as any reported day: its next version, with its diff,
// delivered as any version is; a late payment is its late_event by the
// usual rule (reconcile/daily), and nothing new makes no version. An
// earlier day without a report is never run by the scheduler, yet its
// payments must not vanish: a payment recorded or decided (payment.decide)
// whose business day is before the window and has no report is stored as
// a late_event exception of its own day (daily.DayRules.LateBeforeWindow:
// the id of that payment's late event on that day, so one per payment;
// created_at the scheduler's clock; evidence naming the window's first day
// and `feerecon report --date D`), with a warning in the log (account
// masked). The ALL report of the business day it was raised on — the
// business day of its stored created_at, always a day not yet closed
// when it is raised — lists it under late_events_unreported_days, naming
// its day. The rule reads stored times only (the exception's created_at,
// kept from its first raise), not when a report happens to run: a re-run
// of that day, a run by hand, or a replay of the same stream under the
// same clock gives the same bytes. (A day reported by hand before it
// closed is not re-run for it, as for any change of an open day.)
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
