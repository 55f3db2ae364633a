package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/feerecon/feerecon/outbox"
)

// sinkSecret is the demo procedure system's webhook secret (and the demo
// treasury's): a public test value, never a real one.
const sinkSecret = outbox.Secret("demo-only-webhook-secret")

// sink is a receiver of the outbox's webhooks (the procedure system's, or
// the treasury's): it verifies each signature and counts distinct
// idempotency keys, as a real receiver dedups. The procedure system's
// fails its first call, so the demo shows a retry.
type sink struct {
	mu        sync.Mutex
	failFirst bool
	calls     int
	keys      map[string]bool
	rejected  int
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.failFirst && s.calls == 1 {
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

// sinkServer is a sink listening on a local port.
type sinkServer struct {
	*sink
	srv *httptest.Server
}

func newSinkServer(failFirst bool) *sinkServer {
	s := &sink{failFirst: failFirst, keys: map[string]bool{}}
	return &sinkServer{sink: s, srv: httptest.NewServer(s)}
}

// endpoint is the sink's webhook endpoint at path.
func (s *sinkServer) endpoint(path string) outbox.Endpoint {
	return outbox.Endpoint{URL: s.srv.URL + path, Secret: sinkSecret}
}

func (s *sinkServer) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

// has reports whether the sink received, and verified, the message of
// this idempotency key.
func (s *sinkServer) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key]
}

func (s *sinkServer) Close() { s.srv.Close() }

// confirmationsPath is where the procedure system takes confirmations.
const confirmationsPath = "/feerecon/confirmations"

// deliverConfirmations runs the outbox sender against the procedure
// system's sink until no confirmation is due (the demo clock jumps past
// each backoff).
func (d *Day) deliverConfirmations(ctx context.Context, sum *Summary) error {
	clock := d.now()
	var mu sync.Mutex
	sender, err := outbox.NewWebhook(outbox.FromStore(d.st), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{System: d.sink.endpoint(confirmationsPath)},
		Types:     []outbox.Type{outbox.Confirmation},
		Timeout:   5 * time.Second,
		Loop: outbox.Loop{BaseBackoff: time.Second, MaxBackoff: time.Minute,
			Clock:  func() time.Time { mu.Lock(); defer mu.Unlock(); return clock },
			Logger: d.log},
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
	d.sink.mu.Lock()
	defer d.sink.mu.Unlock()
	sum.ConfirmedAtSink = len(d.sink.keys)
	sum.SinkRejected = d.sink.rejected
	return nil
}
