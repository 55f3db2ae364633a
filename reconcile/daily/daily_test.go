package daily_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

func shuffled[T any](r *rand.Rand, xs []T) []T {
	out := append([]T(nil), xs...)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestDeterministicUnderShuffle(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	all := append(append([]payment.Payment(nil), d.events...), d.late...)
	base := d.input(m, all, nowV2, nil)
	want := reconcileOK(t, base)
	for seed := uint64(1); seed <= 5; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		in := base
		in.Notices = shuffled(r, base.Notices)
		in.NoticeStates = shuffled(r, base.NoticeStates)
		in.Payments = shuffled(r, base.Payments)
		in.Allocations = shuffled(r, base.Allocations)
		in.Exceptions = shuffled(r, base.Exceptions)
		in.StatementLines = shuffled(r, base.StatementLines)
		in.SettlementLines = shuffled(r, base.SettlementLines)
		if seed%2 == 0 {
			// The same files and results given twice are the same day.
			in.StatementLines = shuffled(r, append(append([]statements.Line(nil), in.StatementLines...), base.StatementLines...))
			in.SettlementLines = shuffled(r, append(append([]settlement.Line(nil), in.SettlementLines...), base.SettlementLines...))
			in.Exceptions = shuffled(r, append(append([]reconcile.Exception(nil), in.Exceptions...), base.Exceptions...))
			in.Payments = shuffled(r, append(append([]payment.Payment(nil), in.Payments...), base.Payments...))
		}
		got := reconcileOK(t, in)
		if len(got.Reports) != len(want.Reports) {
			t.Fatalf("seed %d: %d reports, want %d", seed, len(got.Reports), len(want.Reports))
		}
		for i := range want.Reports {
			if got.Reports[i].SHA256 != want.Reports[i].SHA256 {
				t.Errorf("seed %d: report %s sha %s, want %s", seed, got.Reports[i].ID, got.Reports[i].SHA256, want.Reports[i].SHA256)
			}
			if !bytes.Equal(reportJSON(t, got.Reports[i]), reportJSON(t, want.Reports[i])) {
				t.Errorf("seed %d: report %s bytes differ", seed, got.Reports[i].ID)
			}
		}
	}
}

func TestLateEventMakesV2AndKeepsV1(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	v1All := byAgency(t, v1, daily.AgencyAll)
	before := reportJSON(t, v1All)
	for _, e := range v1All.Exceptions {
		if e.Kind == reconcile.ExceptionLateEvent {
			t.Fatal("v1 has a late event")
		}
	}

	all := append(append([]payment.Payment(nil), d.events...), d.late...)
	v2 := reconcileOK(t, d.input(m, all, nowV2, v1.Reports))
	if after := reportJSON(t, byAgency(t, v1, daily.AgencyAll)); !bytes.Equal(before, after) {
		t.Fatal("making v2 changed the bytes of v1")
	}
	if err := v1All.Verify(); err != nil {
		t.Fatalf("v1 no longer verifies: %v", err)
	}
	v2All := byAgency(t, v2, daily.AgencyAll)
	if v2All.Version != 2 || v2All.ID != "daily/2026-11-26/ALL/v2" || v2All.Diff == nil {
		t.Fatalf("v2 %s version %d diff %v", v2All.ID, v2All.Version, v2All.Diff)
	}
	if v2All.Diff.PreviousSHA256 != v1All.SHA256 || v2All.Diff.PreviousVersion != 1 {
		t.Fatalf("diff does not point at v1: %+v", v2All.Diff)
	}
	late := d.late[0].ID
	if len(v2All.Adjustments) != 1 || v2All.Adjustments[0].PaymentID != late || v2All.Adjustments[0].Reason != reconcile.ExceptionLateEvent {
		t.Fatalf("adjustments %+v", v2All.Adjustments)
	}
	if got := v2All.Diff.Payments.Added; len(got) != 1 || got[0] != late {
		t.Fatalf("diff payments added %v", got)
	}
	if !v2All.Diff.Payments.Empty() && (len(v2All.Diff.Payments.Removed) > 0 || len(v2All.Diff.Payments.Changed) > 0) {
		t.Fatalf("only the late payment changes: %+v", v2All.Diff.Payments)
	}
	wantColl := v1All.Totals.Collected.Add(d.late[0].Amount.Amount)
	if !v2All.Totals.Collected.Equal(wantColl) {
		t.Fatalf("v2 collected %s, want %s", v2All.Totals.Collected, wantColl)
	}
	// The agency that got the late payment has its own v2; the other agency's
	// v2 says nothing changed.
	if g := byAgency(t, v2, "G01.899.108"); g.Version != 2 || len(g.Adjustments) != 1 || g.Diff.Empty() {
		t.Fatalf("G01 v2: version %d adjustments %d", g.Version, len(g.Adjustments))
	}
	if h := byAgency(t, v2, "H29.75"); h.Version != 2 || !h.Diff.Empty() {
		t.Fatalf("H29.75 v2 should have an empty diff: %+v", h.Diff)
	}
}

func TestNextVersion(t *testing.T) {
	t.Parallel()
	v1, _ := runDay(t, engineMatcher(t))
	r := byAgency(t, v1, daily.AgencyAll)
	again, err := daily.NextVersion(&r, r)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != 2 || again.Diff == nil || !again.Diff.Empty() || again.SHA256 == r.SHA256 {
		t.Fatalf("re-issue: version %d diff %+v", again.Version, again.Diff)
	}
	if _, err := daily.NextVersion(&r, byAgency(t, v1, "H29.75")); !errors.Is(err, daily.ErrVersion) {
		t.Fatalf("other agency: %v", err)
	}
	first, err := daily.NextVersion(nil, again)
	if err != nil || first.Version != 1 || first.Diff != nil || first.SHA256 != r.SHA256 {
		t.Fatalf("version 1 from scratch: v%d diff %v sha %s (want %s) %v", first.Version, first.Diff, first.SHA256, r.SHA256, err)
	}
}

func TestCheckAndVerifyCatchTampering(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	r := byAgency(t, v2, daily.AgencyAll)
	if err := daily.Check(r); err != nil {
		t.Fatalf("golden report fails its own check: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(r *daily.Report)
	}{
		{"budget collected", func(r *daily.Report) {
			r.Budget[0].Collected.Decimal = r.Budget[0].Collected.Add(decimal.NewFromInt(1))
		}},
		{"channel fees", func(r *daily.Report) { r.Channels[0].Fees.Decimal = r.Channels[0].Fees.Add(decimal.NewFromInt(1)) }},
		{"payment dropped", func(r *daily.Report) { r.Payments = r.Payments[1:] }},
		{"allocation amount", func(r *daily.Report) { r.Allocations[0].Amount.Decimal = decimal.NewFromInt(1) }},
		{"exception dropped", func(r *daily.Report) { r.Exceptions = r.Exceptions[1:] }},
		{"credit count", func(r *daily.Report) { r.Control.LinkedCreditCount++ }},
		{"unassigned", func(r *daily.Report) { r.Unassigned[0].Matched.Decimal = decimal.Zero }},
		{"matched", func(r *daily.Report) { r.Totals.Matched.Decimal = r.Totals.Matched.Add(decimal.NewFromInt(1)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := cloneReport(t, r)
			tc.mutate(&c)
			if err := daily.Check(c); !errors.Is(err, daily.ErrControl) {
				t.Fatalf("Check = %v, want ErrControl", err)
			}
			if err := c.Verify(); err == nil {
				t.Fatal("Verify accepted a changed report")
			}
		})
	}
	c := cloneReport(t, r)
	c.Exceptions[0].Evidence += "."
	if err := c.Verify(); !errors.Is(err, daily.ErrSHA256) {
		t.Fatalf("Verify = %v, want ErrSHA256", err)
	}
}

func cloneReport(t *testing.T, r daily.Report) daily.Report {
	t.Helper()
	var c daily.Report
	if err := jsonRoundTrip(reportJSON(t, r), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJSONRoundTripKeepsSHA(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	for _, r := range v2.Reports {
		canon, err := r.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(canon); hex.EncodeToString(sum[:]) != r.SHA256 {
			t.Fatalf("%s: sha256 is not that of CanonicalJSON", r.ID)
		}
		c := cloneReport(t, r)
		if err := c.Verify(); err != nil {
			t.Fatalf("%s read back does not verify: %v", r.ID, err)
		}
		if !bytes.Equal(reportJSON(t, c), reportJSON(t, r)) {
			t.Fatalf("%s JSON changes on a round trip", r.ID)
		}
	}
}

func TestCSVReadBack(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	r := byAgency(t, v2, daily.AgencyAll)
	var buf bytes.Buffer
	if err := daily.WriteCSV(&buf, r, daily.LangEN); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatal("CSV lacks the UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "Section" || rows[0][9] != "Collected" {
		t.Fatalf("header %v", rows[0])
	}
	if rows[1][0] != "Totals" || rows[1][9] != r.Totals.Collected.String() || rows[1][8] != r.Totals.Expected.String() {
		t.Fatalf("totals row %v", rows[1])
	}
	budget := decimal.Zero
	channels := decimal.Zero
	n := 0
	for _, row := range rows[2:] {
		v, err := decimal.NewFromString(row[9])
		if err != nil {
			t.Fatalf("row %v: %v", row, err)
		}
		switch row[0] {
		case "By budget chapter and sub-item":
			budget = budget.Add(v)
			n++
		case "By payment channel":
			channels = channels.Add(v)
		}
	}
	if n != len(r.Budget) || !budget.Equal(r.Totals.Collected.Decimal) || !channels.Equal(r.Totals.Collected.Decimal) {
		t.Fatalf("CSV budget rows %d sum %s, channels %s, totals %s", n, budget, channels, r.Totals.Collected)
	}
}

func TestHTMLLanguages(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	r := byAgency(t, v2, daily.AgencyAll)
	var en bytes.Buffer
	if err := daily.WriteHTML(&en, r, daily.Print{Lang: daily.LangEN}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(en.String(), "Open exceptions") || strings.Contains(en.String(), "Sai lệch") || !strings.Contains(en.String(), "@media print") {
		t.Fatal("English HTML lacks English labels or print CSS")
	}
	if err := daily.WriteHTML(&en, r, daily.Print{Lang: "fr"}); err == nil {
		t.Fatal("unknown language accepted")
	}
}

func TestInputValidation(t *testing.T) {
	t.Parallel()
	ok := daily.Input{DayRules: daily.DefaultDayRules(), BusinessDate: businessDate, Now: nowV1}
	if _, err := daily.Reconcile(ok); err != nil {
		t.Fatalf("empty day: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(in *daily.Input)
	}{
		{"no date", func(in *daily.Input) { in.BusinessDate = payment.Date{} }},
		{"no now", func(in *daily.Input) { in.Now = time.Time{} }},
		{"cutoff", func(in *daily.Input) { in.Cutoff = 25 * time.Hour }},
		{"window", func(in *daily.Input) { in.CreditWindowDays = daily.MaxCreditWindowDays + 1 }},
		{"settlement as statement", func(in *daily.Input) {
			in.StatementLines = []statements.Line{{Source: statements.SettlementSource(payment.GatewayMoMo)}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := ok
			tc.mutate(&in)
			if _, err := daily.Reconcile(in); !errors.Is(err, daily.ErrInvalidInput) {
				t.Fatalf("error = %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestInconsistentMatchingResult(t *testing.T) {
	t.Parallel()
	d := loadDay(t)
	m := engineMatcher(t)
	in := d.input(m, d.events, nowV1, nil)

	over := in
	over.Allocations = append([]reconcile.Allocation(nil), in.Allocations...)
	over.Allocations[0].Amount = payment.Money{Amount: over.Allocations[0].Amount.Amount.Add(decimal.NewFromInt(1)), Currency: payment.VND}
	if _, err := daily.Reconcile(over); !errors.Is(err, daily.ErrOverAllocated) {
		t.Fatalf("over-allocation: %v", err)
	}
	unknown := in
	unknown.Allocations = append([]reconcile.Allocation(nil), in.Allocations...)
	unknown.Allocations[0].NoticeID = "TB-404"
	if _, err := daily.Reconcile(unknown); !errors.Is(err, daily.ErrUnknownNotice) {
		t.Fatalf("unknown notice: %v", err)
	}
	ghost := in
	ghost.Allocations = append([]reconcile.Allocation(nil), in.Allocations...)
	ghost.Allocations[0].PaymentID = "vietqr:GHOST"
	if _, err := daily.Reconcile(ghost); !errors.Is(err, daily.ErrUnknownPayment) {
		t.Fatalf("unknown payment: %v", err)
	}
}

func TestBusinessDayCutoff(t *testing.T) {
	t.Parallel()
	loc := payment.Location()
	tests := []struct {
		at     time.Time
		cutoff time.Duration
		want   string
	}{
		{time.Date(2026, 11, 26, 23, 59, 59, 0, loc), 0, "2026-11-26"},
		{time.Date(2026, 11, 26, 23, 59, 59, 0, loc), daily.DefaultCutoff, "2026-11-26"},
		{time.Date(2026, 11, 27, 0, 0, 0, 0, loc), daily.DefaultCutoff, "2026-11-27"},
		{time.Date(2026, 11, 26, 16, 59, 59, 0, loc), 17 * time.Hour, "2026-11-26"},
		{time.Date(2026, 11, 26, 17, 0, 0, 0, loc), 17 * time.Hour, "2026-11-27"},
		{time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), 17 * time.Hour, "2026-11-27"}, // 17:00 in Hà Nội
	}
	for _, tc := range tests {
		r := daily.DayRules{Cutoff: tc.cutoff}
		if got := r.BusinessDay(tc.at).String(); got != tc.want {
			t.Errorf("BusinessDay(%s, %s) = %s, want %s", tc.at, tc.cutoff, got, tc.want)
		}
	}
	if daily.FormatCutoff(0) != "24:00:00" || daily.FormatCutoff(17*time.Hour+30*time.Minute) != "17:30:00" {
		t.Error("FormatCutoff")
	}
	// Business day 2026-11-27 under a 17:00 cut-off is [11-26 17:00, 11-27 17:00);
	// with T+2 its window opens at business day 11-25's start.
	r := daily.DayRules{Cutoff: 17 * time.Hour, CreditWindowDays: 2}
	d := payment.Date{Year: 2026, Month: 11, Day: 27}
	if got, want := r.DayStart(d), time.Date(2026, 11, 26, 17, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("DayStart = %s, want %s", got, want)
	}
	if got, want := r.DayEnd(d), time.Date(2026, 11, 27, 17, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("DayEnd = %s, want %s", got, want)
	}
	if got, want := r.WindowStart(d), time.Date(2026, 11, 24, 17, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("WindowStart = %s, want %s", got, want)
	}
	if r.BusinessDay(r.DayStart(d)) != d || r.BusinessDay(r.DayEnd(d).Add(-time.Nanosecond)) != d || r.BusinessDay(r.DayEnd(d)) == d {
		t.Error("BusinessDay disagrees with [DayStart, DayEnd)")
	}
	if got := (daily.DayRules{CreditWindowDays: 0}).Problems(); len(got) != 0 {
		t.Errorf("T+0 is refused: %v", got)
	}
	if got := (daily.DayRules{CreditWindowDays: -1}).Problems(); len(got) != 1 {
		t.Errorf("a negative window is accepted: %v", got)
	}
}

// With a 17:00 cut-off the late zalopay payment (20:00) belongs to the next
// day and leaves this one; with T+0 the momo payment is a missing_credit.
func TestCutoffAndWindowChangeTheDay(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	all := append(append([]payment.Payment(nil), d.events...), d.late...)
	in := d.input(m, all, nowV2, nil)
	in.Cutoff = 17 * time.Hour
	in.CreditWindowDays = 0
	res := reconcileOK(t, in)
	r := byAgency(t, res, daily.AgencyAll)
	for _, p := range r.Payments {
		if p.PaymentID == d.late[0].ID {
			t.Fatal("a payment after the cut-off is in the day")
		}
	}
	missing := map[string]bool{}
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionMissingCredit {
			missing[e.PaymentID] = true
		}
	}
	if !missing["momo:4088221199"] || !missing["vietqr:SP0999"] {
		t.Fatalf("T+0 missing credits %v", missing)
	}
	if r.Cutoff != "17:00:00" || r.CreditWindowDays != 0 {
		t.Fatalf("report config %s %d", r.Cutoff, r.CreditWindowDays)
	}
}
