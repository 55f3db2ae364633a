package outbox_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/testenv"
)

var errKafkaCrash = errors.New("crash between the publish and the mark")

// Acceptance (issue 4 item 5) on the real broker: every confirmation reaches
// payments.confirmed with key system/notice_id, its payload and its
// Idempotency-Key; a crash between the publish and the mark publishes it
// again with the same key, and a consumer deduplicating by that key applies
// each confirmation once.
func TestKafkaPublishCrashRepublish(t *testing.T) {
	broker := testenv.Kafka(t)
	topic := testenv.Name("payments-confirmed")
	if err := kafkabus.EnsureTopics(context.Background(), broker, topic); err != nil {
		t.Fatal(err)
	}
	prod, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Close() })

	st := memory.New()
	ids := []string{"HS-1", "HS-2", "HS-3"}
	enqueueConfirmations(t, st, "dvc-hanoi", ids...)
	crashOn := confirmationKafkaID("dvc-hanoi", "HS-2")
	crashed := false
	clk := &fakeClock{t: base.Add(time.Minute)}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Topic: topic, Loop: outbox.Loop{Clock: clk.now, Parallel: 1,
		AfterSend: func(m store.OutboxMessage) error {
			if m.ID == crashOn && !crashed {
				crashed = true
				return errKafkaCrash
			}
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := p.Tick(ctx)
	if !errors.Is(err, errKafkaCrash) || res.Delivered != 1 {
		t.Fatalf("first Tick = %+v, %v; want one published, then the crash", res, err)
	}
	if m := outboxMsg(t, st, crashOn); m.State != store.OutboxPending || m.Attempts != 0 {
		t.Fatalf("crashed message was marked: %+v", m)
	}
	// The restarted publisher.
	res, err = p.Tick(ctx)
	if err != nil || res.Delivered != 2 {
		t.Fatalf("second Tick = %+v, %v", res, err)
	}
	for _, id := range ids {
		if m := outboxMsg(t, st, confirmationKafkaID("dvc-hanoi", id)); m.State != store.OutboxDelivered {
			t.Errorf("%s: %+v", id, m)
		}
		// The webhook channel was not touched.
		if m := outboxMsg(t, st, outbox.Confirmation.ID("dvc-hanoi", id)); m.State != store.OutboxPending || m.Attempts != 0 {
			t.Errorf("webhook %s: %+v", id, m)
		}
	}

	// The consumer side: 4 messages on the topic, 3 idempotency keys.
	var mu sync.Mutex
	var got []kafkabus.Message
	applied := map[string]int{}
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: testenv.Name("confirmed"),
		Topic: topic, DLQTopic: testenv.Name("unused-dlq"), Producer: prod},
		func(_ context.Context, m kafkabus.Message) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, m)
			key := m.Headers[outbox.HeaderIdempotencyKey]
			if applied[key] == 0 {
				applied[key]++ // first sight: apply; later: a republish, ignored
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 4 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("consumed %d messages, want 4", n)
		case err := <-done:
			t.Fatalf("consumer stopped: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("consumer: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Errorf("%d messages on the topic, want 4 (3 + 1 republish)", len(got))
	}
	perKey := map[string]int{}
	for _, m := range got {
		key := m.Headers[outbox.HeaderIdempotencyKey]
		perKey[key]++
		var sys, id string
		for _, x := range ids {
			if key == confirmationKafkaID("dvc-hanoi", x) {
				sys, id = "dvc-hanoi", x
			}
		}
		if id == "" || string(m.Key) != sys+"/"+id || string(m.Value) != string(confirmation(t, sys, id)) ||
			m.Headers[outbox.HeaderKind] != "confirmation" {
			t.Errorf("message %s: key %q headers %v value %s", m.Ref(), m.Key, m.Headers, m.Value)
		}
	}
	for _, id := range ids {
		want := 1
		if id == "HS-2" {
			want = 2
		}
		if k := confirmationKafkaID("dvc-hanoi", id); perKey[k] != want || applied[k] != 1 {
			t.Errorf("%s: %d copies on the topic (want %d), applied %d times", k, perKey[k], want, applied[k])
		}
	}
	// The republish went to the same partition as the first copy.
	parts := map[int]bool{}
	for _, m := range got {
		if m.Headers[outbox.HeaderIdempotencyKey] == crashOn {
			parts[m.Partition] = true
		}
	}
	if len(parts) != 1 {
		t.Errorf("republish in another partition: %v", parts)
	}
}

// On the real PostgreSQL (the schema must accept the kind and its
// transactions must lock and mark it): both channels' rows, only the Kafka
// ones taken.
func TestPostgresOutbox(t *testing.T) {
	st := openPostgres(t)
	enqueueConfirmations(t, st, "dvc", "A", "B")
	prod := &fakeProducer{}
	clk := &fakeClock{t: base.Add(time.Minute)}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{Clock: clk.now}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Delivered: 2}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	// Two notices are two lanes, published at once: in either order.
	slices.SortFunc(prod.got, func(a, b published) int { return strings.Compare(a.key, b.key) })
	if len(prod.got) != 2 || prod.got[0].key != "dvc/A" || prod.got[1].key != "dvc/B" || prod.got[0].topic != kafkabus.TopicConfirmed {
		t.Errorf("published %+v", prod.got)
	}
	for _, id := range []string{"A", "B"} {
		if m := outboxMsg(t, st, confirmationKafkaID("dvc", id)); m.State != store.OutboxDelivered {
			t.Errorf("Kafka copy %s: %+v", id, m)
		}
		if m := outboxMsg(t, st, outbox.Confirmation.ID("dvc", id)); m.State != store.OutboxPending || m.Attempts != 0 {
			t.Errorf("webhook %s: %+v", id, m)
		}
	}
}
