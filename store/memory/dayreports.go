package memory

import (
	"context"
	"sort"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ---- the day's reports (store.DayReports)

func (t *tx) LatestReports(ctx context.Context, date payment.Date) ([]store.Report, error) {
	latest := map[string]store.Report{}
	for k, r := range t.s.reports {
		if k.date == date && r.Version > latest[k.agency].Version {
			latest[k.agency] = r
		}
	}
	out := make([]store.Report, 0, len(latest))
	for _, r := range latest {
		r.Body = nil
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agency < out[j].Agency })
	return out, nil
}
