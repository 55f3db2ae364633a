// Package batch runs the matching engine over files: a notices CSV and a
// payments JSONL, for one business day, and writes the report an
// accountant reads (report.json and report.csv). It is what
// `feerecon reconcile` calls.
//
// It reads files and writes files and nothing else: no database, no Kafka.
// Decisions come from reconcile.Engine, the same engine the streaming
// service uses, so a batch run and a streaming run cannot disagree.
//
// A bad notice or payment line does not stop the run: it is listed (file,
// line, reason) — a payment line as an invalid_input exception, a notice
// line under invalid_notices — and the rest is reconciled. A file that
// cannot be opened or a notices header that is wrong does fail the run.
//
// Exceptions are dated by the run's as-of time, not by a clock: a batch
// run keeps no state (it cannot know when an exception was first raised)
// and its bytes depend on its files only. With --date the as-of time is
// the end of the business day (the start of the next, in the business
// zone), the daily report's as-of time too, so every exception of the run
// is raised then and ages from it; without --date there is none and
// created_at is left zero (report.json does not carry it). An exception
// names its notice by system and id (notice_system, notice_id).
//
// # Credited account
//
// A payment line may carry the account the money was credited to:
//
//	"credited_account": {"bin": "970415", "account": "113000006100"}
//
// bin is the bank's 6-digit NAPAS BIN, "" (or left out) when the bank is
// not known, or for a wallet the gateway ("vnpay", "momo", "zalopay") with
// the merchant / terminal id as account (see payment/collection). Absent
// (or null) = unknown; an empty account is an invalid_input line. With
// collection accounts configured (Options.Engine.CollectionAccounts,
// `feerecon reconcile --collection-accounts FILE.csv`), a payment credited
// to a known account that is not one of its notice's agency is a
// wrong_account exception, never allocated; an unknown one is matched as
// before, and totals.credited_accounts counts the payments whose account
// was known and unknown (with the unknown ones' VND amount) and the
// wrong_account ones. Without collection accounts the report has no
// credited_accounts, byte for byte as before.
package batch
