package batch_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
)

// Issue 5, batch form: --statement and --settlement add the three-way
// discrepancies to report.json (an exception without a payment carries
// statement_ref instead of payment_id) and write the per-agency daily
// reports. The day is testdata/daily (its README maps lines to outcomes).
func TestBatchThreeWay(t *testing.T) {
	t.Parallel()
	day, err := payment.ParseDate("2026-11-26")
	if err != nil {
		t.Fatal(err)
	}
	dir := "../../testdata/daily"
	res, err := batch.Run(context.Background(), batch.Options{
		NoticesPath: filepath.Join(dir, "notices.csv"), PaymentsPath: filepath.Join(dir, "events.jsonl"), Date: day,
		Statements:  []string{filepath.Join(dir, "statement.camt053.xml")},
		Settlements: []string{filepath.Join(dir, "settlement.vnpay.csv")},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := batch.WriteReport(out, res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, batch.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Exceptions []struct {
			PaymentID    string                  `json:"payment_id"`
			StatementRef string                  `json:"statement_ref"`
			Kind         reconcile.ExceptionKind `json:"kind"`
		} `json:"exceptions"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	kinds := map[reconcile.ExceptionKind]int{}
	for _, e := range rep.Exceptions {
		kinds[e.Kind]++
		switch e.Kind {
		case reconcile.ExceptionMissingEvent:
			if e.StatementRef == "" || e.PaymentID != "" {
				t.Errorf("missing_event %+v: want statement_ref and no payment_id", e)
			}
		case reconcile.ExceptionAmountMismatch:
			if e.StatementRef == "" || e.PaymentID == "" {
				t.Errorf("amount_mismatch %+v: want both refs", e)
			}
		}
	}
	for kind, want := range map[reconcile.ExceptionKind]int{
		reconcile.ExceptionMissingEvent: 2, reconcile.ExceptionAmountMismatch: 1, reconcile.ExceptionSettlementShort: 1,
		reconcile.ExceptionMissingCredit: 1, reconcile.ExceptionOverpaid: 1, reconcile.ExceptionUnmatched: 1,
		reconcile.ExceptionCancelledNotice: 1,
	} {
		if kinds[kind] != want {
			t.Errorf("%s: %d exceptions, want %d (all: %v)", kind, kinds[kind], want, kinds)
		}
	}
	for _, name := range []string{"daily-ALL.json", "daily-ALL.csv", "daily-ALL.html", batch.DailyXLSX} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	x, err := excelize.OpenFile(filepath.Join(out, batch.DailyXLSX))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if sheets := x.GetSheetList(); len(sheets) < 3 { // ALL and the two agencies
		t.Errorf("sheets %v", sheets)
	}
}
