package outbox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
)

// BenchmarkTick: the publisher's own cost per message (take, key, mark) on
// store/memory with a producer that does nothing; the broker round trip is
// kafkabus's BenchmarkPublish.
func BenchmarkTick(b *testing.B) {
	st := memory.New()
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = fmt.Sprintf("HS-%d", i)
	}
	enqueueConfirmations(b, st, "dvc", ids...)
	p, err := newConfirmations(st, &fakeProducer{}, outbox.KafkaConfig{Loop: outbox.Loop{Batch: b.N, Clock: func() time.Time { return base.Add(time.Duration(b.N+1) * time.Second) }}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := p.Tick(context.Background())
	if err != nil || res.Delivered != b.N {
		b.Fatalf("Tick = %+v, %v", res, err)
	}
}

// BenchmarkWebhookPostgres: confirmations delivered per second through the
// signed webhook to a local receiver, on PostgreSQL (fsync on), one message
// per transaction (Parallel 1, the loop before batching) against 16.
func BenchmarkWebhookPostgres(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, parallel := range []int{1, 16} {
		b.Run(fmt.Sprintf("parallel=%d", parallel), func(b *testing.B) {
			st := pgtest.Store(b)
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = fmt.Sprintf("HS-%d", i)
			}
			enqueueConfirmations(b, st, "dvc", ids...)
			s, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
				Endpoints: map[string]outbox.Endpoint{"dvc": {URL: srv.URL, Secret: sinkSecret}},
				Types:     []outbox.Type{outbox.Confirmation},
				Loop:      outbox.Loop{Batch: b.N, Parallel: parallel, Clock: func() time.Time { return base.Add(time.Duration(b.N+1) * time.Second) }},
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			res, err := s.Tick(context.Background())
			if err != nil || res.Delivered != b.N {
				b.Fatalf("Tick = %+v, %v", res, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
