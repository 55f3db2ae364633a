package chaos

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/reconcile/batch"
)

// Compared are the tables whose rows a phase leaves, compared between the
// clean and the chaotic run row for row, each row as canonical JSON.
// payment_awaits is not: it indexes the references a payment named when
// it arrived before their notice, so which rows exist depends on the
// order of arrival, which is what the chaos changes (and the rows of a
// payment later paid through one of its references are kept).
var Compared = []string{"notices", "notice_items", "payments", "payment_refs", "allocations", "exceptions", "reversals"}

// Uncompared are the columns left out of the comparison, and why: each is
// a wall-clock time of the process that wrote the row, or a position in
// Kafka, which no two runs share (the first copy of a redelivered message
// stored, at whatever offset that run's interleaving gave it).
var Uncompared = map[string]map[string]string{
	"notices":      {"created_at": "wall clock of the creation", "updated_at": "wall clock of the last change"},
	"payments":     {"created_at": "wall clock of the storing", "raw_ref": "Kafka topic/partition/offset of the copy stored first"},
	"allocations":  {"created_at": "wall clock of the decision"},
	"exceptions":   {"created_at": "wall clock of the decision (ingest stamps an exception when it raises it)"},
	"payment_refs": {},
	"reversals":    {"created_at": "wall clock"},
}

// Outcome is what a run left in its database.
type Outcome struct {
	// Rows: table -> its rows (compared columns only) as canonical JSON,
	// sorted.
	Rows map[string][]string
	// Payments stored, by id; Duplicates: payment ids stored (or
	// allocated) more than once.
	Payments   map[string]bool
	Duplicates []string
	// Status of each notice by id.
	Status map[string]string
	// Batch is the outcome in the shape of `feerecon reconcile`'s
	// report.json (notices, allocations, exceptions).
	Batch BatchView
}

// BatchView is the part of batch.Report both paths produce.
type BatchView struct {
	Notices     []batch.ReportNotice     `json:"notices"`
	Allocations []batch.ReportAllocation `json:"allocations"`
	Exceptions  []batch.ReportException  `json:"exceptions"`
}

// ReadOutcome reads db's outcome.
func ReadOutcome(ctx context.Context, db string) (*Outcome, error) {
	conn, err := sql.Open("postgres", db)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	o := &Outcome{Rows: map[string][]string{}, Payments: map[string]bool{}, Status: map[string]string{}}
	for _, t := range Compared {
		rows, err := tableRows(ctx, conn, t, Uncompared[t])
		if err != nil {
			return nil, err
		}
		o.Rows[t] = rows
	}
	if err := query(ctx, conn, `SELECT id FROM payments`, func(s func(...any) error) error {
		var id string
		if err := s(&id); err != nil {
			return err
		}
		o.Payments[id] = true
		return nil
	}); err != nil {
		return nil, err
	}
	// The primary key forbids two rows of one id; the same transaction
	// under two ids, or one payment allocated twice, would be duplicates.
	if err := query(ctx, conn, `SELECT gateway || ':' || txn_id FROM payments GROUP BY gateway, txn_id HAVING count(*) > 1
		UNION ALL SELECT payment_id FROM allocations GROUP BY payment_id, notice_system, notice_id HAVING count(*) > 1`, func(s func(...any) error) error {
		var id string
		if err := s(&id); err != nil {
			return err
		}
		o.Duplicates = append(o.Duplicates, id)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := query(ctx, conn, `SELECT n.system, n.id, n.payment_code, n.status, n.amount::text, n.currency,
			COALESCE((SELECT sum(a.amount) FROM allocations a WHERE a.notice_system = n.system AND a.notice_id = n.id), 0)::text
		FROM notices n`, func(s func(...any) error) error {
		var r batch.ReportNotice
		var due, paid, cur string
		if err := s(&r.NoticeSystem, &r.NoticeID, &r.PaymentCode, &r.Status, &due, &cur, &paid); err != nil {
			return err
		}
		d, p := decimal.RequireFromString(due), decimal.RequireFromString(paid)
		r.AmountDue, r.PaidAmount, r.Outstanding = d.StringFixed(0), p.StringFixed(0), d.Sub(p).StringFixed(0)
		o.Status[r.NoticeID] = string(r.Status)
		o.Batch.Notices = append(o.Batch.Notices, r)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := query(ctx, conn, `SELECT payment_id, notice_system, notice_id, payment_code, amount::text, currency, rule, evidence FROM allocations`, func(s func(...any) error) error {
		var r batch.ReportAllocation
		var amt string
		if err := s(&r.PaymentID, &r.NoticeSystem, &r.NoticeID, &r.PaymentCode, &amt, &r.Currency, &r.Rule, &r.Evidence); err != nil {
			return err
		}
		r.Amount = decimal.RequireFromString(amt).StringFixed(0)
		o.Batch.Allocations = append(o.Batch.Allocations, r)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := query(ctx, conn, `SELECT id, COALESCE(payment_id, ''), statement_ref, kind, notice_system, notice_id, amount::text, currency, candidates, evidence FROM exceptions`, func(s func(...any) error) error {
		var r batch.ReportException
		var amt, cur string
		var cands pq.StringArray
		if err := s(&r.ID, &r.PaymentID, &r.StatementRef, &r.Kind, &r.NoticeSystem, &r.NoticeID, &amt, &cur, &cands, &r.Evidence); err != nil {
			return err
		}
		r.Candidates = []string(cands)
		if r.Candidates == nil {
			r.Candidates = []string{}
		}
		r.Amount, r.Currency = decimal.RequireFromString(amt).StringFixed(0), batchCurrency(cur)
		o.Batch.Exceptions = append(o.Batch.Exceptions, r)
		return nil
	}); err != nil {
		return nil, err
	}
	o.Batch.sort()
	return o, nil
}

func (v *BatchView) sort() {
	slices.SortFunc(v.Notices, func(a, b batch.ReportNotice) int {
		return strings.Compare(a.NoticeSystem+"/"+a.NoticeID, b.NoticeSystem+"/"+b.NoticeID)
	})
	slices.SortFunc(v.Allocations, func(a, b batch.ReportAllocation) int {
		return strings.Compare(a.PaymentID+"/"+a.NoticeSystem+"/"+a.NoticeID, b.PaymentID+"/"+b.NoticeSystem+"/"+b.NoticeID)
	})
	slices.SortFunc(v.Exceptions, func(a, b batch.ReportException) int { return strings.Compare(a.ID, b.ID) })
}

// query runs q and calls row for each row with its Scan.
func query(ctx context.Context, conn *sql.DB, q string, row func(scan func(...any) error) error) error {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Fields(q)[1], err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// tableRows reads every row of table as canonical JSON (keys sorted),
// without the columns in skip, sorted.
func tableRows(ctx context.Context, conn *sql.DB, table string, skip map[string]string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT * FROM `+table) //nolint:gosec // G202: table names are the constants of Compared
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read %s: %w", table, err)
		}
		m := map[string]any{}
		for i, c := range cols {
			if _, ok := skip[c]; ok {
				continue
			}
			if vals[i].Valid {
				m[c] = vals[i].String
			} else {
				m[c] = nil
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out, rows.Err()
}
