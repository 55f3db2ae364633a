package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// testBulk: store.BulkOf(tx) reads what the one-row methods read and
// writes what they write, refusing what they refuse, with the whole
// transaction rolled back on a refusal.
func testBulk(t *testing.T, s store.Store) {
	n1 := Notice(t, "dvc", "BK-1", 701, 100_000)
	n2 := Notice(t, "dvc", "BK-2", 702, 100_000)
	n3 := Notice(t, "dvc", "BK-3", 703, 250_000)
	n2.Dossier = n1.Dossier // two notices of one dossier
	old := Payment(payment.GatewayVietQR, "BK-OLD", 100_000, base)
	inTx(t, s, func(tx store.Tx) error {
		for _, n := range []payment.Notice{n1, n2, n3} {
			must(t, tx.CreateNotice(ctx, n))
		}
		must(t, tx.InsertPayment(ctx, old))
		must(t, tx.LinkPayment(ctx, old.ID, []store.NoticeKey{{System: "dvc", ID: "BK-3"}}))
		return nil
	})
	p1 := Payment(payment.GatewayVietQR, "BK-P1", 100_000, base.Add(time.Hour))
	p2 := Payment(payment.GatewayMoMo, "BK-P2", 70_000, base.Add(2*time.Hour))
	p2.CreditedAccount = payment.CreditedAccount{BIN: "970415", Account: "1234567890"}
	k1 := store.NoticeKey{System: "dvc", ID: "BK-1"}
	alloc := reconcile.Allocation{PaymentID: p1.ID, NoticeSystem: "dvc", NoticeID: "BK-1", Code: n1.Code,
		Amount: payment.VNDOf(100_000), Rule: reconcile.RulePaymentCode, Evidence: string(n1.Code)}
	exc := reconcile.Exception{ID: reconcile.ExceptionID(reconcile.ExceptionUnmatched, p2.ID), Kind: reconcile.ExceptionUnmatched,
		PaymentID: p2.ID, Amount: p2.Amount, Candidates: []string{"dvc/BK-2", `dvc/"quoted",x`}, Evidence: "no code",
		Status: reconcile.ExceptionOpen, CreatedAt: base.Add(3 * time.Hour)}
	later := exc
	later.Evidence, later.CreatedAt = "second: ignored", base.Add(4*time.Hour)
	noPayment := reconcile.Exception{ID: "missing_event|BK", Kind: reconcile.ExceptionMissingEvent, StatementRef: "BK",
		Amount: payment.VNDOf(5_000), CreatedAt: base}
	msg := store.OutboxMessage{ID: "confirmation|dvc|BK-1", Kind: store.OutboxConfirmation, Destination: "dvc",
		Payload: []byte(`{"a":"\u0000&<"}`), NextAttempt: base, CreatedAt: base}
	// Bytes no text column holds (a NUL, invalid UTF-8) are kept as they are.
	binary := store.OutboxMessage{ID: "report|x", Kind: store.OutboxReport, Destination: "treasury",
		Payload: []byte{0, 0xff, 'a', '\\', '"'}, NextAttempt: base, CreatedAt: base}
	code := store.AwaitedRef{Kind: store.AwaitCode, Key: "NP000000000999"}
	dossier := store.AwaitedRef{Kind: store.AwaitDossier, Key: "ABC1"}
	inTx(t, s, func(tx store.Tx) error {
		must(t, store.BulkOf(tx).WriteBatch(ctx, store.Batch{Outbox: []store.OutboxMessage{binary}}))
		return store.BulkOf(tx).WriteBatch(ctx, store.Batch{
			Payments:    []payment.Payment{p1, p2},
			Links:       []store.Link{{PaymentID: p1.ID, Notice: k1}, {PaymentID: p1.ID, Notice: k1}},
			Awaits:      []store.Await{{PaymentID: p2.ID, Ref: code}, {PaymentID: p2.ID, Ref: dossier}, {PaymentID: p2.ID, Ref: code}},
			Allocations: []reconcile.Allocation{alloc},
			Exceptions:  []reconcile.Exception{exc, later, noPayment},
			Statuses: []store.StatusChange{{Notice: k1, Status: payment.NoticePartiallyPaid},
				{Notice: k1, Status: payment.NoticePaid}},
			Outbox: []store.OutboxMessage{msg},
		})
	})
	inTx(t, s, func(tx store.Tx) error {
		for _, want := range []payment.Payment{p1, p2} {
			got, err := tx.Payment(ctx, want.ID)
			if err != nil || !got.Amount.Equal(want.Amount) || !got.PaidAt.Equal(want.PaidAt) || got.CreditedAccount != want.CreditedAccount ||
				got.Description != want.Description || got.PayerAccount != want.PayerAccount {
				t.Errorf("payment %s: %+v %v, want %+v", want.ID, got, err, want)
			}
		}
		if ks, err := tx.LinkedNotices(ctx, p1.ID); err != nil || fmt.Sprint(ks) != fmt.Sprint([]store.NoticeKey{k1}) {
			t.Errorf("links of %s: %v %v", p1.ID, ks, err)
		}
		for _, ref := range []store.AwaitedRef{code, dossier} {
			c, d := payment.PaymentCode(ref.Key), ""
			if ref.Kind == store.AwaitDossier {
				c, d = "", ref.Key
			}
			if ps, err := tx.PaymentsAwaiting(ctx, c, d); err != nil || len(ps) != 1 || ps[0].ID != p2.ID {
				t.Errorf("awaiting %+v: %v %v", ref, ps, err)
			}
		}
		if as, err := tx.AllocationsByPayment(ctx, p1.ID); err != nil || len(as) != 1 || !as[0].Amount.Equal(alloc.Amount) || as[0].Evidence != alloc.Evidence {
			t.Errorf("allocations of %s: %+v %v", p1.ID, as, err)
		}
		if e, err := tx.Exception(ctx, exc.ID); err != nil || e.Evidence != "no code" || !e.CreatedAt.Equal(exc.CreatedAt) ||
			!slices.Equal(e.Candidates, exc.Candidates) || e.PaymentID != p2.ID {
			t.Errorf("exception %s: %+v %v (the first row of an id wins)", exc.ID, e, err)
		}
		if e, err := tx.Exception(ctx, noPayment.ID); err != nil || e.PaymentID != "" || e.Status != reconcile.ExceptionOpen {
			t.Errorf("exception %s: %+v %v", noPayment.ID, e, err)
		}
		if n, err := tx.Notice(ctx, "dvc", "BK-1"); err != nil || n.Status != payment.NoticePaid {
			t.Errorf("notice BK-1: %s %v, want the last status written", n.Status, err)
		}
		for _, want := range []store.OutboxMessage{msg, binary} {
			if m, err := tx.OutboxMessage(ctx, want.ID); err != nil || string(m.Payload) != string(want.Payload) || m.State != store.OutboxPending {
				t.Errorf("outbox %s: %+v %v", want.ID, m, err)
			}
		}
		return nil
	})
	// The bulk reads.
	inTx(t, s, func(tx store.Tx) error {
		b := store.BulkOf(tx)
		ps, err := b.PaymentsByID(ctx, []string{p2.ID, "vietqr:none", old.ID, p2.ID})
		if got := sortedPaymentIDs(ps); err != nil || got != sortedPaymentIDs([]payment.Payment{old, p2}) {
			t.Errorf("PaymentsByID: %s %v", got, err)
		}
		if ps, err := b.PaymentsByID(ctx, nil); err != nil || len(ps) != 0 {
			t.Errorf("PaymentsByID(nil): %v %v", ps, err)
		}
		key := reconcile.DossierKey(string(n1.Dossier))
		dn, err := b.NoticesByDossiers(ctx, []string{"NOSUCH", key})
		if err != nil || len(dn) != 2 || dn[0].Notice.ID != "BK-1" || dn[1].Notice.ID != "BK-2" || dn[0].DossierKey != key || dn[1].Code != n2.Code {
			t.Errorf("NoticesByDossiers: %+v %v", dn, err)
		}
		inUse, err := b.NoticesInUse(ctx, []store.NoticeKey{k1, {System: "dvc", ID: "BK-2"}, {System: "dvc", ID: "BK-3"}, {System: "x", ID: "y"}})
		slices.SortFunc(inUse, func(a, b store.NoticeKey) int { return strings.Compare(a.ID, b.ID) })
		if err != nil || fmt.Sprint(inUse) != "[{dvc BK-1} {dvc BK-3}]" {
			t.Errorf("NoticesInUse: %v %v, want BK-1 (allocated and linked) and BK-3 (linked)", inUse, err)
		}
		ex, err := b.OutboxExisting(ctx, []string{"nope", msg.ID})
		if err != nil || fmt.Sprint(ex) != "["+msg.ID+"]" {
			t.Errorf("OutboxExisting: %v %v", ex, err)
		}
		qs := []store.AmountSince{{Amount: payment.VNDOf(100_000), Since: base.Add(-30 * 24 * time.Hour)},
			{Amount: payment.VNDOf(250_000), Since: base.Add(-30 * 24 * time.Hour)}, {Amount: payment.VNDOf(1), Since: base},
			{Amount: payment.VNDOf(100_000), Since: base.Add(-30 * 24 * time.Hour)}}
		got, err := b.OpenNoticesByAmounts(ctx, qs, 20)
		if err != nil || len(got) != len(qs) {
			t.Fatalf("OpenNoticesByAmounts: %v %v", got, err)
		}
		for i, q := range qs {
			want, err := tx.OpenNoticesByAmount(ctx, q.Amount, q.Since, 20)
			must(t, err)
			if fmt.Sprint(ids(got[i])) != fmt.Sprint(ids(want)) {
				t.Errorf("OpenNoticesByAmounts query %d: %v, want %v", i, ids(got[i]), ids(want))
			}
			for j := range want {
				if !got[i][j].Equal(want[j]) {
					t.Errorf("OpenNoticesByAmounts query %d notice %d: %+v, want %+v", i, j, got[i][j], want[j])
				}
			}
		}
		if len(got[0]) != 1 || got[0][0].ID != "BK-2" {
			t.Errorf("open notices of 100,000: %v, want BK-2 (BK-1 is paid)", ids(got[0]))
		}
		return nil
	})
	// What the one-row methods refuse is refused, and nothing stays.
	p3 := Payment(payment.GatewayVietQR, "BK-P3", 100_000, base.Add(time.Hour))
	for _, c := range []struct {
		name string
		b    store.Batch
		want error
	}{
		{"a payment stored already", store.Batch{Payments: []payment.Payment{p3, p1}}, store.ErrAlreadyExists},
		{"a payment twice", store.Batch{Payments: []payment.Payment{p3, p3}}, store.ErrAlreadyExists},
		{"an allocation stored already", store.Batch{Payments: []payment.Payment{p3}, Allocations: []reconcile.Allocation{alloc}}, store.ErrAlreadyExists},
		{"an overdrawing allocation", store.Batch{Payments: []payment.Payment{p3}, Allocations: []reconcile.Allocation{{
			PaymentID: p3.ID, NoticeSystem: "dvc", NoticeID: "BK-2", Amount: payment.VNDOf(100_001), Rule: reconcile.RulePaymentCode}}}, store.ErrConflict},
		{"a status of no notice", store.Batch{Payments: []payment.Payment{p3}, Statuses: []store.StatusChange{
			{Notice: store.NoticeKey{System: "dvc", ID: "NONE"}, Status: payment.NoticePaid}}}, store.ErrNotFound},
		{"an unknown status", store.Batch{Payments: []payment.Payment{p3}, Statuses: []store.StatusChange{{Notice: k1, Status: "lost"}}}, store.ErrConflict},
		{"an invalid reference", store.Batch{Payments: []payment.Payment{p3}, Awaits: []store.Await{{PaymentID: p3.ID, Ref: store.AwaitedRef{Kind: "name", Key: "x"}}}}, store.ErrConflict},
		{"a message stored already", store.Batch{Payments: []payment.Payment{p3}, Outbox: []store.OutboxMessage{msg}}, store.ErrAlreadyExists},
	} {
		err := s.InTx(ctx, func(tx store.Tx) error { return store.BulkOf(tx).WriteBatch(ctx, c.b) })
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		inTx(t, s, func(tx store.Tx) error {
			if _, err := tx.Payment(ctx, p3.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: payment %s stored (%v)", c.name, p3.ID, err)
			}
			return nil
		})
	}
	inTx(t, s, func(tx store.Tx) error { return store.BulkOf(tx).WriteBatch(ctx, store.Batch{}) })
	// Delivered in one statement, as MarkDelivered would; not twice.
	at := base.Add(time.Hour)
	inTx(t, s, func(tx store.Tx) error {
		return store.BulkOf(tx).MarkDeliveredAll(ctx, []string{msg.ID, binary.ID}, at)
	})
	inTx(t, s, func(tx store.Tx) error {
		for _, id := range []string{msg.ID, binary.ID} {
			m, err := tx.OutboxMessage(ctx, id)
			if err != nil || m.State != store.OutboxDelivered || m.DeliveredAt == nil || !m.DeliveredAt.Equal(at) || m.Attempts != 1 {
				t.Errorf("outbox %s after MarkDeliveredAll: %+v %v", id, m, err)
			}
		}
		return nil
	})
	for _, ids := range [][]string{{msg.ID}, {"nope"}} {
		err := s.InTx(ctx, func(tx store.Tx) error { return store.BulkOf(tx).MarkDeliveredAll(ctx, ids, at) })
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MarkDeliveredAll %v again: %v, want ErrConflict or ErrNotFound", ids, err)
		}
	}
}

func sortedPaymentIDs(ps []payment.Payment) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	return fmt.Sprint(ids)
}
