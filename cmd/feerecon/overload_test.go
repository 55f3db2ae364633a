package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/testenv"
)

// slowBroker stores at most width messages at once, each taking took: a
// producer whose capacity is width/took messages a second. It counts the
// callbacks awaiting their publish (waiting for it, or being stored).
type slowBroker struct {
	width          chan struct{}
	took           time.Duration
	awaiting, peak atomic.Int64
	stored         atomic.Int64
}

func (b *slowBroker) Publish(ctx context.Context, _ string, _, _ []byte, _ map[string]string) error {
	n := b.awaiting.Add(1)
	defer b.awaiting.Add(-1)
	for p := b.peak.Load(); n > p && !b.peak.CompareAndSwap(p, n); p = b.peak.Load() {
	}
	select {
	case b.width <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.width }()
	time.Sleep(b.took)
	b.stored.Add(1)
	return nil
}

func (b *slowBroker) DeadLetter(ctx context.Context, topic string, _ kafkabus.DeadLetter) error {
	return b.Publish(ctx, topic, nil, nil, nil)
}

// liveHeap is the heap live at the last GC (runtime/metrics).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Overload (issue 12 §2): the callback edge behind the service's own HTTP
// server, its broker slow (capacity 50 callbacks a second), driven open
// loop at ten times that with 32 KiB signed callbacks. Every answer is 200
// (stored: as many 200s as messages the broker stored) or 503 with
// Retry-After; the callbacks awaiting their publish never exceed the
// queue's bound; the live heap grows by less than the bound computed from
// the queue, the body limit and the connections (RELIABILITY.md).
func TestOverloadAnswersRetryAfterWithinBoundedMemory(t *testing.T) {
	// Not parallel: the heap is measured.
	const (
		bound    = 32
		width    = 1
		took     = 20 * time.Millisecond // capacity width/took = 50/s
		offered  = 500                   // callbacks a second: 10× capacity
		duration = 2 * time.Second
		bodySize = 32 << 10
		maxConns = 256 // the clients' connections at most
	)
	broker := &slowBroker{width: make(chan struct{}, width), took: took}
	dec, err := vietqr.New(vietqr.Config{Secret: "feerecon-test-vietqr-secret-0001"})
	if err != nil {
		t.Fatal(err)
	}
	decs, err := gateways.NewSet(dec)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ingress.New(ingress.Config{Decoders: decs, Publisher: broker, MaxInFlight: bound, RateLimit: rate.Inf,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer("", in, defaultHTTPLimits())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/gateways/vietqr/callback"

	valid, err := os.ReadFile("../../testdata/gateways/vietqr/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	valid = bytes.TrimSpace(valid)
	pad := bytes.Repeat([]byte(" "), bodySize-len(valid))
	body := append(append(append([]byte{}, valid[:len(valid)-1]...), pad...), '}')
	signed := gatewaytest.HMACHeader(vietqr.HeaderSignature, "feerecon-test-vietqr-secret-0001")(body)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxConns, MaxConnsPerHost: maxConns}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	answers := map[string]int{}
	var bad []string
	runtime.GC()
	before := liveHeap()
	var peakHeap atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h := liveHeap(); h > peakHeap.Load() {
				peakHeap.Store(h)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	const tick = 10 * time.Millisecond
	start := time.Now()
	for at := time.Duration(0); at < duration; at += tick {
		time.Sleep(time.Until(start.Add(at)))
		for range offered * int(tick) / int(time.Second) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(signed.Body))
				req.Header.Set(vietqr.HeaderSignature, signed.Headers[vietqr.HeaderSignature])
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					bad = append(bad, err.Error())
					mu.Unlock()
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				key := resp.Status
				if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
					key += " without Retry-After"
				}
				mu.Lock()
				answers[key]++
				mu.Unlock()
			}()
		}
	}
	launched := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled
	growth := int64(peakHeap.Load()) - int64(before)
	// Each admitted callback holds its body (io.ReadAll grows its buffer
	// to at most twice the body) and the message built from it; each
	// connection its buffers (4 KiB read and write, both sides) and
	// goroutines.
	const perSlot, perConn = 4 * bodySize, 64 << 10
	heapBound := int64(bound*perSlot + maxConns*perConn)
	t.Logf("offered %d callbacks in %s (%.0f/s; capacity %.0f/s), all answered in %s: %v; stored %d; peak awaiting publish %d (bound %d); live heap +%d KiB (bound %d KiB)",
		offered*int(duration/time.Second), launched.Round(time.Millisecond), float64(offered*int(duration/time.Second))/launched.Seconds(),
		float64(width)/took.Seconds(), elapsed.Round(time.Millisecond), answers, broker.stored.Load(), broker.peak.Load(), bound, growth>>10, heapBound>>10)
	if len(bad) > 0 {
		t.Errorf("%d requests failed, e.g. %s", len(bad), bad[0])
	}
	for k, n := range answers {
		if k != "200 OK" && k != "503 Service Unavailable" {
			t.Errorf("%d answers %q, want 200 or 503 with Retry-After", n, k)
		}
	}
	if int64(answers["200 OK"]) != broker.stored.Load() {
		t.Errorf("%d acknowledged, %d stored", answers["200 OK"], broker.stored.Load())
	}
	if answers["503 Service Unavailable"] == 0 || answers["200 OK"] == 0 {
		t.Errorf("answers %v: the overload was not reached or nothing got through", answers)
	}
	if p := broker.peak.Load(); p > bound {
		t.Errorf("%d callbacks awaiting their publish, bound %d", p, bound)
	}
	if growth > heapBound {
		t.Errorf("live heap grew by %d KiB, bound %d KiB", growth>>10, heapBound>>10)
	}
}

// BenchmarkCallbackEdge measures the capacity of the callback edge as
// serve wires it (its HTTP server, ingress with the default queue, the
// real Kafka producer, a three-partition raw topic) with 64 concurrent
// gateways posting signed VietQR callbacks: callbacks/s is the figure in
// RELIABILITY.md. "serve" is serve's producer (publishes batched,
// producerConfig); "unbatched" a batch of one per publish, as before.
func BenchmarkCallbackEdge(b *testing.B) {
	broker := testenv.Kafka(b)
	b.Run("unbatched", func(b *testing.B) {
		benchmarkCallbackEdge(b, kafkabus.ProducerConfig{Brokers: []string{broker}})
	})
	b.Run("serve", func(b *testing.B) {
		benchmarkCallbackEdge(b, producerConfig(broker, slog.New(slog.DiscardHandler)))
	})
}

func benchmarkCallbackEdge(b *testing.B, pc kafkabus.ProducerConfig) {
	broker := pc.Brokers[0]
	topic := testenv.Name("bench-raw")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 3}, topic); err != nil {
		b.Fatal(err)
	}
	// A topic just created takes a moment before its partitions are led
	// (serve waits for it before it is ready).
	for kafkabus.TopicsLed(ctx, broker, topic) != nil {
		if ctx.Err() != nil {
			b.Fatal("the topic's partitions have no leader after 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	p, err := kafkabus.NewProducer(pc)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	secret := "feerecon-test-vietqr-secret-0001"
	dec, err := vietqr.New(vietqr.Config{Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	decs, err := gateways.NewSet(dec)
	if err != nil {
		b.Fatal(err)
	}
	in, err := ingress.New(ingress.Config{Decoders: decs, Publisher: p, RateLimit: rate.Inf, Logger: slog.New(slog.DiscardHandler),
		Topic: func(payment.Gateway) string { return topic }})
	if err != nil {
		b.Fatal(err)
	}
	srv := newHTTPServer("", in, defaultHTTPLimits())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/gateways/vietqr/callback"
	valid, err := os.ReadFile("../../testdata/gateways/vietqr/valid.json")
	if err != nil {
		b.Fatal(err)
	}
	sign := gatewaytest.HMACHeader(vietqr.HeaderSignature, secret)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	var failed, lastStatus atomic.Int64
	b.SetParallelism(64 / runtime.GOMAXPROCS(0))
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// A transaction id of its own: keys spread over the partitions.
			body := bytes.Replace(valid, []byte(`"id": 92704`), []byte(`"id": `+strconv.FormatInt(100000+seq.Add(1), 10)), 1)
			raw := sign(body)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw.Body))
			req.Header.Set(vietqr.HeaderSignature, raw.Headers[vietqr.HeaderSignature])
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
				lastStatus.Store(int64(resp.StatusCode))
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "callbacks/s")
	if n := failed.Load(); n > 0 {
		b.Errorf("%d callbacks not answered 200 (the last: %d)", n, lastStatus.Load())
	}
}
