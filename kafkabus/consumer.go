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

// BatchHandler handles a batch of messages: in fetch order, each
// partition's in offset order. It returns nil only after the effect of
// every message is durable (its database transaction committed); the
// offsets are committed after that. Messages it refuses for good it gives
// to deadLetter, inside its transaction and before its commit: deadLetter
// returns once they are on the dead-letter topic (an error: the batch must
// fail, to be retried). Any error it returns is transient: the whole batch
// is retried.
type BatchHandler func(ctx context.Context, ms []Message, deadLetter func(ctx context.Context, refused []Refused) error) error

// Refused is a message a BatchHandler refuses for good, and why: a
// Permanent error or a gateway poison error (Classify), so that its dead
// letter says which.
type Refused struct {
	Message Message
	Err     error
}

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
	// BatchSize is how many messages a batch takes at most; default 1 (a
	// Handler sees one message at a time either way). BatchWait is how long
	// a batch waits for more after its first message; default 5ms: the
	// latency a batch adds when the topic is quiet.
	BatchSize int
	BatchWait time.Duration
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
	if c.BatchSize < 0 || c.BatchWait < 0 {
		p.Addf("consumer: negative BatchSize or BatchWait")
	}
	return p.Err()
}

// Consumer runs one consumer-group loop over one topic.
type Consumer struct {
	cfg     ConsumerConfig
	h       BatchHandler
	log     *slog.Logger
	ownProd bool
}

// NewConsumer builds a consumer for h, one message at a time (each batch
// is handled message by message: a transient failure retries the batch,
// whose handled messages h must find handled, as it must after a crash).
// It connects in Run.
func NewConsumer(cfg ConsumerConfig, h Handler) (*Consumer, error) {
	if h == nil {
		return nil, config.Errorf("kafkabus: consumer: nil handler")
	}
	return NewBatchConsumer(cfg, func(ctx context.Context, ms []Message, deadLetter func(context.Context, []Refused) error) error {
		for _, m := range ms {
			err := h(ctx, m)
			if perm, _, _ := Classify(err); perm {
				if err := deadLetter(ctx, []Refused{{Message: m, Err: err}}); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// NewBatchConsumer builds a consumer for h, up to BatchSize messages at a
// time. It connects in Run.
func NewBatchConsumer(cfg ConsumerConfig, h BatchHandler) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, config.Errorf("kafkabus: consumer: nil handler")
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1
	}
	if cfg.BatchWait == 0 {
		cfg.BatchWait = 5 * time.Millisecond
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
// Run may be called again after it returned. A batch under way when ctx
// ends is abandoned uncommitted (its transaction rolls back; it is consumed
// again): RunUntil finishes it.
func (c *Consumer) Run(ctx context.Context) error { return c.RunUntil(ctx, ctx) }

// RunUntil is Run fetching no new message once stop has ended: the batch
// under way (what was fetched by then) is handled and its offsets
// committed under work (the shutdown's deadline), then it returns nil. A
// transient failure of that batch is not retried after stop (it stays
// uncommitted, consumed again later), and when work ends first the batch
// is abandoned uncommitted as in Run.
func (c *Consumer) RunUntil(stop, work context.Context) error {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           c.cfg.Brokers,
		GroupID:           c.cfg.GroupID,
		Topic:             c.cfg.Topic,
		MinBytes:          1,
		MaxBytes:          10 << 20,
		MaxWait:           500 * time.Millisecond,
		QueueCapacity:     max(100, 2*c.cfg.BatchSize),
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
		kms, err := c.fetch(stop, r)
		if err != nil {
			if ended() {
				return nil
			}
			return fmt.Errorf("consume %s: fetch: %w", c.cfg.Topic, err)
		}
		ms := make([]Message, len(kms))
		for i, km := range kms {
			ms[i] = messageOf(km)
		}
		outcomes, err := c.process(stop, work, ms)
		if err != nil {
			if ended() {
				return nil
			}
			return err
		}
		if c.cfg.AfterHandle != nil {
			for _, m := range ms {
				if err := c.cfg.AfterHandle(m); err != nil {
					return fmt.Errorf("consume %s: after handle %s: %w", c.cfg.Topic, m.Ref(), err)
				}
			}
		}
		if err := r.CommitMessages(work, kms...); err != nil {
			if ended() {
				return nil
			}
			return fmt.Errorf("consume %s: commit %s: %w", c.cfg.Topic, ms[len(ms)-1].Ref(), err)
		}
		if c.cfg.Metrics != nil {
			for _, o := range outcomes {
				c.cfg.Metrics.consumed.WithLabelValues(c.cfg.Topic, o).Inc()
			}
		}
		if stop.Err() != nil {
			return nil
		}
	}
}

// fetch waits for a message, then takes up to BatchSize-1 more that come
// within BatchWait. Once stop has ended it takes no more; what it took is
// the batch.
func (c *Consumer) fetch(stop context.Context, r *kafka.Reader) ([]kafka.Message, error) {
	km, err := r.FetchMessage(stop)
	if err != nil {
		return nil, err
	}
	kms := []kafka.Message{km}
	if c.cfg.BatchSize == 1 {
		return kms, nil
	}
	more, cancel := context.WithTimeout(stop, c.cfg.BatchWait)
	defer cancel()
	for len(kms) < c.cfg.BatchSize {
		km, err := r.FetchMessage(more)
		if err != nil {
			if more.Err() != nil {
				break // the wait is over, or stop ended: this is the batch
			}
			return nil, err
		}
		kms = append(kms, km)
	}
	return kms, nil
}

// Close releases the producer the consumer created for itself.
func (c *Consumer) Close() error {
	if c.ownProd {
		return c.cfg.Producer.Close()
	}
	return nil
}

// process runs the handler on a batch until it succeeds (what it refused
// dead-lettered by then); it returns each message's outcome, "handled" or
// "dead_lettered", and an error only when the batch must not be committed.
func (c *Consumer) process(stop, ctx context.Context, ms []Message) ([]string, error) {
	first, last := ms[0], ms[len(ms)-1]
	for attempt := 1; ; attempt++ {
		outcomes := make([]string, len(ms))
		at := make(map[[2]int64]int, len(ms))
		for i, m := range ms {
			outcomes[i] = "handled"
			at[[2]int64{int64(m.Partition), m.Offset}] = i
		}
		deadLetter := func(ctx context.Context, refused []Refused) error {
			for _, f := range refused {
				_, kind, reason := Classify(f.Err)
				if kind == "" {
					kind, reason = KindPermanent, "refused"
				}
				if err := c.deadLetter(ctx, f.Message, kind, reason, f.Err); err != nil {
					return err
				}
				if i, ok := at[[2]int64{int64(f.Message.Partition), f.Message.Offset}]; ok {
					outcomes[i] = "dead_lettered"
				}
			}
			return nil
		}
		start := time.Now()
		herr := c.h(ctx, ms, deadLetter)
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.latency.WithLabelValues(c.cfg.Topic).Observe(time.Since(start).Seconds())
		}
		if herr == nil {
			return outcomes, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if stop.Err() != nil {
			// Shutting down: not retried here; left uncommitted.
			return nil, stop.Err()
		}
		if c.cfg.MaxRetries > 0 && attempt > c.cfg.MaxRetries {
			return nil, fmt.Errorf("consume %s..%d: %w after %d attempts: %w", first.Ref(), last.Offset, ErrRetriesExhausted, attempt, herr)
		}
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.retries.WithLabelValues(c.cfg.Topic).Inc()
		}
		wait := c.backoff(attempt)
		c.log.WarnContext(ctx, "transient handler error, retrying",
			slog.Int("partition", first.Partition), slog.Int64("offset", first.Offset), slog.Int("messages", len(ms)),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("error", herr.Error()))
		if err := sleep(stop, wait); err != nil {
			return nil, err
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
