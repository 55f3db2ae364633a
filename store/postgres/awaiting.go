package postgres

import (
	"context"
	"fmt"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ---- awaited references (store.Awaiting, migration 0012)

func (t *tx) AwaitNotices(ctx context.Context, paymentID string, refs []store.AwaitedRef) error {
	for _, r := range refs {
		if !r.Valid() {
			return fmt.Errorf("await notices for payment %s: reference %q %q: %w", paymentID, r.Kind, r.Key, store.ErrConflict)
		}
	}
	var n int
	if err := t.tx.GetContext(ctx, &n, `SELECT count(*) FROM payments WHERE id=$1`, paymentID); err != nil {
		return fmt.Errorf("await notices for payment %s: %w", paymentID, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("await notices for payment %s: %w", paymentID, store.ErrNotFound)
	}
	for _, r := range refs {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO payment_awaits (payment_id, kind, key) VALUES ($1,$2,$3)
			ON CONFLICT DO NOTHING`, paymentID, string(r.Kind), r.Key); err != nil {
			return fmt.Errorf("await notices for payment %s: %w", paymentID, mapErr(err))
		}
	}
	return nil
}

func (t *tx) PaymentsAwaiting(ctx context.Context, code payment.PaymentCode, dossierKey string) ([]payment.Payment, error) {
	var rows []paymentRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT p.id, p.gateway, p.txn_id, p.amount, p.currency, p.paid_at,
		p.payer_name, p.payer_account, p.description, p.bank_ref, p.raw_ref, p.credited_bin, p.credited_account
		FROM payments p WHERE p.id IN (SELECT payment_id FROM payment_awaits
			WHERE (kind='code' AND key=$1 AND $1 <> '') OR (kind='dossier' AND key=$2 AND $2 <> ''))
		ORDER BY p.paid_at, p.id`, string(code), dossierKey); err != nil {
		return nil, fmt.Errorf("payments awaiting %s / %s: %w", code, dossierKey, mapErr(err))
	}
	out := make([]payment.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

// awaitLockSpace is the first key of the advisory locks LockReferences
// takes (pg_advisory_xact_lock(int, int)), apart from any other use.
const awaitLockSpace = 12

// LockReferences takes a transaction-scoped advisory lock per reference
// hash, in hash order so that two transactions never wait for each other
// crosswise. Two references whose hashes collide share a lock: harmless.
func (t *tx) LockReferences(ctx context.Context, refs []store.AwaitedRef) error {
	keys := make([]string, 0, len(refs))
	for _, r := range refs {
		if r.Valid() {
			keys = append(keys, string(r.Kind)+":"+r.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, h)
		FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY h) AS s`,
		awaitLockSpace, textArray(keys)); err != nil {
		return fmt.Errorf("lock references: %w", mapErr(err))
	}
	return nil
}
