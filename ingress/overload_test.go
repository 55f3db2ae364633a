package ingress_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/kafkabus"
)

// blockedPublisher holds every Publish until release is closed, counting
// the publishes under way and those stored.
type blockedPublisher struct {
	release        chan struct{}
	inFlight, peak atomic.Int64
	stored         atomic.Int64
}

func (b *blockedPublisher) Publish(ctx context.Context, _ string, _, _ []byte, _ map[string]string) error {
	n := b.inFlight.Add(1)
	defer b.inFlight.Add(-1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-b.release:
		b.stored.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *blockedPublisher) DeadLetter(ctx context.Context, topic string, _ kafkabus.DeadLetter) error {
	return b.Publish(ctx, topic, nil, nil, nil)
}

// With the broker blocked, exactly MaxInFlight callbacks are admitted and
// wait for it; every other one is answered 503 with Retry-After at once,
// unread, and nothing is acknowledged before the broker stored it. Once the
// broker takes them, the admitted ones are answered 200, each stored once,
// and the edge admits again.
func TestQueueFullAnswers503(t *testing.T) {
	t.Parallel()
	const bound, extra = 8, 40
	pub := &blockedPublisher{release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	h, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: pub, MaxInFlight: bound,
		RateLimit: rate.Inf, PublishTimeout: time.Minute, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	body, sig := vietqrFile(t, "valid.json")
	call := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/gateways/vietqr/callback", bytes.NewReader(body))
		r.Header.Set(vietqr.HeaderSignature, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	var wg sync.WaitGroup
	admitted := make(chan *httptest.ResponseRecorder, bound)
	for range bound {
		wg.Add(1)
		go func() { defer wg.Done(); admitted <- call() }()
	}
	for deadline := time.Now().Add(10 * time.Second); pub.inFlight.Load() < bound; {
		if time.Now().After(deadline) {
			t.Fatalf("%d publishes under way, want %d", pub.inFlight.Load(), bound)
		}
		time.Sleep(time.Millisecond)
	}
	if g := metric(t, reg, "feerecon_ingress_in_flight", ""); g != bound {
		t.Errorf("in-flight gauge %v, want %d", g, bound)
	}
	for range extra {
		w := call()
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
			t.Fatalf("over the bound: %d Retry-After %q, want 503 and 1", w.Code, w.Header().Get("Retry-After"))
		}
	}
	if len(admitted) != 0 || pub.stored.Load() != 0 {
		t.Fatalf("answered %d before the broker stored anything", len(admitted))
	}
	close(pub.release)
	wg.Wait()
	close(admitted)
	for w := range admitted {
		if w.Code != http.StatusOK {
			t.Errorf("admitted callback answered %d", w.Code)
		}
	}
	if pub.stored.Load() != bound || pub.peak.Load() != bound {
		t.Errorf("stored %d, peak in flight %d, want %d each", pub.stored.Load(), pub.peak.Load(), bound)
	}
	if w := call(); w.Code != http.StatusOK {
		t.Errorf("after the queue drained: %d", w.Code)
	}
	if got := metric(t, reg, "feerecon_ingress_callbacks_total", "overloaded"); got != extra {
		t.Errorf("overloaded count %v, want %d", got, extra)
	}
}

// metric is the value of the series name (with label outcome, if
// outcome is not "") in reg.
func metric(t *testing.T, reg *prometheus.Registry, name, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if outcome == "" {
				return m.GetGauge().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
