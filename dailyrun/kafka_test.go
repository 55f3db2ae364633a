package dailyrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/testenv"
)

// collect consumes topic until want messages arrived or ctx ends.
func collect(ctx context.Context, t *testing.T, broker, topic string, prod *kafkabus.Producer, want int) []kafkabus.Message {
	t.Helper()
	var mu sync.Mutex
	var got []kafkabus.Message
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: testenv.Name("reader"),
		Topic: topic, DLQTopic: testenv.Name("unused-dlq"), Producer: prod},
		func(_ context.Context, m kafkabus.Message) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, m)
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
		if n >= want {
			break
		}
		select {
		case <-ctx.Done():
			stop()
			t.Logf("consumer stopped: %v", <-done)
			t.Fatalf("%s: %d of %d messages before the deadline", topic, n, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

func TestKafkaStatementsRaw(t *testing.T) {
	t.Parallel()
	broker := testenv.Kafka(t)
	topic, dlq := testenv.Name("statements.raw"), testenv.Name("statements-dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 1}, topic, dlq); err != nil {
		t.Fatal(err)
	}
	prod, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Close() })
	camt := readFile(t, "statement.camt053.xml")
	// The same file delivered twice (a producer retry), and a file that
	// never parses.
	for i, body := range [][]byte{camt, []byte("%PDF-1.7 not a statement"), camt} {
		if err := prod.Publish(ctx, topic, []byte("vcb"), body, map[string]string{"seq": string(rune('0' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	st := openPostgres(t)
	var mu sync.Mutex
	handled := 0
	h := dailyrun.StatementHandler(st, importOptions(st, at(27, 0, 5)).Reverser, payment.DefaultAmountPolicy(), func() time.Time { return at(27, 0, 5) }, nil)
	runCtx, stop := context.WithCancel(ctx)
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: testenv.Name("statements"),
		Topic: topic, DLQTopic: dlq, Producer: prod, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond},
		func(ctx context.Context, m kafkabus.Message) error {
			err := h(ctx, m)
			mu.Lock()
			handled++
			if handled == 3 {
				stop()
			}
			mu.Unlock()
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.Close()
	if handled != 3 {
		t.Fatalf("handled %d messages, want 3", handled)
	}
	lines := storedLines(t, st)
	seqs := map[int]int{}
	for _, l := range lines {
		seqs[l.Seq]++
	}
	if len(lines) != 9 || len(seqs) != 9 {
		t.Errorf("stored %d lines (%d distinct), want the statement's 9 once", len(lines), len(seqs))
	}
	if n := auditCount(t, st, "statement:camt053:0071000123456:0071000123456-20261126"); n != 1 {
		t.Errorf("audit entries %d, want 1", n)
	}
	dead := collect(ctx, t, broker, dlq, prod, 1)
	if len(dead) != 1 || dead[0].Headers[kafkabus.HeaderReason] != dailyrun.ReasonStatementParse ||
		dead[0].Headers[kafkabus.HeaderErrorKind] != string(kafkabus.KindPermanent) {
		t.Fatalf("dead letters %+v", dead)
	}
}

func TestKafkaTreasuryReports(t *testing.T) {
	t.Parallel()
	broker := testenv.Kafka(t)
	topic := testenv.Name("treasury.reports")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopics(ctx, broker, topic); err != nil {
		t.Fatal(err)
	}
	prod, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Close() })
	st := memoryStore()
	loadDay(t, st)
	clk := &clock{t: at(27, 1, 0)}
	reps, err := newJob(t, st, clk).Run(ctx, businessDate, "")
	if err != nil || len(reps) != 3 {
		t.Fatalf("job: %d reports, %v", len(reps), err)
	}
	pub, err := outbox.NewKafka(outbox.FromStore(st), prod, outbox.Report, outbox.KafkaConfig{Topic: topic, Loop: outbox.Loop{Clock: clk.now}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pub.Tick(ctx)
	if err != nil || res != (outbox.Result{Delivered: 3}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if res, err := pub.Tick(ctx); err != nil || res != (outbox.Result{}) {
		t.Fatalf("second Tick = %+v, %v; want nothing left", res, err)
	}
	// The webhook channel was not touched.
	for _, m := range outboxOf(t, st, store.OutboxReport) {
		if m.State != store.OutboxPending || m.Attempts != 0 {
			t.Errorf("webhook message %s: %s after %d attempts", m.ID, m.State, m.Attempts)
		}
	}
	got := collect(ctx, t, broker, topic, prod, 3)
	var keys, want []string
	for _, m := range got {
		var r daily.Report
		if err := json.Unmarshal(m.Value, &r); err != nil {
			t.Fatal(err)
		}
		if err := r.Verify(); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		if m.Headers[outbox.HeaderIdempotencyKey] != outbox.KafkaID(outbox.Report.ID(r.ID)) || m.Headers[outbox.HeaderSHA256] != r.SHA256 {
			t.Errorf("%s headers %v", r.ID, m.Headers)
		}
		keys = append(keys, string(m.Key))
	}
	for _, r := range reps {
		want = append(want, r.BusinessDate.String()+"/"+r.Agency)
	}
	sort.Strings(keys)
	sort.Strings(want)
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

// flakyReverser fails its first call (the database gone after the
// statement committed), then applies reversals with pr.
type flakyReverser struct {
	mu     sync.Mutex
	failed bool
	pr     dailyrun.Reverser
}

func (f *flakyReverser) Reverse(ctx context.Context, r payment.Reversal) (ingest.ReversalOutcome, error) {
	f.mu.Lock()
	first := !f.failed
	f.failed = true
	f.mu.Unlock()
	if first {
		return ingest.ReversalOutcome{}, errCrash
	}
	return f.pr.Reverse(ctx, r)
}

// serve's statements.raw consumer applies a statement's reversal: the
// first attempt stores the statement and fails on the reversal, the
// consumer retries (the statement now a duplicate) and the reversal is
// applied; the file delivered again changes nothing.
func TestKafkaStatementsRawAppliesReversals(t *testing.T) {
	t.Parallel()
	broker := testenv.Kafka(t)
	topic, dlq := testenv.Name("statements.raw"), testenv.Name("statements-dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopicsWith(ctx, broker, kafkabus.TopicOptions{Partitions: 1}, topic, dlq); err != nil {
		t.Fatal(err)
	}
	prod, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Close() })
	body, err := os.ReadFile(reversalStatement)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := prod.Publish(ctx, topic, []byte("vcb"), body, map[string]string{"seq": string(rune('0' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBankDay(t, openPostgres(t))
	h := dailyrun.StatementHandler(b.st, &flakyReverser{pr: b.pr}, payment.DefaultAmountPolicy(), func() time.Time { return b.now }, nil)
	var mu sync.Mutex
	var errs []error
	runCtx, stop := context.WithCancel(ctx)
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: testenv.Name("statements"),
		Topic: topic, DLQTopic: dlq, Producer: prod, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond},
		func(ctx context.Context, m kafkabus.Message) error {
			err := h(ctx, m)
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			if len(errs) == 3 {
				stop()
			}
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(errs) != 3 || !errors.Is(errs[0], errCrash) || errs[1] != nil || errs[2] != nil {
		t.Fatalf("handler results %v, want the crash, then two successes", errs)
	}
	if n := auditCount(t, b.st, "statement:camt053:0071000123456:0071000123456-20261127"); n != 1 {
		t.Errorf("statement audited %d times, want 1", n)
	}
	b.reversedOnce()
}
