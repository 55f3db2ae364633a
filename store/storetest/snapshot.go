package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// Everything is wide enough for any time a backend can store.
var (
	first = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	last  = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Snap is what Snapshot read: each part (notices, payments, reversals,
// exceptions, outbox, statements, audit) as JSON text.
type Snap map[string]string

// Changed names the parts that differ between s and later, in order.
func (s Snap) Changed(later Snap) []string {
	var out []string
	for _, part := range parts {
		if s[part] != later[part] {
			out = append(out, part)
		}
	}
	return out
}

var parts = []string{"notices", "payments", "reversals", "exceptions", "outbox", "statements", "audit"}

// Snapshot reads the notices, payments, reversals, exceptions, outbox
// messages, statement lines and audit records of st: two snapshots are
// equal part by part exactly when nothing of these changed.
func Snapshot(t testing.TB, st store.Store) Snap {
	t.Helper()
	ctx := context.Background()
	got := map[string]any{}
	err := st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if got["notices"], err = tx.ListNotices(ctx, first, last); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
		if got["payments"], err = tx.ListPayments(ctx, first, last); err != nil {
			return fmt.Errorf("payments: %w", err)
		}
		if got["reversals"], err = tx.ListReversals(ctx, first, last); err != nil {
			return fmt.Errorf("reversals: %w", err)
		}
		if got["exceptions"], err = tx.ListExceptions(ctx, store.ExceptionFilter{}); err != nil {
			return fmt.Errorf("exceptions: %w", err)
		}
		if got["outbox"], err = tx.ListOutbox(ctx, store.OutboxFilter{}); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if got["statements"], err = tx.StatementLines(ctx, payment.DateOf(first), payment.DateOf(last)); err != nil {
			return fmt.Errorf("statement lines: %w", err)
		}
		if got["audit"], err = tx.AuditRecords(ctx, 0, 1_000_000); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	out := Snap{}
	for _, part := range parts {
		b, err := json.Marshal(got[part])
		if err != nil {
			t.Fatalf("snapshot %s: %v", part, err)
		}
		out[part] = string(b)
	}
	return out
}
