package conformance

import (
	"errors"
	"testing"

	"github.com/feerecon/feerecon/store"
)

// testAuditCursors: a cursor is absent until set, moves forward (or stays),
// never back, is kept per name, and a rolled-back move is undone.
func testAuditCursors(t *testing.T, s store.Store) {
	inTx(t, s, func(tx store.Tx) error {
		if _, err := tx.AuditCursor(ctx, store.CursorDailyRerun); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unset cursor: %v, want ErrNotFound", err)
		}
		for _, bad := range []struct {
			name string
			seq  int64
		}{{"", 1}, {"x", -1}} {
			if err := tx.SetAuditCursor(ctx, bad.name, bad.seq); !errors.Is(err, store.ErrConflict) {
				t.Errorf("SetAuditCursor(%q, %d) = %v, want ErrConflict", bad.name, bad.seq, err)
			}
		}
		must(t, tx.SetAuditCursor(ctx, store.CursorDailyRerun, 0))
		must(t, tx.SetAuditCursor(ctx, store.CursorDailyRerun, 7))
		must(t, tx.SetAuditCursor(ctx, store.CursorDailyRerun, 7)) // staying is moving forward by nothing
		if err := tx.SetAuditCursor(ctx, store.CursorDailyRerun, 6); !errors.Is(err, store.ErrConflict) {
			t.Errorf("cursor moved back: %v, want ErrConflict", err)
		}
		must(t, tx.SetAuditCursor(ctx, "other", 2))
		return nil
	})
	failed := errors.New("roll back")
	if err := s.InTx(ctx, func(tx store.Tx) error {
		must(t, tx.SetAuditCursor(ctx, store.CursorDailyRerun, 9))
		return failed
	}); !errors.Is(err, failed) {
		t.Fatal(err)
	}
	inTx(t, s, func(tx store.Tx) error {
		for name, want := range map[string]int64{store.CursorDailyRerun: 7, "other": 2} {
			got, err := tx.AuditCursor(ctx, name)
			if err != nil || got != want {
				t.Errorf("cursor %q = %d, %v; want %d", name, got, err, want)
			}
		}
		return nil
	})
}
