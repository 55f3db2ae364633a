package camt053

import (
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/feerecon/feerecon/payment"
)

// ReversalGateway is the gateway a statement's reversals are recorded
// under: the bank's camt.054 gateway. A bank books one entry and reports
// it twice, intraday in a camt.054 notification and at the day's end in
// its camt.053 statement; under one gateway and the entry's AcctSvcrRef
// both give the same payment.ReversalID, so the second is a redelivery
// of the first, never a second reversal.
const ReversalGateway = payment.GatewayCamt054

// maxRefBytes bounds a reference, as camt.054 does: Max35Text references,
// or a statement id with an entry number.
const maxRefBytes = 80

// Reversals returns one payment.Reversal per entry that reverses a credit
// (ReversedCredits), in statement order, with camt.054's id scheme:
//   - TxnID = Ntry/AcctSvcrRef (EntryRef), else "<Stmt/Id>/<entry number>";
//     ID = payment.ReversalID(ReversalGateway, TxnID);
//   - OriginalRefs = the entry's TxRefs that can be stored (printable
//     UTF-8 of at most 80 bytes): the original credit is the payment whose
//     txn id or bank ref is one of them;
//   - ReversedAt = BookgDt/DtTm; for a BookgDt/Dt alone, the last
//     microsecond of that day in Asia/Ho_Chi_Minh (the bank says only the
//     day; taken as its end, the reversal can take back a credit of that
//     same day);
//   - Description = the line's text; RawRef = "<Key>#<entry number>".
//
// An entry whose id cannot be stored is a *StatementError wrapping
// ErrBadField, as is an id that repeats in the statement.
func (s Statement) Reversals() ([]payment.Reversal, error) {
	var out []payment.Reversal
	seen := map[string]bool{}
	for _, e := range s.ReversedCredits() {
		txn := e.EntryRef
		if txn == "" {
			txn = s.ID + "/" + strconv.Itoa(e.Seq)
		}
		if !storableRef(txn) {
			return nil, &StatementError{StatementID: s.ID, Entry: e.Seq, Field: "AcctSvcrRef",
				Err: fmt.Errorf("%w: reversal id %q is not printable text of at most %d bytes", ErrBadField, txn, maxRefBytes)}
		}
		if seen[txn] {
			return nil, &StatementError{StatementID: s.ID, Entry: e.Seq, Field: "AcctSvcrRef",
				Err: fmt.Errorf("%w: reversal id %q repeats in the statement", ErrBadField, txn)}
		}
		seen[txn] = true
		var refs []string
		for _, r := range e.TxRefs {
			if storableRef(r) && r != txn {
				refs = append(refs, r)
			}
		}
		at := e.BookingTime
		if at.IsZero() {
			at = e.BookingDate.AddDays(1).Start().Add(-time.Microsecond)
		}
		out = append(out, payment.Reversal{
			ID: payment.ReversalID(ReversalGateway, txn), Gateway: ReversalGateway, TxnID: txn, OriginalRefs: refs,
			Amount: e.Amount, ReversedAt: at.In(payment.Location()), Description: e.text(),
			RawRef: s.Key() + "#" + strconv.Itoa(e.Seq),
		})
	}
	return out, nil
}

// storableRef reports whether s is a reference PostgreSQL stores and a
// log line prints: valid UTF-8, no control character, at most 80 bytes.
func storableRef(s string) bool {
	if s == "" || len(s) > maxRefBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
