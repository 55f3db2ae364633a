package console

import (
	"context"
	"testing"
	"time"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// tampered is a store whose audit records read back with seq 3's detail
// changed, as a row edited behind the chain's back would.
type tampered struct{ store.Store }

func (s tampered) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error { return fn(tamperedTx{tx}) })
}

type tamperedTx struct{ store.Tx }

func (tx tamperedTx) AuditRecords(ctx context.Context, from int64, limit int) ([]store.AuditRecord, error) {
	rs, err := tx.Tx.AuditRecords(ctx, from, limit)
	for i := range rs {
		if rs[i].Seq == 3 {
			rs[i].Detail = []byte(`{"amount":"1"}`)
		}
	}
	return rs, err
}

func TestVerifyChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	if err := st.InTx(ctx, func(tx store.Tx) error {
		for i := range 7 {
			if err := tx.AppendAudit(ctx, store.AuditEntry{At: time.Unix(int64(i), 0), Actor: store.ActorCLI,
				Action: store.AuditUserAdd, Entity: store.UserEntity("u")}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		st          store.Store
		head, limit int64
		want        AuditCheck
		broken      int64
	}{
		{"whole", st, 7, 100, AuditCheck{From: 1, To: 7, Checked: 7}, 0},
		{"up to a head before the last", st, 5, 100, AuditCheck{From: 1, To: 5, Checked: 5}, 0},
		{"the newest only", st, 7, 3, AuditCheck{From: 5, To: 7, Checked: 3, Partial: true}, 0},
		{"empty", memory.New(), 0, 100, AuditCheck{From: 1, To: 0}, 0},
		{"tampered", tampered{st}, 7, 100, AuditCheck{From: 1, To: 7, Checked: 2}, 3},
		{"tampered before the window", tampered{st}, 7, 4, AuditCheck{From: 4, To: 7, Checked: 4, Partial: true}, 0},
		{"a head beyond the chain", st, 9, 100, AuditCheck{From: 1, To: 9, Checked: 7}, 8},
	} {
		got, err := verifyChain(ctx, tc.st, tc.head, tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var broken int64
		if got.Broken != nil {
			broken = got.Broken.Seq
		}
		got.Broken = nil
		if got != tc.want || broken != tc.broken {
			t.Errorf("%s: %+v broken at %d, want %+v broken at %d", tc.name, got, broken, tc.want, tc.broken)
		}
	}
}
