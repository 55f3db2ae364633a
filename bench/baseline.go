package bench

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/payment"
)

// The baselines measure the machine, not feerecon: the same rows and
// messages the ingest row handles, through the same drivers, the fastest
// plain way (../shared/PERFORMANCE.md). Their SQL is here, outside the
// store, on purpose: it is what the store is compared with.

// rowsPerTx is the baselines' transaction size.
const rowsPerTx = 1000

// paymentRows returns the first n payments a workload of n events would
// make (payments of notices 0…n-1), in their decoded form.
func paymentRows(w *Workload, n int) ([]payment.Payment, error) {
	ps := make([]payment.Payment, n)
	for k := range ps {
		var err error
		if ps[k], err = w.Payment(k); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// pgBaselines inserts ps into the payments table of a database of its
// own, first with COPY, then (the table emptied) with an unnest insert,
// 1,000 rows per transaction each, and returns both rates.
func (h *harness) pgBaselines(ctx context.Context, ps []payment.Payment) (copyRate, unnestRate float64, err error) {
	db, err := h.database(ctx, "baseline")
	if err != nil {
		return 0, 0, err
	}
	defer db.drop()
	sdb := db.store.DB().DB
	start := time.Now()
	for i := 0; i < len(ps); i += rowsPerTx {
		if err := copyRows(ctx, sdb, ps[i:min(i+rowsPerTx, len(ps))]); err != nil {
			return 0, 0, err
		}
	}
	copyRate = float64(len(ps)) / time.Since(start).Seconds()
	if _, err := sdb.ExecContext(ctx, `TRUNCATE payments CASCADE`); err != nil {
		return 0, 0, fmt.Errorf("bench: truncate: %w", err)
	}
	if _, err := sdb.ExecContext(ctx, `VACUUM ANALYZE payments`); err != nil {
		return 0, 0, fmt.Errorf("bench: vacuum: %w", err)
	}
	start = time.Now()
	for i := 0; i < len(ps); i += rowsPerTx {
		if err := unnestRows(ctx, sdb, ps[i:min(i+rowsPerTx, len(ps))]); err != nil {
			return 0, 0, err
		}
	}
	unnestRate = float64(len(ps)) / time.Since(start).Seconds()
	return copyRate, unnestRate, nil
}

const baselineCols = `id, gateway, txn_id, amount, currency, paid_at, payer_name, payer_account, description, bank_ref, raw_ref`

// copyRows is one transaction: COPY … FROM STDIN of ps (lib/pq's COPY
// protocol: a statement prepared on the transaction, one Exec per row, an
// empty Exec to end).
func copyRows(ctx context.Context, db *sql.DB, ps []payment.Payment) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bench: copy: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `COPY payments (`+baselineCols+`) FROM STDIN`)
	if err != nil {
		return fmt.Errorf("bench: copy: %w", err)
	}
	defer stmt.Close()
	for _, p := range ps {
		if _, err := stmt.ExecContext(ctx, p.ID, string(p.Gateway), p.TxnID, p.Amount.Amount.String(), string(p.Amount.Currency),
			p.PaidAt, p.PayerName, p.PayerAccount, p.Description, p.BankRef, p.RawRef); err != nil {
			return fmt.Errorf("bench: copy row: %w", err)
		}
	}
	// The empty Exec ends the COPY: errors of the rows may surface here.
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("bench: copy: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bench: copy: commit: %w", err)
	}
	return nil
}

// unnestRows is one statement in one transaction: INSERT … SELECT FROM
// unnest(one array per column) ON CONFLICT DO NOTHING.
func unnestRows(ctx context.Context, db *sql.DB, ps []payment.Payment) error {
	n := len(ps)
	id, gw, txn, amt, cur, at, pn, pa, desc, ref, raw :=
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, p := range ps {
		id[i], gw[i], txn[i], amt[i], cur[i] = p.ID, string(p.Gateway), p.TxnID, p.Amount.Amount.String(), string(p.Amount.Currency)
		at[i], pn[i], pa[i], desc[i], ref[i], raw[i] = p.PaidAt.Format(time.RFC3339Nano), p.PayerName, p.PayerAccount, p.Description, p.BankRef, p.RawRef
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bench: unnest: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO payments (`+baselineCols+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::timestamptz[],
			$7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
		ON CONFLICT DO NOTHING`,
		pq.Array(id), pq.Array(gw), pq.Array(txn), pq.Array(amt), pq.Array(cur), pq.Array(at),
		pq.Array(pn), pq.Array(pa), pq.Array(desc), pq.Array(ref), pq.Array(raw)); err != nil {
		return fmt.Errorf("bench: unnest: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bench: unnest: commit: %w", err)
	}
	return nil
}

// kafkaBaseline reads every message of ts (total of them) in a consumer
// group of its own, committing every 1,000 messages, and returns the rate
// from the first message on (the group's join is not counted).
func (h *harness) kafkaBaseline(ctx context.Context, ts topics, total int) (float64, error) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{h.cfg.Kafka}, GroupID: "bench-" + h.run + "-raw", GroupTopics: ts.names(),
		StartOffset: kafka.FirstOffset, MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 50 * time.Millisecond, QueueCapacity: 1000,
		CommitInterval: 0})
	defer r.Close()
	ctx, cancel := context.WithTimeout(ctx, stallTimeout+time.Duration(total)*time.Millisecond)
	defer cancel()
	batch := make([]kafka.Message, 0, rowsPerTx)
	var start time.Time
	for i := range total {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return 0, fmt.Errorf("bench: kafka baseline: message %d of %d: %w", i, total, err)
		}
		if i == 0 {
			start = time.Now()
		}
		batch = append(batch, m)
		if len(batch) == rowsPerTx || i == total-1 {
			if err := r.CommitMessages(ctx, batch...); err != nil {
				return 0, fmt.Errorf("bench: kafka baseline: commit: %w", err)
			}
			batch = batch[:0]
		}
	}
	// The first message's own fetch is not timed: count the others.
	return float64(max(1, total-1)) / time.Since(start).Seconds(), nil
}
