package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ---- the day's reports (store.DayReports)

// LatestReports reads the highest version of each agency with the
// (business_date, agency, version) unique index; the bodies stay unread.
func (t *tx) LatestReports(ctx context.Context, date payment.Date) ([]store.Report, error) {
	var rows []reportRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT DISTINCT ON (agency) id, business_date, agency, version, sha256, created_at
		FROM reports WHERE business_date=$1 ORDER BY agency, version DESC`, date.String()); err != nil {
		return nil, fmt.Errorf("reports of %s: %w", date, mapErr(err))
	}
	out := make([]store.Report, len(rows))
	for i, r := range rows {
		r.Report.BusinessDate = payment.Date{Year: r.Date.Year(), Month: r.Date.Month(), Day: r.Date.Day()}
		r.Report.CreatedAt = r.Report.CreatedAt.In(payment.Location())
		out[i] = r.Report
	}
	// In byte order, as the memory store (the database's collation may
	// order otherwise).
	sort.Slice(out, func(i, j int) bool { return out[i].Agency < out[j].Agency })
	return out, nil
}
