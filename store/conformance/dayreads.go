package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// dayReadTests are the reads of a whole business day in one statement
// each (AllocationsPaidIn, ExceptionsPaidIn, NoticesPaid, NoticesByKeys,
// ExceptionsByID):
// the same rows, in the same order, as the per-payment and per-notice
// reads they replace.
func dayReadTests() []struct {
	name string
	fn   func(t *testing.T, s store.Store)
} {
	return []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"DayReadsAllocationsAndExceptions", testPaidIn},
		{"DayReadsNoticesPaid", testNoticesPaid},
		{"DayReadsNoticesByKeys", testNoticesByKeys},
		{"DayReadsExceptionsByID", testExceptionsByID},
	}
}

// dayFixture stores notices N1…N4 of 100k and five payments: T1 splits
// 200k over N2 and N1 at base, T0 pays N3 one second earlier with the
// same paid_at as T9 (ties by id), T2 names nothing an hour later (two
// exceptions), T3 pays N1 and N4 a day later (outside the range) with an
// exception of its own.
func dayFixture(t *testing.T, s store.Store) (from, to time.Time) {
	t.Helper()
	var ns []payment.Notice
	for i := range 4 {
		ns = append(ns, Notice(t, "dvc", fmt.Sprintf("N%d", i+1), uint64(i+1), 100_000))
	}
	ps := []payment.Payment{
		Payment(payment.GatewayVietQR, "T1", 200_000, base),
		Payment(payment.GatewayVietQR, "T9", 50_000, base.Add(-time.Second)),
		Payment(payment.GatewayMoMo, "T0", 100_000, base.Add(-time.Second)),
		Payment(payment.GatewayVietQR, "T2", 70_000, base.Add(time.Hour)),
		Payment(payment.GatewayVietQR, "T3", 30_000, base.Add(24*time.Hour)),
	}
	alloc := func(p payment.Payment, n payment.Notice, dong int64) reconcile.Allocation {
		return reconcile.Allocation{PaymentID: p.ID, NoticeSystem: n.System, NoticeID: n.ID, Code: n.Code,
			Amount: payment.VNDOf(dong), Rule: reconcile.RulePaymentCode, Evidence: string(n.Code)}
	}
	exc := func(id string, kind reconcile.ExceptionKind, p payment.Payment) reconcile.Exception {
		return reconcile.Exception{ID: id, Kind: kind, PaymentID: p.ID, Amount: p.Amount, CreatedAt: base.Add(2 * time.Hour)}
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, n := range ns {
			must(t, tx.CreateNotice(ctx, n))
		}
		for _, p := range ps {
			must(t, tx.InsertPayment(ctx, p))
		}
		must(t, tx.InsertAllocation(ctx, alloc(ps[0], ns[1], 100_000)))
		must(t, tx.InsertAllocation(ctx, alloc(ps[0], ns[0], 60_000)))
		must(t, tx.InsertAllocation(ctx, alloc(ps[2], ns[2], 100_000)))
		must(t, tx.InsertAllocation(ctx, alloc(ps[4], ns[0], 10_000)))
		must(t, tx.InsertAllocation(ctx, alloc(ps[4], ns[3], 20_000)))
		must(t, tx.UpsertException(ctx, exc("e-overpaid-T1", reconcile.ExceptionOverpaid, ps[0])))
		must(t, tx.UpsertException(ctx, exc("e-unmatched-T2", reconcile.ExceptionUnmatched, ps[3])))
		must(t, tx.UpsertException(ctx, exc("e-ambiguous-T2", reconcile.ExceptionAmbiguous, ps[3])))
		must(t, tx.UpsertException(ctx, exc("e-unmatched-T3", reconcile.ExceptionUnmatched, ps[4])))
		// An exception of no payment is never among a payment's.
		return tx.UpsertException(ctx, reconcile.Exception{ID: "e-missing-event", Kind: reconcile.ExceptionMissingEvent,
			StatementRef: "S1/1", Amount: payment.VNDOf(5_000), CreatedAt: base})
	})
	return base.Add(-time.Minute), base.Add(2 * time.Hour)
}

func testPaidIn(t *testing.T, s store.Store) {
	from, to := dayFixture(t, s)
	inTx(t, s, func(tx store.Tx) error {
		// What the per-payment reads give, in ListPayments's order.
		ps, err := tx.ListPayments(ctx, from, to)
		must(t, err)
		var wantA []reconcile.Allocation
		var wantE []reconcile.Exception
		for _, p := range ps {
			as, err := tx.AllocationsByPayment(ctx, p.ID)
			must(t, err)
			wantA = append(wantA, as...)
			es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
			must(t, err)
			wantE = append(wantE, es...)
		}
		as, err := tx.AllocationsPaidIn(ctx, from, to)
		must(t, err)
		if got, want := fmt.Sprintf("%+v", as), fmt.Sprintf("%+v", wantA); got != want || len(as) != 3 {
			t.Errorf("allocations paid in:\n got %s\nwant %s", got, want)
		}
		var keys []string
		for _, a := range as {
			keys = append(keys, a.PaymentID+">"+a.NoticeID)
		}
		if got := fmt.Sprint(keys); got != "[momo:T0>N3 vietqr:T1>N1 vietqr:T1>N2]" {
			t.Errorf("allocations paid in, order: %s", got)
		}
		es, err := tx.ExceptionsPaidIn(ctx, from, to)
		must(t, err)
		if got, want := fmt.Sprintf("%+v", es), fmt.Sprintf("%+v", wantE); got != want || len(es) != 3 {
			t.Errorf("exceptions paid in:\n got %s\nwant %s", got, want)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		if got := fmt.Sprint(ids); got != "[e-overpaid-T1 e-ambiguous-T2 e-unmatched-T2]" {
			t.Errorf("exceptions paid in, order: %s", got)
		}
		// [from, to): a payment paid at to is not in it.
		as, err = tx.AllocationsPaidIn(ctx, from, base.Add(-time.Second))
		must(t, err)
		es, err = tx.ExceptionsPaidIn(ctx, base.Add(time.Hour), base.Add(time.Hour))
		must(t, err)
		if len(as) != 0 || len(es) != 0 {
			t.Errorf("empty ranges: %+v %+v", as, es)
		}
		return nil
	})
}

func testNoticesPaid(t *testing.T, s store.Store) {
	dayFixture(t, s)
	key := func(id string) store.NoticeKey { return store.NoticeKey{System: "dvc", ID: id} }
	inTx(t, s, func(tx store.Tx) error {
		// N1 twice, N4 paid only a day later, N9 not stored: N1 summed once.
		got, err := tx.NoticesPaid(ctx, []store.NoticeKey{key("N3"), key("N1"), key("N4"), key("N9"), key("N1")}, base.Add(2*time.Hour))
		must(t, err)
		if s := paidString(got); s != "[dvc/N1=60000 dvc/N3=100000]" {
			t.Errorf("paid before the day's end: %s", s)
		}
		got, err = tx.NoticesPaid(ctx, []store.NoticeKey{key("N1"), key("N4"), key("N2")}, base.Add(25*time.Hour))
		must(t, err)
		if s := paidString(got); s != "[dvc/N1=70000 dvc/N2=100000 dvc/N4=20000]" {
			t.Errorf("paid before the next day's end: %s", s)
		}
		// Before is exclusive: T1 paid at base is not counted before base.
		got, err = tx.NoticesPaid(ctx, []store.NoticeKey{key("N1"), key("N3")}, base)
		must(t, err)
		if s := paidString(got); s != "[dvc/N3=100000]" {
			t.Errorf("paid before base: %s", s)
		}
		got, err = tx.NoticesPaid(ctx, nil, base)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("no keys: %v", got)
		}
		return nil
	})
}

func paidString(ps []store.NoticePaid) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s/%s=%s", p.System, p.ID, p.Paid))
	}
	return fmt.Sprint(out)
}

func testNoticesByKeys(t *testing.T, s store.Store) {
	dayFixture(t, s)
	inTx(t, s, func(tx store.Tx) error {
		ns, err := tx.NoticesByKeys(ctx, []store.NoticeKey{{System: "dvc", ID: "N3"}, {System: "dvc", ID: "N1"},
			{System: "other", ID: "N1"}, {System: "dvc", ID: "N3"}})
		must(t, err)
		if len(ns) != 2 || ns[0].ID != "N1" || ns[1].ID != "N3" {
			t.Fatalf("notices by keys: %+v", ns)
		}
		one, err := tx.Notice(ctx, "dvc", "N3")
		must(t, err)
		if fmt.Sprintf("%+v", ns[1]) != fmt.Sprintf("%+v", one) {
			t.Errorf("notice by keys\n %+v\nnot Notice's\n %+v", ns[1], one)
		}
		ns, err = tx.NoticesByKeys(ctx, nil)
		must(t, err)
		if len(ns) != 0 {
			t.Errorf("no keys: %+v", ns)
		}
		return nil
	})
}

func testExceptionsByID(t *testing.T, s store.Store) {
	dayFixture(t, s)
	inTx(t, s, func(tx store.Tx) error {
		es, err := tx.ExceptionsByID(ctx, []string{"e-unmatched-T3", "nope", "e-missing-event", "e-unmatched-T3", "e-ambiguous-T2"})
		must(t, err)
		var ids []string
		for _, e := range es {
			ids = append(ids, e.ID)
			one, err := tx.Exception(ctx, e.ID)
			must(t, err)
			if fmt.Sprintf("%+v", one) != fmt.Sprintf("%+v", e) {
				t.Errorf("exception by id\n %+v\nnot Exception's\n %+v", e, one)
			}
		}
		if got := fmt.Sprint(ids); got != "[e-ambiguous-T2 e-missing-event e-unmatched-T3]" {
			t.Errorf("exceptions by id: %s", got)
		}
		es, err = tx.ExceptionsByID(ctx, nil)
		must(t, err)
		if len(es) != 0 {
			t.Errorf("no ids: %+v", es)
		}
		return nil
	})
}
