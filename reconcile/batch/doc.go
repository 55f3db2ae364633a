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
package batch
