package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// reversalTests are the store.Reversals cases (issue 11 §2).
func reversalTests() []struct {
	name string
	fn   func(t *testing.T, s store.Store)
} {
	return []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"ReversalsIdempotentOncePerPayment", testReversals},
		{"PaymentsByRefAndUnlink", testPaymentsByRef},
		{"ReversalBeforeItsPayment", testReversalBeforePayment},
	}
}

// Reversal builds a valid VND reversal of gateway gw's txn, naming refs.
func Reversal(gw payment.Gateway, txn string, dong int64, at time.Time, refs ...string) payment.Reversal {
	return payment.Reversal{ID: payment.ReversalID(gw, txn), Gateway: gw, TxnID: txn, OriginalRefs: refs,
		Amount: payment.VNDOf(dong), ReversedAt: at, Description: "HOAN TRA GD"}
}

func testReversals(t *testing.T, s store.Store) {
	p := Payment(payment.GatewayCamt054, "FT1", 100_000, base)
	r := Reversal(payment.GatewayCamt054, "FTR1", 100_000, base.Add(time.Hour), "FT1", "E2E-1")
	r.PaymentID, r.RawRef = p.ID, "payments.raw.camt054/0/7"
	unknown := Reversal(payment.GatewayCamt054, "FTR2", 80_000, base.Add(2*time.Hour))
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertReversal(ctx, r) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reversal of a payment not stored: %v, want ErrNotFound", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.InsertPayment(ctx, p))
		must(t, tx.InsertReversal(ctx, r))
		must(t, tx.InsertReversal(ctx, unknown))
		return nil
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertReversal(ctx, r) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("redelivered reversal: %v, want ErrAlreadyExists", err)
	}
	other := Reversal(payment.GatewayCamt054, "FTR3", 100_000, base.Add(3*time.Hour), "FT1")
	other.PaymentID = p.ID
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertReversal(ctx, other) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second reversal of one payment: %v, want ErrConflict", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Reversal(ctx, r.ID)
		must(t, err)
		if !sameReversal(got, r) {
			t.Errorf("Reversal = %+v, want %+v", got, r)
		}
		got, err = tx.ReversalOf(ctx, p.ID)
		must(t, err)
		if got.ID != r.ID {
			t.Errorf("ReversalOf = %s", got.ID)
		}
		if _, err := tx.ReversalOf(ctx, "camt054:none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ReversalOf unknown: %v", err)
		}
		if _, err := tx.Reversal(ctx, "camt054:none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Reversal unknown: %v", err)
		}
		list, err := tx.ListReversals(ctx, base, base.Add(2*time.Hour+time.Second))
		must(t, err)
		if len(list) != 2 || !sameReversal(list[0], r) || !sameReversal(list[1], unknown) {
			t.Errorf("ListReversals = %+v", list)
		}
		list, err = tx.ListReversals(ctx, base, base.Add(2*time.Hour))
		must(t, err)
		if len(list) != 1 {
			t.Errorf("ListReversals is [from, to): %+v", list)
		}
		return nil
	})
}

func sameReversal(a, b payment.Reversal) bool {
	return a.ID == b.ID && a.Gateway == b.Gateway && a.TxnID == b.TxnID && slices.Equal(a.OriginalRefs, b.OriginalRefs) &&
		a.Amount.Equal(b.Amount) && a.ReversedAt.Equal(b.ReversedAt) && a.Description == b.Description &&
		a.RawRef == b.RawRef && a.PaymentID == b.PaymentID
}

func testPaymentsByRef(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "N1", 1, 100_000)
	a := Payment(payment.GatewayCamt054, "FT1", 100_000, base.Add(time.Minute))
	b := Payment(payment.GatewayVietQR, "sepay-9", 100_000, base)
	b.BankRef = "FT1" // the same bank reference through another gateway
	c := Payment(payment.GatewayVietQR, "sepay-10", 100_000, base)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n))
		for _, p := range []payment.Payment{a, b, c} {
			must(t, tx.InsertPayment(ctx, p))
		}
		must(t, tx.LinkPayment(ctx, a.ID, []store.NoticeKey{{System: "dvc", ID: "N1"}}))
		must(t, tx.LinkPayment(ctx, c.ID, []store.NoticeKey{{System: "dvc", ID: "N1"}}))
		must(t, tx.AwaitNotices(ctx, a.ID, []store.AwaitedRef{{Kind: store.AwaitCode, Key: "NP000000099999"}}))
		must(t, tx.AwaitNotices(ctx, c.ID, []store.AwaitedRef{{Kind: store.AwaitCode, Key: "NP000000099999"}}))
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		ps, err := tx.PaymentsByRef(ctx, []string{"FT1", "nothing"})
		must(t, err)
		if got := paymentIDs(ps); !slices.Equal(got, []string{b.ID, a.ID}) {
			t.Errorf("PaymentsByRef = %v, want by (paid_at, id) %v", got, []string{b.ID, a.ID})
		}
		// An empty bank ref matches no empty reference.
		if ps, err := tx.PaymentsByRef(ctx, []string{""}); err != nil || len(ps) != 0 {
			t.Errorf("PaymentsByRef(\"\") = %v, %v", paymentIDs(ps), err)
		}
		must(t, tx.UnlinkPayment(ctx, a.ID))
		must(t, tx.UnlinkPayment(ctx, "vietqr:none")) // nothing linked: no error
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		ps, err := tx.PaymentsByNotice(ctx, "dvc", "N1")
		must(t, err)
		if got := paymentIDs(ps); !slices.Equal(got, []string{c.ID}) {
			t.Errorf("after unlink, PaymentsByNotice = %v", got)
		}
		ks, err := tx.LinkedNotices(ctx, a.ID)
		must(t, err)
		if len(ks) != 0 {
			t.Errorf("after unlink, LinkedNotices = %v", ks)
		}
		ps, err = tx.PaymentsAwaiting(ctx, "NP000000099999", "")
		must(t, err)
		if got := paymentIDs(ps); !slices.Equal(got, []string{c.ID}) {
			t.Errorf("after unlink, PaymentsAwaiting = %v, want only %s", got, c.ID)
		}
		return nil
	})
}

func paymentIDs(ps []payment.Payment) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func testReversalBeforePayment(t *testing.T, s store.Store) {
	early := Reversal(payment.GatewayCamt054, "FTR5", 100_000, base.Add(time.Hour), "FT5", "E2E-5")
	other := Reversal(payment.GatewayCamt054, "FTR6", 100_000, base.Add(2*time.Hour), "FT6")
	p := Payment(payment.GatewayCamt054, "FT5", 100_000, base)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.InsertReversal(ctx, early))
		must(t, tx.InsertReversal(ctx, other))
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		rs, err := tx.UnmatchedReversals(ctx, []string{"E2E-5", "nothing"})
		must(t, err)
		if len(rs) != 1 || !sameReversal(rs[0], early) {
			t.Errorf("UnmatchedReversals = %+v", rs)
		}
		must(t, tx.InsertPayment(ctx, p))
		return nil
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.SetReversalPayment(ctx, early.ID, "camt054:none") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetReversalPayment to no payment: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.SetReversalPayment(ctx, early.ID, p.ID) })
	for _, id := range []string{early.ID, other.ID} {
		if err := s.InTx(ctx, func(tx store.Tx) error { return tx.SetReversalPayment(ctx, id, p.ID) }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("SetReversalPayment(%s) again or to a reversed payment: %v, want ErrConflict", id, err)
		}
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.ReversalOf(ctx, p.ID)
		must(t, err)
		if got.ID != early.ID || got.PaymentID != p.ID {
			t.Errorf("ReversalOf = %+v", got)
		}
		rs, err := tx.UnmatchedReversals(ctx, []string{"E2E-5", "FT6"})
		must(t, err)
		if len(rs) != 1 || rs[0].ID != other.ID {
			t.Errorf("UnmatchedReversals after = %+v, want only %s", rs, other.ID)
		}
		return nil
	})
}
