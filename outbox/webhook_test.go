package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
)

const sinkSecret outbox.Secret = "sink-secret-0123456789"

// backends runs f against store/memory and store/postgres.
func backends(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		f(t, memory.New())
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, openPostgres(t))
	})
}

// openPostgres is a migrated store on a database of the test's own.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	return pgtest.Store(t)
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)} }

// sink is a receiver: it verifies every signature, dedups on
// Idempotency-Key and applies each key's effect once.
type sink struct {
	mu      sync.Mutex
	calls   map[string]int // attempts per key
	applied map[string]int // effects per key (after dedup: must be 1)
	posts   map[string]int // 2xx answers per key
	badSig  int
	noKey   int
	// script answers the n-th call (1-based) for a key: an HTTP status, or
	// 0 to hang past the sender's timeout.
	script func(key string, n int) int
	srv    *httptest.Server
}

func newSink(t *testing.T, script func(key string, n int) int) *sink {
	s := &sink{calls: map[string]int{}, applied: map[string]int{}, posts: map[string]int{}, script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Header.Get(outbox.HeaderIdempotencyKey)
	s.mu.Lock()
	if key == "" {
		s.noKey++
	}
	if outbox.Verify(sinkSecret, r.Header.Get(outbox.HeaderTimestamp), body, r.Header.Get(outbox.HeaderSignature)) != nil {
		s.badSig++
		s.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	s.calls[key]++
	status := s.script(key, s.calls[key])
	if status >= 200 && status < 300 {
		s.posts[key]++
		if s.applied[key] == 0 { // dedup on the idempotency key
			s.applied[key]++
		}
	}
	s.mu.Unlock()
	if status == 0 {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte("answer " + http.StatusText(status)))
}

func enqueue(t *testing.T, st store.Store, at time.Time, ms ...store.OutboxMessage) {
	t.Helper()
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		for i, m := range ms {
			m.State = store.OutboxPending
			m.NextAttempt = at
			m.CreatedAt = at.Add(time.Duration(i) * time.Millisecond)
			if err := tx.Enqueue(context.Background(), m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// crashingStore makes MarkDelivered of chosen ids fail once: the process
// died after the receiver answered 2xx and before the commit.
type crashingStore struct {
	outbox.Store
	mu    sync.Mutex
	crash map[string]bool
}

type crashingTx struct {
	outbox.OutboxTx
	s *crashingStore
}

func (c *crashingStore) InTx(ctx context.Context, fn func(outbox.OutboxTx) error) error {
	return c.Store.InTx(ctx, func(tx outbox.OutboxTx) error { return fn(crashingTx{tx, c}) })
}

var errCrash = errors.New("crash before commit")

func (t crashingTx) MarkDelivered(ctx context.Context, id string, at time.Time) error {
	t.s.mu.Lock()
	crash := t.s.crash[id]
	delete(t.s.crash, id)
	t.s.mu.Unlock()
	if crash {
		return errCrash
	}
	return t.OutboxTx.MarkDelivered(ctx, id, at)
}

// Failures, a timeout, a crash between the receiver's 2xx and the commit,
// and a restart of the sender before every tick: each message takes effect
// exactly once at the receiver, every attempt carries its id as
// Idempotency-Key and a valid signature.
func TestDeliveredOnceThroughFailuresAndRestarts(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		sk := newSink(t, func(key string, n int) int {
			switch key {
			case "conf-1":
				return []int{500, 503, 0, 200}[min(n, 4)-1] // two errors, a timeout, then success
			case "conf-2":
				return []int{429, 200}[min(n, 2)-1]
			}
			return 200
		})
		enqueue(t, st, clk.now(),
			store.OutboxMessage{ID: "conf-1", Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{"notice":"A"}`)},
			store.OutboxMessage{ID: "conf-2", Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{"notice":"B"}`)},
			store.OutboxMessage{ID: "rep-1", Kind: store.OutboxReport, Destination: "kbnn", Payload: []byte(`{"report":"2026-11-26"}`)},
		)
		cs := &crashingStore{Store: outbox.FromStore(st), crash: map[string]bool{"rep-1": true}}
		cfg := outbox.WebhookConfig{
			Endpoints: map[string]outbox.Endpoint{
				"dvc":  {URL: sk.srv.URL + "/confirm", Secret: sinkSecret},
				"kbnn": {URL: sk.srv.URL + "/report", Secret: sinkSecret},
			},
			Timeout: 300 * time.Millisecond,
			Loop: outbox.Loop{MaxAttempts: 6, BaseBackoff: time.Second, MaxBackoff: 10 * time.Second,
				Clock: clk.now, Rand: func(n int64) int64 { return n - 1 }},
		}
		crashes := 0
		for round := 0; round < 8; round++ {
			s, err := outbox.NewWebhook(cs, cfg) // a restart before every tick
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Tick(context.Background()); errors.Is(err, errCrash) {
				crashes++
			} else if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			clk.add(11 * time.Second)
		}
		sk.mu.Lock()
		defer sk.mu.Unlock()
		if crashes != 1 {
			t.Errorf("%d simulated crashes, want 1", crashes)
		}
		if sk.badSig != 0 || sk.noKey != 0 {
			t.Errorf("%d bad signatures, %d attempts without key", sk.badSig, sk.noKey)
		}
		wantCalls := map[string]int{"conf-1": 4, "conf-2": 2, "rep-1": 2}
		for id, n := range wantCalls {
			if sk.calls[id] != n {
				t.Errorf("%s: %d attempts at the sink, want %d", id, sk.calls[id], n)
			}
			if sk.applied[id] != 1 {
				t.Errorf("%s applied %d times, want exactly 1", id, sk.applied[id])
			}
			m := outboxMsg(t, st, id)
			if m.State != store.OutboxDelivered || m.DeliveredAt == nil {
				t.Errorf("%s: state %s", id, m.State)
			}
			// One audited delivery: the one lost to the crash was rolled
			// back with its mark (and left no attempt recorded).
			attempt := map[string]int{"conf-1": 4, "conf-2": 2, "rep-1": 1}[id]
			if trail := auditTrail(t, st, id); len(trail) != 1 || trail[0].Action != store.AuditOutboxDelivered ||
				trail[0].Actor != store.ActorOutbox || !strings.Contains(string(trail[0].Detail), fmt.Sprintf(`"attempt":%d`, attempt)) {
				t.Errorf("%s: audit trail %+v, want one %s at attempt %d", id, trail, store.AuditOutboxDelivered, attempt)
			}
		}
		if sk.posts["rep-1"] != 2 {
			t.Errorf("rep-1 got %d 2xx answers, want 2 (one lost to the crash)", sk.posts["rep-1"])
		}
		if len(sk.applied) != 3 {
			t.Errorf("sink applied %d distinct keys, want 3", len(sk.applied))
		}
		if m := outboxMsg(t, st, "conf-1"); m.Attempts != 4 {
			t.Errorf("conf-1 attempts in store = %d, want 4", m.Attempts)
		}
	})
}

// A receiver that keeps answering 400, and a destination without an
// endpoint: dead after MaxAttempts, visible to operators, not tried again.
func TestDeadAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		sk := newSink(t, func(string, int) int { return 400 })
		enqueue(t, st, clk.now(),
			store.OutboxMessage{ID: "bad-1", Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{}`)},
			store.OutboxMessage{ID: "lost-1", Kind: store.OutboxReport, Destination: "nowhere", Payload: []byte(`{}`)},
		)
		cfg := outbox.WebhookConfig{
			Endpoints: map[string]outbox.Endpoint{"dvc": {URL: sk.srv.URL, Secret: sinkSecret}},
			Loop: outbox.Loop{MaxAttempts: 3, BaseBackoff: time.Second, MaxBackoff: time.Minute,
				Clock: clk.now, Rand: func(n int64) int64 { return n - 1 }},
		}
		var total outbox.Result
		for range 6 {
			s, err := outbox.NewWebhook(outbox.FromStore(st), cfg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Tick(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			total.Failed += r.Failed
			total.Dead += r.Dead
			total.Delivered += r.Delivered
			clk.add(2 * time.Minute)
		}
		if total != (outbox.Result{Failed: 4, Dead: 2}) {
			t.Errorf("results %+v, want 4 failed and 2 dead", total)
		}
		sk.mu.Lock()
		if sk.calls["bad-1"] != 3 {
			t.Errorf("bad-1: %d attempts, want 3", sk.calls["bad-1"])
		}
		sk.mu.Unlock()
		for _, c := range []struct {
			kind store.OutboxKind
			id   string
			err  string
		}{
			{store.OutboxConfirmation, "bad-1", "http 400: answer Bad Request"},
			{store.OutboxReport, "lost-1", `no endpoint configured for destination "nowhere"`},
		} {
			var dead []store.OutboxMessage
			err := st.InTx(context.Background(), func(tx store.Tx) error {
				var err error
				dead, err = tx.ListOutbox(context.Background(), store.OutboxFilter{Kind: c.kind, State: store.OutboxDead})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(dead) != 1 || dead[0].ID != c.id || dead[0].Attempts != 3 || dead[0].LastError != c.err {
				t.Errorf("dead %s messages: %+v", c.kind, dead)
			}
			if trail := auditTrail(t, st, c.id); len(trail) != 1 || trail[0].Action != store.AuditOutboxDead ||
				!strings.Contains(string(trail[0].Detail), `"attempt":3`) {
				t.Errorf("%s: audit trail %+v, want one %s", c.id, trail, store.AuditOutboxDead)
			}
		}
	})
}

// The next attempt is scheduled with full jitter: the injected random value
// picks a point in [0, min(max, base·2^(n-1))].
func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		rand func(int64) int64
		want []time.Duration
	}{
		"top of range":  {func(n int64) int64 { return n - 1 }, []time.Duration{1, 2, 4, 5, 5}},
		"bottom":        {func(int64) int64 { return 0 }, []time.Duration{0, 0, 0, 0, 0}},
		"half of range": {func(n int64) int64 { return (n - 1) / 2 }, []time.Duration{500, 1000, 2000, 2500, 2500}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := memory.New()
			clk := newClock()
			sk := newSink(t, func(string, int) int { return 502 })
			enqueue(t, st, clk.now(), store.OutboxMessage{ID: "m", Kind: store.OutboxConfirmation, Destination: "d", Payload: []byte(`{}`)})
			s, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
				Endpoints: map[string]outbox.Endpoint{"d": {URL: sk.srv.URL, Secret: sinkSecret}},
				Loop: outbox.Loop{MaxAttempts: 10, BaseBackoff: time.Second, MaxBackoff: 5 * time.Second,
					Clock: clk.now, Rand: c.rand},
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range c.want {
				unit := time.Second
				if name == "half of range" {
					unit = time.Millisecond
				}
				if _, err := s.Tick(context.Background()); err != nil {
					t.Fatal(err)
				}
				m := outboxMsg(t, st, "m")
				if got := m.NextAttempt.Sub(clk.now()); got != w*unit {
					t.Errorf("after failure %d: next attempt in %s, want %s", i+1, got, w*unit)
				}
				clk.add(time.Minute)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := outbox.NewWebhook(memoryStore(), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{"a": {URL: "ftp://x", Secret: ""}},
		Types:     []outbox.Type{"fax"},
		Loop:      outbox.Loop{BaseBackoff: time.Hour, MaxBackoff: time.Second, MaxAttempts: -1},
	})
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("New = %v", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 5 {
		t.Errorf("%d problems reported, want 5: %v", n, err)
	}
}

func memoryStore() outbox.Store { return outbox.FromStore(memory.New()) }

// X-Feerecon-Kind names the message's type on the webhook as on Kafka:
// "payment.reversed" for a reversal (its outbox kind is "reversal").
func TestWebhookKindHeaderIsTheType(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get(outbox.HeaderIdempotencyKey)] = r.Header.Get(outbox.HeaderKind)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	st := memory.New()
	clk := newClock()
	ids := map[outbox.Type]string{}
	for _, typ := range outbox.Types() {
		id := typ.ID("dvc", "HS-1", "camt054:FT1")
		ids[typ] = id
		if err := st.InTx(context.Background(), func(tx store.Tx) error {
			return typ.Enqueue(context.Background(), tx, id, "dvc", []byte(`{}`), clk.now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{"dvc": {URL: srv.URL, Secret: sinkSecret}},
		Loop:      outbox.Loop{Clock: clk.now},
	})
	if err != nil {
		t.Fatal(err)
	}
	for range len(ids) {
		if _, err := s.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for typ, id := range ids {
		if got[id] != string(typ) {
			t.Errorf("%s: X-Feerecon-Kind %q, want %q", id, got[id], typ)
		}
	}
	if got[ids[outbox.Reversed]] != "payment.reversed" {
		t.Errorf("a reversal's webhook kind is %q", got[ids[outbox.Reversed]])
	}
}

// A destination that comes back is not kept waiting by its failed
// messages' backoff: the first delivery to it makes them due at once
// (issue 12 §3). Without it the message that failed would wait out its
// backoff (an hour here) after the destination is back.
func TestDestinationBackRetriesItsFailedAtOnce(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		var mu sync.Mutex
		down := true
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if down {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		s, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
			Endpoints: map[string]outbox.Endpoint{"dvc": {URL: srv.URL, Secret: sinkSecret}, "hcm": {URL: srv.URL + "/hcm", Secret: sinkSecret}},
			Loop: outbox.Loop{MaxAttempts: 10, BaseBackoff: time.Hour, MaxBackoff: time.Hour, Clock: clk.now,
				Rand: func(n int64) int64 { return n - 1 }},
		})
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, st, clk.now(),
			store.OutboxMessage{ID: "old-dvc", Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{}`)},
			store.OutboxMessage{ID: "old-hcm", Kind: store.OutboxConfirmation, Destination: "hcm", Payload: []byte(`{}`)})
		if res, err := s.Tick(context.Background()); err != nil || res.Failed != 2 {
			t.Fatalf("tick while down: %+v, %v", res, err)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		clk.add(time.Minute)
		enqueue(t, st, clk.now(), store.OutboxMessage{ID: "new-dvc", Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{}`)})
		// Within the same minute (the same tick, or the next one): new-dvc,
		// then old-dvc, due again; old-hcm (no delivery to hcm yet) still
		// waits for its backoff.
		delivered := 0
		for range 2 {
			res, err := s.Tick(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			delivered += res.Delivered
		}
		if delivered != 2 {
			t.Errorf("%d delivered in the minute after the return, want 2 (new-dvc, old-dvc)", delivered)
		}
		if m := outboxMsg(t, st, "old-dvc"); m.State != store.OutboxDelivered {
			t.Errorf("old-dvc %s, want delivered within the minute of its destination's return", m.State)
		}
		if m := outboxMsg(t, st, "old-hcm"); m.State != store.OutboxPending || !m.NextAttempt.After(clk.now()) {
			t.Errorf("old-hcm %+v: another destination's message moved", m)
		}
	})
}
