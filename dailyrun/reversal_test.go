package dailyrun_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// A reversal of a reported day's payment: the scheduler produces the
// day's next version by itself, which lists the reversal and no longer
// counts the payment's allocation; v1's bytes stay.
func TestSchedulerReReportsADayAfterAReversal(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		if err := st.InTx(ctx, func(tx store.Tx) error {
			for _, n := range loadNotices(t) {
				if err := tx.CreateNotice(ctx, n); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		record(t, st, at(26, 23, 0), loadEvents(t, "events.jsonl"))
		clk := newFakeClock(at(27, 0, 30))
		job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace,
			CreditWindowDays: 1, FirstDay: businessDate})
		if err != nil {
			t.Fatal(err)
		}
		step := func(now time.Time) []string {
			t.Helper()
			clk.Set(now)
			ran, _, err := s.Step(ctx)
			if err != nil {
				t.Fatalf("step at %s: %v", now, err)
			}
			return dates(ran)
		}
		if got := step(at(27, 0, 30)); !slices.Equal(got, []string{"2026-11-26"}) {
			t.Fatalf("at the grace's end ran %v", got)
		}
		v1Body := bytes.Clone(storedReport(t, st, businessDate, daily.AgencyAll, 1).Body)
		// A paid bank payment of the 26th, and its reversal booked that
		// evening, notified late.
		var p payment.Payment
		if err := st.InTx(ctx, func(tx store.Tx) error {
			ps, err := tx.ListPayments(ctx, at(26, 0, 0), at(27, 0, 0))
			if err != nil {
				return err
			}
			for _, q := range ps {
				as, err := tx.AllocationsByPayment(ctx, q.ID)
				if err != nil {
					return err
				}
				if len(as) > 0 && !q.Gateway.Wallet() {
					p = q
					return nil
				}
			}
			return nil
		}); err != nil || p.ID == "" {
			t.Fatalf("no allocated bank payment on the 26th: %v", err)
		}
		eng, err := reconcile.NewEngine(reconcile.Config{})
		if err != nil {
			t.Fatal(err)
		}
		pr := ingest.New(st, eng, func() time.Time { return at(27, 9, 0) }, nil)
		r := payment.Reversal{ID: payment.ReversalID(payment.GatewayCamt054, "FTREV1"), Gateway: payment.GatewayCamt054,
			TxnID: "FTREV1", OriginalRefs: []string{p.TxnID}, Amount: p.Amount, ReversedAt: at(26, 22, 0)}
		if out, err := pr.Reverse(ctx, r); err != nil || out.PaymentID != p.ID {
			t.Fatalf("Reverse = %+v, %v", out, err)
		}
		if got := step(at(27, 9, 30)); !slices.Equal(got, []string{"2026-11-26"}) {
			t.Fatalf("the grace after the reversal ran %v", got)
		}
		v2, err := dailyrun.DecodeStored(storedReport(t, st, businessDate, daily.AgencyAll, 2))
		if err != nil {
			t.Fatal(err)
		}
		if len(v2.Reversals) != 1 || v2.Reversals[0].ReversalID != r.ID || v2.Reversals[0].PaymentID != p.ID {
			t.Errorf("v2 reversals %+v", v2.Reversals)
		}
		if v2.Diff == nil || v2.Diff.Reversals == nil || !slices.Equal(v2.Diff.Reversals.Added, []string{r.ID}) {
			t.Errorf("v2 diff %+v", v2.Diff)
		}
		for _, a := range v2.Allocations {
			if a.PaymentID == p.ID {
				t.Errorf("v2 still allocates the reversed payment: %+v", a)
			}
		}
		if got := step(at(27, 10, 0)); len(got) != 0 {
			t.Errorf("ran %v again", got)
		}
		if !bytes.Equal(storedReport(t, st, businessDate, daily.AgencyAll, 1).Body, v1Body) {
			t.Error("v1's stored bytes changed")
		}
	})
}

// A payment of the day that a reversal booked days later took back: the
// day's next version marks its payment line reversed by it, and counts
// its money as reversed on the unassigned line and in the totals, not as
// money waiting for a notice; the reversals section, the day's own
// reversals, does not list it (the reversal's own day does). A re-run
// with nothing new makes no version.
func TestJobMarksAPaymentReversedOnALaterDay(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		loadDay(t, st)
		if _, err := newJob(t, st, &clock{t: at(27, 1, 0)}).Run(ctx, businessDate, ""); err != nil {
			t.Fatal(err)
		}
		p := allocatedBankPayment(t, st)
		eng, err := reconcile.NewEngine(reconcile.Config{})
		if err != nil {
			t.Fatal(err)
		}
		pr := ingest.New(st, eng, func() time.Time { return at(29, 10, 5) }, nil)
		r := payment.Reversal{ID: payment.ReversalID(payment.GatewayCamt054, "FTREV29"), Gateway: payment.GatewayCamt054,
			TxnID: "FTREV29", OriginalRefs: []string{p.TxnID}, Amount: p.Amount, ReversedAt: at(29, 10, 0)}
		if out, err := pr.Reverse(ctx, r); err != nil || out.PaymentID != p.ID {
			t.Fatalf("Reverse = %+v, %v", out, err)
		}
		fresh, err := newJob(t, st, &clock{t: at(29, 11, 0)}).Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		v2 := byScope(t, fresh, daily.AgencyAll)
		if v2.Version != 2 {
			t.Fatalf("ALL version %d, want 2", v2.Version)
		}
		if err := v2.Verify(); err != nil {
			t.Error(err)
		}
		i := slices.IndexFunc(v2.Payments, func(l daily.PaymentLine) bool { return l.PaymentID == p.ID })
		if i < 0 {
			t.Fatalf("v2 does not list %s", p.ID)
		}
		if l := v2.Payments[i]; l.ReversedBy != r.ID || !l.Reversed.Equal(p.Amount.Amount) || !l.Unassigned.Equal(p.Amount.Amount) || !l.Collected.IsZero() {
			t.Errorf("payment line %+v, want all of it unassigned and reversed by %s", l, r.ID)
		}
		ch := p.Gateway.Channel()
		if j := slices.IndexFunc(v2.Unassigned, func(u daily.UnassignedLine) bool { return u.Channel == ch }); j < 0 ||
			!v2.Unassigned[j].Reversed.Equal(p.Amount.Amount) {
			t.Errorf("unassigned lines %+v, want %s reversed on %s", v2.Unassigned, p.Amount.Amount, ch)
		}
		if !v2.Totals.UnassignedReversed.Equal(p.Amount.Amount) {
			t.Errorf("totals unassigned_reversed %s, want %s", v2.Totals.UnassignedReversed, p.Amount.Amount)
		}
		if len(v2.Reversals) != 0 {
			t.Errorf("the 26th lists the reversal of the 29th: %+v", v2.Reversals)
		}
		again, err := newJob(t, st, &clock{t: at(29, 12, 0)}).Run(ctx, businessDate, "")
		if err != nil || len(again) != 0 {
			t.Errorf("a re-run with nothing new stored %d versions (%v)", len(again), err)
		}
		day29 := payment.Date{Year: 2026, Month: time.November, Day: 29}
		reps, err := newJob(t, st, &clock{t: at(30, 1, 0)}).Run(ctx, day29, "")
		if err != nil {
			t.Fatal(err)
		}
		if all := byScope(t, reps, daily.AgencyAll); len(all.Reversals) != 1 || all.Reversals[0].ReversalID != r.ID {
			t.Errorf("the 29th's reversals %+v, want %s", all.Reversals, r.ID)
		}
	})
}

// allocatedBankPayment is a bank payment of the 26th that paid a notice.
func allocatedBankPayment(t *testing.T, st store.Store) payment.Payment {
	t.Helper()
	ctx := context.Background()
	var p payment.Payment
	if err := st.InTx(ctx, func(tx store.Tx) error {
		ps, err := tx.ListPayments(ctx, at(26, 0, 0), at(27, 0, 0))
		if err != nil {
			return err
		}
		for _, q := range ps {
			as, err := tx.AllocationsByPayment(ctx, q.ID)
			if err != nil {
				return err
			}
			if len(as) > 0 && !q.Gateway.Wallet() {
				p = q
				return nil
			}
		}
		return nil
	}); err != nil || p.ID == "" {
		t.Fatalf("no allocated bank payment on the 26th: %v", err)
	}
	return p
}
