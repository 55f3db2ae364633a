package kafkabus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/testenv"
)

// A batch consumer takes several messages at once (up to BatchSize),
// in offset order per partition; what its handler refuses goes to the
// dead-letter topic before the batch's offsets are committed; a transient
// failure retries the whole batch; a consumer of the same group started
// afterwards finds nothing left.
func TestBatchConsumerBatchesDeadLettersAndCommits(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 2)
	dlq := testenv.Name("kb-dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 1}, dlq); err != nil {
		t.Fatal(err)
	}
	const total = 60
	publishN(t, p, topic, 0, total)
	group := testenv.Name("g")
	var mu sync.Mutex
	var sizes []int
	seen := map[string]int{}
	failed := false
	runCtx, stop := context.WithCancel(ctx)
	handler := func(ctx context.Context, ms []kafkabus.Message, deadLetter func(context.Context, []kafkabus.Refused) error) error {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(ms))
		last := map[int]int64{}
		for _, m := range ms {
			if off, ok := last[m.Partition]; ok && m.Offset <= off {
				t.Errorf("partition %d: offset %d after %d in one batch", m.Partition, m.Offset, off)
			}
			last[m.Partition] = m.Offset
		}
		if !failed && len(ms) > 1 {
			failed = true // the first batch of several fails once: retried whole
			return errors.New("database is restarting")
		}
		var refused []kafkabus.Refused
		for _, m := range ms {
			if n, _ := strconv.Atoi(strings.TrimPrefix(string(m.Key), "txn-")); n%20 == 7 {
				refused = append(refused, kafkabus.Refused{Message: m, Err: gateways.Errorf(payment.GatewayMoMo, gateways.ErrSignature, "bad signature")})
				continue
			}
			seen[string(m.Key)]++
		}
		if err := deadLetter(ctx, refused); err != nil {
			return err
		}
		if len(seen) == total-3 {
			stop()
		}
		return nil
	}
	c, err := kafkabus.NewBatchConsumer(kafkabus.ConsumerConfig{
		Brokers: []string{broker}, GroupID: group, Topic: topic, DLQTopic: dlq, Producer: p,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		BatchSize: 25, BatchWait: 200 * time.Millisecond,
	}, handler)
	if err != nil {
		t.Fatal(err)
	}
	// stop ends inside the handler: RunUntil still commits the batch under
	// way (under ctx, the work's deadline), as a graceful shutdown does.
	done := make(chan error, 1)
	go func() { done <- c.RunUntil(runCtx, ctx) }()
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(seen) != total-3 || !failed {
		t.Fatalf("handled %d distinct messages (failed once: %v), want %d", len(seen), failed, total-3)
	}
	if slices.Max(sizes) < 2 || slices.Max(sizes) > 25 {
		t.Errorf("batch sizes %v: want batches of several, at most 25", sizes)
	}
	mu.Unlock()
	recs, err := kafkabus.ListDLQ(ctx, broker, 0, kafkabus.WithDLQTopic(dlq))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, string(r.Message.Key))
		if r.Reason != "signature" || r.SourceTopic != topic {
			t.Errorf("dead letter %+v", r)
		}
	}
	slices.Sort(keys)
	if fmt.Sprint(keys) != "[txn-27 txn-47 txn-7]" {
		t.Errorf("dead letters %v, want txn-7, txn-27, txn-47", keys)
	}
	// Everything was committed: the group's next member gets nothing.
	var again int
	c2, err := kafkabus.NewBatchConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic,
		DLQTopic: dlq, Producer: p, BatchSize: 25},
		func(_ context.Context, ms []kafkabus.Message, _ func(context.Context, []kafkabus.Refused) error) error {
			mu.Lock()
			again += len(ms)
			mu.Unlock()
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	quiet, cancelQuiet := context.WithTimeout(ctx, 8*time.Second)
	defer cancelQuiet()
	_ = waitDone(t, runConsumer(quiet, c2))
	if again != 0 {
		t.Errorf("a member started after the commits got %d messages", again)
	}
}
