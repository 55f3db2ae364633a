package kafkabus_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/testenv"
)

// Unavailable tells a broker that cannot be reached (waited for) from one
// that refused the request (not waited for).
func TestUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{fmt.Errorf("create topics: %w", refused), true},
		{fmt.Errorf("create topics: %w", kafka.BrokerNotAvailable), true},
		{kafka.LeaderNotAvailable, true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("create topic x: %w", kafka.InvalidReplicationFactor), false},
		{kafka.TopicAuthorizationFailed, false},
		{errors.New("something else"), false},
	} {
		if got := kafkabus.Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// Ping fails, within its context's deadline, on a port nobody serves.
func TestPingClosedPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := kafkabus.Ping(ctx, addr); !kafkabus.Unavailable(err) {
		t.Errorf("Ping of a closed port: %v, want an unavailable error", err)
	}
}

// A topic just created is led a moment later: TopicsLed says so until it
// is, then nil; Unavailable treats "no leader yet" as an outage to wait
// out, never as a refusal.
func TestTopicsLedAfterCreation(t *testing.T) {
	broker := testenv.Kafka(t)
	topic := testenv.Name("led")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopics(ctx, broker, topic); err != nil {
		t.Fatal(err)
	}
	for {
		err := kafkabus.TopicsLed(ctx, broker, topic)
		if err == nil {
			break
		}
		if !kafkabus.Unavailable(err) {
			t.Fatalf("TopicsLed = %v: not an outage to wait out", err)
		}
		if ctx.Err() != nil {
			t.Fatalf("%s not led in 60 s: %v", topic, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !kafkabus.Unavailable(fmt.Errorf("x: %w", kafkabus.ErrNoLeader)) {
		t.Error("ErrNoLeader is not an outage")
	}
}
