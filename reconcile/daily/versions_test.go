package daily_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// The chain of a day's versions: v1 sent; a late event makes v2; a re-run
// with nothing new says nothing new; another late event makes v3, whose
// diff adds only the new adjustment while both payments stay late events.
// Judging needs only the latest versions; giving every version changes
// nothing; sent versions keep their bytes.
func TestVersionChainOfLateEvents(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	withX := append(append([]payment.Payment(nil), d.events...), d.late...)
	v2 := reconcileOK(t, d.input(m, withX, nowV2, v1.Reports))
	v1Bytes, v2Bytes := reportJSON(t, byAgency(t, v1, daily.AgencyAll)), reportJSON(t, byAgency(t, v2, daily.AgencyAll))
	x := d.late[0].ID
	lateX := reconcile.ExceptionID(reconcile.ExceptionLateEvent, x, businessDate.String())

	// Nothing new after v2: every scope's next version has an empty diff,
	// the late payment keeps its adjustment and its exception's time.
	rerunAt := nowV2.Add(3 * time.Hour)
	again := reconcileOK(t, d.input(m, withX, rerunAt, v2.Reports))
	for _, r := range again.Reports {
		if r.Version != 3 || r.Diff == nil || !r.Diff.Empty() {
			t.Errorf("re-run %s: version %d diff %+v, want an empty diff", r.ID, r.Version, r.Diff)
		}
	}
	a := byAgency(t, again, daily.AgencyAll)
	if got := adjustmentIDs(a); !slices.Equal(got, []string{x}) {
		t.Errorf("re-run adjustments %v, want [%s]", got, x)
	}
	if e := exceptionLine(a, lateX); e == nil || !e.CreatedAt.Equal(nowV2) {
		t.Errorf("re-run late_event %+v, want created at %s", e, nowV2)
	}

	// Another late event: v3 chained to v2.
	y := payment.Payment{ID: "vietqr:SP1099", Gateway: payment.GatewayVietQR, TxnID: "SP1099", Amount: payment.VNDOf(400000),
		PaidAt: time.Date(2026, time.November, 26, 21, 0, 0, 0, payment.Location()), Description: "NP000000016156 nop phi"}
	withXY := append(append([]payment.Payment(nil), withX...), y)
	nowV3 := nowV2.Add(5 * time.Hour)
	v3 := reconcileOK(t, d.input(m, withXY, nowV3, v2.Reports))
	all3 := byAgency(t, v3, daily.AgencyAll)
	if all3.Version != 3 || all3.Diff == nil || all3.Diff.PreviousVersion != 2 || all3.Diff.PreviousSHA256 != byAgency(t, v2, daily.AgencyAll).SHA256 {
		t.Fatalf("v3 %s diff %+v", all3.ID, all3.Diff)
	}
	if got := adjustmentIDs(all3); !slices.Equal(got, []string{y.ID, x}) {
		t.Errorf("v3 adjustments %v, want both late payments", got)
	}
	for _, adj := range all3.Adjustments {
		if adj.Reason != reconcile.ExceptionLateEvent {
			t.Errorf("v3 adjustment %+v: reason %s", adj, adj.Reason)
		}
	}
	if c := all3.Diff.Adjustments; !slices.Equal(c.Added, []string{y.ID + "|late_event|" + `"` + reconcile.ExceptionID(reconcile.ExceptionLateEvent, y.ID, businessDate.String()) + `"`}) || len(c.Removed)+len(c.Changed) > 0 {
		t.Errorf("v3 adjustment diff %+v, want only %s added", c, y.ID)
	}
	if c := all3.Diff.Payments; !slices.Equal(c.Added, []string{y.ID}) || len(c.Removed)+len(c.Changed) > 0 {
		t.Errorf("v3 payment diff %+v", c)
	}
	lateY := reconcile.ExceptionID(reconcile.ExceptionLateEvent, y.ID, businessDate.String())
	if c := all3.Diff.Exceptions; !slices.Equal(c.Added, []string{lateY}) || len(c.Removed)+len(c.Changed) > 0 {
		t.Errorf("v3 exception diff %+v, want only %s added", c, lateY)
	}
	for id, at := range map[string]time.Time{lateX: nowV2, lateY: nowV3} {
		if e := exceptionLine(all3, id); e == nil || e.Kind != reconcile.ExceptionLateEvent || !e.CreatedAt.Equal(at) {
			t.Errorf("v3 exception %s = %+v, want a late_event created at %s", id, e, at)
		}
	}
	for _, p := range all3.Payments {
		if want := p.PaymentID == x || p.PaymentID == y.ID; p.Late != want {
			t.Errorf("v3 payment %s late = %t", p.PaymentID, p.Late)
		}
	}
	if g := byAgency(t, v3, "G01.899.108"); g.Version != 3 || len(g.Adjustments) != 2 {
		t.Errorf("G01 v3: version %d adjustments %+v", g.Version, g.Adjustments)
	}

	// Every version given (v1 and v2 of each scope) is the same as the
	// latest only.
	every := append(append([]daily.Report(nil), v1.Reports...), v2.Reports...)
	v3all := reconcileOK(t, d.input(m, withXY, nowV3, every))
	for i, r := range v3.Reports {
		if v3all.Reports[i].SHA256 != r.SHA256 {
			t.Errorf("%s given every version: sha %s, given the latest: %s", r.ID, v3all.Reports[i].SHA256, r.SHA256)
		}
	}

	if !bytes.Equal(reportJSON(t, byAgency(t, v1, daily.AgencyAll)), v1Bytes) || !bytes.Equal(reportJSON(t, byAgency(t, v2, daily.AgencyAll)), v2Bytes) {
		t.Error("later versions changed the bytes of v1 or v2")
	}
}

func adjustmentIDs(r daily.Report) []string {
	out := make([]string, 0, len(r.Adjustments))
	for _, a := range r.Adjustments {
		out = append(out, a.PaymentID)
	}
	slices.Sort(out)
	return out
}

func exceptionLine(r daily.Report, id string) *daily.ExceptionLine {
	for i := range r.Exceptions {
		if r.Exceptions[i].ID == id {
			return &r.Exceptions[i]
		}
	}
	return nil
}
