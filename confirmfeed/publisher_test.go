package confirmfeed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/confirmfeed"
	"github.com/feerecon/feerecon/delivery"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

var base = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

func vnd(n int64) payment.Money { return payment.Money{Amount: decimal.NewFromInt(n), Currency: "VND"} }

// confirmation is the payload ingest writes for a paid notice.
func confirmation(t testing.TB, system, id string) []byte {
	t.Helper()
	b, err := json.Marshal(ingest.Confirmation{
		ID: ingest.ConfirmationID(system, id), System: system, NoticeID: id,
		Dossier: "000.00.20.H40-240916-0012", PaymentCode: "NP000000000151", Status: payment.NoticePaid,
		AmountDue: vnd(150000), Paid: vnd(150000), Allocations: []reconcile.Allocation{}, PaidAt: base,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// enqueue writes both channels' messages for each notice, as ingest does.
func enqueue(t testing.TB, st store.Store, system string, ids ...string) {
	t.Helper()
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		for i, id := range ids {
			body := confirmation(t, system, id)
			at := base.Add(time.Duration(i) * time.Second)
			for _, m := range []store.OutboxMessage{
				{ID: ingest.ConfirmationID(system, id), Kind: store.OutboxConfirmation, Destination: system},
				{ID: ingest.ConfirmationKafkaID(system, id), Kind: store.OutboxConfirmationKafka, Destination: ingest.ConfirmationKafkaDestination},
			} {
				m.Payload, m.State, m.NextAttempt, m.CreatedAt = body, store.OutboxPending, at, at
				if err := tx.Enqueue(context.Background(), m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outboxMsg(t testing.TB, st store.Store, id string) store.OutboxMessage {
	t.Helper()
	var m store.OutboxMessage
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		m, err = tx.OutboxMessage(context.Background(), id)
		return err
	}); err != nil {
		t.Fatalf("outbox %s: %v", id, err)
	}
	return m
}

type published struct {
	topic      string
	key, value string
	headers    map[string]string
}

// fakeProducer records publishes, or fails with err.
type fakeProducer struct {
	mu  sync.Mutex
	err error
	got []published
}

func (f *fakeProducer) Publish(_ context.Context, topic string, key, value []byte, headers map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, published{topic, string(key), string(value), headers})
	return nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func maxRand(n int64) int64 { return n - 1 }

func TestPublishesOnlyItsOwnKind(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueue(t, st, "dvc", "A", "B")
	prod := &fakeProducer{}
	clk := &fakeClock{t: base.Add(time.Minute)}
	p, err := confirmfeed.New(confirmfeed.FromStore(st), prod, confirmfeed.Config{Topic: "confirmed-test", Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Tick(context.Background())
	if err != nil || res != (confirmfeed.Result{Published: 2}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if len(prod.got) != 2 {
		t.Fatalf("published %d", len(prod.got))
	}
	for i, id := range []string{"A", "B"} {
		g := prod.got[i] // oldest first
		want := published{"confirmed-test", "dvc/" + id, string(confirmation(t, "dvc", id)),
			map[string]string{confirmfeed.HeaderIdempotencyKey: ingest.ConfirmationKafkaID("dvc", id), confirmfeed.HeaderKind: "confirmation"}}
		if g.topic != want.topic || g.key != want.key || g.value != want.value || fmt.Sprint(g.headers) != fmt.Sprint(want.headers) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, g, want)
		}
		k := outboxMsg(t, st, ingest.ConfirmationKafkaID("dvc", id))
		if k.State != store.OutboxDelivered || k.Attempts != 1 || k.DeliveredAt == nil || !k.DeliveredAt.Equal(clk.now()) {
			t.Errorf("Kafka copy %s: %+v", id, k)
		}
		w := outboxMsg(t, st, ingest.ConfirmationID("dvc", id))
		if w.State != store.OutboxPending || w.Attempts != 0 {
			t.Errorf("the webhook message was touched: %+v", w)
		}
	}
	// Nothing left: a second Tick publishes nothing.
	if res, err := p.Tick(context.Background()); err != nil || res != (confirmfeed.Result{}) || len(prod.got) != 2 {
		t.Errorf("second Tick = %+v, %v, %d published", res, err, len(prod.got))
	}
}

// The webhook sender and the Kafka publisher do not interfere: a webhook
// endpoint that always fails leaves the Kafka copies alone, and a broker
// that is down leaves the webhooks alone.
func TestChannelsIndependent(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueue(t, st, "dvc", "A")
	clk := &fakeClock{t: base.Add(time.Minute)}
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		if r.Header.Get(delivery.HeaderIdempotencyKey) != ingest.ConfirmationID("dvc", "A") {
			t.Errorf("webhook got %s", r.Header.Get(delivery.HeaderIdempotencyKey))
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	sender, err := delivery.New(delivery.FromStore(st), delivery.Config{
		Endpoints: map[string]delivery.Endpoint{"dvc": {URL: srv.URL, Secret: "s3cret-s3cret-s3cret"}},
		Clock:     clk.now, Rand: maxRand, MaxAttempts: 2, BaseBackoff: time.Second, MaxBackoff: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	prod := &fakeProducer{err: errors.New("broker down")}
	p, err := confirmfeed.New(confirmfeed.FromStore(st), prod, confirmfeed.Config{Clock: clk.now, Rand: maxRand})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := sender.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	w := outboxMsg(t, st, ingest.ConfirmationID("dvc", "A"))
	k := outboxMsg(t, st, ingest.ConfirmationKafkaID("dvc", "A"))
	if w.State != store.OutboxDead || w.Attempts != 2 || hits != 2 {
		t.Errorf("webhook: %+v after %d hits", w, hits)
	}
	if k.State != store.OutboxPending || k.Attempts != 3 || k.LastError != "broker down" {
		t.Errorf("Kafka copy: %+v", k)
	}
	// The broker is back: the Kafka copy goes out although the webhook is dead.
	prod.mu.Lock()
	prod.err = nil
	prod.mu.Unlock()
	if res, err := p.Tick(ctx); err != nil || res.Published != 1 {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if k := outboxMsg(t, st, ingest.ConfirmationKafkaID("dvc", "A")); k.State != store.OutboxDelivered {
		t.Errorf("Kafka copy: %+v", k)
	}
}

func TestBackoffAndDead(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueue(t, st, "dvc", "A")
	id := ingest.ConfirmationKafkaID("dvc", "A")
	clk := &fakeClock{t: base}
	prod := &fakeProducer{err: errors.New("leader not available")}
	p, err := confirmfeed.New(confirmfeed.FromStore(st), prod, confirmfeed.Config{
		Clock: clk.now, Rand: maxRand, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second, MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Waits after attempts 1..4 with full jitter at its ceiling: 1s 2s 4s 4s.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		res, err := p.Tick(ctx)
		if err != nil || res != (confirmfeed.Result{Failed: 1}) {
			t.Fatalf("attempt %d: %+v, %v", i+1, res, err)
		}
		m := outboxMsg(t, st, id)
		if m.Attempts != i+1 || !m.NextAttempt.Equal(clk.now().Add(wait)) || m.State != store.OutboxPending {
			t.Fatalf("after attempt %d: %+v, want next attempt in %s", i+1, m, wait)
		}
		// Not due before its time.
		clk.add(wait - time.Nanosecond)
		if res, _ := p.Tick(ctx); res != (confirmfeed.Result{}) {
			t.Fatalf("attempted before its backoff ended: %+v", res)
		}
		clk.add(time.Nanosecond)
	}
	if res, err := p.Tick(ctx); err != nil || res != (confirmfeed.Result{Dead: 1}) {
		t.Fatalf("last attempt: %+v, %v", res, err)
	}
	if m := outboxMsg(t, st, id); m.State != store.OutboxDead || m.Attempts != 5 {
		t.Errorf("after the last attempt: %+v", m)
	}
}

// By default a broker outage never kills a confirmation.
func TestNeverDeadByDefault(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueue(t, st, "dvc", "A")
	clk := &fakeClock{t: base}
	p, err := confirmfeed.New(confirmfeed.FromStore(st), &fakeProducer{err: errors.New("down")}, confirmfeed.Config{Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := p.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	if m := outboxMsg(t, st, ingest.ConfirmationKafkaID("dvc", "A")); m.State != store.OutboxPending || m.Attempts != 50 {
		t.Errorf("after 50 failures: %+v", m)
	}
}

func TestNotAConfirmationIsDead(t *testing.T) {
	t.Parallel()
	st := memory.New()
	for _, body := range []string{`not json`, `{"system":"dvc"}`} {
		id := "bad|" + body
		if err := st.InTx(context.Background(), func(tx store.Tx) error {
			return tx.Enqueue(context.Background(), store.OutboxMessage{ID: id, Kind: store.OutboxConfirmationKafka,
				Destination: ingest.ConfirmationKafkaDestination, Payload: []byte(body), State: store.OutboxPending, NextAttempt: base, CreatedAt: base})
		}); err != nil {
			t.Fatal(err)
		}
	}
	prod := &fakeProducer{}
	p, err := confirmfeed.New(confirmfeed.FromStore(st), prod, confirmfeed.Config{Clock: func() time.Time { return base }})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (confirmfeed.Result{Dead: 2}) || len(prod.got) != 0 {
		t.Errorf("Tick = %+v, %v, %d published", res, err, len(prod.got))
	}
	if _, err := confirmfeed.Key([]byte(`{"system":"dvc"}`)); !errors.Is(err, confirmfeed.ErrNotConfirmation) {
		t.Errorf("Key without notice_id: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := confirmfeed.Config{MaxAttempts: -1, Interval: -1, BaseBackoff: 2 * time.Second, MaxBackoff: time.Second}.Validate()
	if !errors.Is(err, confirmfeed.ErrConfig) {
		t.Fatalf("Validate = %v", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("%d problems reported, want 3: %v", n, err)
	}
	if _, err := confirmfeed.New(nil, &fakeProducer{}, confirmfeed.Config{}); !errors.Is(err, confirmfeed.ErrConfig) {
		t.Errorf("nil store: %v", err)
	}
}
