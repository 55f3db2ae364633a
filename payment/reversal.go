package payment

import (
	"fmt"
	"strings"
	"time"
)

// Reversal is the canonical event of a credit undone by its gateway: a
// bank's reversal entry (camt.053 / camt.054 Ntry with RvslInd true, the
// debit that takes an earlier credit back) or a wallet's refund
// notification where the wallet sends one. It names the original payment
// by a reference the gateway carries (OriginalRef); ingest finds the
// payment and undoes what it paid (ingest.Processor.Reverse).
type Reversal struct {
	// ID is feerecon's id of the reversal: "<gateway>:<gateway txn id>" of
	// the reversal entry itself, its idempotency key (ReversalID).
	ID      string  `json:"reversal_id"`
	Gateway Gateway `json:"gateway"`
	// TxnID is the reversal entry's own transaction id at the gateway.
	TxnID string `json:"gateway_txn_id"`
	// OriginalRefs are the references the reversal gives for the credit
	// it undoes, in the gateway's order of trust (for camt: the
	// transaction's AcctSvcrRef, then its EndToEndId); the original is
	// the payment of the same gateway whose txn id or bank ref is one of
	// them. Empty when the gateway named none: then no payment is found
	// and the reversal is an exception.
	OriginalRefs []string `json:"original_refs"`
	// Amount is the money taken back (positive).
	Amount Money `json:"amount"`
	// ReversedAt is when the gateway booked the reversal.
	ReversedAt time.Time `json:"reversed_at"`
	// Description is the entry's text exactly as received.
	Description string `json:"description,omitempty"`
	// RawRef points at the raw payload, as Payment.RawRef.
	RawRef string `json:"raw_ref,omitempty"`
	// PaymentID is the original payment's id once ingest found it; ""
	// for a reversal of an unknown payment (kept with an exception).
	PaymentID string `json:"payment_id,omitempty"`
}

// ReversalID returns the canonical id of a gateway's reversal entry. It
// shares the payment id's shape: a gateway transaction id is either a
// payment's or a reversal's, and the two tables keep them apart.
func ReversalID(g Gateway, txnID string) string { return string(g) + ":" + txnID }

// Validate checks a reversal and reports all problems at once; the error
// wraps ErrInvalidPayment (a reversal is a payment event).
func (r Reversal) Validate() error {
	var probs []string
	if !r.Gateway.Valid() {
		probs = append(probs, fmt.Sprintf("gateway %q is unknown", r.Gateway))
	}
	if strings.TrimSpace(r.TxnID) == "" {
		probs = append(probs, "gateway_txn_id is empty")
	}
	if r.ID != ReversalID(r.Gateway, r.TxnID) {
		probs = append(probs, fmt.Sprintf("reversal_id %q is not %q", r.ID, ReversalID(r.Gateway, r.TxnID)))
	}
	for _, ref := range r.OriginalRefs {
		if strings.TrimSpace(ref) == "" {
			probs = append(probs, "original_refs has a blank reference")
			break
		}
	}
	if _, ok := r.Amount.Currency.MinorUnits(); !ok {
		probs = append(probs, fmt.Sprintf("currency %q is unknown", r.Amount.Currency))
	} else if _, err := (AmountPolicy{}).New(r.Amount.Amount, r.Amount.Currency); err != nil {
		probs = append(probs, err.Error())
	} else if !r.Amount.Amount.IsPositive() {
		probs = append(probs, "amount must be positive")
	}
	if r.ReversedAt.IsZero() {
		probs = append(probs, "reversed_at is missing")
	} else if err := CheckTime("reversed_at", r.ReversedAt); err != nil {
		probs = append(probs, err.Error())
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: reversal %q: %s", ErrInvalidPayment, r.ID, strings.Join(probs, "; "))
	}
	return nil
}
