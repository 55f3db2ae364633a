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

// Unavailable reports whether err says that the broker cannot be reached
// or is not serving yet (refused or dropped connection, timeout, a
// retriable broker error) rather than that it refused the request: the
// error a caller waits out instead of giving up.
func Unavailable(err error) bool {
	if err == nil {
		return false
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
