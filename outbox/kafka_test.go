package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

var errNotUs = errors.New("not a test message")

// testFeed publishes kind report_kafka payloads {"key":…,"tag":…} keyed by
// "key", with the tag as an extra header.
func testFeed() outbox.TestRoute {
	return outbox.TestRoute{
		Kind: store.OutboxReportKafka, Header: outbox.Report, Topic: "default-topic",
		Metric: "feerecon_test_attempts_total",
		Message: func(payload []byte) ([]byte, map[string]string, error) {
			var v struct{ Key, Tag string }
			if err := json.Unmarshal(payload, &v); err != nil || v.Key == "" {
				return nil, nil, fmt.Errorf("%w: %s", errNotUs, payload)
			}
			// A feed cannot override the outbox's own headers.
			return []byte(v.Key), map[string]string{"X-Tag": v.Tag, outbox.HeaderIdempotencyKey: "forged"}, nil
		},
	}
}

func enqueueOne(t testing.TB, st store.Store, kind store.OutboxKind, id, payload string, at time.Time) {
	t.Helper()
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		return tx.Enqueue(context.Background(), store.OutboxMessage{ID: id, Kind: kind, Destination: "test",
			Payload: []byte(payload), State: store.OutboxPending, NextAttempt: at, CreatedAt: at})
	}); err != nil {
		t.Fatal(err)
	}
}

func TestPublishesItsKindWithKeyAndHeaders(t *testing.T) {
	t.Parallel()
	for _, topic := range []string{"", "other-topic"} {
		st := memory.New()
		enqueueOne(t, st, store.OutboxReportKafka, "r1", `{"key":"2026-11-26/ALL","tag":"a"}`, base)
		enqueueOne(t, st, store.OutboxReport, "r1-webhook", `{"key":"2026-11-26/ALL","tag":"a"}`, base)
		enqueueOne(t, st, store.OutboxConfirmationKafka, "c1", `{"key":"dvc/A","tag":"c"}`, base)
		prod := &fakeProducer{}
		p, err := outbox.NewKafkaRoute(outbox.FromStore(st), prod, testFeed(), outbox.KafkaConfig{Topic: topic, Loop: outbox.Loop{Clock: func() time.Time { return base }}})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Delivered: 1}) {
			t.Fatalf("topic %q: Tick = %+v, %v", topic, res, err)
		}
		wantTopic := topic
		if topic == "" {
			wantTopic = "default-topic"
		}
		want := published{wantTopic, "2026-11-26/ALL", `{"key":"2026-11-26/ALL","tag":"a"}`,
			map[string]string{"X-Tag": "a", "Idempotency-Key": "r1", "X-Feerecon-Kind": "report"}}
		if len(prod.got) != 1 || fmt.Sprint(prod.got[0]) != fmt.Sprint(want) {
			t.Fatalf("topic %q: published %+v, want %+v", topic, prod.got, want)
		}
		if m := outboxMsg(t, st, "r1"); m.State != store.OutboxDelivered || m.DeliveredAt == nil || !m.DeliveredAt.Equal(base) {
			t.Errorf("published message: %+v", m)
		}
		for _, other := range []string{"r1-webhook", "c1"} {
			if m := outboxMsg(t, st, other); m.State != store.OutboxPending || m.Attempts != 0 {
				t.Errorf("another kind's message %s was touched: %+v", other, m)
			}
		}
	}
}

// A payload the feed rejects and a publish error the feed calls permanent
// are dead at once; any other publish error is retried after the backoff.
func TestDeadAtOnce(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueOne(t, st, store.OutboxReportKafka, "junk", `{"hello":1}`, base)
	enqueueOne(t, st, store.OutboxReportKafka, "huge", `{"key":"k1"}`, base.Add(time.Second))
	enqueueOne(t, st, store.OutboxReportKafka, "flaky", `{"key":"k2"}`, base.Add(2*time.Second))
	feed := testFeed()
	feed.Permanent = outbox.TooLarge
	prod := &fakeProducer{errs: []error{kafka.MessageTooLargeError{}, errors.New("leader not available")}}
	clk := &fakeClock{t: base.Add(time.Minute)}
	p, err := outbox.NewKafkaRoute(outbox.FromStore(st), prod, feed, outbox.KafkaConfig{Loop: outbox.Loop{Clock: clk.now, Rand: maxRand, BaseBackoff: time.Minute,
		Parallel: 1}}) // the fake's errors go to its calls in order: one message at a time
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Failed: 1, Dead: 2}) || len(prod.got) != 0 {
		t.Fatalf("Tick = %+v, %v, %d published", res, err, len(prod.got))
	}
	junk := outboxMsg(t, st, "junk")
	if junk.State != store.OutboxDead || junk.Attempts != 1 || junk.LastError != `not a test message: {"hello":1}` {
		t.Errorf("junk: %+v", junk)
	}
	if m := outboxMsg(t, st, "huge"); m.State != store.OutboxDead || m.Attempts != 1 {
		t.Errorf("too large: %+v", m)
	}
	if m := outboxMsg(t, st, "flaky"); m.State != store.OutboxPending || m.Attempts != 1 || !m.NextAttempt.Equal(clk.t.Add(time.Minute)) {
		t.Errorf("flaky: %+v", m)
	}
	// Without Permanent, too large is an ordinary failure.
	st2 := memory.New()
	enqueueOne(t, st2, store.OutboxReportKafka, "huge", `{"key":"k1"}`, base)
	p2, err := outbox.NewKafkaRoute(outbox.FromStore(st2), &fakeProducer{errs: []error{kafka.MessageTooLargeError{}}}, testFeed(), outbox.KafkaConfig{Loop: outbox.Loop{Clock: clk.now}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p2.Tick(context.Background()); err != nil || res != (outbox.Result{Failed: 1}) {
		t.Errorf("no Permanent: Tick = %+v, %v", res, err)
	}
}

func TestBackoffAndMaxAttempts(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueOne(t, st, store.OutboxReportKafka, "r1", `{"key":"k"}`, base)
	clk := &fakeClock{t: base}
	down := errors.New("broker down")
	prod := &fakeProducer{errs: []error{down, down, down, down, down, down}}
	p, err := outbox.NewKafkaRoute(outbox.FromStore(st), prod, testFeed(), outbox.KafkaConfig{Loop: outbox.Loop{
		Clock: clk.now, Rand: maxRand, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second, MaxAttempts: 5}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		if res, err := p.Tick(ctx); err != nil || res != (outbox.Result{Failed: 1}) {
			t.Fatalf("attempt %d: %+v, %v", i+1, res, err)
		}
		m := outboxMsg(t, st, "r1")
		if m.Attempts != i+1 || !m.NextAttempt.Equal(clk.t.Add(wait)) || m.LastError != "broker down" {
			t.Fatalf("after attempt %d: %+v, want next attempt in %s", i+1, m, wait)
		}
		clk.t = clk.t.Add(wait - time.Nanosecond)
		if res, _ := p.Tick(ctx); res != (outbox.Result{}) {
			t.Fatalf("attempted before its backoff ended: %+v", res)
		}
		clk.t = clk.t.Add(time.Nanosecond)
	}
	if res, err := p.Tick(ctx); err != nil || res != (outbox.Result{Dead: 1}) {
		t.Fatalf("last attempt: %+v, %v", res, err)
	}
	if m := outboxMsg(t, st, "r1"); m.State != store.OutboxDead || m.Attempts != 5 {
		t.Errorf("after the last attempt: %+v", m)
	}
}

// A crash between the publish and the mark (AfterSend failing) leaves the
// message as it was; the next Tick publishes it again with the same
// Idempotency-Key.
func TestAfterPublishCrashRepublishes(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueOne(t, st, store.OutboxReportKafka, "r1", `{"key":"k"}`, base)
	crash := errors.New("crash")
	crashed := false
	prod := &fakeProducer{}
	p, err := outbox.NewKafkaRoute(outbox.FromStore(st), prod, testFeed(), outbox.KafkaConfig{Loop: outbox.Loop{Clock: func() time.Time { return base },
		AfterSend: func(m store.OutboxMessage) error {
			if !crashed {
				crashed = true
				return crash
			}
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Tick(context.Background()); !errors.Is(err, crash) || res != (outbox.Result{}) {
		t.Fatalf("crashing Tick = %+v, %v", res, err)
	}
	if m := outboxMsg(t, st, "r1"); m.State != store.OutboxPending || m.Attempts != 0 {
		t.Fatalf("after the crash: %+v", m)
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Delivered: 1}) {
		t.Fatalf("Tick after the crash = %+v, %v", res, err)
	}
	if len(prod.got) != 2 || prod.got[0].headers["Idempotency-Key"] != "r1" || prod.got[1].headers["Idempotency-Key"] != "r1" {
		t.Errorf("published %+v", prod.got)
	}
}

func TestMetric(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueOne(t, st, store.OutboxReportKafka, "ok", `{"key":"k"}`, base)
	enqueueOne(t, st, store.OutboxReportKafka, "junk", `x`, base.Add(time.Second))
	enqueueOne(t, st, store.OutboxReportKafka, "fail", `{"key":"k"}`, base.Add(2*time.Second))
	reg := prometheus.NewRegistry()
	prod := &fakeProducer{}
	p, err := outbox.NewKafkaRoute(outbox.FromStore(st), prod, testFeed(), outbox.KafkaConfig{Registerer: reg, Loop: outbox.Loop{Clock: func() time.Time { return base.Add(time.Minute) }, Parallel: 1,
		AfterSend: func(store.OutboxMessage) error { prod.errs = []error{errors.New("down")}; return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Delivered: 1, Failed: 1, Dead: 1}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || mfs[0].GetName() != "feerecon_test_attempts_total" {
		t.Fatalf("gathered %v, %v", mfs, err)
	}
	got := map[string]float64{}
	for _, m := range mfs[0].GetMetric() {
		got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	if fmt.Sprint(got) != "map[dead:1 failed:1 published:1]" {
		t.Errorf("counters %v", got)
	}
	// One metric per feed: a second publisher on the same registry fails.
	var are prometheus.AlreadyRegisteredError
	if _, err := outbox.NewKafkaRoute(outbox.FromStore(st), prod, testFeed(), outbox.KafkaConfig{Registerer: reg}); !errors.As(err, &are) {
		t.Errorf("second registration: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	err := outbox.Loop{MaxAttempts: -1, Interval: -1, BaseBackoff: 2 * time.Second, MaxBackoff: time.Second}.Validate()
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("Validate = %v", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("%d problems reported, want 3: %v", n, err)
	}
	st := outbox.FromStore(memory.New())
	noMessage := testFeed()
	noMessage.Message = nil
	noKind := testFeed()
	noKind.Kind = ""
	for name, tc := range map[string]struct {
		st   outbox.Store
		prod outbox.Producer
		feed outbox.TestRoute
	}{
		"nil store":    {nil, &fakeProducer{}, testFeed()},
		"nil producer": {st, nil, testFeed()},
		"no Message":   {st, &fakeProducer{}, noMessage},
		"no kind":      {st, &fakeProducer{}, noKind},
		"empty feed":   {st, &fakeProducer{}, outbox.TestRoute{}},
	} {
		if _, err := outbox.NewKafkaRoute(tc.st, tc.prod, tc.feed, outbox.KafkaConfig{}); !errors.Is(err, config.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{kafka.MessageTooLargeError{}, true},
		{fmt.Errorf("publish: %w", kafka.MessageTooLargeError{}), true},
		{fmt.Errorf("publish: %w", kafka.MessageSizeTooLarge), true},
		{kafka.LeaderNotAvailable, false},
		{errors.New("message too large"), false},
	} {
		if got := outbox.TooLarge(tc.err); got != tc.want {
			t.Errorf("TooLarge(%v) = %v", tc.err, got)
		}
	}
}
