package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/config"
)

// Handler handles one message. It returns nil only after the effect of the
// message is durable (its database transaction committed); the offset is
// committed after that. An error marked Permanent, or a gateway poison
// error, dead-letters the message; any other error is retried.
type Handler func(ctx context.Context, m Message) error

// DefaultSessionTimeout is the group session timeout of a consumer when
// ConsumerConfig.SessionTimeout is zero: the broker's lowest by default,
// so that a killed member's partitions move within seconds.
const DefaultSessionTimeout = 6 * time.Second

// ErrRetriesExhausted: a transient error outlasted MaxRetries. The message
// is not committed; the consumer stops so that a supervisor can restart it.
var ErrRetriesExhausted = errors.New("transient handler error: retries exhausted")

// ConsumerConfig configures a Consumer. Zero values take the defaults.
type ConsumerConfig struct {
	Brokers []string
	GroupID string
	Topic   string
	// DLQTopic receives permanent failures; default TopicDLQ.
	DLQTopic string
	// Producer publishes dead letters; default a Producer on Brokers,
	// closed with the consumer.
	Producer *Producer
	// MinBackoff and MaxBackoff bound the exponential wait between retries
	// of a transient failure (and of a failed dead-letter publish); default
	// 100ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetries of one message after a transient failure; 0 retries until
	// the context ends. Exhausting them stops Run with ErrRetriesExhausted:
	// a message is never skipped.
	MaxRetries int
	// SessionTimeout of the group membership; default
	// DefaultSessionTimeout. A member that stops heartbeating (a killed
	// process) loses its partitions after it, so they move to the others
	// within about SessionTimeout plus one heartbeat. The broker accepts
	// only values within its group.min.session.timeout.ms (default 6s)
	// and group.max.session.timeout.ms (default 30m). A handler retrying
	// for longer does not lose the partition (heartbeats run in the
	// background). Heartbeats go every SessionTimeout/3 (at most 3s); a
	// rebalance waits up to SessionTimeout for the members to rejoin.
	SessionTimeout time.Duration
	Metrics        *Metrics // optional
	Logger         *slog.Logger
	// Clock stamps dead letters; default time.Now.
	Clock func() time.Time
	// AfterHandle, a test hook, runs after the handler succeeded (or the
	// message was dead-lettered) and before the offset commit. An error
	// stops Run with that error and without committing: a crash between
	// the database commit and the offset commit.
	AfterHandle func(Message) error
}

// Validate reports all problems at once.
func (c ConsumerConfig) Validate() error {
	p := config.In("kafkabus")
	if len(c.Brokers) == 0 {
		p.Addf("consumer: no brokers")
	}
	if c.GroupID == "" {
		p.Addf("consumer: no group id")
	}
	if c.Topic == "" {
		p.Addf("consumer: no topic")
	}
	if c.Topic != "" && c.Topic == c.DLQTopic {
		p.Addf("consumer: topic %s is its own dead-letter topic", c.Topic)
	}
	if c.MinBackoff < 0 || c.MaxBackoff < 0 || c.SessionTimeout < 0 {
		p.Addf("consumer: negative duration")
	}
	if c.MaxBackoff > 0 && c.MinBackoff > c.MaxBackoff {
		p.Addf("consumer: MinBackoff %s above MaxBackoff %s", c.MinBackoff, c.MaxBackoff)
	}
	if c.MaxRetries < 0 {
		p.Addf("consumer: negative MaxRetries")
	}
	return p.Err()
}

// Consumer runs one consumer-group loop over one topic.
type Consumer struct {
	cfg     ConsumerConfig
	h       Handler
	log     *slog.Logger
	ownProd bool
}

// NewConsumer builds a consumer for h. It connects in Run.
func NewConsumer(cfg ConsumerConfig, h Handler) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, config.Errorf("kafkabus: consumer: nil handler")
	}
	if cfg.DLQTopic == "" {
		cfg.DLQTopic = TopicDLQ
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.MinBackoff > cfg.MaxBackoff {
		cfg.MinBackoff = cfg.MaxBackoff
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Consumer{cfg: cfg, h: h, log: log.With(slog.String("topic", cfg.Topic), slog.String("group", cfg.GroupID))}
	if cfg.Producer == nil {
		p, err := NewProducer(ProducerConfig{Brokers: cfg.Brokers, Logger: log})
		if err != nil {
			return nil, err
		}
		c.cfg.Producer, c.ownProd = p, true
	}
	return c, nil
}

// Run consumes until ctx ends (then it returns nil) or a failure it cannot
// get past: a fetch or commit error, ErrRetriesExhausted, or an error from
// AfterHandle. Nothing is committed for a message that was not handled or
// dead-lettered, so a restarted consumer resumes at the first such message.
// Run may be called again after it returned. A message under way when ctx
// ends is abandoned uncommitted (its transaction rolls back; it is consumed
// again): RunUntil finishes it.
func (c *Consumer) Run(ctx context.Context) error { return c.RunUntil(ctx, ctx) }

// RunUntil is Run fetching no new message once stop has ended: the message
// under way is handled and its offset committed under work (the shutdown's
// deadline), then it returns nil. A transient failure of that message is
// not retried after stop (it stays uncommitted, consumed again later), and
// when work ends first the message is abandoned uncommitted as in Run.
func (c *Consumer) RunUntil(stop, work context.Context) error {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           c.cfg.Brokers,
		GroupID:           c.cfg.GroupID,
		Topic:             c.cfg.Topic,
		MinBytes:          1,
		MaxBytes:          10 << 20,
		MaxWait:           500 * time.Millisecond,
		CommitInterval:    0, // synchronous commits
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: min(3*time.Second, c.cfg.SessionTimeout/3),
		SessionTimeout:    c.cfg.SessionTimeout,
		RebalanceTimeout:  c.cfg.SessionTimeout,
		JoinGroupBackoff:  time.Second,
		ReadBackoffMin:    100 * time.Millisecond,
		ReadBackoffMax:    time.Second,
		ErrorLogger:       errorLogger(c.log, "kafka reader"),
	})
	defer r.Close()
	ended := func() bool { return stop.Err() != nil || work.Err() != nil }
	for {
		km, err := r.FetchMessage(stop)
		if err != nil {
			if ended() {
				return nil
			}
			return fmt.Errorf("consume %s: fetch: %w", c.cfg.Topic, err)
		}
		m := messageOf(km)
		outcome, err := c.process(stop, work, m)
		if err != nil {
			if ended() {
				return nil
			}
			return err
		}
		if c.cfg.AfterHandle != nil {
			if err := c.cfg.AfterHandle(m); err != nil {
				return fmt.Errorf("consume %s: after handle %s: %w", c.cfg.Topic, m.Ref(), err)
			}
		}
		if err := r.CommitMessages(work, km); err != nil {
			if ended() {
				return nil
			}
			return fmt.Errorf("consume %s: commit %s: %w", c.cfg.Topic, m.Ref(), err)
		}
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.consumed.WithLabelValues(c.cfg.Topic, outcome).Inc()
		}
		if stop.Err() != nil {
			return nil
		}
	}
}

// Close releases the producer the consumer created for itself.
func (c *Consumer) Close() error {
	if c.ownProd {
		return c.cfg.Producer.Close()
	}
	return nil
}

// process runs the handler until it succeeds or fails permanently (then the
// message is dead-lettered). It returns an error only when the message must
// not be committed.
func (c *Consumer) process(stop, ctx context.Context, m Message) (outcome string, err error) {
	for attempt := 1; ; attempt++ {
		start := time.Now()
		herr := c.h(ctx, m)
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.latency.WithLabelValues(c.cfg.Topic).Observe(time.Since(start).Seconds())
		}
		if herr == nil {
			return "handled", nil
		}
		if perm, kind, reason := Classify(herr); perm {
			if err := c.deadLetter(ctx, m, kind, reason, herr); err != nil {
				return "", err
			}
			return "dead_lettered", nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if stop.Err() != nil {
			// Shutting down: not retried here; left uncommitted.
			return "", stop.Err()
		}
		if c.cfg.MaxRetries > 0 && attempt > c.cfg.MaxRetries {
			return "", fmt.Errorf("consume %s: %w after %d attempts: %w", m.Ref(), ErrRetriesExhausted, attempt, herr)
		}
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.retries.WithLabelValues(c.cfg.Topic).Inc()
		}
		wait := c.backoff(attempt)
		c.log.WarnContext(ctx, "transient handler error, retrying",
			slog.Int("partition", m.Partition), slog.Int64("offset", m.Offset),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("error", herr.Error()))
		if err := sleep(stop, wait); err != nil {
			return "", err
		}
	}
}

func (c *Consumer) deadLetter(ctx context.Context, m Message, kind ErrorKind, reason string, herr error) error {
	d := DeadLetter{
		SourceTopic: m.Topic, SourcePartition: m.Partition, SourceOffset: m.Offset,
		Key: m.Key, Value: m.Value, Headers: m.Headers,
		Kind: kind, Reason: reason, Err: herr, At: c.cfg.Clock(), Origin: "consumer",
	}
	// The dead letter must be stored before the offset is committed; a
	// failed publish is retried like a transient handler error.
	for attempt := 1; ; attempt++ {
		err := c.cfg.Producer.DeadLetter(ctx, c.cfg.DLQTopic, d)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c.cfg.MaxRetries > 0 && attempt > c.cfg.MaxRetries {
			return fmt.Errorf("consume %s: dead-letter: %w: %w", m.Ref(), ErrRetriesExhausted, err)
		}
		c.log.WarnContext(ctx, "dead-letter publish failed, retrying",
			slog.Int("partition", m.Partition), slog.Int64("offset", m.Offset), slog.String("error", err.Error()))
		if err := sleep(ctx, c.backoff(attempt)); err != nil {
			return err
		}
	}
	if c.cfg.Metrics != nil {
		c.cfg.Metrics.deadLettered.WithLabelValues(c.cfg.Topic, string(kind), reason).Inc()
	}
	c.log.ErrorContext(ctx, "message dead-lettered",
		slog.Int("partition", m.Partition), slog.Int64("offset", m.Offset),
		slog.String("kind", string(kind)), slog.String("reason", reason), slog.String("error", herr.Error()))
	return nil
}

// backoff is MinBackoff·2^(attempt-1), capped at MaxBackoff.
func (c *Consumer) backoff(attempt int) time.Duration {
	d := c.cfg.MinBackoff
	for i := 1; i < attempt && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.cfg.MaxBackoff)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
