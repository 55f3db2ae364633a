package daily_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// An exception an accountant resolved is never open again: not the
// missing_event this run finds again (same deterministic id), not a
// matching exception given both open (matching) and resolved (the store).
func TestResolvedExceptionsStayResolved(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	in := d.input(m, d.events, nowV1, nil)
	v1 := reconcileOK(t, in)
	all1 := byAgency(t, v1, daily.AgencyAll)
	if all1.Totals.ResolvedExceptions != 0 || all1.Resolved != nil {
		t.Fatalf("v1 resolved %d %+v", all1.Totals.ResolvedExceptions, all1.Resolved)
	}
	var missing, unmatched reconcile.Exception
	for _, e := range v1.Exceptions {
		if e.Kind == reconcile.ExceptionMissingEvent && e.PaymentID == "" && missing.ID == "" {
			missing = e
		}
	}
	for _, e := range in.Exceptions {
		if e.Kind == reconcile.ExceptionUnmatched {
			unmatched = e
		}
	}
	if missing.ID == "" || unmatched.ID == "" {
		t.Fatalf("golden day lacks a missing_event (%q) or an unmatched exception (%q)", missing.ID, unmatched.ID)
	}
	resolvedAt := nowV1.Add(2 * time.Hour)
	resolve := func(e reconcile.Exception) reconcile.Exception {
		e.Status, e.Resolution, e.ResolvedBy, e.ResolvedAt = reconcile.ExceptionResolved, "booked by hand", "kt01", &resolvedAt
		return e
	}
	in.Exceptions = append(slices.Clone(in.Exceptions), resolve(missing), resolve(unmatched))
	in.PreviousReports = v1.Reports
	in.Now = nowV2
	v2 := reconcileOK(t, in)

	for _, e := range v2.Exceptions {
		if e.ID == missing.ID && (e.Status != reconcile.ExceptionResolved || e.ResolvedAt == nil || !e.ResolvedAt.Equal(resolvedAt)) {
			t.Errorf("result %s: status %s resolved at %v", e.ID, e.Status, e.ResolvedAt)
		}
	}
	all2 := byAgency(t, v2, daily.AgencyAll)
	for _, e := range all2.Exceptions {
		if e.ID == missing.ID || e.ID == unmatched.ID {
			t.Errorf("v2 lists resolved %s as open", e.ID)
		}
	}
	got := make([]string, 0, len(all2.Resolved))
	for _, e := range all2.Resolved {
		got = append(got, e.ID)
		if e.ResolvedAt == nil || !e.ResolvedAt.Equal(resolvedAt) {
			t.Errorf("resolved line %s at %v", e.ID, e.ResolvedAt)
		}
	}
	want := []string{missing.ID, unmatched.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) || all2.Totals.ResolvedExceptions != 2 {
		t.Errorf("v2 resolved %v (total %d), want %v", got, all2.Totals.ResolvedExceptions, want)
	}
	if all2.Totals.OpenExceptions != all1.Totals.OpenExceptions-2 {
		t.Errorf("open exceptions %d, v1 had %d", all2.Totals.OpenExceptions, all1.Totals.OpenExceptions)
	}
	if c := all2.Diff.Exceptions; !slices.Equal(c.Removed, want) || len(c.Added)+len(c.Changed) > 0 {
		t.Errorf("v2 exception diff %+v, want %v removed", c, want)
	}
	// The printable report has a section for them (none without them).
	for _, c := range []struct {
		r    daily.Report
		want bool
	}{{all2, true}, {all1, false}} {
		var html bytes.Buffer
		if err := daily.WriteHTML(&html, c.r, daily.Print{Lang: daily.LangEN}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(html.String(), "Resolved exceptions"); got != c.want {
			t.Errorf("%s html has a resolved section: %t", c.r.ID, got)
		}
	}
	// A resolved line with a tampered count fails the control totals.
	bad := all2
	bad.Totals.ResolvedExceptions = 1
	if err := daily.Check(bad); err == nil {
		t.Error("Check accepts a wrong resolved count")
	}

	// Running again with the same resolutions says nothing new.
	in.PreviousReports = v2.Reports
	in.Now = nowV2.Add(time.Hour)
	for _, r := range reconcileOK(t, in).Reports {
		if r.Diff == nil || !r.Diff.Empty() {
			t.Errorf("re-run %s diff %+v", r.ID, r.Diff)
		}
	}
}
