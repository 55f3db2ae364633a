package daily_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// A reversal booked on the day is listed in the ALL report, not in an
// agency's; one of another day is not; the next version's diff adds it,
// and the version before keeps its bytes.
func TestReversalsOfTheDay(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	v1Bytes := reportJSON(t, byAgency(t, v1, daily.AgencyAll))
	loc := payment.Location()
	on := payment.Reversal{ID: "camt054:FTR1", Gateway: payment.GatewayCamt054, TxnID: "FTR1", OriginalRefs: []string{"FT1"},
		PaymentID: "camt054:FT1", Amount: payment.VNDOf(150000), ReversedAt: time.Date(2026, time.November, 26, 10, 30, 0, 0, loc)}
	unknown := payment.Reversal{ID: "camt054:FTR2", Gateway: payment.GatewayCamt054, TxnID: "FTR2",
		Amount: payment.VNDOf(80000), ReversedAt: time.Date(2026, time.November, 26, 9, 0, 0, 0, loc)}
	later := payment.Reversal{ID: "camt054:FTR3", Gateway: payment.GatewayCamt054, TxnID: "FTR3", OriginalRefs: []string{"FT3"},
		Amount: payment.VNDOf(1000), ReversedAt: time.Date(2026, time.November, 28, 9, 0, 0, 0, loc)}
	in := d.input(m, d.events, nowV2, v1.Reports)
	in.Reversals = []payment.Reversal{on, later, unknown}
	v2 := reconcileOK(t, in)
	all := byAgency(t, v2, daily.AgencyAll)
	var ids []string
	for _, l := range all.Reversals {
		ids = append(ids, l.ReversalID)
	}
	if !slices.Equal(ids, []string{unknown.ID, on.ID}) {
		t.Fatalf("ALL reversals %v, want the day's two by time", ids)
	}
	if l := all.Reversals[1]; l.PaymentID != on.PaymentID || l.Channel != "transfer" || l.Amount.String() != "150000" ||
		l.Currency != payment.VND || !l.ReversedAt.Equal(on.ReversedAt) {
		t.Errorf("reversal line %+v", l)
	}
	if all.Version != 2 || all.Diff == nil || all.Diff.Empty() || all.Diff.Reversals == nil ||
		!slices.Equal(all.Diff.Reversals.Added, []string{on.ID, unknown.ID}) {
		t.Errorf("v2 diff %+v", all.Diff)
	}
	for _, r := range v2.Reports {
		if r.Agency != daily.AgencyAll && len(r.Reversals) != 0 {
			t.Errorf("%s lists reversals", r.ID)
		}
	}
	if err := all.Verify(); err != nil {
		t.Error(err)
	}
	if !bytes.Equal(v1Bytes, reportJSON(t, byAgency(t, v1, daily.AgencyAll))) {
		t.Error("v1 changed")
	}
	var html bytes.Buffer
	if err := daily.WriteHTML(&html, all, daily.Print{Lang: daily.LangEN}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html.Bytes(), []byte("Credits reversed on the day")) || !bytes.Contains(html.Bytes(), []byte("camt054:FTR1")) {
		t.Error("the HTML report does not show the reversals")
	}
	// Nothing new after v2: an empty diff, reversals and all.
	in3 := d.input(m, d.events, nowV2.Add(time.Hour), v2.Reports)
	in3.Reversals = in.Reversals
	if r := byAgency(t, reconcileOK(t, in3), daily.AgencyAll); r.Diff == nil || !r.Diff.Empty() {
		t.Errorf("re-run diff %+v, want empty", r.Diff)
	}
}
