package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// testAwaiting: awaited references are recorded per payment, once each;
// a lookup by code or dossier key lists each waiting payment once, in
// (paid_at, id) order; an empty key matches nothing; an unknown payment,
// an empty key or kind is refused; a rolled-back record is undone.
func testAwaiting(t *testing.T, s store.Store) {
	p1 := Payment(payment.GatewayVietQR, "AW-1", 100_000, base.Add(2*time.Hour))
	p2 := Payment(payment.GatewayVietQR, "AW-2", 100_000, base.Add(time.Hour))
	p3 := Payment(payment.GatewayVietQR, "AW-3", 100_000, base)
	code := store.AwaitedRef{Kind: store.AwaitCode, Key: "NP000000000999"}
	dossier := store.AwaitedRef{Kind: store.AwaitDossier, Key: "0000020H40261120"}
	inTx(t, s, func(tx store.Tx) error {
		for _, p := range []payment.Payment{p1, p2, p3} {
			must(t, tx.InsertPayment(ctx, p))
		}
		must(t, tx.AwaitNotices(ctx, p1.ID, []store.AwaitedRef{code, dossier}))
		must(t, tx.AwaitNotices(ctx, p1.ID, []store.AwaitedRef{code})) // again: a no-op
		must(t, tx.AwaitNotices(ctx, p2.ID, []store.AwaitedRef{dossier}))
		must(t, tx.AwaitNotices(ctx, p2.ID, nil))
		// Locking references (twice, an invalid one skipped) only waits.
		must(t, tx.LockReferences(ctx, []store.AwaitedRef{dossier, code, code, {Kind: store.AwaitCode}}))
		must(t, tx.LockReferences(ctx, nil))
		if err := tx.AwaitNotices(ctx, "vietqr:none", []store.AwaitedRef{code}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown payment: %v, want ErrNotFound", err)
		}
		for _, bad := range []store.AwaitedRef{{Kind: store.AwaitCode}, {Kind: "name", Key: "X"}} {
			if err := tx.AwaitNotices(ctx, p3.ID, []store.AwaitedRef{bad}); !errors.Is(err, store.ErrConflict) {
				t.Errorf("reference %+v: %v, want ErrConflict", bad, err)
			}
		}
		return nil
	})
	failed := errors.New("roll back")
	if err := s.InTx(ctx, func(tx store.Tx) error {
		must(t, tx.AwaitNotices(ctx, p3.ID, []store.AwaitedRef{code}))
		return failed
	}); !errors.Is(err, failed) {
		t.Fatal(err)
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, c := range []struct {
			code    payment.PaymentCode
			dossier string
			want    []string
		}{
			{payment.PaymentCode(code.Key), dossier.Key, []string{p2.ID, p1.ID}},
			{payment.PaymentCode(code.Key), "", []string{p1.ID}},
			{"", dossier.Key, []string{p2.ID, p1.ID}},
			{"", "", nil},
			{payment.PaymentCode(dossier.Key), code.Key, nil}, // kinds do not mix
		} {
			ps, err := tx.PaymentsAwaiting(ctx, c.code, c.dossier)
			must(t, err)
			var got []string
			for _, p := range ps {
				got = append(got, p.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("PaymentsAwaiting(%q, %q) = %v, want %v", c.code, c.dossier, got, c.want)
			}
		}
		return nil
	})
}
