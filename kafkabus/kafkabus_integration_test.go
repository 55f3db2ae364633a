package kafkabus_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/testenv"
)

// setup creates a unique topic with partitions and returns the broker, the
// topic and a producer.
func setup(t *testing.T, partitions int) (broker, topic string, p *kafkabus.Producer) {
	t.Helper()
	broker = testenv.Kafka(t)
	topic = testenv.Name("kb")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: partitions}, topic); err != nil {
		t.Fatalf("EnsureTopics: %v", err)
	}
	p, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return broker, topic, p
}

func publishN(t *testing.T, p *kafkabus.Producer, topic string, from, to int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := from; i < to; i++ {
		k := "txn-" + strconv.Itoa(i)
		if err := p.Publish(ctx, topic, []byte(k), []byte("body-"+strconv.Itoa(i)), map[string]string{"X-Seq": strconv.Itoa(i)}); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

// runConsumer runs c until it returns, in the background.
func runConsumer(ctx context.Context, c *kafkabus.Consumer) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return done
}

func waitDone(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("consumer did not stop")
		return nil
	}
}

func TestEnsureTopicsIdempotent(t *testing.T) {
	t.Parallel()
	broker := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := testenv.Name("kb-ens"), testenv.Name("kb-ens")
	if err := kafkabus.EnsureTopics(ctx, broker, a); err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := kafkabus.EnsureTopics(ctx, broker, a, b); err != nil {
		t.Fatalf("again with an existing topic: %v", err)
	}
	c := &kafka.Client{Addr: kafka.TCP(broker)}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range md.Topics {
		if tp.Error != nil || len(tp.Partitions) != 3 {
			t.Errorf("topic %s: err %v, %d partitions, want 3", tp.Name, tp.Error, len(tp.Partitions))
		}
	}
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 1, ReplicationFactor: 99}, testenv.Name("kb-ens")); err == nil {
		t.Error("replication factor 99 on one broker: want an error")
	}
}

// TestRoundTripCommittedOffset is the acceptance test of the foundation
// issue: produce, consume in a consumer group, commit, stop, restart the
// consumer and re-read from the committed offset: every message is handled
// exactly once across the two runs, and the one seen but not committed by
// the first run is handled by the second.
func TestRoundTripCommittedOffset(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 3)
	const n = 12
	publishN(t, p, topic, 0, n)
	group := testenv.Name("g")

	var mu sync.Mutex
	handled := map[string]int{}
	var seenNotCommitted string

	ctx1, stop1 := context.WithCancel(context.Background())
	defer stop1()
	c1, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p},
		func(ctx context.Context, m kafkabus.Message) error {
			mu.Lock()
			defer mu.Unlock()
			if len(handled) == n/2 {
				// Stop here: this message is seen but not handled.
				seenNotCommitted = string(m.Key)
				stop1()
				return ctx.Err()
			}
			handled[string(m.Key)]++
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, runConsumer(ctx1, c1)); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if len(handled) != n/2 || seenNotCommitted == "" {
		t.Fatalf("first run handled %d, stopped at %q", len(handled), seenNotCommitted)
	}
	first := map[string]bool{}
	for k := range handled {
		first[k] = true
	}

	ctx2, stop2 := context.WithCancel(context.Background())
	defer stop2()
	var second []string
	c2, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p},
		func(_ context.Context, m kafkabus.Message) error {
			mu.Lock()
			defer mu.Unlock()
			handled[string(m.Key)]++
			second = append(second, string(m.Key))
			if len(handled) == n {
				stop2()
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	done := runConsumer(ctx2, c2)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("second run: %v", err)
		}
	case <-time.After(60 * time.Second):
		stop2()
		t.Logf("consumer stopped: %v", <-done)
		t.Fatalf("second run saw only %v", second)
	}
	for i := range n {
		k := "txn-" + strconv.Itoa(i)
		if handled[k] != 1 {
			t.Errorf("%s handled %d times, want exactly 1", k, handled[k])
		}
	}
	for _, k := range second {
		if first[k] {
			t.Errorf("%s was committed by the first run but redelivered", k)
		}
	}
	if len(second) != n/2 {
		t.Errorf("second run handled %d messages, want %d", len(second), n/2)
	}
	found := false
	for _, k := range second {
		found = found || k == seenNotCommitted
	}
	if !found {
		t.Errorf("%s was seen but not committed by the first run, and the second run did not handle it", seenNotCommitted)
	}
}

// A poison message between good ones goes to the DLQ with its reason, the
// good ones after it are handled in order, a transient failure is retried
// and not skipped, and ReplayDLQ puts the poison back on its source topic
// with its key.
func TestPoisonToDLQTransientRetriedAndReplay(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 1)
	dlq := testenv.Name("kb-dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 1}, dlq); err != nil {
		t.Fatal(err)
	}
	keys := []string{"good-1", "poison-sig", "good-2", "flaky", "good-3", "poison-perm", "good-4"}
	for _, k := range keys {
		if err := p.Publish(ctx, topic, []byte(k), []byte("value of "+k), map[string]string{"X-Feerecon-Signature": "sig-" + k}); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	metrics, err := kafkabus.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	var handled []string
	flakyCalls := 0
	runCtx, stop := context.WithCancel(ctx)
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{
		Brokers: []string{broker}, GroupID: testenv.Name("g"), Topic: topic, DLQTopic: dlq, Producer: p,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Metrics: metrics, Clock: func() time.Time { return at },
	}, func(_ context.Context, m kafkabus.Message) error {
		switch k := string(m.Key); k {
		case "poison-sig":
			return gateways.Errorf(payment.GatewayMoMo, gateways.ErrSignature, "signature mismatch")
		case "poison-perm":
			return kafkabus.Permanent("unknown_notice_system", errors.New("no such procedure system"))
		case "flaky":
			flakyCalls++
			if flakyCalls <= 2 {
				return errors.New("database is restarting")
			}
		}
		handled = append(handled, string(m.Key))
		if len(handled) == 5 {
			stop()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, runConsumer(runCtx, c)); err != nil {
		t.Fatal(err)
	}
	want := []string{"good-1", "good-2", "flaky", "good-3", "good-4"}
	if fmt.Sprint(handled) != fmt.Sprint(want) {
		t.Fatalf("handled %v, want %v", handled, want)
	}
	if flakyCalls != 3 {
		t.Errorf("flaky handled %d times, want 3 (2 transient failures, then success)", flakyCalls)
	}
	if got := deadLettered(t, reg, topic, "poison", "signature"); got != 1 {
		t.Errorf("dead-lettered signature metric = %v, want 1", got)
	}
	if got := deadLettered(t, reg, topic, "permanent", "unknown_notice_system"); got != 1 {
		t.Errorf("dead-lettered permanent metric = %v, want 1", got)
	}

	recs, err := kafkabus.ListDLQ(ctx, broker, 0, kafkabus.WithDLQTopic(dlq))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("DLQ holds %d records, want 2: %+v", len(recs), recs)
	}
	r := recs[0]
	if string(r.Message.Key) != "poison-sig" || string(r.Message.Value) != "value of poison-sig" ||
		r.SourceTopic != topic || r.SourcePartition != 0 || r.SourceOffset != 1 ||
		r.Kind != kafkabus.KindPoison || r.Reason != "signature" || !r.At.Equal(at) ||
		r.Origin != "consumer" || r.OriginalHeaders["X-Feerecon-Signature"] != "sig-poison-sig" {
		t.Errorf("first dead letter = %+v", r)
	}
	if r.Error == "" || r.Message.Headers[kafkabus.HeaderError] != r.Error {
		t.Errorf("dead letter error text %q", r.Error)
	}
	if recs[1].Reason != "unknown_notice_system" || recs[1].Kind != kafkabus.KindPermanent || recs[1].SourceOffset != 5 {
		t.Errorf("second dead letter = %+v", recs[1])
	}
	if one, err := kafkabus.ListDLQ(ctx, broker, 1, kafkabus.WithDLQTopic(dlq)); err != nil || len(one) != 1 {
		t.Errorf("ListDLQ limit 1: %d records, %v", len(one), err)
	}

	n, err := kafkabus.ReplayDLQ(ctx, broker, kafkabus.ReplayFilter{Reason: "signature"}, kafkabus.WithDLQTopic(dlq))
	if err != nil || n != 1 {
		t.Fatalf("ReplayDLQ = %d, %v; want 1", n, err)
	}
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: 0, MaxWait: 200 * time.Millisecond})
	defer rd.Close()
	if err := rd.SetOffset(int64(len(keys))); err != nil {
		t.Fatal(err)
	}
	m, err := rd.FetchMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs := map[string]string{}
	for _, h := range m.Headers {
		hs[h.Key] = string(h.Value)
	}
	if string(m.Key) != "poison-sig" || string(m.Value) != "value of poison-sig" ||
		hs["X-Feerecon-Signature"] != "sig-poison-sig" || hs[kafkabus.HeaderReplayOf] != dlq+"/0/0" || hs[kafkabus.HeaderReason] != "" {
		t.Errorf("replayed message key %q value %q headers %v", m.Key, m.Value, hs)
	}
}

// A crash between the handler's success and the offset commit redelivers
// the message after a restart: the handler sees it twice, nothing is lost,
// and an idempotent store records it once.
func TestCrashBetweenHandleAndCommitRedelivers(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 1)
	publishN(t, p, topic, 0, 5)
	group := testenv.Name("g")
	seen := map[string]int{}
	stored := map[string]bool{} // stands for the store's unique key
	handler := func(_ context.Context, m kafkabus.Message) error {
		seen[string(m.Key)]++
		stored[string(m.Key)] = true
		return nil
	}
	crash := errors.New("simulated crash")
	c1, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{
		Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p,
		AfterHandle: func(m kafkabus.Message) error {
			if string(m.Key) == "txn-2" {
				return crash
			}
			return nil
		},
	}, handler)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, runConsumer(context.Background(), c1)); !errors.Is(err, crash) {
		t.Fatalf("first run returned %v, want the simulated crash", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	c2, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p},
		func(ctx context.Context, m kafkabus.Message) error {
			err := handler(ctx, m)
			if string(m.Key) == "txn-4" {
				stop()
			}
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, runConsumer(ctx, c2)); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"txn-0": 1, "txn-1": 1, "txn-2": 2, "txn-3": 1, "txn-4": 1}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("handler calls %v, want %v (txn-2 redelivered)", seen, want)
	}
	if len(stored) != 5 {
		t.Errorf("stored %d distinct messages, want 5", len(stored))
	}
}

// deadLettered reads feerecon_kafka_dead_lettered_total for the labels.
func deadLettered(t *testing.T, reg *prometheus.Registry, topic, kind, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "feerecon_kafka_dead_lettered_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["topic"] == topic && l["kind"] == kind && l["reason"] == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// BenchmarkPublish measures one synchronous, acks=all publish of a 1 KiB
// message to the real broker.
func BenchmarkPublish(b *testing.B) {
	broker := testenv.Kafka(b)
	topic := testenv.Name("kb-bench")
	ctx := context.Background()
	if err := kafkabus.EnsureTopics(ctx, broker, topic); err != nil {
		b.Fatal(err)
	}
	p, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	value := make([]byte, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.Publish(ctx, topic, []byte(strconv.Itoa(i)), value, map[string]string{"X-Feerecon-Signature": "ab"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// A transient error that outlasts MaxRetries stops the consumer without
// committing: the restarted consumer gets the same message, never the next.
func TestRetriesExhaustedNeverSkips(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 1)
	publishN(t, p, topic, 0, 2)
	group := testenv.Name("g")
	calls := 0
	c1, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{
		Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetries: 2,
	}, func(_ context.Context, m kafkabus.Message) error {
		calls++
		return errors.New("database down")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, runConsumer(context.Background(), c1)); !errors.Is(err, kafkabus.ErrRetriesExhausted) {
		t.Fatalf("Run = %v, want ErrRetriesExhausted", err)
	}
	if calls != 3 {
		t.Errorf("handler called %d times, want 3 (1 + 2 retries)", calls)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var got []string
	c2, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p},
		func(_ context.Context, m kafkabus.Message) error {
			got = append(got, string(m.Key))
			if len(got) == 2 {
				stop()
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, runConsumer(ctx, c2)); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[txn-0 txn-1]" {
		t.Errorf("after restart handled %v, want [txn-0 txn-1]", got)
	}
}

// An evidence record keeps a bounded prefix and no original header, lists
// with its Evidence, and is never replayed.
func TestEvidenceBoundedListedNotReplayed(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 1)
	dlq := testenv.Name("kb-evidence")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 1}, dlq); err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Repeat("é", 600)) // 1200 bytes
	long := strings.Repeat("x", 5000)
	err := p.DeadLetter(ctx, dlq, kafkabus.DeadLetter{
		SourceTopic: topic, SourcePartition: -1, SourceOffset: -1,
		Key: []byte("key"), Value: body, Headers: map[string]string{"X-Big": long},
		Kind: kafkabus.KindPoison, Reason: "signature",
		Err: gateways.Errorf(payment.GatewayMoMo, gateways.ErrSignature, "%s", long),
		At:  time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Origin: "ingress",
		Evidence: &kafkabus.Evidence{Gateway: "momo", Size: len(body), SHA256: "ab12", Remote: "192.0.2.7:4711"},
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := kafkabus.ListDLQ(ctx, broker, 0, kafkabus.WithDLQTopic(dlq))
	if err != nil || len(recs) != 1 {
		t.Fatalf("ListDLQ: %d records, %v", len(recs), err)
	}
	r := recs[0]
	want := kafkabus.Evidence{Gateway: "momo", Size: 1200, SHA256: "ab12", Remote: "192.0.2.7:4711"}
	if r.Evidence == nil || *r.Evidence != want {
		t.Fatalf("evidence %+v, want %+v", r.Evidence, want)
	}
	if len(r.Message.Value) != kafkabus.EvidencePrefixBytes || !bytes.Equal(r.Message.Value, body[:kafkabus.EvidencePrefixBytes]) ||
		len(r.Message.Key) != 0 || len(r.OriginalHeaders) != 0 || len(r.Error) > kafkabus.EvidenceErrorBytes ||
		r.Reason != "signature" || r.SourceTopic != topic {
		t.Errorf("record key %q, value %d bytes, headers %v, error %d bytes, %+v",
			r.Message.Key, len(r.Message.Value), r.OriginalHeaders, len(r.Error), r)
	}
	if n, err := kafkabus.ReplayDLQ(ctx, broker, kafkabus.ReplayFilter{}, kafkabus.WithDLQTopic(dlq)); err != nil || n != 0 {
		t.Errorf("ReplayDLQ of evidence = %d, %v; want 0", n, err)
	}
}
