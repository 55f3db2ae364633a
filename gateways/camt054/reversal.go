package camt054

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

var _ gateways.ReversalDecoder = (*Decoder)(nil)

// DecodeReversals verifies the signature header, parses the notification
// and returns one reversal per booked reversal of a credit (a DBIT entry
// with RvslInd true); nil when there is none.
func (d *Decoder) DecodeReversals(raw gateways.Raw) ([]payment.Reversal, error) {
	if err := d.Verify(raw); err != nil {
		return nil, err
	}
	doc, err := ParseNotification(raw.Body)
	if err != nil {
		return nil, err
	}
	return d.Reversals(doc)
}

// DecodeBoth is Decode and DecodeReversals from one verification and one
// parse (gateways.BothDecoder).
func (d *Decoder) DecodeBoth(raw gateways.Raw) ([]payment.Payment, error, []payment.Reversal, error) { //nolint:revive,staticcheck // ST1008: two results, each with its error, as Decode and DecodeReversals return them
	if err := d.Verify(raw); err != nil {
		return nil, err, nil, nil
	}
	doc, err := ParseNotification(raw.Body)
	if err != nil {
		return nil, err, nil, nil
	}
	ps, credErr := d.Payments(doc)
	rs, revErr := d.Reversals(doc)
	return ps, credErr, rs, revErr
}

// Reversals returns one reversal per booked DBIT entry of doc that takes
// back a credit (reversesCredit). One bad reversal entry fails the whole
// message, as for credits.
func (d *Decoder) Reversals(doc *Document) ([]payment.Reversal, error) {
	var out []payment.Reversal
	seen := map[string]bool{}
	for i, n := range doc.Notif.Notifications {
		for j, e := range n.Entries {
			if !reversesCredit(e) {
				continue
			}
			if st := e.Status.Code(); st != "" && st != StatusBook {
				continue
			}
			where := fmt.Sprintf("Ntfctn %d Ntry %d", i+1, j+1)
			r, err := d.reversal(n, j, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if seen[r.ID] {
				return nil, gateways.Errorf(gw, gateways.ErrMalformed, "%s: reversal id %q repeats in the message", where, r.TxnID)
			}
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// Sub-family codes of BkTxCd (ISO 20022 external code set) that book the
// return of a payment received: the credit taken back.
const (
	SubFamilyReversalReturn      = "RRTN" // reversal due to payment return
	SubFamilyReversalCancelation = "RPCR" // reversal due to payment cancellation request
)

// reversesCredit reports whether e takes back a credit: a DBIT with
// RvslInd true (ISO 20022: a CRDT with it reverses a debit, not feerecon's
// money), or a DBIT that the format marks as the return of a received
// payment by its structure (BkTxCd sub-family RRTN or RPCR, or a TxDtls
// with RtrInf) and that names a transaction reference. A plain DBIT is
// none: banks book fees and sweeps as DBIT too.
func reversesCredit(e Entry) bool {
	if strings.TrimSpace(e.CdtDbtInd) != Debit {
		return false
	}
	if strings.TrimSpace(e.RvslInd) == "true" {
		return true
	}
	sub := strings.TrimSpace(e.BkTxCd.Domain.Family.SubCode)
	returned := sub == SubFamilyReversalReturn || sub == SubFamilyReversalCancelation
	txs := e.transactions()
	for _, t := range txs {
		returned = returned || t.RtrInf != nil
	}
	return returned && len(originalRefs(strings.TrimSpace(e.AcctSvcrRef), txs)) > 0
}

func (d *Decoder) reversal(n Notification, idx int, e Entry) (payment.Reversal, error) {
	m, err := d.Amounts.ParsePositive(e.Amt.Value, e.Amt.Ccy)
	if err != nil {
		return payment.Reversal{}, gateways.InvalidAmount(gw, "Amt", err)
	}
	at, err := d.bookingTime(e)
	if err != nil {
		return payment.Reversal{}, gateways.Errorf(gw, gateways.ErrMalformed, "%v", err)
	}
	if at, err = gateways.PaidAt(gw, "BookgDt", at); err != nil {
		return payment.Reversal{}, err
	}
	if dateOnly(e) {
		// The bank says only the day: taken as its last microsecond, as a
		// camt.053 statement's reversal is (statements/camt053), so the
		// reversal can take back a credit of that same day and both
		// messages of one entry are the same reversal.
		at = at.AddDate(0, 0, 1).Add(-time.Microsecond)
	}
	// The reversal's own id: its Ntry/AcctSvcrRef, else the notification
	// id and entry number. Never an EndToEndId: the original credit's
	// EndToEndId travels with its reversal and names the original.
	txn := strings.TrimSpace(e.AcctSvcrRef)
	if txn == "" {
		nid := strings.TrimSpace(n.ID)
		if nid == "" {
			return payment.Reversal{}, gateways.Errorf(gw, gateways.ErrMalformed, "reversal without AcctSvcrRef or Ntfctn Id to identify it")
		}
		txn = nid + "/" + strconv.Itoa(idx+1)
	}
	if !validID(txn) {
		return payment.Reversal{}, gateways.Errorf(gw, gateways.ErrMalformed, "reversal id %q is not printable text of at most %d bytes", txn, maxIDBytes)
	}
	txs := e.transactions()
	return payment.Reversal{
		ID: payment.ReversalID(gw, txn), Gateway: gw, TxnID: txn, OriginalRefs: originalRefs(txn, txs),
		Amount: m, ReversedAt: at, Description: gateways.StorableText(e.description(txs)),
	}, nil
}

// originalRefs are the references of the credit a reversal undoes: each
// transaction's Refs/AcctSvcrRef, then EndToEndId (not NOTPROVIDED), then
// TxId, in order, without repeats and without the reversal's own id.
func originalRefs(own string, txs []Transaction) []string {
	var refs []string
	seen := map[string]bool{own: true}
	for _, t := range txs {
		for _, r := range []string{t.Refs.AcctSvcrRef, t.Refs.EndToEndID, t.Refs.TxID} {
			r = gateways.StorableText(strings.TrimSpace(r))
			if r == "" || r == "NOTPROVIDED" || seen[r] || !validID(r) {
				continue
			}
			seen[r] = true
			refs = append(refs, r)
		}
	}
	return refs
}

// dateOnly reports whether e's booking time (bookingTime) comes from a
// date without a time.
func dateOnly(e Entry) bool {
	for _, dt := range []DateAndTime{e.BookgDt, e.ValDt} {
		if strings.TrimSpace(dt.DtTm) != "" {
			return false
		}
		if strings.TrimSpace(dt.Dt) != "" {
			return true
		}
	}
	return false
}
