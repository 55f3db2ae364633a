package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ---- reversals (store.Reversals)

type reversalRow struct {
	ID           string          `db:"id"`
	Gateway      string          `db:"gateway"`
	TxnID        string          `db:"txn_id"`
	OriginalRefs pq.StringArray  `db:"original_refs"`
	PaymentID    sql.NullString  `db:"payment_id"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	ReversedAt   time.Time       `db:"reversed_at"`
	Description  string          `db:"description"`
	RawRef       string          `db:"raw_ref"`
}

const reversalCols = `id, gateway, txn_id, original_refs, payment_id, amount, currency, reversed_at, description, raw_ref`

func (r reversalRow) reversal() payment.Reversal {
	refs := []string(r.OriginalRefs)
	if len(refs) == 0 {
		refs = nil
	}
	return payment.Reversal{
		ID: r.ID, Gateway: payment.Gateway(r.Gateway), TxnID: r.TxnID, OriginalRefs: refs,
		Amount:     payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
		ReversedAt: r.ReversedAt.In(payment.Location()), Description: r.Description, RawRef: r.RawRef,
		PaymentID: r.PaymentID.String,
	}
}

func (t *tx) InsertReversal(ctx context.Context, r payment.Reversal) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.PaymentID != "" {
		if _, err := t.Payment(ctx, r.PaymentID); err != nil {
			return fmt.Errorf("reversal %s: %w", r.ID, err)
		}
	}
	pid := sql.NullString{String: r.PaymentID, Valid: r.PaymentID != ""}
	refs := append([]string{}, r.OriginalRefs...)
	res, err := t.tx.ExecContext(ctx, `INSERT INTO reversals (`+reversalCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
		ON CONFLICT (id) DO NOTHING`,
		r.ID, string(r.Gateway), r.TxnID, pq.Array(refs), pid, r.Amount.Amount, string(r.Amount.Currency),
		r.ReversedAt, r.Description, r.RawRef)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" && pe.Constraint == "reversals_payment_id_key" {
		return fmt.Errorf("reversal %s: payment %s is reversed already: %w", r.ID, r.PaymentID, store.ErrConflict)
	}
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("insert reversal %s: %w", r.ID, err)
	}
	return nil
}

func (t *tx) Reversal(ctx context.Context, id string) (payment.Reversal, error) {
	var r reversalRow
	if err := t.tx.GetContext(ctx, &r, `SELECT `+reversalCols+` FROM reversals WHERE id=$1`, id); err != nil {
		return payment.Reversal{}, fmt.Errorf("reversal %s: %w", id, mapErr(err))
	}
	return r.reversal(), nil
}

func (t *tx) ReversalOf(ctx context.Context, paymentID string) (payment.Reversal, error) {
	var r reversalRow
	if err := t.tx.GetContext(ctx, &r, `SELECT `+reversalCols+` FROM reversals WHERE payment_id=$1`, paymentID); err != nil {
		return payment.Reversal{}, fmt.Errorf("reversal of payment %s: %w", paymentID, mapErr(err))
	}
	return r.reversal(), nil
}

func (t *tx) ListReversals(ctx context.Context, from, to time.Time) ([]payment.Reversal, error) {
	var rows []reversalRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+reversalCols+` FROM reversals
		WHERE reversed_at >= $1 AND reversed_at < $2 ORDER BY reversed_at, id`, from, to); err != nil {
		return nil, fmt.Errorf("list reversals: %w", mapErr(err))
	}
	out := make([]payment.Reversal, len(rows))
	for i, r := range rows {
		out[i] = r.reversal()
	}
	return out, nil
}

func (t *tx) PaymentsByRef(ctx context.Context, refs []string) ([]payment.Payment, error) {
	var rows []paymentRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+paymentCols+` FROM payments
		WHERE txn_id = ANY($1) OR (bank_ref <> '' AND bank_ref = ANY($1)) ORDER BY paid_at, id`,
		pq.Array(append([]string{}, refs...))); err != nil {
		return nil, fmt.Errorf("payments by reference: %w", mapErr(err))
	}
	out := make([]payment.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

func (t *tx) UnmatchedReversals(ctx context.Context, refs []string) ([]payment.Reversal, error) {
	var rows []reversalRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+reversalCols+` FROM reversals
		WHERE payment_id IS NULL AND original_refs && $1 ORDER BY reversed_at, id`,
		pq.Array(append([]string{}, refs...))); err != nil {
		return nil, fmt.Errorf("unmatched reversals: %w", mapErr(err))
	}
	out := make([]payment.Reversal, len(rows))
	for i, r := range rows {
		out[i] = r.reversal()
	}
	return out, nil
}

func (t *tx) SetReversalPayment(ctx context.Context, id, paymentID string) error {
	r, err := t.Reversal(ctx, id)
	if err != nil {
		return err
	}
	if _, err := t.Payment(ctx, paymentID); err != nil {
		return fmt.Errorf("reversal %s: %w", id, err)
	}
	if r.PaymentID != "" {
		return fmt.Errorf("reversal %s names payment %s already: %w", id, r.PaymentID, store.ErrConflict)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE reversals SET payment_id=$2 WHERE id=$1 AND payment_id IS NULL`, id, paymentID)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("reversal %s: payment %s is reversed already: %w", id, paymentID, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("reversal %s: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("reversal %s named a payment meanwhile: %w", id, store.ErrConflict)
	}
	return nil
}

func (t *tx) UnlinkPayment(ctx context.Context, paymentID string) error {
	for _, q := range []string{`DELETE FROM payment_refs WHERE payment_id=$1`, `DELETE FROM payment_awaits WHERE payment_id=$1`} {
		if _, err := t.tx.ExecContext(ctx, q, paymentID); err != nil {
			return fmt.Errorf("unlink payment %s: %w", paymentID, mapErr(err))
		}
	}
	return nil
}
