package outboxfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/delivery"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/store"
)

// Headers of every published message: the webhook's names, so that a
// consumer deduplicates both channels alike.
const (
	// HeaderIdempotencyKey is the outbox message id, the same on every
	// republish.
	HeaderIdempotencyKey = delivery.HeaderIdempotencyKey
	// HeaderKind is Feed.HeaderKind.
	HeaderKind = delivery.HeaderKind
)

// Producer publishes one message and returns once the broker acknowledged
// it. *kafkabus.Producer is one (acks=all).
type Producer interface {
	Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error
}

var _ Producer = (*kafkabus.Producer)(nil)

// OutboxTx is what the publisher needs inside a transaction; store.Tx has
// it. It is the webhook sender's: both drain the same outbox.
type OutboxTx = delivery.OutboxTx

// Store runs fn in a transaction: committed if fn returns nil, rolled back
// otherwise. FromStore adapts a store.Store.
type Store = delivery.Store

// FromStore adapts a store.Store to Store.
func FromStore(s store.Store) Store { return delivery.FromStore(s) }

// ErrConfig is wrapped by configuration errors.
var ErrConfig = errors.New("outboxfeed: invalid configuration")

// Feed says what a Publisher publishes: which outbox messages, to which
// topic by default, and how a payload becomes a Kafka message.
type Feed struct {
	// Kind of the outbox messages taken, e.g. store.OutboxConfirmationKafka.
	Kind store.OutboxKind
	// HeaderKind is the X-Feerecon-Kind header's value, the kind the
	// webhook copy of the same payload has (e.g. store.OutboxConfirmation);
	// it also names the messages in logs ("confirmation published").
	HeaderKind store.OutboxKind
	// Topic published to unless Config.Topic is set.
	Topic string
	// Metric names the attempts counter, e.g.
	// "feerecon_confirmfeed_attempts_total" (registered only with
	// Config.Registerer).
	Metric string
	// Message derives the message key and any extra headers from a
	// payload. An error means the payload is not of this feed's kind: the
	// message is dead at once, since no retry can publish it.
	Message func(payload []byte) (key []byte, headers map[string]string, err error)
	// Permanent, if set, says a publish error is final (e.g. TooLarge): the
	// message is dead at once instead of retried.
	Permanent func(error) bool
}

func (f Feed) validate() error {
	var errs []error
	if f.Kind == "" || f.HeaderKind == "" || f.Topic == "" || f.Metric == "" {
		errs = append(errs, fmt.Errorf("%w: feed without kind, header kind, topic or metric", ErrConfig))
	}
	if f.Message == nil {
		errs = append(errs, fmt.Errorf("%w: feed %s without Message", ErrConfig, f.Kind))
	}
	return errors.Join(errs...)
}

// Config tunes a Publisher. Zero values take the defaults.
type Config struct {
	// Topic to publish to; default Feed.Topic.
	Topic string
	// MaxAttempts before a message is dead; default 0: never, a broker
	// outage only delays messages.
	MaxAttempts int
	// BaseBackoff and MaxBackoff: after the n-th failed attempt the next
	// one waits a uniformly random duration in [0, min(MaxBackoff,
	// BaseBackoff·2^(n-1))] (full jitter, delivery.Backoff); default 1s and
	// 5m.
	BaseBackoff, MaxBackoff time.Duration
	// Batch bounds the messages per Tick; default 100.
	Batch int
	// Interval between Ticks in Run; default 1s.
	Interval time.Duration
	// Clock and Rand (returning a value in [0, n)) are injected for tests;
	// default time.Now and math/rand/v2.Int64N.
	Clock func() time.Time
	Rand  func(n int64) int64
	// Registerer, if set, receives the metric
	//	<Feed.Metric>{outcome}  outcome: published, failed, dead
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// AfterPublish, a test hook, runs after the broker acknowledged a
	// message and before it is marked delivered. An error rolls the
	// transaction back (the message stays as it was) and Tick returns it:
	// a crash between the publish and the mark.
	AfterPublish func(store.OutboxMessage) error
}

// Validate reports all problems at once.
func (c Config) Validate() error {
	var errs []error
	if c.MaxAttempts < 0 || c.Batch < 0 {
		errs = append(errs, fmt.Errorf("%w: negative MaxAttempts or Batch", ErrConfig))
	}
	if c.BaseBackoff < 0 || c.MaxBackoff < 0 || c.Interval < 0 {
		errs = append(errs, fmt.Errorf("%w: negative duration", ErrConfig))
	}
	if c.BaseBackoff > 0 && c.MaxBackoff > 0 && c.BaseBackoff > c.MaxBackoff {
		errs = append(errs, fmt.Errorf("%w: BaseBackoff above MaxBackoff", ErrConfig))
	}
	return errors.Join(errs...)
}

// Publisher publishes a Feed's outbox messages.
type Publisher struct {
	st       Store
	prod     Producer
	feed     Feed
	cfg      Config
	log      *slog.Logger
	attempts *prometheus.CounterVec
}

// New builds a Publisher of feed over st publishing with prod.
func New(st Store, prod Producer, feed Feed, cfg Config) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil || prod == nil {
		return nil, fmt.Errorf("%w: nil store or producer", ErrConfig)
	}
	if err := feed.validate(); err != nil {
		return nil, err
	}
	if cfg.Topic == "" {
		cfg.Topic = feed.Topic
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	cfg.BaseBackoff = min(cfg.BaseBackoff, cfg.MaxBackoff)
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Int64N
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Publisher{st: st, prod: prod, feed: feed, cfg: cfg, log: log.With(slog.String("topic", cfg.Topic)),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: feed.Metric,
			Help: fmt.Sprintf("Attempts to publish %ss to Kafka, by outcome (published, failed, dead).", feed.HeaderKind),
		}, []string{"outcome"}),
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(p.attempts); err != nil {
			return nil, fmt.Errorf("register %s: %w", feed.Metric, err)
		}
	}
	return p, nil
}

// Result counts what a Tick did.
type Result struct {
	Published, Failed, Dead int
}

// Run ticks every Interval until ctx ends; it returns nil then. A failing
// tick is logged and retried at the next one.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := p.Tick(ctx); err != nil && ctx.Err() == nil {
			p.log.ErrorContext(ctx, string(p.feed.HeaderKind)+" publisher tick failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick publishes the messages due now, up to Batch, each in its own
// transaction: take one due message (locked), publish it and wait for the
// broker's acknowledgement, mark it delivered, commit. A crash between the
// publish and the commit publishes it again later with the same
// Idempotency-Key. A message is tried at most once per Tick.
func (p *Publisher) Tick(ctx context.Context) (Result, error) {
	var res Result
	tried := map[string]bool{}
	for range p.cfg.Batch {
		more, err := p.one(ctx, tried, &res)
		if err != nil || !more {
			return res, err
		}
	}
	return res, nil
}

type outcome string

const (
	outcomeNone      outcome = ""
	outcomePublished outcome = "published"
	outcomeFailed    outcome = "failed"
	outcomeDead      outcome = "dead"
)

func (p *Publisher) one(ctx context.Context, tried map[string]bool, res *Result) (more bool, err error) {
	var oc outcome
	noun := string(p.feed.HeaderKind)
	err = p.st.InTx(ctx, func(tx OutboxTx) error {
		oc = outcomeNone
		due, err := tx.Due(ctx, p.feed.Kind, p.cfg.Clock(), 1)
		if err != nil {
			return fmt.Errorf("outbox due %s: %w", p.feed.Kind, err)
		}
		if len(due) == 0 || tried[due[0].ID] {
			return nil
		}
		m := due[0]
		tried[m.ID] = true
		more = true
		log := p.log.With(slog.String("outbox_id", m.ID), slog.Int("attempt", m.Attempts+1))
		key, extra, perr := p.feed.Message(m.Payload)
		if perr != nil {
			oc = outcomeDead
			log.ErrorContext(ctx, "outbox payload is not a "+noun+"; dead", slog.String("error", perr.Error()))
			return tx.MarkFailed(ctx, m.ID, perr.Error(), p.cfg.Clock(), true)
		}
		headers := make(map[string]string, len(extra)+2)
		maps.Copy(headers, extra)
		headers[HeaderIdempotencyKey] = m.ID
		headers[HeaderKind] = noun
		perr = p.prod.Publish(ctx, p.cfg.Topic, key, m.Payload, headers)
		if perr == nil {
			if p.cfg.AfterPublish != nil {
				if err := p.cfg.AfterPublish(m); err != nil {
					return fmt.Errorf("after publish %s: %w", m.ID, err)
				}
			}
			oc = outcomePublished
			log.InfoContext(ctx, noun+" published", slog.String("key", string(key)))
			return tx.MarkDelivered(ctx, m.ID, p.cfg.Clock())
		}
		if ctx.Err() != nil {
			// Shutting down: the attempt did not fail on its own; leave
			// the message as it was.
			return ctx.Err()
		}
		at := p.cfg.Clock()
		if p.feed.Permanent != nil && p.feed.Permanent(perr) {
			oc = outcomeDead
			log.ErrorContext(ctx, noun+" can never be published; dead", slog.String("error", perr.Error()))
			return tx.MarkFailed(ctx, m.ID, perr.Error(), at, true)
		}
		dead := p.cfg.MaxAttempts > 0 && m.Attempts+1 >= p.cfg.MaxAttempts
		next := at.Add(delivery.Backoff(m.Attempts+1, p.cfg.BaseBackoff, p.cfg.MaxBackoff, p.cfg.Rand))
		oc = outcomeFailed
		if dead {
			oc = outcomeDead
			log.ErrorContext(ctx, noun+" dead after its last publish attempt", slog.String("error", perr.Error()))
		} else {
			log.WarnContext(ctx, noun+" publish failed", slog.String("error", perr.Error()), slog.Time("next_attempt", next))
		}
		return tx.MarkFailed(ctx, m.ID, perr.Error(), next, dead)
	})
	if err != nil {
		return false, err
	}
	switch oc {
	case outcomePublished:
		res.Published++
	case outcomeFailed:
		res.Failed++
	case outcomeDead:
		res.Dead++
	case outcomeNone:
		return more, nil
	}
	p.attempts.WithLabelValues(string(oc)).Inc()
	return more, nil
}

// TooLarge reports whether the broker (or the client) refused a message for
// its size: no retry can publish it. It suits Feed.Permanent.
func TooLarge(err error) bool {
	var mtl kafka.MessageTooLargeError
	return errors.As(err, &mtl) || errors.Is(err, kafka.MessageSizeTooLarge)
}
