package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
)

// sinkSecret is the demo procedure system's webhook secret: a public test
// value, never a real one.
const sinkSecret = outbox.Secret("demo-only-webhook-secret")

// sink is the procedure system's webhook: it verifies each signature and
// counts distinct idempotency keys, as a real receiver dedups. It fails
// its first call, so the demo shows a retry.
type sink struct {
	mu       sync.Mutex
	calls    int
	keys     map[string]bool
	rejected int
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls == 1 {
		http.Error(w, "procedure system busy", http.StatusServiceUnavailable)
		return
	}
	if err := outbox.Verify(sinkSecret, r.Header.Get(outbox.HeaderTimestamp), body, r.Header.Get(outbox.HeaderSignature)); err != nil {
		s.rejected++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	s.keys[r.Header.Get(outbox.HeaderIdempotencyKey)] = true
	w.WriteHeader(http.StatusNoContent)
}

// deliverConfirmations runs the outbox sender against the sink until no
// confirmation is due (the demo clock jumps past each backoff).
func deliverConfirmations(ctx context.Context, st store.Store, now func() time.Time, log *slog.Logger, sum *Summary) error {
	sk := &sink{keys: map[string]bool{}}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	clock := now()
	var mu sync.Mutex
	sender, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{System: {URL: srv.URL + "/feerecon/confirmations", Secret: sinkSecret}},
		Types:     []outbox.Type{outbox.Confirmation},
		Timeout:   5 * time.Second,
		Loop: outbox.Loop{BaseBackoff: time.Second, MaxBackoff: time.Minute,
			Clock:  func() time.Time { mu.Lock(); defer mu.Unlock(); return clock },
			Logger: log},
	})
	if err != nil {
		return err
	}
	for i := 0; i < 20; i++ {
		res, err := sender.Tick(ctx)
		if err != nil {
			return err
		}
		if res.Delivered+res.Failed+res.Dead == 0 && i > 0 {
			break
		}
		mu.Lock()
		clock = clock.Add(time.Minute)
		mu.Unlock()
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sum.ConfirmedAtSink = len(sk.keys)
	sum.SinkRejected = sk.rejected
	return nil
}
