package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/payment"
)

// Topic names. Raw gateway messages go to one topic per gateway, see RawTopic.
const (
	// TopicDLQ holds messages that can never be handled, with headers that
	// say where they came from and why (see the Header* constants).
	TopicDLQ = "payments.dlq"
	// TopicNoticeEvents carries notice lifecycle events from procedure systems.
	TopicNoticeEvents = "notices.events"
	// TopicConfirmed carries payments matched and confirmed to their notices.
	TopicConfirmed = "payments.confirmed"
	// TopicStatements carries raw bank statements and settlement files.
	TopicStatements = "statements.raw"
	// TopicTreasuryReports carries the daily treasury reports.
	TopicTreasuryReports = "treasury.reports"

	rawTopicPrefix = "payments.raw."
)

// RawTopic is the topic holding gateway g's raw messages, as ingress received
// them: payments.raw.<gateway>.
func RawTopic(g payment.Gateway) string { return rawTopicPrefix + string(g) }

// Topics lists the topics a service serving gateways uses: the raw topic
// of each gateway, then the others, in a fixed order. Topics(payment.Gateways())
// is every topic feerecon uses.
func Topics(gateways []payment.Gateway) []string {
	ts := make([]string, 0, len(gateways)+5)
	for _, g := range gateways {
		ts = append(ts, RawTopic(g))
	}
	return append(ts, TopicDLQ, TopicNoticeEvents, TopicConfirmed, TopicStatements, TopicTreasuryReports)
}

// TopicOptions shapes topics created by EnsureTopicsWith.
type TopicOptions struct {
	// Partitions per topic; default 3.
	Partitions int
	// ReplicationFactor; default 1 (a single broker). Production sets 3.
	ReplicationFactor int
	// Timeout bounds the whole request; default 30s.
	Timeout time.Duration
}

func (o TopicOptions) withDefaults() TopicOptions {
	if o.Partitions <= 0 {
		o.Partitions = 3
	}
	if o.ReplicationFactor <= 0 {
		o.ReplicationFactor = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return o
}

// EnsureTopics creates topics on the cluster at broker with the default
// TopicOptions. Auto-creation is off on our brokers, so every topic is
// created explicitly. A topic that exists already is fine: EnsureTopics is
// idempotent and leaves existing topics as they are.
func EnsureTopics(ctx context.Context, broker string, topics ...string) error {
	return EnsureTopicsWith(ctx, broker, TopicOptions{}, topics...)
}

// EnsureTopicsWith is EnsureTopics with explicit options.
func EnsureTopicsWith(ctx context.Context, broker string, opts TopicOptions, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	req := &kafka.CreateTopicsRequest{Addr: kafka.TCP(broker)}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{
			Topic:             t,
			NumPartitions:     opts.Partitions,
			ReplicationFactor: opts.ReplicationFactor,
		})
	}
	c := &kafka.Client{Addr: kafka.TCP(broker), Timeout: opts.Timeout}
	res, err := c.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	var errs []error
	for _, t := range topics {
		if e := res.Errors[t]; e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("create topic %s: %w", t, e))
		}
	}
	return errors.Join(errs...)
}

func tcpAddrs(brokers []string) net.Addr { return kafka.TCP(brokers...) }
