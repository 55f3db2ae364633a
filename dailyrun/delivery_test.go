package dailyrun_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// treasurySink is the treasury's side: it checks every signature, applies
// each Idempotency-Key once, and misbehaves by attempt number: the first
// attempt of a key gets a 500, the second is applied but answered too late
// (the sender times out), the third and later are acknowledged duplicates.
type treasurySink struct {
	t      *testing.T
	secret outbox.Secret
	mu     sync.Mutex
	tries  map[string]int
	apply  map[string]int // times applied, by key
	bodies map[string][]byte
	bad    int
}

func (s *treasurySink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := outbox.Verify(s.secret, r.Header.Get(outbox.HeaderTimestamp), body, r.Header.Get(outbox.HeaderSignature)); err != nil {
		s.mu.Lock()
		s.bad++
		s.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(outbox.HeaderIdempotencyKey)
	s.mu.Lock()
	s.tries[key]++
	n := s.tries[key]
	if n >= 2 && s.apply[key] == 0 {
		s.apply[key]++
		s.bodies[key] = body
	}
	s.mu.Unlock()
	switch n {
	case 1:
		http.Error(w, "treasury gateway unavailable", http.StatusInternalServerError)
	case 2:
		select { // applied, but the answer comes after the sender gave up
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func TestTreasuryDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memoryStore()
	loadDay(t, st)
	clk := &clock{t: at(27, 1, 0)}
	reps, err := newJob(t, st, clk).Run(ctx, businessDate, "")
	if err != nil || len(reps) != 3 {
		t.Fatalf("job: %d reports, %v", len(reps), err)
	}

	sink := &treasurySink{t: t, secret: "kbnn-test-secret", tries: map[string]int{}, apply: map[string]int{}, bodies: map[string][]byte{}}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	sender, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{dailyrun.DefaultDestination: {URL: srv.URL + "/kbnn/reports", Secret: sink.secret}},
		Types:     []outbox.Type{outbox.Report},
		Timeout:   300 * time.Millisecond,
		Loop: outbox.Loop{
			MaxAttempts: 5,
			Clock:       clk.now,
			Rand:        func(n int64) int64 { return n - 1 }, // the longest backoff
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var results []outbox.Result
	for range 4 {
		res, err := sender.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
		clk.t = clk.t.Add(2 * time.Hour) // past any backoff
	}
	want := []outbox.Result{{Failed: 3}, {Failed: 3}, {Delivered: 3}, {}}
	for i := range want {
		if results[i] != want[i] {
			t.Errorf("tick %d = %+v, want %+v", i+1, results[i], want[i])
		}
	}
	if sink.bad != 0 {
		t.Errorf("%d requests with a bad signature", sink.bad)
	}
	for _, r := range reps {
		key := outbox.Report.ID(r.ID)
		if sink.tries[key] != 3 || sink.apply[key] != 1 {
			t.Errorf("%s: %d attempts, applied %d times; want 3 attempts under one key, applied once", key, sink.tries[key], sink.apply[key])
		}
		var got daily.Report
		if err := json.Unmarshal(sink.bodies[key], &got); err != nil {
			t.Fatal(err)
		}
		if got.SHA256 != r.SHA256 || got.Verify() != nil {
			t.Errorf("%s: treasury received sha256 %s, want %s", key, got.SHA256, r.SHA256)
		}
		var m store.OutboxMessage
		err := st.InTx(ctx, func(tx store.Tx) error {
			var err error
			m, err = tx.OutboxMessage(ctx, key)
			return err
		})
		if err != nil || m.State != store.OutboxDelivered || m.Attempts != 3 {
			t.Errorf("%s: state %s after %d attempts, %v; want delivered at the third", key, m.State, m.Attempts, err)
		}
		// The Kafka copy is another channel: untouched by the webhook sender.
		err = st.InTx(ctx, func(tx store.Tx) error {
			var err error
			m, err = tx.OutboxMessage(ctx, outbox.KafkaID(outbox.Report.ID(r.ID)))
			return err
		})
		if err != nil || m.State != store.OutboxPending || m.Attempts != 0 {
			t.Errorf("kafka copy of %s: state %s, %d attempts, %v", r.ID, m.State, m.Attempts, err)
		}
	}
}
