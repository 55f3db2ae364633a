package daily_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// LateBeforeWindow: a payment of a day before the window is a late_event
// of its own day (the id detectLate gives it), raised now, whose evidence
// names the day, the window and the command that reports the day; a
// payment within the window, or not in VND, is not one.
func TestLateBeforeWindow(t *testing.T) {
	t.Parallel()
	loc := payment.Location()
	rules := daily.DefaultDayRules()
	window := payment.Date{Year: 2026, Month: time.November, Day: 26}
	now := time.Date(2026, time.November, 27, 10, 30, 0, 0, loc)
	p := payment.Payment{ID: "vietqr:W1", Gateway: payment.GatewayVietQR, TxnID: "W1", Amount: payment.VNDOf(300000),
		PaidAt: time.Date(2026, time.November, 23, 10, 0, 0, 0, loc)}
	for _, c := range []struct {
		name   string
		paidAt time.Time
		amount payment.Money
		want   string // the day, "" for none
	}{
		{"three days before", p.PaidAt, p.Amount, "2026-11-23"},
		{"the eve, before midnight", time.Date(2026, time.November, 25, 23, 59, 59, 0, loc), p.Amount, "2026-11-25"},
		{"the window's first day", time.Date(2026, time.November, 26, 0, 0, 0, 0, loc), p.Amount, ""},
		{"in dollars", p.PaidAt, payment.Money{Amount: p.Amount.Amount, Currency: "USD"}, ""},
	} {
		q := p
		q.PaidAt, q.Amount = c.paidAt, c.amount
		e, ok := rules.LateBeforeWindow(q, window, now)
		if ok != (c.want != "") {
			t.Errorf("%s: raised %v", c.name, ok)
			continue
		}
		if !ok {
			continue
		}
		want := "paid " + q.PaidAt.Format(time.RFC3339) + " for business day " + c.want +
			", before the reporting window starting 2026-11-26: no report lists it; report the day with feerecon report --date " + c.want
		if e.ID != reconcile.ExceptionID(reconcile.ExceptionLateEvent, p.ID, c.want) || e.Kind != reconcile.ExceptionLateEvent ||
			e.PaymentID != p.ID || !e.CreatedAt.Equal(now) || e.Status != reconcile.ExceptionOpen || e.Evidence != want ||
			!e.Amount.Equal(p.Amount) {
			t.Errorf("%s: %+v", c.name, e)
		}
		rd := reconcile.NewEvidenceReader()
		if !daily.IsBeforeWindow(e, rd) {
			t.Errorf("%s: not read as before the window", c.name)
		}
		ordinary := e
		ordinary.Evidence = reconcile.EvidenceLate.Format(q.PaidAt.Format(time.RFC3339), "daily/2026-11-23/ALL/v1")
		if daily.IsBeforeWindow(ordinary, rd) {
			t.Errorf("%s: an ordinary late event read as before the window", c.name)
		}
	}
}

// The ALL report of the day a late event of an unreported day was raised
// on lists it, naming its own day; the reports of other days, and the
// agencies', do not; the same id given twice is listed once (the first
// raised); the next version's diff adds it, and a report without one has
// the bytes it had before the section existed.
func TestLateEventsOfUnreportedDays(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	v1Bytes := reportJSON(t, byAgency(t, v1, daily.AgencyAll))
	if bytes.Contains(v1Bytes, []byte("late_events_unreported_days")) {
		t.Fatal("a report without late events of unreported days names the section")
	}
	loc := payment.Location()
	rules := daily.DefaultDayRules()
	window := payment.Date{Year: 2026, Month: time.November, Day: 26}
	mk := func(id string, paid, raised time.Time) daily.UnreportedLate {
		p := payment.Payment{ID: "vietqr:" + id, Gateway: payment.GatewayVietQR, TxnID: id, Amount: payment.VNDOf(300000), PaidAt: paid}
		e, ok := rules.LateBeforeWindow(p, window, raised)
		if !ok {
			t.Fatalf("%s not before the window", id)
		}
		return daily.UnreportedLate{Exception: e, Payment: p}
	}
	a := mk("W1", time.Date(2026, time.November, 23, 10, 0, 0, 0, loc), time.Date(2026, time.November, 26, 15, 0, 0, 0, loc))
	b := mk("W2", time.Date(2026, time.November, 20, 9, 0, 0, 0, loc), time.Date(2026, time.November, 26, 9, 0, 0, 0, loc))
	again := a
	again.Exception.CreatedAt = time.Date(2026, time.November, 26, 16, 0, 0, 0, loc)
	other := mk("W3", time.Date(2026, time.November, 23, 11, 0, 0, 0, loc), time.Date(2026, time.November, 27, 9, 0, 0, 0, loc))
	in := d.input(m, d.events, nowV2, v1.Reports)
	in.LateUnreported = []daily.UnreportedLate{again, other, a, b}
	v2 := reconcileOK(t, in)
	all := byAgency(t, v2, daily.AgencyAll)
	var got []string
	for _, l := range all.LateUnreported {
		got = append(got, l.PaymentID+"@"+l.BusinessDate.String())
	}
	if !slices.Equal(got, []string{"vietqr:W2@2026-11-20", "vietqr:W1@2026-11-23"}) {
		t.Fatalf("late events of unreported days %v, want the two raised on the 26th by time", got)
	}
	if l := all.LateUnreported[1]; !l.RaisedAt.Equal(a.Exception.CreatedAt) || l.Amount.String() != "300000" || l.Channel != "qr" ||
		!strings.Contains(l.Evidence, "feerecon report --date 2026-11-23") {
		t.Errorf("line %+v", l)
	}
	if all.Diff == nil || all.Diff.Empty() || all.Diff.LateUnreported == nil || len(all.Diff.LateUnreported.Added) != 2 {
		t.Errorf("v2 diff %+v", all.Diff)
	}
	for _, r := range v2.Reports {
		if r.Agency != daily.AgencyAll && len(r.LateUnreported) != 0 {
			t.Errorf("%s lists late events of unreported days", r.ID)
		}
	}
	if err := all.Verify(); err != nil {
		t.Error(err)
	}
	// The same again: nothing new, an empty diff.
	in.PreviousReports = v2.Reports
	in.Now = in.Now.Add(time.Hour)
	if v3 := byAgency(t, reconcileOK(t, in), daily.AgencyAll); v3.Diff == nil || !v3.Diff.Empty() {
		t.Errorf("a re-run with nothing new: diff %+v", v3.Diff)
	}
	if !bytes.Equal(v1Bytes, reportJSON(t, byAgency(t, v1, daily.AgencyAll))) {
		t.Error("v1 changed")
	}
}
