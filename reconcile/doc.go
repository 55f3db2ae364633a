// Package reconcile holds feerecon's decisions: reference extraction from
// transfer descriptions, allocation of payments to notices, the daily
// three-way reconciliation of notices, payment events and bank statements,
// and the reports built from them.
//
// Everything here is a pure function of notices, payments, statements and a
// clock: no SQL, no Kafka, no HTTP. The same engine serves the batch command
// (feerecon reconcile), make demo and the streaming service, so a batch run
// and a streaming run cannot disagree.
//
// # Matching
//
// Engine.References reads the notice references in a description (see its
// doc for the rules: payment_code, payment_code_lookalike,
// payment_code_digits, dossier_code). Descriptions are folded first
// (Fold: diacritics off, đ→D, upper case), so "Lệ phí" and "LE PHI" read
// alike.
//
// False positives. A payment code carries ISO 7064 MOD 97-10 check digits,
// so one typo never yields another valid code — but any random 12-digit run
// passes the check 1 time in 97. Hence three rules together:
//
//  1. token boundaries: a code's 12 digits are a whole token or a chain of
//     short digit groups totalling exactly 12; never a slice of a longer
//     number; digit groups longer than 12 break chains;
//  2. bank envelope fields are never read as bare digits: the reference
//     after MBVCB, the NAPAS <trace>.<ddmmyy>.<hhmmss> prefix, and numbers
//     after TU/TOI/TK/STK/ACC (account numbers);
//  3. a reference only names a notice if a given notice has exactly that
//     code (or dossier key): a run that passes mod 97 by chance names no
//     issued notice and is ignored; a typo the check digits reject is
//     dropped, never corrected (no edit-distance search).
//
// Engine.Decide allocates: see its doc for the rules. It is deterministic
// (canonical order PaidAt, then ID) and correct on any closed subset, which
// is how the streaming service uses it: extract references → lock those
// notices → load the other payments already tied to them → Decide on that
// group → replace the group's allocations and exceptions.
package reconcile
