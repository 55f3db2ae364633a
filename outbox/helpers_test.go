package outbox_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/store"
)

var base = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func outboxMsg(t testing.TB, st store.Store, id string) store.OutboxMessage {
	t.Helper()
	var m store.OutboxMessage
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		m, err = tx.OutboxMessage(context.Background(), id)
		return err
	}); err != nil {
		t.Fatalf("outbox %s: %v", id, err)
	}
	return m
}

type published struct {
	topic, key, value string
	headers           map[string]string
}

// fakeProducer returns errs in turn, then err (if set) on every call, and
// records publishes otherwise.
type fakeProducer struct {
	mu   sync.Mutex
	errs []error
	err  error
	got  []published
}

func (f *fakeProducer) Publish(_ context.Context, topic string, key, value []byte, headers map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, published{topic, string(key), string(value), headers})
	return nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func maxRand(n int64) int64 { return n - 1 }

// auditTrail is the audit trail of outbox message id.
func auditTrail(t testing.TB, st store.Store, id string) []store.AuditEntry {
	t.Helper()
	var trail []store.AuditEntry
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		trail, err = tx.AuditTrail(context.Background(), store.OutboxEntity(id))
		return err
	}); err != nil {
		t.Fatalf("audit trail %s: %v", id, err)
	}
	return trail
}
