package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

func vnd(n int64) payment.Money { return payment.Money{Amount: decimal.NewFromInt(n), Currency: "VND"} }

// confirmation is the payload ingest writes for a paid notice.
func confirmation(t testing.TB, system, id string) []byte {
	t.Helper()
	b, err := json.Marshal(ingest.Confirmation{
		ID: outbox.Confirmation.ID(system, id), System: system, NoticeID: id,
		Dossier: "000.00.20.H40-240916-0012", PaymentCode: "NP000000000151", Status: payment.NoticePaid,
		AmountDue: vnd(150000), Paid: vnd(150000), Allocations: []reconcile.Allocation{}, PaidAt: base,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// enqueueConfirmations enqueues each notice's confirmation on both
// channels, as ingest does.
func enqueueConfirmations(t testing.TB, st store.Store, system string, ids ...string) {
	t.Helper()
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		for i, id := range ids {
			at := base.Add(time.Duration(i) * time.Second)
			if err := outbox.Confirmation.Enqueue(context.Background(), tx, outbox.Confirmation.ID(system, id), system, confirmation(t, system, id), at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// confirmationKafkaID is the outbox id of a notice's Kafka copy.
func confirmationKafkaID(system, id string) string {
	return outbox.KafkaID(outbox.Confirmation.ID(system, id))
}

// newConfirmations is the Kafka Sender of confirmations.
func newConfirmations(st store.Store, prod outbox.Producer, cfg outbox.KafkaConfig) (*outbox.Sender, error) {
	return outbox.NewKafka(outbox.FromStore(st), prod, outbox.Confirmation, cfg)
}

func TestPublishesOnlyItsOwnKind(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueConfirmations(t, st, "dvc", "A", "B")
	prod := &fakeProducer{}
	clk := &fakeClock{t: base.Add(time.Minute)}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Topic: "confirmed-test", Loop: outbox.Loop{Clock: clk.now}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Tick(context.Background())
	if err != nil || res != (outbox.Result{Delivered: 2}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if len(prod.got) != 2 {
		t.Fatalf("published %d", len(prod.got))
	}
	// Two notices are two lanes, published at once: in either order.
	slices.SortFunc(prod.got, func(a, b published) int { return strings.Compare(a.key, b.key) })
	for i, id := range []string{"A", "B"} {
		g := prod.got[i]
		want := published{"confirmed-test", "dvc/" + id, string(confirmation(t, "dvc", id)),
			map[string]string{outbox.HeaderIdempotencyKey: confirmationKafkaID("dvc", id), outbox.HeaderKind: "confirmation"}}
		if g.topic != want.topic || g.key != want.key || g.value != want.value || fmt.Sprint(g.headers) != fmt.Sprint(want.headers) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, g, want)
		}
		k := outboxMsg(t, st, confirmationKafkaID("dvc", id))
		if k.State != store.OutboxDelivered || k.Attempts != 1 || k.DeliveredAt == nil || !k.DeliveredAt.Equal(clk.now()) {
			t.Errorf("Kafka copy %s: %+v", id, k)
		}
		w := outboxMsg(t, st, outbox.Confirmation.ID("dvc", id))
		if w.State != store.OutboxPending || w.Attempts != 0 {
			t.Errorf("the webhook message was touched: %+v", w)
		}
	}
	// Nothing left: a second Tick publishes nothing.
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{}) || len(prod.got) != 2 {
		t.Errorf("second Tick = %+v, %v, %d published", res, err, len(prod.got))
	}
}

// The webhook sender and the Kafka publisher do not interfere: a webhook
// endpoint that always fails leaves the Kafka copies alone, and a broker
// that is down leaves the webhooks alone.
func TestChannelsIndependent(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueConfirmations(t, st, "dvc", "A")
	clk := &fakeClock{t: base.Add(time.Minute)}
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		if r.Header.Get(outbox.HeaderIdempotencyKey) != outbox.Confirmation.ID("dvc", "A") {
			t.Errorf("webhook got %s", r.Header.Get(outbox.HeaderIdempotencyKey))
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	sender, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{"dvc": {URL: srv.URL, Secret: "s3cret-s3cret-s3cret"}},
		Loop:      outbox.Loop{Clock: clk.now, Rand: maxRand, MaxAttempts: 2, BaseBackoff: time.Second, MaxBackoff: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	prod := &fakeProducer{err: errors.New("broker down")}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{Clock: clk.now, Rand: maxRand}})
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
	w := outboxMsg(t, st, outbox.Confirmation.ID("dvc", "A"))
	k := outboxMsg(t, st, confirmationKafkaID("dvc", "A"))
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
	if res, err := p.Tick(ctx); err != nil || res.Delivered != 1 {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if k := outboxMsg(t, st, confirmationKafkaID("dvc", "A")); k.State != store.OutboxDelivered {
		t.Errorf("Kafka copy: %+v", k)
	}
}

func TestBackoffAndDead(t *testing.T) {
	t.Parallel()
	st := memory.New()
	enqueueConfirmations(t, st, "dvc", "A")
	id := confirmationKafkaID("dvc", "A")
	clk := &fakeClock{t: base}
	prod := &fakeProducer{err: errors.New("leader not available")}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{
		Clock: clk.now, Rand: maxRand, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second, MaxAttempts: 5}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Waits after attempts 1..4 with full jitter at its ceiling: 1s 2s 4s 4s.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		res, err := p.Tick(ctx)
		if err != nil || res != (outbox.Result{Failed: 1}) {
			t.Fatalf("attempt %d: %+v, %v", i+1, res, err)
		}
		m := outboxMsg(t, st, id)
		if m.Attempts != i+1 || !m.NextAttempt.Equal(clk.now().Add(wait)) || m.State != store.OutboxPending {
			t.Fatalf("after attempt %d: %+v, want next attempt in %s", i+1, m, wait)
		}
		// Not due before its time.
		clk.add(wait - time.Nanosecond)
		if res, _ := p.Tick(ctx); res != (outbox.Result{}) {
			t.Fatalf("attempted before its backoff ended: %+v", res)
		}
		clk.add(time.Nanosecond)
	}
	if res, err := p.Tick(ctx); err != nil || res != (outbox.Result{Dead: 1}) {
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
	enqueueConfirmations(t, st, "dvc", "A")
	clk := &fakeClock{t: base}
	p, err := newConfirmations(st, &fakeProducer{err: errors.New("down")}, outbox.KafkaConfig{Loop: outbox.Loop{Clock: clk.now}})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := p.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	if m := outboxMsg(t, st, confirmationKafkaID("dvc", "A")); m.State != store.OutboxPending || m.Attempts != 50 {
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
				Destination: outbox.Confirmation.KafkaDestination(), Payload: []byte(body), State: store.OutboxPending, NextAttempt: base, CreatedAt: base})
		}); err != nil {
			t.Fatal(err)
		}
	}
	prod := &fakeProducer{}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{Clock: func() time.Time { return base }}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Dead: 2}) || len(prod.got) != 0 {
		t.Errorf("Tick = %+v, %v, %d published", res, err, len(prod.got))
	}
	if _, err := outbox.ConfirmationKey([]byte(`{"system":"dvc"}`)); !errors.Is(err, outbox.ErrNotConfirmation) {
		t.Errorf("Key without notice_id: %v", err)
	}
}

// The Loop's own validation is TestNewValidates'.
func TestConfirmationsConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := outbox.NewKafka(nil, &fakeProducer{}, outbox.Confirmation, outbox.KafkaConfig{}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("nil store: %v", err)
	}
	if _, err := outbox.NewKafka(outbox.FromStore(memory.New()), &fakeProducer{}, "fax", outbox.KafkaConfig{}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("unknown type: %v", err)
	}
}
