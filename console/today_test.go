package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

func TestComputeToday(t *testing.T) {
	t.Parallel()
	day := payment.DateOf(clock)
	at := clock.Add(-time.Hour)
	pay := func(gw payment.Gateway, txn string, dong int64) payment.Payment {
		return payment.Payment{ID: payment.PaymentID(gw, txn), Gateway: gw, TxnID: txn, Amount: payment.VNDOf(dong), PaidAt: at}
	}
	alloc := func(p payment.Payment, notice string, dong int64) reconcile.Allocation {
		return reconcile.Allocation{PaymentID: p.ID, NoticeSystem: "dvc", NoticeID: notice, Amount: payment.VNDOf(dong), Rule: reconcile.RulePaymentCode}
	}
	exc := func(kind reconcile.ExceptionKind, p payment.Payment, dong int64, st reconcile.ExceptionStatus) reconcile.Exception {
		return reconcile.Exception{ID: reconcile.ExceptionID(kind, p.ID), Kind: kind, PaymentID: p.ID, Amount: payment.VNDOf(dong), Status: st}
	}
	a1 := pay(payment.GatewayVietQR, "1", 150_000) // N1 (H40.01)
	a2 := pay(payment.GatewayVietQR, "2", 360_000) // N1 350 000 + overpaid 10 000
	b1 := pay(payment.GatewayMoMo, "3", 1_500_000) // N2 (H29.75)
	m1 := pay(payment.GatewayMoMo, "4", 700_000)   // N1 200 000 + N2 500 000
	u1 := pay(payment.GatewayVNPay, "5", 770_000)  // unmatched, no notice
	d1 := pay(payment.GatewayZaloPay, "6", 50_000) // duplicate, resolved
	in := console.DayInput{
		Payments: []payment.Payment{a1, a2, b1, m1, u1, d1},
		Allocations: map[string][]reconcile.Allocation{
			a1.ID: {alloc(a1, "N1", 150_000)},
			a2.ID: {alloc(a2, "N1", 350_000)},
			b1.ID: {alloc(b1, "N2", 1_500_000)},
			m1.ID: {alloc(m1, "N1", 200_000), alloc(m1, "N2", 500_000)},
		},
		NoticeAgency: map[store.NoticeKey]string{{System: "dvc", ID: "N1"}: "H40.01", {System: "dvc", ID: "N2"}: "H29.75"},
		Exceptions: []reconcile.Exception{
			exc(reconcile.ExceptionOverpaid, a2, 10_000, reconcile.ExceptionOpen),
			exc(reconcile.ExceptionUnmatched, u1, 770_000, reconcile.ExceptionOpen),
			exc(reconcile.ExceptionDuplicate, d1, 50_000, reconcile.ExceptionResolved),
			// The daily run's exceptions are the report's, not counted here.
			exc(reconcile.ExceptionMissingCredit, a1, 150_000, reconcile.ExceptionOpen),
			// Another day's payment's exception is not this day's.
			{ID: "unmatched|momo:old", Kind: reconcile.ExceptionUnmatched, PaymentID: "momo:old", Amount: payment.VNDOf(1), Status: reconcile.ExceptionOpen},
		},
	}
	// What the store's scoped ListExceptions would return for H40.01:
	// the overpayment of its notice and the duplicate that referenced it.
	scoped := in
	scoped.Exceptions = []reconcile.Exception{in.Exceptions[0], in.Exceptions[2]}
	vnd := func(d int64) []payment.Money { return []payment.Money{payment.VNDOf(d)} }
	fig := func(n int, d int64) console.Figure { return console.Figure{Count: n, Amounts: vnd(d)} }
	for _, tc := range []struct {
		name string
		sees func(string) bool
		in   console.DayInput
		want console.Today
	}{
		{"every agency", func(string) bool { return true }, in, console.Today{
			Date:      day,
			Collected: fig(6, 3_530_000),
			ByChannel: []console.Row{
				{Key: "momo", Figure: fig(2, 2_200_000)}, {Key: "vietqr", Figure: fig(2, 510_000)},
				{Key: "vnpay", Figure: fig(1, 770_000)}, {Key: "zalopay", Figure: fig(1, 50_000)},
			},
			ByAgency: []console.Row{{Key: "H29.75", Figure: fig(2, 2_000_000)}, {Key: "H40.01", Figure: fig(3, 700_000)}},
			Matched:  fig(5, 2_700_000), Open: fig(2, 780_000), Resolved: fig(1, 50_000),
		}},
		{"H40.01 only", func(a string) bool { return a == "H40.01" }, scoped, console.Today{
			Date:      day,
			Collected: fig(4, 760_000),
			ByChannel: []console.Row{{Key: "momo", Figure: fig(1, 200_000)}, {Key: "vietqr", Figure: fig(2, 510_000)}, {Key: "zalopay", Figure: fig(1, 50_000)}},
			ByAgency:  []console.Row{{Key: "H40.01", Figure: fig(3, 700_000)}},
			Matched:   fig(3, 700_000), Open: fig(1, 10_000), Resolved: fig(1, 50_000),
		}},
		{"an empty day", func(string) bool { return true }, console.DayInput{}, console.Today{
			Date: day, ByChannel: []console.Row{}, ByAgency: []console.Row{},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := console.ComputeToday(day, tc.sees, tc.in)
			if g, w := describe(got), describe(tc.want); g != w {
				t.Errorf("today:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// describe writes every figure of t, money by its exact decimal.
func describe(t console.Today) string {
	var b strings.Builder
	f := func(name string, x console.Figure) {
		ms := make([]string, len(x.Amounts))
		for i, m := range x.Amounts {
			ms[i] = m.String()
		}
		fmt.Fprintf(&b, "%s: %d %v\n", name, x.Count, ms)
	}
	fmt.Fprintf(&b, "date %s\n", t.Date)
	f("collected", t.Collected)
	for _, r := range t.ByChannel {
		f("channel "+r.Key, r.Figure)
	}
	for _, r := range t.ByAgency {
		f("agency "+r.Key, r.Figure)
	}
	f("matched", t.Matched)
	f("open", t.Open)
	f("resolved", t.Resolved)
	return b.String()
}
