package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// testLatestReports: the latest version of each agency's report of a day,
// ordered by agency, without bodies; other days' versions never.
func testLatestReports(t *testing.T, s store.Store) {
	day := payment.DateOf(base)
	sha := func(n int) string { return fmt.Sprintf("%064x", n) }
	var all []store.Report
	for i, r := range []struct {
		date    payment.Date
		agency  string
		version int
	}{
		{day, "H40.12", 1}, {day, "ALL", 1}, {day, "H40.12", 2}, {day, "H40.01", 1},
		{day, "ALL", 2}, {day, "ALL", 3}, {day.AddDays(1), "H40.01", 4}, {day.AddDays(-1), "H29.75", 1},
	} {
		all = append(all, store.Report{ID: fmt.Sprintf("%s/%s/v%d", r.date, r.agency, r.version), BusinessDate: r.date,
			Agency: r.agency, Version: r.version, SHA256: sha(i), Body: []byte(`{"i":1}`), CreatedAt: base.Add(time.Duration(i) * time.Minute)})
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, r := range all {
			if err := tx.InsertReport(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.LatestReports(ctx, day)
		must(t, err)
		want := []store.Report{all[5], all[3], all[2]} // ALL v3, H40.01 v1, H40.12 v2
		if len(got) != len(want) {
			t.Fatalf("latest reports of %s: %d, want %d: %+v", day, len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if g.ID != w.ID || g.Agency != w.Agency || g.Version != w.Version || g.SHA256 != w.SHA256 ||
				g.BusinessDate != day || !g.CreatedAt.Equal(w.CreatedAt) || g.Body != nil {
				t.Errorf("report %d: %+v, want %+v without its body", i, g, w)
			}
		}
		none, err := tx.LatestReports(ctx, day.AddDays(7))
		must(t, err)
		if len(none) != 0 {
			t.Errorf("a day without reports: %+v", none)
		}
		return nil
	})
}
