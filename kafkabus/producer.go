package kafkabus

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/config"
)

// ProducerConfig configures a Producer. Zero durations take the defaults.
type ProducerConfig struct {
	Brokers []string
	// WriteTimeout and ReadTimeout bound one network exchange with the
	// broker; default 10s each.
	WriteTimeout time.Duration
	ReadTimeout  time.Duration
	// MaxAttempts is how often one Publish tries before it fails; default 3.
	MaxAttempts int
	// BatchSize is how many messages a partition's batch collects before
	// it is sent; default 1: every Publish is synchronous, so a batch of one
	// goes out at once instead of waiting BatchTimeout. Raise it (with a
	// short BatchTimeout) for many concurrent publishers.
	BatchSize int
	// BatchTimeout is how long a batch waits for BatchSize messages;
	// default 5ms.
	BatchTimeout time.Duration
	Logger       *slog.Logger
}

// Validate reports all problems at once.
func (c ProducerConfig) Validate() error {
	p := config.In("kafkabus")
	if len(c.Brokers) == 0 {
		p.Addf("producer: no brokers")
	}
	for _, d := range []time.Duration{c.WriteTimeout, c.ReadTimeout, c.BatchTimeout} {
		if d < 0 {
			p.Addf("producer: negative duration %s", d)
		}
	}
	if c.MaxAttempts < 0 || c.BatchSize < 0 {
		p.Addf("producer: negative MaxAttempts or BatchSize")
	}
	return p.Err()
}

// Producer publishes messages synchronously: Publish returns only once all
// in-sync replicas acknowledged the write (acks=all).
type Producer struct {
	w   *kafka.Writer
	log *slog.Logger
}

// NewProducer builds a Producer. It does not connect until the first Publish.
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.WriteTimeout, 10*time.Second)
	def(&cfg.ReadTimeout, 10*time.Second)
	def(&cfg.BatchTimeout, 5*time.Millisecond)
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &kafka.Writer{
		Addr:                   tcpAddrs(cfg.Brokers),
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		Async:                  false,
		MaxAttempts:            cfg.MaxAttempts,
		WriteBackoffMin:        100 * time.Millisecond,
		WriteBackoffMax:        time.Second,
		BatchSize:              cfg.BatchSize,
		BatchTimeout:           cfg.BatchTimeout,
		WriteTimeout:           cfg.WriteTimeout,
		ReadTimeout:            cfg.ReadTimeout,
		AllowAutoTopicCreation: false,
		ErrorLogger:            errorLogger(log, "kafka writer"),
	}
	return &Producer{w: w, log: log}, nil
}

// Publish writes one message to topic and returns after the broker
// acknowledged it (nil) or the write failed. Messages with the same key go
// to the same partition, so they keep their order. Headers are written in
// key order.
func (p *Producer) Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error {
	if err := p.w.WriteMessages(ctx, kafka.Message{
		Topic:   topic,
		Key:     key,
		Value:   value,
		Headers: toKafkaHeaders(headers),
	}); err != nil {
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// Close flushes and closes the producer.
func (p *Producer) Close() error { return p.w.Close() }

func toKafkaHeaders(h map[string]string) []kafka.Header {
	if len(h) == 0 {
		return nil
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]kafka.Header, 0, len(keys))
	for _, k := range keys {
		out = append(out, kafka.Header{Key: k, Value: []byte(h[k])})
	}
	return out
}

func fromKafkaHeaders(hs []kafka.Header) map[string]string {
	if len(hs) == 0 {
		return map[string]string{}
	}
	m := make(map[string]string, len(hs))
	for _, h := range hs {
		m[h.Key] = string(h.Value) // a repeated key keeps its last value
	}
	return m
}

// errorLogger routes kafka-go's error log to slog at warning level.
func errorLogger(log *slog.Logger, component string) kafka.Logger {
	return kafka.LoggerFunc(func(format string, args ...any) {
		log.Warn("kafka client error", "component", component, "error", fmt.Sprintf(format, args...))
	})
}
