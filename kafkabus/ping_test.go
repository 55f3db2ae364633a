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
