package kafkabus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/testenv"
)

// A graceful shutdown (stop ends) while a message is being handled lets
// the handler finish under work, commits its offset and fetches nothing
// more: the next consumer of the group starts at the message after it.
func TestRunUntilFinishesTheMessageUnderWay(t *testing.T) {
	t.Parallel()
	broker, topic, p := setup(t, 1)
	publishN(t, p, topic, 0, 3)
	group := testenv.Name("g")
	stop, cancelStop := context.WithCancel(context.Background())
	defer cancelStop()
	var handled []string
	var cut error
	c1, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p},
		func(ctx context.Context, m kafkabus.Message) error {
			if string(m.Key) == "txn-1" {
				cancelStop() // SIGTERM while this message is handled
				select {
				case <-ctx.Done():
					cut = ctx.Err()
				case <-time.After(300 * time.Millisecond):
				}
			}
			handled = append(handled, string(m.Key))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c1.RunUntil(stop, context.Background()) }()
	if err := waitDone(t, done); err != nil {
		t.Fatalf("RunUntil: %v", err)
	}
	if cut != nil || len(handled) != 2 {
		t.Fatalf("handled %v, the message under way cut: %v", handled, cut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var next string
	errFirst := errors.New("first message seen")
	c2, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, Producer: p,
		AfterHandle: func(kafkabus.Message) error { return errFirst }},
		func(_ context.Context, m kafkabus.Message) error { next = string(m.Key); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Run(ctx); !errors.Is(err, errFirst) {
		t.Fatalf("second consumer: %v", err)
	}
	if next != "txn-2" {
		t.Errorf("the group resumed at %s, want txn-2 (txn-1's offset committed at shutdown)", next)
	}
}
