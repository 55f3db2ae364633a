package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/segmentio/kafka-go"
)

// Ping asks broker for the cluster's brokers (a metadata round trip): nil
// when the broker serves. It bounds nothing itself: give ctx a deadline.
func Ping(ctx context.Context, broker string) error {
	conn, err := kafka.DialContext(ctx, "tcp", broker)
	if err != nil {
		return fmt.Errorf("kafka %s: %w", broker, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return fmt.Errorf("kafka %s: %w", broker, err)
		}
	}
	if _, err := conn.Brokers(); err != nil {
		return fmt.Errorf("kafka %s: metadata: %w", broker, err)
	}
	return nil
}

// ErrNoLeader: a topic's partition has no leader yet (just created, or
// its broker is electing one): publishing to it would fail. Unavailable
// reports it as an outage to wait out.
var ErrNoLeader = errors.New("a partition has no leader yet")

// TopicsLed reports whether every partition of every topic has a leader
// now; an error wrapping ErrNoLeader names the first that has none (or a
// topic the broker does not know yet). Called after EnsureTopics, it is
// what "the topics can take a publish" means: a topic just created takes
// a moment before its partitions are led.
func TopicsLed(ctx context.Context, broker string, topics ...string) error {
	conn, err := kafka.DialContext(ctx, "tcp", broker)
	if err != nil {
		return fmt.Errorf("kafka %s: %w", broker, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return fmt.Errorf("kafka %s: %w", broker, err)
		}
	}
	parts, err := conn.ReadPartitions(topics...)
	if err != nil {
		return fmt.Errorf("kafka %s: partitions: %w", broker, err)
	}
	led := map[string]int{}
	for _, p := range parts {
		if p.Leader.Host == "" || p.Leader.ID < 0 {
			return fmt.Errorf("kafka %s: %w: %s partition %d", broker, ErrNoLeader, p.Topic, p.ID)
		}
		led[p.Topic]++
	}
	for _, t := range topics {
		if led[t] == 0 {
			return fmt.Errorf("kafka %s: %w: topic %s has no partition yet", broker, ErrNoLeader, t)
		}
	}
	return nil
}

// Unavailable reports whether err says that the broker cannot be reached
// or is not serving yet (refused or dropped connection, timeout, a
// retriable broker error) rather than that it refused the request: the
// error a caller waits out instead of giving up.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrNoLeader) {
		return true
	}
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		// kafka-go answers a broker it cannot reach with
		// BrokerNotAvailable, which Kafka marks not retriable.
		return kerr.Temporary() || kerr == kafka.BrokerNotAvailable || kerr == kafka.NetworkException
	}
	// Not net.Error: *url.Error is one, and a malformed address is no
	// outage.
	var oerr *net.OpError
	var derr *net.DNSError
	return errors.As(err, &oerr) || errors.As(err, &derr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded)
}
