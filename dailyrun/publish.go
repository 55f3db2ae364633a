package dailyrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// Headers of every published report.
const (
	// HeaderIdempotencyKey is the outbox id (ReportKafkaID), the same on
	// every republish: a consumer deduplicates on it.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderKind is "report".
	HeaderKind = "X-Feerecon-Kind"
	// HeaderSHA256 is the report version's SHA-256.
	HeaderSHA256 = "X-Feerecon-Report-Sha256"
)

// Producer publishes one message and returns once the broker acknowledged
// it. *kafkabus.Producer is one (acks=all).
type Producer interface {
	Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error
}

var _ Producer = (*kafkabus.Producer)(nil)

// PublisherConfig configures a Publisher. Zero values take the defaults.
type PublisherConfig struct {
	// Topic; default kafkabus.TopicTreasuryReports.
	Topic string
	// BaseBackoff and MaxBackoff bound the wait after a failed publish
	// (full jitter, doubling); default 1s and 5m. A broker outage only
	// delays reports: a message is never given up (a payload that is not
	// a report is dead at once).
	BaseBackoff, MaxBackoff time.Duration
	// Batch bounds the messages per Tick; default 100.
	Batch int
	// Interval between Ticks in Run; default 1s.
	Interval time.Duration
	// Clock and Rand ([0, n)) for tests; default time.Now, rand.Int64N.
	Clock  func() time.Time
	Rand   func(n int64) int64
	Logger *slog.Logger
}

// Publisher publishes the outbox's report_kafka messages to
// treasury.reports, keyed "<date>/<agency>", one transaction per message:
// a crash between the publish and the commit republishes the same message
// with the same Idempotency-Key.
type Publisher struct {
	st   store.Store
	prod Producer
	cfg  PublisherConfig
	log  *slog.Logger
}

// NewPublisher builds a Publisher.
func NewPublisher(st store.Store, prod Producer, cfg PublisherConfig) (*Publisher, error) {
	var errs []error
	if st == nil || prod == nil {
		errs = append(errs, fmt.Errorf("%w: nil store or producer", ErrConfig))
	}
	if cfg.BaseBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Interval < 0 || cfg.Batch < 0 {
		errs = append(errs, fmt.Errorf("%w: negative duration or batch", ErrConfig))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Topic == "" {
		cfg.Topic = kafkabus.TopicTreasuryReports
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
	return &Publisher{st: st, prod: prod, cfg: cfg, log: log.With(slog.String("topic", cfg.Topic))}, nil
}

// PublishResult counts what a Tick did.
type PublishResult struct{ Published, Failed, Dead int }

// Run ticks every Interval until ctx ends, then returns nil.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := p.Tick(ctx); err != nil && ctx.Err() == nil {
			p.log.ErrorContext(ctx, "report publisher tick failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick publishes the messages due now, up to Batch, each tried once.
func (p *Publisher) Tick(ctx context.Context) (PublishResult, error) {
	var res PublishResult
	tried := map[string]bool{}
	for range p.cfg.Batch {
		more, err := p.one(ctx, tried, &res)
		if err != nil || !more {
			return res, err
		}
	}
	return res, nil
}

func (p *Publisher) one(ctx context.Context, tried map[string]bool, res *PublishResult) (more bool, err error) {
	var r PublishResult
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		r = PublishResult{}
		due, err := tx.Due(ctx, store.OutboxReportKafka, p.cfg.Clock(), 1)
		if err != nil {
			return fmt.Errorf("outbox due %s: %w", store.OutboxReportKafka, err)
		}
		if len(due) == 0 || tried[due[0].ID] {
			return nil
		}
		m := due[0]
		tried[m.ID] = true
		more = true
		log := p.log.With(slog.String("outbox_id", m.ID), slog.Int("attempt", m.Attempts+1))
		key, sum, perr := reportKey(m.Payload)
		if perr != nil {
			r.Dead++
			log.ErrorContext(ctx, "outbox payload is not a report; dead", slog.String("error", perr.Error()))
			return tx.MarkFailed(ctx, m.ID, perr.Error(), p.cfg.Clock(), true)
		}
		perr = p.prod.Publish(ctx, p.cfg.Topic, key, m.Payload, map[string]string{
			HeaderIdempotencyKey: m.ID, HeaderKind: string(store.OutboxReport), HeaderSHA256: sum,
		})
		if perr == nil {
			r.Published++
			log.InfoContext(ctx, "report published", slog.String("key", string(key)))
			return tx.MarkDelivered(ctx, m.ID, p.cfg.Clock())
		}
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: leave the message as it was
		}
		if tooLarge(perr) {
			// No retry can publish it: dead, for an operator to see (the
			// report is stored and goes to the treasury by webhook).
			r.Dead++
			log.ErrorContext(ctx, "report larger than the broker accepts; dead", slog.String("error", perr.Error()))
			return tx.MarkFailed(ctx, m.ID, perr.Error(), p.cfg.Clock(), true)
		}
		r.Failed++
		next := p.cfg.Clock().Add(p.backoff(m.Attempts + 1))
		log.WarnContext(ctx, "report publish failed", slog.String("error", perr.Error()), slog.Time("next_attempt", next))
		return tx.MarkFailed(ctx, m.ID, perr.Error(), next, false)
	})
	if err != nil {
		return false, err
	}
	res.Published += r.Published
	res.Failed += r.Failed
	res.Dead += r.Dead
	return more, nil
}

// ErrNotReport: an outbox payload is not a daily report.
var ErrNotReport = errors.New("payload is not a daily report")

// reportKey is the Kafka key of a report payload, "<date>/<agency>" (every
// version of a scope on one partition, in order), and its SHA-256.
func reportKey(payload []byte) ([]byte, string, error) {
	var r struct {
		BusinessDate payment.Date `json:"business_date"`
		Agency       string       `json:"agency"`
		SHA256       string       `json:"sha256"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrNotReport, err)
	}
	if r.BusinessDate.IsZero() || r.Agency == "" || r.SHA256 == "" {
		return nil, "", fmt.Errorf("%w: no business_date, agency or sha256", ErrNotReport)
	}
	return []byte(r.BusinessDate.String() + "/" + r.Agency), r.SHA256, nil
}

// tooLarge reports whether the broker (or the client) refused the message
// for its size.
func tooLarge(err error) bool {
	var mtl kafka.MessageTooLargeError
	return errors.As(err, &mtl) || errors.Is(err, kafka.MessageSizeTooLarge)
}

func (p *Publisher) backoff(n int) time.Duration {
	ceil := p.cfg.BaseBackoff
	for i := 1; i < n && ceil < p.cfg.MaxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.cfg.MaxBackoff)
	return time.Duration(p.cfg.Rand(int64(ceil) + 1))
}
