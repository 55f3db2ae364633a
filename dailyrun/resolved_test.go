package dailyrun_test

import (
	"context"
	"slices"
	"testing"

	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// A missing_event an accountant resolved after v1 is not raised open again:
// the next run makes a version that lists it as resolved, the store row
// stays resolved, and a further run makes no version.
func TestJobResolvedExceptionStaysResolved(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		loadDay(t, st)
		clk := &clock{t: at(27, 1, 0)}
		job := newJob(t, st, clk)
		v1, err := job.Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		all1 := byScope(t, v1, daily.AgencyAll)
		var id string
		for _, e := range all1.Exceptions {
			if e.Kind == reconcile.ExceptionMissingEvent && e.PaymentID == "" {
				id = e.ID
				break
			}
		}
		if id == "" {
			t.Fatal("v1 has no missing_event")
		}
		clk.t = at(27, 8, 0)
		err = st.InTx(ctx, func(tx store.Tx) error {
			return tx.ResolveException(ctx, id, "refund of a misdirected transfer", "kt01", clk.t)
		})
		if err != nil {
			t.Fatal(err)
		}

		clk.t = at(27, 9, 0)
		v2, err := job.Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(v2, func(r daily.Report) string { return r.ID }); !slices.Equal(got, []string{"daily/2026-11-26/ALL/v2"}) {
			t.Fatalf("after the resolution stored %v, want ALL v2 only", got)
		}
		all2 := v2[0]
		for _, e := range all2.Exceptions {
			if e.ID == id {
				t.Fatalf("v2 lists resolved %s as open", id)
			}
		}
		if len(all2.Resolved) != 1 || all2.Resolved[0].ID != id || all2.Resolved[0].ResolvedAt == nil ||
			!all2.Resolved[0].ResolvedAt.Equal(at(27, 8, 0)) || all2.Totals.ResolvedExceptions != 1 {
			t.Fatalf("v2 resolved %+v (total %d)", all2.Resolved, all2.Totals.ResolvedExceptions)
		}
		if c := all2.Diff.Exceptions; !slices.Equal(c.Removed, []string{id}) || len(c.Added)+len(c.Changed) > 0 {
			t.Errorf("v2 exception diff %+v", c)
		}
		if all2.Totals.OpenExceptions != all1.Totals.OpenExceptions-1 {
			t.Errorf("open exceptions %d, v1 had %d", all2.Totals.OpenExceptions, all1.Totals.OpenExceptions)
		}
		var row reconcile.Exception
		err = st.InTx(ctx, func(tx store.Tx) error {
			var err error
			row, err = tx.Exception(ctx, id)
			return err
		})
		if err != nil || row.Status != reconcile.ExceptionResolved {
			t.Fatalf("store row %s: status %s, %v", id, row.Status, err)
		}

		clk.t = at(27, 12, 0)
		if again, err := job.Run(ctx, businessDate, ""); err != nil || len(again) != 0 {
			t.Fatalf("re-run stored %v, %v; want nothing", ids(again, func(r daily.Report) string { return r.ID }), err)
		}
	})
}
