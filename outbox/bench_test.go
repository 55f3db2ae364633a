package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store/memory"
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
