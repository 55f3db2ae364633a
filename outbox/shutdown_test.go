package outbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
)

// A graceful shutdown (stop ends) while a confirmation POST is under way
// lets it finish: the receiver answers, the message is marked delivered,
// RunUntil returns, and the next message is not taken. When work ends
// first (the shutdown's deadline), the POST is cut and the message left
// pending, to be sent again under the same key. With Parallel 2 both
// messages are under way together when stop ends: both finish (or, at
// the deadline, both stay pending).
func TestRunUntilFinishesThePostUnderWay(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		for i, c := range []struct {
			name     string
			deadline time.Duration // work ends this long after stop
			parallel int
			want     store.OutboxState
		}{
			{"finished", 10 * time.Second, 1, store.OutboxDelivered},
			{"deadline first", 100 * time.Millisecond, 1, store.OutboxPending},
			{"batch finished", 10 * time.Second, 2, store.OutboxDelivered},
			{"batch deadline first", 100 * time.Millisecond, 2, store.OutboxPending},
		} {

			t.Run(c.name, func(t *testing.T) {
				id := "conf-" + c.name
				// Each case's messages are older than what earlier cases
				// left pending, so they are the ones taken first.
				enqueue(t, st, base.Add(-time.Duration(i)*time.Hour),
					store.OutboxMessage{ID: id, Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{"notice":"A"}`)},
					store.OutboxMessage{ID: id + "-next", Kind: store.OutboxConfirmation, Destination: "dvc", Payload: []byte(`{"notice":"B"}`)})
				var mu sync.Mutex
				keys := map[string]int{}
				arrived := make(chan struct{}, 2)
				sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					arrived <- struct{}{}
					select { // a slow receiver
					case <-time.After(700 * time.Millisecond):
					case <-r.Context().Done():
						return
					}
					mu.Lock()
					keys[r.Header.Get(outbox.HeaderIdempotencyKey)]++
					mu.Unlock()
					w.WriteHeader(http.StatusNoContent)
				}))
				defer sink.Close()
				s, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
					Endpoints: map[string]outbox.Endpoint{"dvc": {URL: sink.URL, Secret: sinkSecret}},
					Timeout:   5 * time.Second,
					Loop: outbox.Loop{Clock: func() time.Time { return base.Add(time.Minute) }, Interval: 10 * time.Millisecond,
						Parallel: c.parallel},
				})
				if err != nil {
					t.Fatal(err)
				}
				stop, cancelStop := context.WithCancel(context.Background())
				work, cancelWork := context.WithCancel(context.Background())
				defer cancelWork()
				done := make(chan error, 1)
				go func() { done <- s.RunUntil(stop, work) }()
				for range c.parallel {
					<-arrived
				}
				start := time.Now()
				cancelStop()
				time.AfterFunc(c.deadline, cancelWork)
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("RunUntil: %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("RunUntil did not return")
				}
				took := time.Since(start)
				if m := outboxMsg(t, st, id); m.State != c.want {
					t.Errorf("%s: %s after the shutdown, want %s", id, m.State, c.want)
				}
				next := outboxMsg(t, st, id+"-next")
				if c.parallel == 1 && (next.State != store.OutboxPending || next.Attempts != 0) {
					t.Errorf("the next message was taken after stop: %s, %d attempts", next.State, next.Attempts)
				}
				if c.parallel == 2 && next.State != c.want {
					t.Errorf("the message under way beside it: %s after the shutdown, want %s", next.State, c.want)
				}
				mu.Lock()
				defer mu.Unlock()
				want := map[bool]int{true: 1, false: 0}[c.want == store.OutboxDelivered]
				if keys[id] != want {
					t.Errorf("the sink applied %s %d times, want %d", id, keys[id], want)
				}
				if c.parallel == 2 && keys[id+"-next"] != want {
					t.Errorf("the sink applied %s %d times, want %d", id+"-next", keys[id+"-next"], want)
				}
				t.Logf("returned %s after stop", took.Round(time.Millisecond))
			})
		}
	})
}
