package dailyrun_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
)

type fakeProducer struct {
	errs []error // returned in turn, then nil
	sent []string
}

func (f *fakeProducer) Publish(_ context.Context, _ string, key, _ []byte, h map[string]string) error {
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	f.sent = append(f.sent, string(key)+" "+h[outbox.HeaderIdempotencyKey])
	return nil
}

func TestPublisherFailuresBackoffAndDead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memoryStore()
	clk := &clock{t: at(27, 1, 0)}
	reps, err := newJob(t, st, clk).Run(ctx, businessDate, "")
	if err != nil || len(reps) != 1 {
		t.Fatalf("empty day: %d reports, %v; want the ALL report", len(reps), err)
	}
	id := outbox.KafkaID(outbox.Report.ID(reps[0].ID))
	// A message that is not a report, in the same kind.
	err = st.InTx(ctx, func(tx store.Tx) error {
		return tx.Enqueue(ctx, store.OutboxMessage{ID: "report|junk|kafka", Kind: store.OutboxReportKafka, Destination: outbox.Report.KafkaDestination(),
			Payload: []byte(`{"hello":1}`), State: store.OutboxPending, NextAttempt: clk.t, CreatedAt: clk.t})
	})
	if err != nil {
		t.Fatal(err)
	}
	prod := &fakeProducer{errs: []error{errors.New("broker down")}}
	pub, err := newReports(st, prod, outbox.Loop{Clock: clk.now, Rand: func(n int64) int64 { return n - 1 },
		BaseBackoff: time.Minute, MaxBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pub.Tick(ctx)
	if err != nil || res != (outbox.Result{Failed: 1, Dead: 1}) {
		t.Fatalf("Tick = %+v, %v; want the report failed and the junk dead", res, err)
	}
	m := outboxByID(t, st, id)
	if m.State != store.OutboxPending || m.Attempts != 1 || !m.NextAttempt.Equal(clk.t.Add(time.Minute)) {
		t.Fatalf("after a failure: %s, %d attempts, next %v", m.State, m.Attempts, m.NextAttempt)
	}
	if res, _ := pub.Tick(ctx); res != (outbox.Result{}) {
		t.Fatalf("before its backoff ends: %+v", res)
	}
	clk.t = clk.t.Add(time.Minute)
	if res, err := pub.Tick(ctx); err != nil || res != (outbox.Result{Delivered: 1}) {
		t.Fatalf("after the backoff: %+v, %v", res, err)
	}
	if len(prod.sent) != 1 || prod.sent[0] != "2026-11-26/ALL "+id {
		t.Fatalf("sent %v", prod.sent)
	}

	// A report too large for the broker is dead at once.
	st2 := memoryStore()
	if _, err := newJob(t, st2, clk).Run(ctx, businessDate, ""); err != nil {
		t.Fatal(err)
	}
	pub2, err := newReports(st2, &fakeProducer{errs: []error{kafka.MessageTooLargeError{}}}, outbox.Loop{Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := pub2.Tick(ctx); err != nil || res != (outbox.Result{Dead: 1}) {
		t.Fatalf("too large: %+v, %v", res, err)
	}
	if m := outboxByID(t, st2, id); m.State != store.OutboxDead {
		t.Fatalf("too large message %s", m.State)
	}
}

func outboxByID(t *testing.T, st store.Store, id string) store.OutboxMessage {
	t.Helper()
	var m store.OutboxMessage
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		m, err = tx.OutboxMessage(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newReports is the Kafka Sender of reports (treasury.reports).
func newReports(st store.Store, prod outbox.Producer, loop outbox.Loop) (*outbox.Sender, error) {
	return outbox.NewKafka(outbox.FromStore(st), prod, outbox.Report, outbox.KafkaConfig{Loop: loop})
}

// The report feed reports every problem with config.ErrInvalid, a base
// backoff above an explicit cap included, and takes a base above the
// default cap (5m) as the cap.
func TestReportFeedConfig(t *testing.T) {
	t.Parallel()
	_, err := outbox.NewKafka(nil, nil, outbox.Report, outbox.KafkaConfig{Loop: outbox.Loop{Batch: -1, BaseBackoff: 2 * time.Hour, MaxBackoff: time.Hour}})
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("nil store, negative batch, base above the cap: %v", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("%d problems reported, want 3: %v", n, err)
	}
	st := memoryStore()
	clk := &clock{t: at(27, 1, 0)}
	if _, err := newJob(t, st, clk).Run(context.Background(), businessDate, ""); err != nil {
		t.Fatal(err)
	}
	var asked []int64
	pub, err := newReports(st, &fakeProducer{errs: []error{errors.New("down")}}, outbox.Loop{Clock: clk.now,
		BaseBackoff: 2 * time.Hour, Rand: func(n int64) int64 { asked = append(asked, n); return n - 1 }})
	if err != nil {
		t.Fatalf("base above the default cap: %v", err)
	}
	if res, err := pub.Tick(context.Background()); err != nil || res != (outbox.Result{Failed: 1}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if len(asked) != 1 || asked[0] != int64(5*time.Minute)+1 {
		t.Errorf("backoff drawn from %v, want [0, 5m]", asked)
	}
}
