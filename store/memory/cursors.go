package memory

import (
	"context"
	"fmt"

	"github.com/feerecon/feerecon/store"
)

// ---- audit cursors (store.AuditCursors)

func (t *tx) AuditCursor(_ context.Context, name string) (int64, error) {
	seq, ok := t.s.cursors[name]
	if !ok {
		return 0, fmt.Errorf("audit cursor %q: %w", name, store.ErrNotFound)
	}
	return seq, nil
}

func (t *tx) SetAuditCursor(_ context.Context, name string, seq int64) error {
	if name == "" || seq < 0 {
		return fmt.Errorf("audit cursor %q at %d: %w", name, seq, store.ErrConflict)
	}
	if old, ok := t.s.cursors[name]; ok && seq < old {
		return fmt.Errorf("audit cursor %q back from %d to %d: %w", name, old, seq, store.ErrConflict)
	}
	setMap(t, t.s.cursors, name, seq)
	return nil
}
