package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outbox"
)

// sink is the procedure system's confirmation endpoint: it notes when
// each notice's confirmation arrived.
type sink struct {
	mu       sync.Mutex
	sent     map[string]time.Time // notice id → when its payment was published
	got      map[string]bool
	lat      []time.Duration
	received int
}

func newSink() *sink {
	return &sink{sent: map[string]time.Time{}, got: map[string]bool{}}
}

func (s *sink) published(notice string, at time.Time) {
	s.mu.Lock()
	s.sent[notice] = at
	s.mu.Unlock()
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var c struct {
		NoticeID string `json:"notice_id"`
	}
	if err == nil {
		err = json.Unmarshal(body, &c)
	}
	if err != nil || r.Header.Get(outbox.HeaderKind) != string(outbox.Confirmation) {
		http.Error(w, "not a confirmation", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if !s.got[c.NoticeID] {
		s.got[c.NoticeID] = true
		s.received++
		if t0, ok := s.sent[c.NoticeID]; ok {
			s.lat = append(s.lat, at.Sub(t0))
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// wait returns once n confirmations arrived in all (or fails after
// stallTimeout without a new one).
func (s *sink) wait(ctx context.Context, n int) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	last, progressed := -1, time.Now()
	for {
		s.mu.Lock()
		got := s.received
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		if now := time.Now(); got > last {
			last, progressed = got, now
		} else if now.Sub(progressed) > stallTimeout {
			return fmt.Errorf("%w for %s: %d of %d confirmations", errStalled, stallTimeout, got, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// latencyResult: publish → confirmation, over the paced events.
type latencyResult struct {
	events             int
	rate               float64
	p50, p95, p99, max time.Duration
}

// warmup is the number of events sent (one per gateway) and confirmed
// before the paced stream, so that every consumer has joined its group.
var warmup = len(Mix)

// latency runs the consumers and the webhook sender in-process on a fresh
// database and topics, publishes a workload of rate × duration events at a
// steady rate, each with its own synchronous publish (as the ingress
// does), and measures from just before each fresh event's publish to its
// notice's confirmation arriving at the sink.
func (h *harness) latency(ctx context.Context) (latencyResult, error) {
	var res latencyResult
	n := warmup + int(float64(h.cfg.LatencyRate)*h.cfg.LatencyDuration.Seconds())
	w, err := NewWorkload(n)
	if err != nil {
		return res, err
	}
	db, err := h.database(ctx, "latency")
	if err != nil {
		return res, err
	}
	defer db.drop()
	if _, err := createNotices(ctx, db.store, w); err != nil {
		return res, err
	}
	ts, err := h.topics(ctx, "latency", 3)
	if err != nil {
		return res, err
	}
	sk := newSink()
	srv := httptest.NewServer(sk)
	defer srv.Close()
	//nolint:gosec // G101: the bench sink's own key, not a credential.
	const secret = "bench-sink-secret-not-a-secret"
	sender, err := outbox.NewWebhook(outbox.FromStore(db.store), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{System: {URL: srv.URL, Secret: secret}},
		Types:     []outbox.Type{outbox.Confirmation},
		Loop:      outbox.Loop{Logger: h.parts}, // serve's: woken by each batch with a confirmation
	})
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sent := make(chan error, 1)
	go func() { sent <- sender.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-sent; err != nil {
			h.log.Warn("bench: webhook sender", "err", err)
		}
	}()
	cs, err := h.startConsumers(ctx, db.store, ts, "bench-"+h.run+"-latency", 1, sender.Wake)
	if err != nil {
		return res, err
	}
	defer cs.close()
	prod, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{h.cfg.Kafka}, Logger: h.parts})
	if err != nil {
		return res, err
	}
	defer prod.Close()

	var events []Event
	for e, err := range w.Events() {
		if err != nil {
			return res, err
		}
		events = append(events, e)
	}
	publish := func(e Event) error {
		if e.Kind == Fresh {
			n, err := w.Notice(e.Notice)
			if err != nil {
				return err
			}
			sk.published(n.ID, time.Now())
		}
		return prod.Publish(ctx, ts.raw[e.Gateway], e.Key, e.Raw.Body, e.Raw.Headers)
	}
	for _, e := range events[:warmup] {
		if err := publish(e); err != nil {
			return res, err
		}
	}
	if err := sk.wait(ctx, warmup); err != nil {
		return res, fmt.Errorf("bench: latency warm-up: %w", err)
	}
	sk.mu.Lock()
	sk.lat = sk.lat[:0]
	sk.mu.Unlock()

	paced := events[warmup:]
	errs := make(chan error, len(paced))
	var wg sync.WaitGroup
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	for i := 0; i < len(paced); {
		select {
		case <-ctx.Done():
			tick.Stop()
			return res, ctx.Err()
		case err := <-errs:
			tick.Stop()
			return res, fmt.Errorf("bench: latency: %w", err)
		case now := <-tick.C:
			due := min(len(paced), int(now.Sub(start).Seconds()*float64(h.cfg.LatencyRate))+1)
			for ; i < due; i++ {
				wg.Add(1)
				go func(e Event) {
					defer wg.Done()
					if err := publish(e); err != nil {
						errs <- err
					}
				}(paced[i])
			}
		}
	}
	tick.Stop()
	// The rate offered: the last publish began now.
	res.rate = float64(len(paced)) / time.Since(start).Seconds()
	wg.Wait()
	select {
	case err := <-errs:
		return res, fmt.Errorf("bench: latency: %w", err)
	default:
	}
	if err := sk.wait(ctx, w.Notices()); err != nil {
		return res, fmt.Errorf("bench: latency: %w", err)
	}
	sk.mu.Lock()
	lat := slices.Clone(sk.lat)
	sk.mu.Unlock()
	slices.Sort(lat)
	res.events = len(paced)
	res.p50, res.p95, res.p99, res.max = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99), lat[len(lat)-1]
	return res, nil
}

// quantile is the q-quantile of sorted ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}
