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
