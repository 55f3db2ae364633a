// Package daily is the daily three-way reconciliation of fee notices (with
// the matching engine's allocations and exceptions), payment events, and
// bank statements (camt.053) / e-wallet settlement files, and the treasury
// reports built from it.
//
// Reconcile is a pure function of its Input: no SQL, no Kafka, no clock
// (Input.Now is the clock), no map iteration order in any output.
//
// # Business day and cut-off
//
// An event belongs to business day D when it is paid before D's cut-off and
// at or after D−1's (DayRules.Cutoff, a time of day in Asia/Ho_Chi_Minh;
// default 24:00, i.e. the calendar day). Statement lines belong to their
// booking date, settlement lines to their settled date.
//
// # Linking money (which rule, recorded in Link.Rule)
//
//  1. settlement_txn: a settlement line and a wallet payment with the same
//     wallet and transaction id;
//  2. bank_ref: a camt.053 credit whose AcctSvcrRef or EndToEndId equals a
//     bank payment's gateway transaction id or bank reference;
//  3. amount_date_reference: failing that, the same amount, booked between
//     the payment's day and T+N, and a reference (Input.ExtractRefs) found in
//     both the entry's text and the payment's description (the payment with
//     the smallest id wins when several qualify);
//  4. settlement_batch: a camt.053 credit equal to the net total of one
//     wallet's settlement for a day, naming the wallet (or the settlement id).
//
// # Discrepancies (exceptions with evidence, deterministic ids)
//
//   - missing_event: a credit booked on the day (or a settlement line of the
//     day) that no payment event explains; StatementRef = AcctSvcrRef, else
//     EndToEndId (else statement#seq), or the wallet transaction id;
//   - missing_credit: a payment of day T without a credit by the end of
//     T+N (DayRules.CreditWindowDays; 0 is T+0); raised on every run from T+N
//     on while the credit stays missing (same id, the store keeps one). A
//     wallet settlement of day T whose net total no bank credit pays out by
//     T+N is one too (StatementRef = the settlement id);
//   - amount_mismatch: linked by reference, but the amounts differ;
//   - settlement_short: a settlement line whose net + fee ≠ gross; the
//     amount is the gap's magnitude (never negative), and when the wallet
//     paid out more than it owed (net + fee > gross) the evidence ends in
//     "paid out X more than owed";
//   - late_event: a payment of the day absent from version 1 of the ALL
//     report, the one first sent (Input.PreviousReports: the latest ALL
//     version lists it as late, or not at all); every later version lists
//     it under adjustments, the one that first does so with a diff, and a
//     sent version is never rewritten. A payment of a day before a
//     scheduler's reporting window that was never reported is one too
//     (DayRules.LateBeforeWindow, raised by the scheduler, same id): the
//     ALL report of the business day it was raised on lists it, naming
//     its day (Input.LateUnreported, Report.LateUnreported).
//
// Plus the matching exceptions given in Input.Exceptions (open ones). An
// exception given resolved (an accountant's decision) is never open again:
// the same discrepancy found by a later run is reported under resolved.
//
// # Reports
//
// One report for ALL and one per agency, each a Report (schema in
// REPORT.md): figures by treasury account, by budget chapter/sub-item and
// by channel; unassigned money; payments, allocations, links, open
// exceptions with their age and the resolved ones; control totals that
// Check verifies; a SHA-256 over the canonical JSON; versions chained by
// NextVersion with a Diff.
// Renderings: JSON, CSV (UTF-8 with BOM), XLSX (one sheet per agency) and
// printable HTML, with Vietnamese labels by default and English on request.
//
// # Reversals, refunds, late events of unreported days (issue 11)
//
// The ALL report lists the credits reversed on its day (Report.Reversals),
// the refund instructions due or completed on it (Report.RefundsDue) and
// the late events of unreported days raised on it (Report.LateUnreported);
// each is absent when empty, so a report without them has the bytes it
// had before they existed. A payment of the day that a reversal took back
// (booked that day or later: Input.Reversals) is still one of the day's
// payments, allocated nothing: its line names the reversal (reversed_by)
// and carries the reversed part of its unassigned money, which its
// channel's unassigned line and the totals (unassigned_reversed) carry
// too. That money is not waiting for a notice: the bank returned it.
// Unassigned keeps it (collected + unassigned is still every payment of
// the day); Check verifies that the reversed parts add up. The XLSX has a
// sheet for each of the three lists when it is not empty, the HTML a
// section, and the CSV, XLSX and HTML figures a reversed column when the
// report has reversed money (absent otherwise: earlier renderings keep
// their bytes).
//
// Money is split over a notice's budget items by filling the items in order
// after what was paid before (NoticeStates), never proportionally: nothing
// is rounded. A wallet fee is reported on the payment's first budget line.
package daily
