package confirmfeed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/store"
)

// Headers of every published confirmation.
const (
	// HeaderIdempotencyKey is the outbox message id
	// (ingest.ConfirmationKafkaID), the same on every republish.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderKind is "confirmation".
	HeaderKind = "X-Feerecon-Kind"
)

// Producer publishes one message and returns once the broker acknowledged
// it. *kafkabus.Producer is one (acks=all).
type Producer interface {
	Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error
}

var _ Producer = (*kafkabus.Producer)(nil)

// OutboxTx is what the publisher needs inside a transaction; store.Tx has it.
type OutboxTx interface {
	Due(ctx context.Context, kind store.OutboxKind, now time.Time, limit int) ([]store.OutboxMessage, error)
	MarkDelivered(ctx context.Context, id string, at time.Time) error
	MarkFailed(ctx context.Context, id string, errText string, next time.Time, dead bool) error
}

// Store runs fn in a transaction: committed if fn returns nil, rolled back
// otherwise. FromStore adapts a store.Store.
type Store interface {
	InTx(ctx context.Context, fn func(tx OutboxTx) error) error
}

// FromStore adapts a store.Store to Store.
func FromStore(s store.Store) Store { return storeAdapter{s} }

type storeAdapter struct{ s store.Store }

func (a storeAdapter) InTx(ctx context.Context, fn func(OutboxTx) error) error {
	return a.s.InTx(ctx, func(tx store.Tx) error { return fn(tx) })
}

// ErrConfig is wrapped by configuration errors.
var ErrConfig = errors.New("confirmfeed: invalid configuration")

// Config configures a Publisher. Zero values take the defaults.
type Config struct {
	// Topic to publish to; default kafkabus.TopicConfirmed.
	Topic string
	// MaxAttempts before a message is dead; default 0: never, a broker
	// outage only delays confirmations. (A payload that is not a
	// confirmation is dead at once: no retry can publish it.)
	MaxAttempts int
	// BaseBackoff and MaxBackoff: after the n-th failed attempt the next
	// one waits a uniformly random duration in [0, min(MaxBackoff,
	// BaseBackoff·2^(n-1))] (full jitter); default 1s and 5m.
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
	//	feerecon_confirmfeed_attempts_total{outcome}  outcome: published, failed, dead
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

// Publisher publishes the outbox's Kafka confirmations (kind
// store.OutboxConfirmationKafka) to payments.confirmed.
type Publisher struct {
	st       Store
	prod     Producer
	cfg      Config
	log      *slog.Logger
	attempts *prometheus.CounterVec
}

// New builds a Publisher over st publishing with prod.
func New(st Store, prod Producer, cfg Config) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil || prod == nil {
		return nil, fmt.Errorf("%w: nil store or producer", ErrConfig)
	}
	if cfg.Topic == "" {
		cfg.Topic = kafkabus.TopicConfirmed
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.BaseBackoff > cfg.MaxBackoff {
		cfg.BaseBackoff = cfg.MaxBackoff
	}
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
	p := &Publisher{st: st, prod: prod, cfg: cfg, log: log.With(slog.String("topic", cfg.Topic)),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_confirmfeed_attempts_total",
			Help: "Attempts to publish confirmations to Kafka, by outcome (published, failed, dead).",
		}, []string{"outcome"}),
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(p.attempts); err != nil {
			return nil, fmt.Errorf("register confirmfeed metrics: %w", err)
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
			p.log.ErrorContext(ctx, "confirmfeed tick failed", slog.String("error", err.Error()))
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
		if err != nil {
			return res, err
		}
		if !more {
			break
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
	err = p.st.InTx(ctx, func(tx OutboxTx) error {
		oc = outcomeNone
		due, err := tx.Due(ctx, store.OutboxConfirmationKafka, p.cfg.Clock(), 1)
		if err != nil {
			return fmt.Errorf("outbox due %s: %w", store.OutboxConfirmationKafka, err)
		}
		if len(due) == 0 || tried[due[0].ID] {
			return nil
		}
		m := due[0]
		tried[m.ID] = true
		more = true
		log := p.log.With(slog.String("outbox_id", m.ID), slog.Int("attempt", m.Attempts+1))
		key, perr := Key(m.Payload)
		if perr != nil {
			oc = outcomeDead
			log.ErrorContext(ctx, "outbox payload is not a confirmation; dead", slog.String("error", perr.Error()))
			return tx.MarkFailed(ctx, m.ID, perr.Error(), p.cfg.Clock(), true)
		}
		perr = p.prod.Publish(ctx, p.cfg.Topic, key, m.Payload, map[string]string{
			HeaderIdempotencyKey: m.ID,
			HeaderKind:           string(store.OutboxConfirmation),
		})
		if perr == nil {
			if p.cfg.AfterPublish != nil {
				if err := p.cfg.AfterPublish(m); err != nil {
					return fmt.Errorf("after publish %s: %w", m.ID, err)
				}
			}
			oc = outcomePublished
			log.InfoContext(ctx, "confirmation published", slog.String("key", string(key)))
			return tx.MarkDelivered(ctx, m.ID, p.cfg.Clock())
		}
		if ctx.Err() != nil {
			// Shutting down: the attempt did not fail on its own; leave
			// the message as it was.
			return ctx.Err()
		}
		at := p.cfg.Clock()
		dead := p.cfg.MaxAttempts > 0 && m.Attempts+1 >= p.cfg.MaxAttempts
		next := at.Add(p.backoff(m.Attempts + 1))
		oc = outcomeFailed
		if dead {
			oc = outcomeDead
			log.ErrorContext(ctx, "confirmation dead after its last publish attempt", slog.String("error", perr.Error()))
		} else {
			log.WarnContext(ctx, "confirmation publish failed", slog.String("error", perr.Error()), slog.Time("next_attempt", next))
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

// ErrNotConfirmation: an outbox payload is not an ingest.Confirmation with
// a system and a notice id.
var ErrNotConfirmation = errors.New("payload is not a confirmation")

// Key is the Kafka key of a confirmation payload: "<system>/<notice_id>",
// the key notices.events uses for the same notice.
func Key(payload []byte) ([]byte, error) {
	var c ingest.Confirmation
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConfirmation, err)
	}
	if c.System == "" || c.NoticeID == "" {
		return nil, fmt.Errorf("%w: no system or notice_id", ErrNotConfirmation)
	}
	return []byte(c.System + "/" + c.NoticeID), nil
}

// backoff after the n-th failed attempt: full jitter in [0, min(MaxBackoff,
// BaseBackoff·2^(n-1))].
func (p *Publisher) backoff(n int) time.Duration {
	ceil := p.cfg.BaseBackoff
	for i := 1; i < n && ceil < p.cfg.MaxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.cfg.MaxBackoff)
	return time.Duration(p.cfg.Rand(int64(ceil) + 1))
}
