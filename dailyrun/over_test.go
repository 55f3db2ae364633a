package dailyrun_test

import (
	"context"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// A wallet that paid out more than it owed (net + fee > gross) is a
// settlement_short of the gap's magnitude, the same in the report and the
// store (whose schema keeps amounts non-negative), the evidence saying
// which way. The day still runs, and runs again without a new version.
func TestSettlementPaidOutMore(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		csv := "wallet,transaction_id,amount,fee,net,settled_date\nvnpay,777,50000,550,49800,2026-11-26\n"
		if _, err := importFile(st, []byte(csv)); err != nil {
			t.Fatal(err)
		}
		job := newJob(t, st, &clock{t: at(27, 1, 0)})
		reps, err := job.Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		all := byScope(t, reps, daily.AgencyAll)
		var short *daily.ExceptionLine
		for i, e := range all.Exceptions {
			if e.Kind == reconcile.ExceptionSettlementShort {
				short = &all.Exceptions[i]
			}
		}
		if short == nil || short.Amount.String() != "350" || !strings.HasSuffix(short.Evidence, "paid out 350 more than owed") {
			t.Fatalf("report's settlement_short %+v", short)
		}
		var stored reconcile.Exception
		err = st.InTx(ctx, func(tx store.Tx) error {
			var err error
			stored, err = tx.Exception(ctx, short.ID)
			return err
		})
		if err != nil || stored.Amount.Amount.String() != "350" || stored.Evidence != short.Evidence {
			t.Fatalf("stored %s %q, %v", stored.Amount, stored.Evidence, err)
		}
		again, err := job.Run(ctx, businessDate, "")
		if err != nil || len(again) != 0 {
			t.Fatalf("re-run: %d new, %v", len(again), err)
		}
	})
}
