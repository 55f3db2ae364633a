package postgres

import (
	"context"
	"fmt"

	"github.com/feerecon/feerecon/store"
)

// ---- audit cursors (store.AuditCursors, migration 0009)

func (t *tx) AuditCursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	if err := t.tx.GetContext(ctx, &seq, `SELECT seq FROM audit_cursors WHERE name=$1`, name); err != nil {
		return 0, fmt.Errorf("audit cursor %q: %w", name, mapErr(err))
	}
	return seq, nil
}

// SetAuditCursor moves the cursor forward only: the conditional upsert
// touches no row when seq is before the stored one.
func (t *tx) SetAuditCursor(ctx context.Context, name string, seq int64) error {
	if name == "" || seq < 0 {
		return fmt.Errorf("audit cursor %q at %d: %w", name, seq, store.ErrConflict)
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO audit_cursors (name, seq) VALUES ($1,$2)
		ON CONFLICT (name) DO UPDATE SET seq=excluded.seq WHERE audit_cursors.seq <= excluded.seq`, name, seq)
	if err != nil {
		return fmt.Errorf("audit cursor %q: %w", name, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("audit cursor %q: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("audit cursor %q back to %d: %w", name, seq, store.ErrConflict)
	}
	return nil
}
