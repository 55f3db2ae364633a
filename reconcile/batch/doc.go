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
package batch
