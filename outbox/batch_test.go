package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// confirmationPayload is the part of a confirmation its lane is read from.
func confirmationPayload(system, notice string) []byte {
	return fmt.Appendf(nil, `{"system":%q,"notice_id":%q}`, system, notice)
}

// One transaction takes Parallel messages: the messages of one lane (one
// notice of one system) are posted one after another in the order they
// were stored; other lanes are posted at once (the sink holds B until C
// has arrived, and C until B has: sent one by one, both would time out).
func TestBatchLanesKeepOrderAndGoOutTogether(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		msg := func(id, notice string) store.OutboxMessage {
			return store.OutboxMessage{ID: id, Kind: store.OutboxConfirmation, Destination: "dvc", Payload: confirmationPayload("dvc", notice)}
		}
		enqueue(t, st, base, msg("A1", "A"), msg("B", "B"), msg("A2", "A"), msg("C", "C"))
		var mu sync.Mutex
		var events []string
		log := func(e string) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}
		bArrived, cArrived := make(chan struct{}), make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get(outbox.HeaderIdempotencyKey)
			log("start " + key)
			var wait <-chan struct{}
			switch key {
			case "B":
				close(bArrived)
				wait = cArrived
			case "C":
				close(cArrived)
				wait = bArrived
			case "A1":
				time.Sleep(50 * time.Millisecond) // A2 must wait for this answer
			}
			if wait != nil {
				select {
				case <-wait:
				case <-time.After(5 * time.Second):
					http.Error(w, "the other lane never came", http.StatusServiceUnavailable)
					return
				}
			}
			log("end " + key)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		s, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
			Endpoints: map[string]outbox.Endpoint{"dvc": {URL: srv.URL, Secret: sinkSecret}},
			Types:     []outbox.Type{outbox.Confirmation},
			Loop:      outbox.Loop{Clock: func() time.Time { return base.Add(time.Minute) }, Parallel: 4},
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Tick(context.Background())
		if err != nil || res != (outbox.Result{Delivered: 4}) {
			t.Fatalf("Tick = %+v, %v; events %v", res, err, events)
		}
		if i, j := slices.Index(events, "end A1"), slices.Index(events, "start A2"); i < 0 || j < 0 || i > j {
			t.Errorf("A2 was posted before A1 was answered: %v", events)
		}
		for _, id := range []string{"A1", "A2", "B", "C"} {
			if m := outboxMsg(t, st, id); m.State != store.OutboxDelivered || m.Attempts != 1 {
				t.Errorf("%s: %+v", id, m)
			}
		}
	})
}

// countingStore counts the transactions a Sender opens.
type countingStore struct {
	outbox.Store
	mu sync.Mutex
	n  int
}

func (c *countingStore) InTx(ctx context.Context, fn func(outbox.OutboxTx) error) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Store.InTx(ctx, fn)
}

// Forty due messages with Parallel 16 take three transactions, and a
// fourth that finds nothing more: one commit per 16 messages, not per
// message.
func TestBatchOneTransactionPerParallelMessages(t *testing.T) {
	t.Parallel()
	st := memory.New()
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = fmt.Sprintf("HS-%02d", i)
	}
	enqueueConfirmations(t, st, "dvc", ids...)
	cs := &countingStore{Store: outbox.FromStore(st)}
	prod := &fakeProducer{}
	p, err := outbox.NewKafka(cs, prod, outbox.Confirmation, outbox.KafkaConfig{Loop: outbox.Loop{
		Clock: func() time.Time { return base.Add(time.Minute) }, Parallel: 16}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Tick(context.Background())
	if err != nil || res != (outbox.Result{Delivered: 40}) {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	if cs.n != 4 {
		t.Errorf("%d transactions for 40 messages at 16 a time, want 4", cs.n)
	}
	if len(prod.got) != 40 {
		t.Errorf("published %d, want 40", len(prod.got))
	}
	for _, id := range ids {
		if m := outboxMsg(t, st, confirmationKafkaID("dvc", id)); m.State != store.OutboxDelivered || m.Attempts != 1 {
			t.Errorf("%s: %+v", id, m)
		}
	}
}

// A crash after a batch was sent and before its commit leaves every
// message of the batch as it was: the next Tick sends them all again under
// the same Idempotency-Keys, and a receiver deduplicating on the key
// applies each once.
func TestBatchCrashSendsTheWholeBatchAgain(t *testing.T) {
	t.Parallel()
	st := memory.New()
	ids := []string{"HS-1", "HS-2", "HS-3"}
	enqueueConfirmations(t, st, "dvc", ids...)
	crash := errors.New("crash")
	crashed := false
	prod := &fakeProducer{}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{
		Clock: func() time.Time { return base.Add(time.Minute) }, Parallel: 3,
		AfterSend: func(m store.OutboxMessage) error {
			if m.ID == confirmationKafkaID("dvc", "HS-2") && !crashed {
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
	for _, id := range ids {
		if m := outboxMsg(t, st, confirmationKafkaID("dvc", id)); m.State != store.OutboxPending || m.Attempts != 0 {
			t.Fatalf("%s after the crash: %+v", id, m)
		}
	}
	if res, err := p.Tick(context.Background()); err != nil || res != (outbox.Result{Delivered: 3}) {
		t.Fatalf("Tick after the crash = %+v, %v", res, err)
	}
	sent := map[string]int{}
	for _, g := range prod.got {
		sent[g.headers[outbox.HeaderIdempotencyKey]]++
	}
	for _, id := range ids {
		if n := sent[confirmationKafkaID("dvc", id)]; n != 2 {
			t.Errorf("%s published %d times under its key, want 2 (before and after the crash)", id, n)
		}
	}
	if len(sent) != 3 {
		t.Errorf("keys published: %v", sent)
	}
}

// Run does not wait out Interval while a backlog is due: with Batch 10 and
// an hour between ticks, 35 messages are all delivered at once.
func TestRunDrainsABacklogWithoutWaitingForTheInterval(t *testing.T) {
	t.Parallel()
	st := memory.New()
	ids := make([]string, 35)
	for i := range ids {
		ids[i] = fmt.Sprintf("HS-%02d", i)
	}
	enqueueConfirmations(t, st, "dvc", ids...)
	prod := &fakeProducer{}
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{
		Clock: func() time.Time { return base.Add(time.Minute) }, Batch: 10, Parallel: 5, Interval: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		prod.mu.Lock()
		n := len(prod.got)
		prod.mu.Unlock()
		if n == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d published: Run waited for its interval with messages due", n, len(ids))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if m := outboxMsg(t, st, confirmationKafkaID("dvc", id)); m.State != store.OutboxDelivered {
			t.Errorf("%s: %+v", id, m)
		}
	}
}

// Wake has Run tick at once: with an hour between ticks, a message stored
// after the first Tick goes out when Wake is called, not an hour later;
// wakes that come while nothing is due change nothing.
func TestWakeTicksAtOnce(t *testing.T) {
	t.Parallel()
	st := memory.New()
	prod := &fakeProducer{}
	ticked := make(chan struct{}, 1)
	p, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{
		Clock: func() time.Time {
			select {
			case ticked <- struct{}{}:
			default:
			}
			return base.Add(time.Minute)
		}, Interval: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	<-ticked                           // the first Tick has looked
	time.Sleep(100 * time.Millisecond) // and is over
	p.Wake()
	p.Wake() // while nothing is due, and twice: never blocks
	time.Sleep(100 * time.Millisecond)
	published := func() int {
		prod.mu.Lock()
		defer prod.mu.Unlock()
		return len(prod.got)
	}
	enqueueConfirmations(t, st, "dvc", "WK-1")
	deadline := time.Now().Add(20 * time.Second)
	for published() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing published: Run waited for its hour despite Wake")
		}
		p.Wake()
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m := outboxMsg(t, st, confirmationKafkaID("dvc", "WK-1")); m.State != store.OutboxDelivered {
		t.Errorf("WK-1: %+v", m)
	}
}
